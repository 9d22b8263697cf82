"""`Tensor.register_post_accumulate_grad_hook`: PyTorch's hook after a leaf's `.grad` is added
into, used to fuse an optimizer step into backward (PyTorch's tutorial "How to save memory by
fusing the optimizer step into the backward pass"). Both devices (eager conftest)."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import dualgrad as dg
from dualgrad.errors import GraphError


def _net(rng):
    return dg.nn.Sequential(dg.nn.Linear(4, 8), dg.nn.Tanh(), dg.nn.Linear(8, 2))


def test_an_optimizer_step_fused_into_backward_trains_as_the_usual_loop():
    """The tutorial's pattern: one optimizer per parameter, stepped by the hook, .grad freed."""
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((16, 4)), rng.standard_normal((16, 2))
    dg.manual_seed(0)
    fused = _net(rng)
    dg.manual_seed(0)
    usual = _net(rng)
    optimizers = {p: dg.optim.SGD([p], lr=0.1, momentum=0.9) for p in fused.parameters()}

    def step(p):
        optimizers[p].step()
        optimizers[p].zero_grad(set_to_none=True)

    for p in fused.parameters():
        p.register_post_accumulate_grad_hook(step)
    opt = dg.optim.SGD(usual.parameters(), lr=0.1, momentum=0.9)
    data = dg.tensor(x, dtype=dg.float32), dg.tensor(y, dtype=dg.float32)
    for _ in range(5):
        dg.nn.functional.mse_loss(fused(data[0]), data[1]).backward()
        opt.zero_grad()
        dg.nn.functional.mse_loss(usual(data[0]), data[1]).backward()
        opt.step()
    for a, b in zip(fused.parameters(), usual.parameters(), strict=True):
        assert a.grad is None  # the hook freed it
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-6, atol=1e-7)


def test_the_hook_sees_the_accumulated_grad_once_per_backward_and_can_be_removed():
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    handle = x.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.numpy().copy()))
    (x * 3).sum().backward()
    (x * x).sum().backward()
    assert [s.tolist() for s in seen] == [[3.0, 3.0], [5.0, 7.0]]  # after each accumulation
    dg.autograd.grad((x * 2).sum(), x)  # nothing accumulated: no call
    (x * 1).sum().backward(inputs=[x])  # a leaf in `inputs` is accumulated: called
    assert len(seen) == 3
    handle.remove()
    (x * 3).sum().backward()
    assert len(seen) == 3


def test_refusals_are_pytorchs():
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(GraphError, match="cannot be registered on non-leaf tensors"):
        (x * 2).register_post_accumulate_grad_hook(lambda t: None)
    with pytest.raises(GraphError, match="doesn't require gradient"):
        dg.tensor([1.0]).register_post_accumulate_grad_hook(lambda t: None)
    handle = x.register_post_accumulate_grad_hook(lambda t: t * 5)
    with pytest.raises(RuntimeError, match="Tensor post accumulate grad hooks should return None"):
        (x * 3).sum().backward()
    handle.remove()
    x.register_post_accumulate_grad_hook(lambda t: 1)
    with pytest.raises(TypeError, match="expected Variable, but hook returned 'int'"):
        (x * 3).sum().backward()


def test_matches_torch(torch):
    calls = {}
    for lib in (torch, dg):
        x = lib.tensor([1.0, -2.0, 0.5], requires_grad=True)
        got = []
        x.register_post_accumulate_grad_hook(lambda t, got=got: got.append(t.grad.clone().numpy()))
        for _ in range(2):
            (x.sin() * x).sum().backward()
        calls[lib.__name__] = got
    for a, b in zip(calls["dualgrad"], calls["torch"], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_a_compiled_step_runs_the_hooks_inside_its_program():
    """dg.compile traces the hooks' optimizer steps into the step (its guards see the hook list)."""
    rng = np.random.default_rng(1)
    x = dg.tensor(rng.standard_normal((16, 4)), dtype=dg.float32)
    y = dg.tensor(rng.standard_normal((16, 2)), dtype=dg.float32)

    def train(compiled: bool) -> list:
        dg.manual_seed(0)
        net = _net(rng)
        optimizers = {p: dg.optim.SGD([p], lr=0.1) for p in net.parameters()}

        def hook(p):
            optimizers[p].step()
            optimizers[p].zero_grad(set_to_none=True)

        for p in net.parameters():
            p.register_post_accumulate_grad_hook(hook)

        def step(x, y):
            loss = dg.nn.functional.mse_loss(net(x), y)
            loss.backward()
            return loss

        run = dg.compile(step) if compiled else step
        return [float(run(x, y)) for _ in range(4)]

    eager = train(False)
    assert eager[-1] < eager[0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (a fallback to eager warns: none here)
        compiled = train(True)
    np.testing.assert_allclose(compiled, eager, rtol=1e-5)
