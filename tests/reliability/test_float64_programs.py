"""Issue 10: random float64 programs, differential. Hypothesis draws a program (an input made
from Python floats, then elementwise ops, broadcasting constants made by a random creation
path, Python-float scalars, reductions and matrix products); dualgrad runs it eagerly, numpy
float64 runs it as the value oracle (agreement to 1e-12 relative, elementwise) and jax float64
differentiates it as the gradient oracle (agreement to 1e-10 relative).

Why 1e-12 means something here: every value stays positive and every op is monotone on the
positive reals with a bounded condition number (exp(-h) only while h <= 50, tanh and sigmoid
only where 1 - y**2 and 1 - y do not cancel), so no op amplifies a last-bit difference past
1e-13. A float32 rounding anywhere on the way (creation, a Python scalar, a cast) shows up at
1e-8 and fails. The same holds for the gradient: each op's derivative has one sign on the
positive reals, so a gradient entry is a sum of terms of one sign, with no cancellation."""
from __future__ import annotations

import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dualgrad as dg

from .report import report

EXAMPLES = int(os.environ.get("DUALGRAD_FUZZ_EXAMPLES", "25"))
VALUE_RTOL, GRAD_RTOL = 1e-12, 1e-10


def _sigmoid(m, h):
    return 1 / (1 + m.exp(-h))


# name -> (dualgrad, oracle on module m (numpy or jax.numpy), allowed(low, high) of the current values)
UNARY = {
    "exp(-h)": (lambda h: dg.exp(-h), lambda m, h: m.exp(-h), lambda lo, hi: hi <= 50),
    "tanh": (dg.tanh, lambda m, h: m.tanh(h), lambda lo, hi: hi <= 3),
    "sigmoid": (dg.sigmoid, _sigmoid, lambda lo, hi: hi <= 5),
    "log1p": (dg.log1p, lambda m, h: m.log1p(h), lambda lo, hi: True),
    "sqrt": (dg.sqrt, lambda m, h: m.sqrt(h), lambda lo, hi: True),
    "square": (dg.square, lambda m, h: h * h, lambda lo, hi: 1e-40 <= lo and hi <= 1e40),
    "reciprocal": (dg.reciprocal, lambda m, h: 1 / h, lambda lo, hi: True),
    "transpose": (lambda h: h.T, lambda m, h: h.T, lambda lo, hi: True),
}
# name -> (dualgrad, oracle) of h and a constant c (a Python float or a tensor/array)
BINARY = {
    "mul": (lambda h, c: h * c, lambda h, c: h * c),
    "add": (lambda h, c: h + c, lambda h, c: h + c),
    "div": (lambda h, c: h / c, lambda h, c: h / c),
    "rdiv": (lambda h, c: c / h, lambda h, c: c / h),
    "pow": (lambda h, c: h**c, lambda h, c: h**c),
}
REDUCE = {
    "sum": (lambda h, d: h.sum(dim=d, keepdim=True), lambda m, h, d: m.sum(h, axis=d, keepdims=True)),
    "mean": (lambda h, d: h.mean(dim=d, keepdim=True), lambda m, h, d: m.mean(h, axis=d, keepdims=True)),
}
# ways to make a float64 constant of `shape` from nested Python floats (or one float to fill)
CREATE = {
    "tensor": lambda v, shape, x: dg.tensor(v, dtype=dg.float64),
    "as_tensor": lambda v, shape, x: dg.as_tensor(v, dtype=dg.float64),
    "new_tensor": lambda v, shape, x: x.new_tensor(v),
    "DoubleTensor": lambda v, shape, x: dg.DoubleTensor(v) if shape else dg.tensor(v, dtype=float),
    "tensor of numpy": lambda v, shape, x: dg.tensor(np.array(v)),
    "full": lambda v, shape, x: dg.full(shape, _first(v), dtype=dg.float64),
    "new_full": lambda v, shape, x: x.new_full(shape, _first(v)),
}


def _first(v):
    while isinstance(v, list):
        v = v[0]
    return v


def _nested(shape, values):
    if not shape:
        return values.pop()
    return [_nested(shape[1:], values) for _ in range(shape[0])]


positive = st.floats(0.1, 10.0)
near_one = st.floats(0.5, 2.0)


@st.composite
def programs(draw):
    """(input as nested Python floats, steps); each step is (kind, name, argument) and the
    values it reaches are kept within (1e-100, 1e100) by the ops' `allowed` predicates."""
    m, n = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    x = _nested((m, n), draw(st.lists(positive, min_size=m * n, max_size=m * n)))
    h = np.array(x)
    steps = []
    for _ in range(draw(st.integers(1, 7))):
        lo, hi = float(h.min()), float(h.max())
        kind = draw(st.sampled_from(["unary", "binary", "reduce", "matmul"]))
        if kind == "unary":
            name = draw(st.sampled_from([k for k, (_, _, ok) in UNARY.items() if ok(lo, hi)]))
            arg = None
        elif kind == "binary":
            safe = 1e-40 <= lo and hi <= 1e40  # where pow and c / h stay in range
            name = draw(st.sampled_from(sorted(BINARY) if safe else ["add", "div", "mul"]))
            if name == "pow" or draw(st.booleans()):
                arg = ("scalar", draw(near_one))
            else:
                shape = draw(st.sampled_from([(), (1, h.shape[1]), (h.shape[0], 1), h.shape]))
                size = int(np.prod(shape))
                values = _nested(shape, draw(st.lists(near_one, min_size=size, max_size=size)))
                arg = (draw(st.sampled_from(sorted(CREATE))), values, shape)
        elif kind == "reduce":
            name, arg = draw(st.sampled_from(sorted(REDUCE))), draw(st.sampled_from([0, 1]))
        else:
            k = draw(st.integers(1, 4))
            name = "matmul"
            size = h.shape[1] * k
            arg = _nested((h.shape[1], k), draw(st.lists(st.floats(0.1, 1.0), min_size=size, max_size=size)))
        steps.append((kind, name, arg))
        h = run_oracle(np, h, steps[-1:])
    return x, steps


