"""dg.compile of steps on jax-device tensors (device='jax' here; 'cuda' on a GPU): the same
values as the eager step on that device, and everything stays there — parameters, `.grad`s,
optimizer state and results are jax arrays, never copied to the host between calls."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
from dualgrad.backend import is_jax_array

from .steps import quietly, same, same_tensors
from .test_differential import ENDINGS, make_step, optimizer_run, twins, xla_programs

DEVICE = "jax"


def on_device(t) -> bool:
    return is_jax_array(t._data) and t.device == dg.zeros(1, device=DEVICE).device


@settings(max_examples=3, deadline=None)  # each example compiles an XLA program: kept few
@given(xla_programs, st.sampled_from(ENDINGS), st.integers(0, 2**16), st.booleans())
def test_random_programs_on_the_device_equal_the_eager_step_there(program, ending, seed, use_grad_fn):
    (x1, w1, b1), (x2, w2, b2) = twins(seed, DEVICE)
    eager = make_step(program, ending, 0.1, w1, b1, use_grad_fn)
    compiled = dg.compile(make_step(program, ending, 0.1, w2, b2, use_grad_fn))
    for i in range(2):  # (as the XLA test: a third SGD step of a squared program reaches 1e9,
        got = quietly(compiled, x2 * (i + 1))  # where float32's tolerance is a matter of order)
        want = eager(x1 * (i + 1))
        for g, e in zip(got, want, strict=True):
            assert on_device(g)
            same(g, e, "jax")
        same_tensors([w2, b2], [w1, b1], "jax")
        assert on_device(w2) and on_device(b2)
    assert len(compiled.programs) == 1


def test_a_training_loop_on_the_device_keeps_parameters_grads_and_state_there():
    want, eager_model, eager_opt, _ = optimizer_run("adam", {"lr": 0.05}, None, 12, 1, DEVICE)
    got, model, opt, f = optimizer_run("adam", {"lr": 0.05}, "jax", 12, 1, DEVICE)
    for g, w in zip(got, want, strict=True):
        assert on_device(g)
        same(g, w, "jax")
    same_tensors(model.parameters(), eager_model.parameters(), "jax")
    for p, q in zip(model.parameters(), eager_model.parameters(), strict=True):
        assert on_device(p) and on_device(p.grad)
        for key in ("exp_avg", "exp_avg_sq"):
            assert on_device(opt.state[p][key])
            same(opt.state[p][key], eager_opt.state[q][key], "jax")
    assert float(opt.state[p]["step"]) == 12
    program = list(f.programs.values())[-1]
    held = {id(a) for a in program.session._values.values()}
    assert all(id(p._data) in held for p in model.parameters())  # the Session's arrays: no copies


def test_aliases_follow_their_tensor_and_eager_changes_between_calls_are_seen():
    """An alias made before a call (`.detach()`) reads its tensor's values after the calls, as
    eagerly (and as shared memory does on the CPU and in PyTorch); nothing is donated under
    it; an eager in-place update between calls is loaded before the next one."""
    results = []
    for compiled in (False, True):
        w = dg.tensor([1.0, -2.0, 3.0], requires_grad=True, device=DEVICE)

        def step(x, w=w):
            loss = (w * x).pow(2).sum()
            loss.backward()
            with dg.no_grad():
                w.sub_(0.1 * w.grad)
            w.grad = None
            return loss

        f = dg.compile(step) if compiled else step
        x = dg.tensor([0.5, 1.0, 2.0], device=DEVICE)
        quietly(f, x)
        alias = w.detach()
        f(x)
        with dg.no_grad():
            w.mul_(0.5)
        loss = quietly(f, x)
        results.append((alias.numpy().copy(), w.detach().numpy().copy(), loss.item()))
        if compiled:
            assert [type(p).__name__ for p in f.programs.values()] == ["Program"]
        assert on_device(w) and on_device(alias)
    (a1, w1, l1), (a2, w2, l2) = results
    np.testing.assert_array_equal(a1, w1)  # (eagerly the alias follows w)
    np.testing.assert_allclose(a2, a1, rtol=1e-6)
    np.testing.assert_allclose(w2, w1, rtol=1e-6)
    assert l2 == pytest.approx(l1, rel=1e-6)


def test_a_failing_check_raises_in_its_call_and_changes_nothing():
    """Runs on the device return once dispatched (as eager jax ops do), but a step with a
    check (class labels in range) still waits for it: the call raises and commits nothing."""
    dg.manual_seed(3)
    model = dg.nn.Linear(4, 3).to(DEVICE)
    opt = dg.optim.SGD(model.parameters(), lr=0.1)

    def step(x, y):
        opt.zero_grad()
        loss = dg.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    f = dg.compile(step)
    x = dg.tensor(np.ones((2, 4), np.float32), device=DEVICE)
    for _ in range(2):
        quietly(f, x, dg.tensor([0, 2], device=DEVICE))
    before = [p.detach().numpy().copy() for p in model.parameters()]
    with pytest.raises(IndexError, match="Target 7 is out of bounds"):
        f(x, dg.tensor([0, 7], device=DEVICE))
    for p, b in zip(model.parameters(), before, strict=True):
        np.testing.assert_array_equal(p.detach().numpy(), b)
        assert on_device(p)
    assert quietly(f, x, dg.tensor([1, 1], device=DEVICE)).item() > 0  # and it goes on


def test_a_host_tensor_the_step_updates_stays_on_the_host():
    """A step on device tensors that also counts in a numpy-backed tensor: the counter is
    written back into its host storage (waited for first: the call is asynchronous), the
    parameter stays on the device, as eagerly."""
    results = []
    for compiled in (False, True):
        w = dg.tensor([1.0, -2.0], requires_grad=True, device=DEVICE)
        count = dg.zeros(())
        storage = count._data

        def step(x, w=w, count=count):
            loss = (w * x).pow(2).sum()
            loss.backward()
            with dg.no_grad():
                w.sub_(0.1 * w.grad)
                count.add_(1.0)
            w.grad = None
            return loss

        f = dg.compile(step) if compiled else step
        x = dg.tensor([0.5, 1.5], device=DEVICE)
        for _ in range(3):
            quietly(f, x)
        assert on_device(w) and type(count._data) is np.ndarray and count._data is storage
        results.append((w.detach().numpy().copy(), count.item()))
    (w1, c1), (w2, c2) = results
    np.testing.assert_allclose(w2, w1, rtol=1e-6)
    assert c1 == c2 == 3.0


def test_a_step_that_moves_its_batch_to_the_device_compiles():
    """`x = x.to(device)` inside the step, PyTorch's idiom: in the trace a move is a view of
    the value (one program, one device); before, the move needed the value and the step ran
    eagerly. Oracle: the eager loop."""
    from dualgrad import nn, optim

    def run(compiled: bool):
        dg.manual_seed(0)
        model = nn.Linear(3, 1).to("jax")
        opt = optim.SGD(model.parameters(), lr=0.1)

        def step(x, y):
            x, y = x.to("jax"), y.to("jax")
            opt.zero_grad()
            loss = ((model(x) - y) ** 2).mean()
            loss.backward()
            opt.step()
            return loss

        f = dg.compile(step) if compiled else step
        losses = [quietly(f, dg.ones(4, 3) * (i + 1), dg.ones(4, 1)) for i in range(3)]
        return losses, list(model.parameters())

    losses, params = run(True)
    eager_losses, eager_params = run(False)
    for a, b in zip(losses, eager_losses, strict=True):
        assert is_jax_array(a._data)
        same(a, b, "jax")
    same_tensors(params, eager_params, "jax")


def test_a_step_that_moves_a_value_off_the_device_runs_eagerly():
    """A jax step returning `loss.to('cpu')`: in the trace a move is a view, so the value would
    come back on the device; such a step runs eagerly (with the warning), and its results are
    the eager ones, on the CPU."""
    from dualgrad import nn, optim
    from dualgrad.errors import CompileWarning

    def run(compiled: bool):
        dg.manual_seed(0)
        model = nn.Linear(3, 1).to("jax")
        opt = optim.SGD(model.parameters(), lr=0.1)
        x, y = dg.ones(4, 3, device="jax"), dg.ones(4, 1, device="jax")

        def step():
            opt.zero_grad()
            loss = ((model(x) - y) ** 2).mean()
            loss.backward()
            opt.step()
            return loss.to("cpu")

        f = dg.compile(step) if compiled else step
        return [f() for _ in range(3)], list(model.parameters())

    with pytest.warns(CompileWarning, match="moves a value to 'cpu'"):
        losses, params = run(True)
    eager_losses, eager_params = run(False)
    for a, b in zip(losses, eager_losses, strict=True):
        assert a.device == "cpu"
        same(a, b, "jax")
    same_tensors(params, eager_params, "jax")
