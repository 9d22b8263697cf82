"""Helpers the dg.compile tests share: twin states and comparisons of compiled vs eager."""
from __future__ import annotations

import warnings

import numpy as np

import dualgrad as dg


def same(a, b, backend: str, rtol: float = 2e-5) -> None:
    """Bit-for-bit on the numpy interpreter, to float32 tolerance (`rtol`) on XLA."""
    a = a.detach().numpy() if isinstance(a, dg.Tensor) else np.asarray(a)
    b = b.detach().numpy() if isinstance(b, dg.Tensor) else np.asarray(b)
    assert a.shape == b.shape and a.dtype == b.dtype
    if backend == "numpy":
        np.testing.assert_array_equal(a, b)
    else:
        np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol / 10)


def runs_agree(run, program, backend: str, parameters=lambda state: state) -> None:
    """`run(program, None)` (eager) and `run(program, backend)` (compiled) return the same
    losses and leave the same `parameters(state)`; `run` returns (losses, state)."""
    want, eager_state = run(program, None)
    got, state = run(program, backend)
    for g, w in zip(got, want, strict=True):
        same(g, w, backend)
    same_tensors(parameters(state), parameters(eager_state), backend)


def same_tensors(xs, ys, backend: str) -> None:
    xs, ys = list(xs), list(ys)
    assert len(xs) == len(ys)
    for x, y in zip(xs, ys, strict=True):
        same(x, y, backend)
        assert (x.grad is None) == (y.grad is None)
        if x.grad is not None:
            same(x.grad, y.grad, backend)


def mse_step(model, opt):
    """The PyTorch training step most of these tests compile: zero_grad, a mean squared
    error, backward, the optimizer's step; the loss."""

    def step(x, y):
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
        return loss

    return step


def quietly(fn, /, *args, **kwargs):
    """Call `fn`, failing the test on any dg.compile fallback warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        return fn(*args, **kwargs)
