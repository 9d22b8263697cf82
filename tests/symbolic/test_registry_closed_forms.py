"""Every registry op and composite, through `dualgrad.symbolic` end to end.

`tests/ops/test_registry.py` checks each op's sympy form on symbolic arrays; this file checks
what a user gets: an eager program `(op(a0, a1, ...) * w).sum()` is recorded at a point drawn
inside the op's domain, and `symbolic.expr` of it, evaluated with `symbolic.lambdify`, is
compared with the eager engine's value, for every op. `symbolic.grad` (sympy.diff, the costly
part: ~0.1 s an op) is compared with the engine's gradients for a sample of ops that covers
each kind of form (elementwise, reductions, index arithmetic, Piecewise branches, Products,
concrete arrays, linear algebra, convolution and pooling). The engine itself is checked
against finite differences and jax in the registry test, so a closed form that disagrees here
is a wrong closed form. An integer or boolean result is data here (its form is checked in
the registry test). One deterministic draw per op keeps the file within seconds.
"""
from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import dualgrad as dg
from dualgrad import symbolic
from dualgrad.ops import REGISTRY
from dualgrad.testing import COMPOSITES
from dualgrad.testing.strategies import op_calls
from dualgrad.testing.subjects import subject_for

NAMES = sorted(REGISTRY) + sorted(COMPOSITES)
ONE = settings(max_examples=1, derandomize=True, database=None, phases=[Phase.generate], deadline=None,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
GRADIENT_SAMPLE = ["add", "multiply", "divide", "power", "sin", "matmul", "sum", "mean", "amax",
                   "getitem", "concatenate", "reshape", "transpose", "where", "clip", "softmax",
                   "log_softmax", "cumprod", "cumsum", "scatter_sum", "take", "solve", "det",
                   "conv", "max_pool", "gelu", "cross_entropy", "norm"]


def evaluate(e, values: dict, shape: tuple) -> np.ndarray:
    """A closed form (scalar, element at free indices j, k, ..., or a concrete sympy Array)
    as a float64 array of `shape`, evaluated with `symbolic.lambdify`."""
    f = symbolic.lambdify(e)
    kept = [d for d in shape if d != 1]
    names = "jklmno"[:len(kept)]
    env = {n: values[n] if n in f.bases else float(np.reshape(values[n], -1)[0])
           for n in f.args if n not in names}  # size-1 inputs are plain symbols
    if isinstance(e, sp.NDimArray):
        return np.asarray(f(**env), dtype=np.float64).reshape(shape)
    if not any(n in names for n in (*f.args, *f._dim_order)):
        return np.broadcast_to(np.asarray(f(**env), dtype=np.float64), shape)
    out = np.empty(kept)
    for pos in np.ndindex(*kept):
        idx = {n: int(p) for n, p in zip(names, pos, strict=True) if n in f.args or n in f._dim_order}
        out[pos] = float(f(**env, **idx))
    return out.reshape(shape)


def record(name: str, args: list, attrs: dict, rng: np.random.Generator):
    """The eager program `(subject(a0, ...) * w).sum()`; returns (loss, float inputs, values)."""
    subject = subject_for(name)
    tensors, inputs, values = [], [], {}
    for i, a in enumerate(args):
        if isinstance(a, np.ndarray) and a.dtype.kind == "f":
            t = dg.tensor(a, requires_grad=subject.differentiable(i, a), name=f"a{i}")
            inputs.append(t)
            values[f"a{i}"] = a
        elif isinstance(a, np.ndarray):
            t = dg.tensor(a)
        else:
            t = a
        tensors.append(t)
    out = subject.eager(tensors, attrs)
    if isinstance(out, tuple):
        out = out[0]
    if not isinstance(out, dg.Tensor):  # an op on plain numbers (a bool scalar) gives data
        out = dg.tensor(np.asarray(out, dtype=np.float64))
    w = rng.standard_normal(tuple(out.shape))
    values["w"] = w
    data = out if out.dtype in (dg.float32, dg.float64) else out.to(dg.float64)
    loss = (data * dg.tensor(w, name="w")).sum()
    return loss, inputs, values


def _closed_form_case(name: str, data, gradients: bool) -> None:
    args, attrs = data.draw(op_calls(name), label="call")
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    loss, inputs, values = record(name, args, attrs, rng)
    if not loss.requires_grad:  # an integer or boolean result is data (its form: test_registry)
        return
    e = symbolic.expr(loss)
    value = evaluate(e, values, ())
    np.testing.assert_allclose(value, float(loss.item()), rtol=1e-6, atol=1e-8,
                               err_msg=f"{name}: symbolic.expr value vs the engine's")
    wanted = [t for t in inputs if t.requires_grad]
    if not gradients or not wanted:
        return
    grads = dg.autograd.grad(loss, wanted, retain_graph=True, allow_unused=True)
    for t, g in zip(wanted, grads, strict=True):
        engine = np.zeros(t.shape) if g is None else np.asarray(g.numpy(), dtype=np.float64)
        closed = evaluate(symbolic.grad(loss, t), values, tuple(t.shape))
        np.testing.assert_allclose(closed, engine, rtol=1e-6, atol=1e-8,
                                   err_msg=f"{name}: symbolic.grad wrt {t.name} vs the engine's")


@pytest.mark.parametrize("name", NAMES)
@ONE
@given(data=st.data())
def test_closed_form_value(name, data):
    _closed_form_case(name, data, gradients=False)


@pytest.mark.parametrize("name", GRADIENT_SAMPLE)
@ONE
@given(data=st.data())
def test_closed_form_gradient(name, data):
    _closed_form_case(name, data, gradients=True)


def test_the_gradient_sample_is_registry_ops():
    assert set(GRADIENT_SAMPLE) <= set(NAMES)
