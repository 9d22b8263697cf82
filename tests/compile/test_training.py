"""nn + optim training loops compiled against the same loops run eagerly: losses, parameters,
`.grad` and optimizer state after every step; `.grad` semantics across calls."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import dualgrad as dg
from dualgrad import nn, optim

from .steps import same, same_tensors


def setup(seed: int, opt_kind: str):
    dg.manual_seed(seed)
    model = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 3))
    if opt_kind == "sgd":
        opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3)
    else:
        opt = optim.Adam(model.parameters(), lr=0.01)
    return model, opt


def batches(n: int):
    rng = np.random.default_rng(5)
    for _ in range(n):
        x = rng.standard_normal((6, 5)).astype(np.float32)
        y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 6)]
        yield dg.tensor(x), dg.tensor(y)


def train(compiled: str | None, opt_kind: str = "sgd", steps: int = 4):
    model, opt = setup(0, opt_kind)
    loss_fn = nn.CrossEntropyLoss()

    def step(x, y):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()  # STEP
        return loss

    f = step if compiled is None else dg.compile(step, backend=compiled)
    losses = [f(x, y) for x, y in batches(steps)]
    return losses, model, opt, f


@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_sgd_training_loop_matches_eager(backend):
    want, eager_model, eager_opt, _ = train(None)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        got, model, opt, f = train(backend)
    for g, w in zip(got, want, strict=True):
        same(g, w, backend)
    same_tensors(model.parameters(), eager_model.parameters(), backend)
    for p, q in zip(model.parameters(), eager_model.parameters(), strict=True):
        same(opt.state[p]["momentum_buffer"], eager_opt.state[q]["momentum_buffer"], backend)
    assert len(f.programs) == 2  # the first step creates the momentum buffers


@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_grad_accumulates_across_calls_as_eagerly_and_zero_grad_is_seen(backend):
    def run(compiled):
        w = dg.tensor([1.0, -2.0, 0.5], requires_grad=True)

        def step(x):
            (w * x).square().sum().backward()  # no zero_grad: .grad accumulates

        f = step if compiled is None else dg.compile(step, backend=compiled)
        x = dg.tensor([0.5, 1.0, 2.0])
        grads = []
        for i in range(3):
            f(x * (i + 1))
            grads.append(w.grad.clone())
        w.grad = None  # eager code between calls: the next call starts from no .grad
        f(x)
        grads.append(w.grad.clone())
        return grads, f

    want, _ = run(None)
    got, f = run(backend)
    for g, e in zip(got, want, strict=True):
        same(g, e, backend)
    assert len(f.programs) == 2  # no .grad, then a .grad; no .grad again is the first trace


def test_outputs_are_detached_values_and_inputs_changed_in_place_are_written_back():
    def step(x):
        x.mul_(2.0)
        return x.sum(), {"twice": x * 1.0, "note": "kept"}

    f = dg.compile(step, backend="numpy")
    x = dg.tensor([1.0, 2.0])
    total, extra = f(x)
    np.testing.assert_array_equal(x.numpy(), [2.0, 4.0])
    assert total.item() == 6.0 and total.grad_fn is None and not total.requires_grad
    np.testing.assert_array_equal(extra["twice"].numpy(), [2.0, 4.0])
    assert extra["note"] == "kept"


@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_grad_of_each_calls_own_argument(backend):
    """The input's .grad lands on the tensor passed in this call, not the traced one."""
    w = dg.tensor([2.0, -1.0])

    def step(x):
        (x * w).square().sum().backward()

    f = dg.compile(step, backend=backend)
    xs = [dg.tensor([float(i), 2.0], requires_grad=True) for i in range(3)]
    for x in xs:
        f(x)
    for i, x in enumerate(xs):
        want = 2 * (np.array([i, 2.0]) * [2.0, -1.0]) * [2.0, -1.0]
        same(x.grad, want.astype(np.float32), backend)
    assert len(f.programs) == 1


@pytest.mark.parametrize("alias", ["data", "detach"])
def test_in_place_updates_through_data_and_detach_reach_the_parameter(alias):
    """Old-style `p.data.sub_(lr * p.grad)`: the write goes through the alias, as eagerly."""
    def run(compiled):
        w = dg.tensor([1.0, 2.0], requires_grad=True)

        def step(x):
            loss = (w * x).square().sum()
            loss.backward()
            with dg.no_grad():
                (w.data if alias == "data" else w.detach()).sub_(0.1 * w.grad)
            w.grad = None
            return loss

        f = step if compiled is None else dg.compile(step, backend=compiled)
        return [f(dg.tensor([1.0, 3.0])) for _ in range(3)], w

    want, w_eager = run(None)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        got, w = run("numpy")
    for g, e in zip(got, want, strict=True):
        same(g, e, "numpy")
    same(w, w_eager, "numpy")
    assert not np.array_equal(w.detach().numpy(), [1.0, 2.0])
