"""Every registry op and composite, checked on hypothesis-drawn inputs inside its domain.

One parametrised test per check (so a failure names the op and the check): VJP against finite
differences, against `sympy.diff` of the op's sympy form, and against `jax.vjp` of an
independent jax.numpy reference; second order; the shape rule against both backends; numpy
against jax. Kinks are kept out of the drawn values by construction (see
`dualgrad.testing.values`); `test_conventions.py` pins what happens exactly at them.
"""
from __future__ import annotations

import inspect

import jax
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dualgrad import dtypes
from dualgrad.ops import COMPOSITE_MODULES, REGISTRY, Spec
from dualgrad.testing import COMPOSITES, OPS, assert_close, check_declaration
from dualgrad.testing.backends import (
    check_backend_parity,
    check_shape_rule,
    check_unknown_dims,
    check_vjp_dtypes,
)
from dualgrad.testing.gradcheck import check_second_order, check_vjp_numeric
from dualgrad.testing.strategies import op_calls
from dualgrad.testing.subjects import subject_for
from dualgrad.testing.symcheck import check_symbolic, check_symbolic_vjp

from .reference import REFERENCE

pytestmark = pytest.mark.usefixtures("jax_float64")  # float64 jax oracles

OP_NAMES = sorted(REGISTRY)
SUBJECT_NAMES = OP_NAMES + sorted(COMPOSITES)
DIFFERENTIABLE = [n for n in SUBJECT_NAMES if n not in REGISTRY or REGISTRY[n].differentiable]
FAST = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _rng(data) -> np.random.Generator:
    """Cotangents and directions come from hypothesis too, so a failure replays exactly."""
    return np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))


# -- the registry is complete -----------------------------------------------------------------

@pytest.mark.parametrize("name", SUBJECT_NAMES)
def test_declaration_is_complete(name):
    """Samples exist; kernel, shape rule and sympy form always; a VJP when differentiable."""
    check_declaration(name)


def test_samples_name_only_existing_ops():
    assert sorted(set(OPS) - set(REGISTRY)) == []
    assert [n for n in COMPOSITES if not any(callable(getattr(m, n, None)) for m in COMPOSITE_MODULES)] == []


def test_every_composite_has_samples():
    """Public functions of every composite module (ops.composite, ops.losses, ...)."""
    public = [n for m in COMPOSITE_MODULES for n, f in vars(m).items()
              if inspect.isfunction(f) and f.__module__ == m.__name__ and not n.startswith("_")]
    assert sorted(set(public) - set(COMPOSITES)) == []


def test_every_op_and_composite_has_a_jax_reference():
    assert sorted(set(SUBJECT_NAMES) - set(REFERENCE)) == []


# -- numeric and symbolic gradients ---------------------------------------------------------------

@pytest.mark.parametrize("name", DIFFERENTIABLE)
@settings(max_examples=15, **FAST)
@given(data=st.data())
def test_vjp_matches_finite_differences(name, data):
    args, attrs = data.draw(op_calls(name), label="call")
    check_vjp_numeric(subject_for(name), args, attrs, _rng(data))


@pytest.mark.parametrize("name", SUBJECT_NAMES)
@settings(max_examples=2, **FAST)  # (each example a sympy proof; CI is near its 15 minutes)
@given(data=st.data())
def test_sympy_form_and_its_derivative(name, data):
    """The sympy form equals the kernel; `sympy.diff` of it equals the VJP; the VJP rule gives
    the same numbers on symbolic arrays as on numpy arrays."""
    args, attrs = data.draw(op_calls(name), label="call")
    subject = subject_for(name)
    rng = _rng(data)
    assert check_symbolic(subject, args, attrs, rng, gradients=name in DIFFERENTIABLE), \
        f"{name} has no sympy form"
    if subject.op is not None:
        check_symbolic_vjp(subject.op, args, attrs, rng)


@pytest.mark.parametrize("name", DIFFERENTIABLE)
@settings(max_examples=8, **FAST)
@given(data=st.data())
def test_second_order_matches_finite_differences(name, data):
    args, attrs = data.draw(op_calls(name), label="call")
    check_second_order(subject_for(name), args, attrs, _rng(data))


# -- jax as an independent oracle --------------------------------------------------------------------
# jax calls use the sample shapes only (`draw_shapes=False`) and one jitted program per sample
# case: compiling for every hypothesis-drawn shape would cost minutes.