def constant_value(arg):
    """The oracle's value of a constant: the Python float, or the array of Python floats (a
    `full` constant is one float repeated)."""
    if arg[0] == "scalar":
        return arg[1]
    path, values, shape = arg
    if path in ("full", "new_full"):
        return np.full(shape, _first(values))
    return np.array(values, dtype=np.float64)


def run_oracle(m, h, steps):
    for kind, name, arg in steps:
        if kind == "unary":
            h = UNARY[name][1](m, h)
        elif kind == "binary":
            c = constant_value(arg)
            h = BINARY[name][1](h, c if isinstance(c, float) else m.asarray(c))
        elif kind == "reduce":
            h = REDUCE[name][1](m, h, arg)
        else:
            h = h @ m.asarray(arg)
    return h


def run_dualgrad(x: dg.Tensor, steps) -> dg.Tensor:
    h = x
    for kind, name, arg in steps:
        if kind == "unary":
            h = UNARY[name][0](h)
        elif kind == "binary":
            c = arg[1] if arg[0] == "scalar" else CREATE[arg[0]](arg[1], arg[2], x.detach())
            h = BINARY[name][0](h, c)
        elif kind == "reduce":
            h = REDUCE[name][0](h, arg)
        else:
            h = h @ dg.tensor(arg, dtype=dg.float64)
    return h


STATS = {"programs": 0, "steps": 0, "worst value": 0.0, "worst grad": 0.0}


def relative_error(ours: np.ndarray, reference: np.ndarray) -> float:
    return float(np.max(np.abs(ours - reference) / np.abs(reference)))


def check_program(program, device: str) -> None:
    data, steps = program
    dg.set_default_device(device)  # every creation path makes its constants there
    try:
        x = dg.tensor(data, dtype=dg.float64, requires_grad=True)
        out = run_dualgrad(x, steps)
    finally:
        dg.set_default_device("cpu")
    assert out.dtype is dg.float64, f"a step left float64: {out.dtype}"
    reference = run_oracle(np, np.array(data, dtype=np.float64), steps)
    ours = out.detach().numpy()
    assert np.all(reference > 0) and np.all(np.isfinite(reference))
    np.testing.assert_allclose(ours, reference, rtol=VALUE_RTOL, atol=0)
    loss = out.sum()
    loss.backward()
    with jax.enable_x64(True):
        # one XLA program per drawn program: ~4x faster than jax's op-by-op dispatch here
        grad = jax.jit(jax.grad(lambda v: jnp.sum(run_oracle(jnp, v, steps))))(jnp.asarray(np.array(data)))
        expected = np.asarray(grad, dtype=np.float64)
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=GRAD_RTOL, atol=0)
    STATS["programs"] += 1
    STATS["steps"] += len(steps)
    STATS["worst value"] = max(STATS["worst value"], relative_error(ours, reference))
    STATS["worst grad"] = max(STATS["worst grad"], relative_error(x.grad.numpy(), expected))


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(program=programs())
def test_float64_programs_agree_with_numpy_and_jax_on_cpu(program) -> None:
    check_program(program, "cpu")


@settings(max_examples=max(EXAMPLES // 5, 5), deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(program=programs())
def test_float64_programs_agree_with_numpy_and_jax_on_the_jax_device(program) -> None:
    check_program(program, "jax")


@pytest.mark.parametrize("value", [0.7, 0.1, 1 / 3])
def test_python_float_constants_stay_float64(value: float) -> None:
    """The smallest program of the class: a float64 input times a Python float, and a constant
    made by each creation path (a float32 rounding would be off by ~1e-8)."""
    x = dg.tensor([[value]], dtype=dg.float64, requires_grad=True)
    for path, make in CREATE.items():
        c = make([[value]], (1, 1), x.detach())
        y = (x * value * c).sum()
        assert y.item() == value * value * value, path
        x.grad = None
        y.backward()
        assert x.grad.item() == value * value, path


def test_report_float64_programs() -> None:
    report("random float64 programs vs numpy float64 (values) and jax float64 (gradients)",
           f"{STATS['programs']} programs, {STATS['steps']} ops; worst relative error: values "
           f"{STATS['worst value']:.1e} (bound {VALUE_RTOL:.0e}), gradients {STATS['worst grad']:.1e} "
           f"(bound {GRAD_RTOL:.0e})")
    assert STATS["programs"] > 0
