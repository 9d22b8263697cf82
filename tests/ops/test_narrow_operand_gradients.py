"""Gradients beside a narrower operand: an int8, uint8, int16, bool or float16 input next to
a float64 one, on every front end, against jax.vjp of the independent reference.

The kernel computes in the promoted dtype (float64 here), so the VJP rules must read the
inputs promoted too. They read them as stored: atan2(int8 y, x)'s gradient squared y in int8
(100 * 100 wrapped to 16: -6.15 instead of -0.01), a float16 y overflowed to inf (gradient
0), `binary_cross_entropy`'s uint8 target wrapped in `1 - y`; no error anywhere.
"""
from __future__ import annotations

import os

import jax
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import dualgrad as dg
import dualgrad.static as ds
from dualgrad.dtypes import from_numpy_dtype
from dualgrad.errors import DualgradError
from dualgrad.ops import REGISTRY
from dualgrad.testing import COMPOSITES, assert_close
from dualgrad.testing.samples import FLOAT, entry
from dualgrad.testing.strategies import op_calls
from dualgrad.testing.subjects import is_float_array, subject_for

from .reference import REFERENCE

pytestmark = pytest.mark.usefixtures("jax_float64")  # float64 jax oracles

NARROW = (np.int8, np.uint8, np.int16, np.bool_, np.float16)


def _mixes(name: str) -> bool:
    """Differentiable, with a sample call that has two float inputs or more."""
    if name in REGISTRY and not REGISTRY[name].differentiable:
        return False
    return any(sum(case.kind(i) == FLOAT for i in range(len(case.shapes))) >= 2 for case in entry(name).cases)


CANDIDATES = [n for n in sorted(REGISTRY) + sorted(COMPOSITES) if _mixes(n)]


def _narrowed(a: np.ndarray, dtype, scale: float) -> np.ndarray:
    """`a` scaled up and stored in `dtype` (wide enough values that products and squares
    leave the narrow type's range: 100 * 100 in int8, 300 * 300 in float16)."""
    if dtype is np.bool_:
        return a > np.median(a)
    if dtype is np.float16:
        return np.asarray(a * scale, dtype=np.float16)
    info = np.iinfo(dtype)
    return np.clip(np.round(a * scale), max(info.min, -127), min(info.max, 127)).astype(dtype)


def _reference_vjp(name, args, attrs, wanted, g):
    ref = REFERENCE[name]

    def restricted(*diff):
        full = [jax.numpy.asarray(a) for a in args]
        for i, d in zip(wanted, diff, strict=True):
            full[i] = d
        return ref(*full, **attrs)

    def value_and_pullback(diff, g):
        out, pullback = jax.vjp(restricted, *diff)
        return out, pullback(g)

    # one program, not one compile per primitive (jax's gammainc alone is dozens of them)
    diff = [jax.numpy.asarray(args[i]) for i in wanted]
    out, grads = jax.jit(value_and_pullback)(diff, jax.numpy.asarray(g))
    return np.asarray(out), [np.asarray(x) for x in grads]


def _eager_vjp(name, args, wanted, attrs, g, device):
    tensors = [dg.tensor(a, device=device, requires_grad=i in wanted) if isinstance(a, np.ndarray) else a
               for i, a in enumerate(args)]
    out = subject_for(name).eager(tensors, attrs)
    grads = dg.autograd.grad(out, [tensors[i] for i in wanted], grad_outputs=[dg.tensor(g, device=device)],
                             allow_unused=True)
    return out.detach().numpy(), [None if x is None else x.numpy() for x in grads]


def _static_vjp(name, args, wanted, attrs, g, backend):
    graph = ds.Graph()
    with graph.as_default():
        holders = [ds.placeholder(from_numpy_dtype(a.dtype), shape=a.shape)
                   if isinstance(a, np.ndarray) else a for a in args]
        out = subject_for(name).eager(holders, attrs)
        grads = ds.gradients(ds.reduce_sum(out * g), [holders[i] for i in wanted])
    feed = {h: a for h, a in zip(holders, args, strict=True) if isinstance(a, np.ndarray)}
    with ds.Session(graph=graph, backend=backend) as sess:
        value, *grad_values = sess.run([out, *grads], feed)
    return value, grad_values


@pytest.mark.parametrize("name", CANDIDATES)
@settings(max_examples=int(os.environ.get("NARROW_EXAMPLES", 2)), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_narrow_operand_is_read_promoted_by_the_gradient(name, data):
    args, attrs = data.draw(op_calls(name, draw_shapes=False), label="call")
    floats = [i for i, a in enumerate(args) if is_float_array(a)]
    assume(len(floats) >= 2)
    j = data.draw(st.sampled_from(floats), label="narrow input")
    dtype = data.draw(st.sampled_from(NARROW), label="its dtype")
    args[j] = _narrowed(args[j], dtype, data.draw(st.sampled_from([1.0, 40.0, 300.0]), label="scale"))
    subject = subject_for(name)
    # (a 0-d float64 beside a dimensioned float16 gives float16, as in PyTorch, and a scatter
    # keeps its destination's dtype: not this test's subject)
    try:
        with np.errstate(all="ignore"):
            assume(subject.forward(args, attrs).dtype == np.float64)
    except DualgradError:  # refused (einsum of a bool, as PyTorch and TF1): no number to check
        return
    wanted = [i for i in floats if i != j and subject.differentiable(i, args[i])]
    assume(wanted)
    widened = [a.astype(np.float64) if i == j else a for i, a in enumerate(args)]
    with np.errstate(all="ignore"):
        expected = subject.forward(widened, attrs)
    assume(expected.dtype == np.float64 and np.all(np.isfinite(expected)))
    g = np.random.default_rng(data.draw(st.integers(0, 2**16), label="seed")).standard_normal(expected.shape)
    _, expected_grads = _reference_vjp(name, widened, attrs, wanted, g)
    assume(all(np.all(np.isfinite(e)) for e in expected_grads))
    front_ends = {"eager cpu": lambda: _eager_vjp(name, args, wanted, attrs, g, "cpu"),
                  "static numpy": lambda: _static_vjp(name, args, wanted, attrs, g, "numpy")}
    if data.draw(st.booleans(), label="also on jax"):
        front_ends["eager jax"] = lambda: _eager_vjp(name, args, wanted, attrs, g, "jax")
    for front_end, run in front_ends.items():
        try:
            value, grads = run()
        except DualgradError:  # refused (PyTorch's matmul family takes one dtype): no number
            continue
        where = f"{name} with input {j} as {np.dtype(dtype).name}, {front_end}"
        assert_close(value, expected, rtol=1e-10, atol=1e-12, msg=f"{where}: forward")
        for i, got, want in zip(wanted, grads, expected_grads, strict=True):
            assert got is not None, f"{where}: no gradient for input {i}"
            assert_close(got, want, rtol=1e-9, atol=1e-11, msg=f"{where}: gradient of input {i}")