_ORACLES: dict = {}
DATA_DEPENDENT_SHAPE = {"masked_select"}  # its mask must be a constant under jit


def _oracle(name: str, args: list, attrs: dict, wanted: tuple):
    """jit(inputs, g -> (reference value, jax.vjp of it for the `wanted` inputs))."""
    const = {i: a for i, a in enumerate(args) if name in DATA_DEPENDENT_SHAPE and a.dtype == np.bool_}
    key = (name, repr(attrs), tuple((np.shape(a), np.asarray(a).dtype.str) for a in args), wanted,
           tuple((i, a.tobytes()) for i, a in const.items()))
    if key not in _ORACLES:
        ref = REFERENCE[name]

        def run(full, g):
            def restricted(*diff):
                inputs = [const.get(i, a) for i, a in enumerate(full)]
                for i, d in zip(wanted, diff, strict=True):
                    inputs[i] = d
                return ref(*inputs, **attrs)

            if not wanted:
                return restricted(), ()
            out, pullback = jax.vjp(restricted, *(full[i] for i in wanted))
            return out, pullback(g.astype(out.dtype))

        _ORACLES[key] = jax.jit(run)
    return _ORACLES[key]


@pytest.mark.parametrize("name", SUBJECT_NAMES)
@settings(max_examples=4, **FAST)  # (each new case one XLA compile: 0.3 s of CI an example)
@given(data=st.data())
def test_forward_and_vjp_match_jax_reference(name, data):
    args, attrs = data.draw(op_calls(name, draw_shapes=False), label="call")
    subject = subject_for(name)
    got = subject.forward(args, attrs)
    differentiable = name in DIFFERENTIABLE and got.dtype == np.float64
    wanted = tuple(i for i, a in enumerate(args) if differentiable and subject.differentiable(i, a))
    g = _rng(data).standard_normal(got.shape)
    expected, expected_grads = _oracle(name, args, attrs, wanted)([jax.numpy.asarray(a) for a in args],
                                                                  jax.numpy.asarray(g))
    expected = np.asarray(expected)
    if expected.dtype.kind == "b" or got.dtype.kind in "biu":
        assert_close(got, expected.astype(got.dtype), msg=f"{name}: forward vs jax reference")
    else:
        assert_close(got, expected, rtol=1e-10, atol=1e-12, msg=f"{name}: forward vs jax reference")
    grads = subject.vjp(args, attrs, g) if wanted else []
    for i, e in zip(wanted, expected_grads, strict=True):
        assert_close(grads[i], np.asarray(e), rtol=1e-9, atol=1e-11,
                     msg=f"{name}: VJP of input {i} vs jax.vjp of the reference")


# -- shape rules and backends -----------------------------------------------------------------------

@pytest.mark.parametrize("name", OP_NAMES)
@settings(max_examples=4, **FAST)  # (as above: XLA compiles)
@given(data=st.data())
def test_shape_rule_and_backends_agree(name, data):
    """`op.infer` matches the numpy and jax results (also with unknown dims); float32 inputs
    get float32 VJPs; numpy and jax agree on the value and on the VJP."""
    args, attrs = data.draw(op_calls(name, draw_shapes=False), label="call")
    check_shape_rule(REGISTRY[name], args, attrs)
    check_unknown_dims(REGISTRY[name], args, attrs)
    rng = _rng(data)
    check_vjp_dtypes(REGISTRY[name], args, attrs, rng)
    check_backend_parity(REGISTRY[name], args, attrs, rng)


@pytest.mark.parametrize("name", [n for n in OP_NAMES if OPS[n].broadcast])
@settings(max_examples=10, **FAST)
@given(data=st.data())
def test_shape_rule_on_drawn_broadcast_shapes(name, data):
    """Elementwise shape rules on hypothesis-drawn broadcasting shapes (numpy kernel only)."""
    args, attrs = data.draw(op_calls(name), label="call")
    op = REGISTRY[name]
    out = op.compute(args, attrs)
    spec = op.infer([Spec(a.shape, dtypes.from_numpy_dtype(a.dtype)) for a in args], attrs)
    assert (tuple(spec.shape), spec.dtype.np) == (out.shape, out.dtype)
    check_unknown_dims(op, args, attrs)
