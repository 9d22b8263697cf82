"""Lazy jax tensors against eager ones: random training programs (forward through broadcasting
ops, a reduction, backward or autograd.grad, an SGD update under no_grad, several steps) run on
the jax device with `dg.set_lazy_enabled(True)` and without, and on the cpu device (numpy) as
the independent oracle. Lazy and eager jax run the same registry kernels, grouped into other
programs, so they agree to float32 rounding; the cpu device agrees to float tolerance."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
from dualgrad.eager.lazy import Pending

pytestmark = pytest.mark.cpu_only  # (each example runs on both devices itself)

UNARY = ["tanh", "sin", "relu", "sigmoid", "square", "neg", "exp_small", "abs", "softmax", "transpose_twice"]
BINARY = ["add_row", "mul_col", "sub_scalar", "matmul_w", "mul_x", "div_scalar", "maximum_b", "where_pos"]
ENDINGS = ["sum", "mean", "sum_axis_mean", "max", "logsumexp"]


def apply(name: str, h, x, w, b, s: float):
    if name == "exp_small":
        return (h * 0.1).exp()
    if name == "neg":
        return -h
    if name == "softmax":
        return dg.softmax(h, dim=-1)
    if name == "transpose_twice":
        return h.t().contiguous().t()
    if name in UNARY:
        return getattr(h, name)()
    return {"add_row": lambda: h + b, "mul_col": lambda: h * x[:, :1], "sub_scalar": lambda: h - s,
            "matmul_w": lambda: h @ w, "mul_x": lambda: h * x, "div_scalar": lambda: h / (1.0 + abs(s)),
            "maximum_b": lambda: dg.maximum(h, b), "where_pos": lambda: dg.where(h > 0, h, h * s)}[name]()


def end(ending: str, h):
    if ending == "sum_axis_mean":
        return h.sum(dim=1).mean()
    if ending == "logsumexp":
        return dg.logsumexp(h, dim=0).sum()
    return getattr(h, ending)()


def grads(loss, w, b, use_grad_fn: bool) -> tuple:
    if use_grad_fn:
        return dg.autograd.grad(loss, [w, b])
    loss.backward()
    return w.grad, b.grad


def run(program: list, ending: str, use_grad_fn: bool, scalars: list, device: str, lazy: bool, arrays):
    x, w, b = (dg.tensor(a, device=device, requires_grad=i > 0) for i, a in enumerate(arrays))
    seen = []
    with dg.set_lazy_enabled(lazy):
        for s in scalars:
            h = x @ w + b
            for name in program:
                h = apply(name, h, x, w, b, s)
            loss = end(ending, h)
            gw, gb = grads(loss, w, b, use_grad_fn)
            with dg.no_grad():
                w.sub_(0.05 * gw)
                b -= 0.05 * gb
            w.grad = b.grad = None
            seen.append([loss.detach(), h.detach(), gw, gb])
        pending = any(type(t) is Pending for t in (w, b, *seen[-1]))
        seen.append([w.detach(), b.detach()])
        return [[t.numpy().astype(np.float64) for t in row] for row in seen], pending


@settings(max_examples=8, deadline=None)  # (each example compiles its lazy and eager programs)
@given(program=st.lists(st.sampled_from(UNARY + BINARY), min_size=1, max_size=6),
       ending=st.sampled_from(ENDINGS), use_grad_fn=st.booleans(),
       scalars=st.lists(st.sampled_from([0.5, -0.25, 2.0]), min_size=2, max_size=4),
       seed=st.integers(0, 2**16))
def test_lazy_runs_equal_eager_runs(program, ending, use_grad_fn, scalars, seed):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(shape).astype(np.float32) for shape in ((3, 4), (4, 4), (4,))]
    arrays[1] *= 0.5
    lazy, pending = run(program, ending, use_grad_fn, scalars, "jax", True, arrays)
    eager, eager_pending = run(program, ending, use_grad_fn, scalars, "jax", False, arrays)
    oracle, _ = run(program, ending, use_grad_fn, scalars, "cpu", False, arrays)
    assert pending and not eager_pending  # (the lazy run did record)
    for got, want, cpu in zip(lazy, eager, oracle, strict=True):
        for a, b, c in zip(got, want, cpu, strict=True):
            scale = 1.0 + np.abs(c[np.isfinite(c)]).max(initial=0.0)  # (a NaN made atol NaN)
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5 * scale)
            np.testing.assert_allclose(a, c, rtol=1e-4, atol=1e-4 * scale)
