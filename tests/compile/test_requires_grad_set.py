"""A step that sets `requires_grad` (`p.requires_grad_(False)` to freeze a layer,
`x.requires_grad_()` for an input gradient) leaves it set after each compiled call, as
eagerly; before, the trace put the flag back and no call set it, so a frozen layer kept
training, silently. A step writing a value that requires grad into a tensor it reaches (its
history would outlive the call) runs eagerly. Oracle: the same calls run eagerly."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import dualgrad as dg
from dualgrad import nn, optim
from dualgrad.errors import CompileWarning

from .steps import quietly, same, same_tensors


def freeze_loop(backend: str | None, freeze_at: int):
    dg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    opt = optim.SGD(model.parameters(), lr=0.1)

    def step(x, y, freeze):
        opt.zero_grad()
        if freeze:
            model[0].weight.requires_grad_(False)  # the first layer's weight stops training
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
        return loss

    f = step if backend is None else dg.compile(step, backend=backend)
    rng = np.random.default_rng(0)
    losses = []
    for i in range(4):
        x = dg.tensor(rng.standard_normal((5, 3)).astype(np.float32))
        y = dg.tensor(rng.standard_normal((5, 2)).astype(np.float32))
        losses.append(quietly(f, x, y, i >= freeze_at))
    return losses, model


@pytest.mark.parametrize("backend, freeze_at", [("numpy", 0), ("numpy", 2)])  # (set after any backend's run)
def test_a_layer_frozen_inside_the_step_stays_frozen(backend, freeze_at):
    want, eager_model = freeze_loop(None, freeze_at)
    got, model = freeze_loop(backend, freeze_at)
    for g, w in zip(got, want, strict=True):
        same(g, w, backend)
    same_tensors(model.parameters(), eager_model.parameters(), backend)
    flags = [p.requires_grad for p in model.parameters()]
    assert flags == [p.requires_grad for p in eager_model.parameters()]


def test_an_input_gradient_leaves_the_argument_requiring_grad():
    w = dg.tensor([1.0, -2.0, 0.5])

    def saliency(x):
        x.requires_grad_()
        (x * w).square().sum().backward()
        return x.grad

    f = dg.compile(saliency, backend="numpy")
    for i in range(3):
        x, x_eager = dg.tensor([1.0, 2.0, 3.0]) * (i + 1), dg.tensor([1.0, 2.0, 3.0]) * (i + 1)
        same(quietly(f, x), saliency(x_eager), "numpy")
        assert x.requires_grad and x_eager.requires_grad
        same(x.grad, x_eager.grad, "numpy")


def test_a_value_requiring_grad_written_into_a_captured_tensor_runs_eagerly():
    w = dg.tensor([1.0, 2.0], requires_grad=True)
    buf = dg.zeros(2)

    def step(x):
        buf.copy_(w * x)  # buf takes w's history eagerly
        return buf.sum()

    f = dg.compile(step, backend="numpy")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = f(dg.tensor([3.0, 4.0]))
    assert any(issubclass(c.category, CompileWarning) and "runs eagerly" in str(c.message) for c in caught)
    assert out.item() == 11.0 and buf.grad_fn is not None  # as eagerly
