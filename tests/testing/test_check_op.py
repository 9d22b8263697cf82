"""check_op passes on real ops and fails, naming the check, on each kind of broken op.

The broken ops are copies of `sin` with one part replaced, registered only for the test."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from dualgrad import ops
from dualgrad.ops import REGISTRY, Op, Spec
from dualgrad.testing import check_call, check_declaration, check_op
from dualgrad.testing.samples import OPS, Sample, Samples

NAME = "test_only_sin"
_COUNT = itertools.count()


def _fake_sin(monkeypatch, **override) -> Op:
    sin = REGISTRY["sin"]
    fields = dict(vjp=sin.vjps, sympy=sin.sympy, shape=sin.shape_rule, domain=sin.domain,
                  differentiable=True, nin=1, grad_name="TestOnlySin", promotes=False, floating=True,
                  elementwise=True, doc="", saves_inputs=True, saves_out=False)
    kernel = override.pop("kernel", sin.kernel)
    fields.update(override)
    # a fresh op name each time: the jax backend caches jitted kernels by op name
    op = Op(NAME, kernel, **fields)
    op.name = f"{NAME}_{next(_COUNT)}"
    monkeypatch.setitem(REGISTRY, NAME, op)
    monkeypatch.setitem(OPS, NAME, Samples((Sample(((2, 3),)),), broadcast=True))
    return op


def _raw(v):
    """The plain array inside a value: using it in a VJP cuts it out of the graph."""
    return np.asarray(getattr(v, "_data", v))


@pytest.mark.parametrize("name", ["multiply", "sum", "getitem", "matmul", "var"])
def test_real_ops_pass(name):
    check_op(name, examples=1)


def test_the_copy_of_sin_passes(monkeypatch):
    _fake_sin(monkeypatch)
    check_op(NAME, examples=1)


def test_a_wrong_vjp_fails_against_finite_differences_and_sympy(monkeypatch):
    _fake_sin(monkeypatch, vjp=(lambda g, out, x: ops.multiply(g, ops.sin(x)),))
    with pytest.raises(AssertionError, match="VJP of input 0 vs finite differences"):
        check_op(NAME, checks=("vjp",))
    with pytest.raises(AssertionError, match="sympy.diff"):
        check_op(NAME, checks=("sympy",))


def test_a_wrong_sympy_form_fails(monkeypatch):
    import sympy

    _fake_sin(monkeypatch, sympy=lambda x: sympy.cos(x))
    with pytest.raises(AssertionError, match="sympy form vs kernel"):
        check_op(NAME, checks=("sympy",))


def test_a_vjp_that_cannot_be_differentiated_again_fails_second_order(monkeypatch):
    _fake_sin(monkeypatch, vjp=(lambda g, out, x: ops.multiply(g, _raw(ops.cos(x))),))
    check_op(NAME, checks=("vjp",))
    with pytest.raises(AssertionError, match="second-order"):
        check_op(NAME, checks=("second_order",))


def test_a_wrong_shape_rule_fails(monkeypatch):
    _fake_sin(monkeypatch, shape=lambda op, x: Spec(tuple(x.shape)[::-1], x.dtype))
    with pytest.raises(AssertionError, match="shape rule"):
        check_op(NAME, checks=("shape",))


def test_a_backend_specific_kernel_bug_fails(monkeypatch):
    _fake_sin(monkeypatch, kernel=lambda xp, x: xp.sin(x) if xp is np else xp.sin(x) + 1e-6)
    with pytest.raises(AssertionError, match="jax kernel vs numpy kernel"):
        check_op(NAME, checks=("backends",))


def test_a_differentiable_op_without_a_sympy_form_is_incomplete(monkeypatch):
    _fake_sin(monkeypatch, sympy=None)
    with pytest.raises(AssertionError, match="no sympy form"):
        check_declaration(NAME)


def test_a_differentiable_op_without_a_vjp_is_incomplete(monkeypatch):
    _fake_sin(monkeypatch, vjp=(None,))
    with pytest.raises(AssertionError, match="no VJP rule"):
        check_declaration(NAME)


def test_an_op_without_samples_is_reported(monkeypatch):
    _fake_sin(monkeypatch)
    monkeypatch.delitem(OPS, NAME)
    with pytest.raises(KeyError, match="samples.py"):
        check_op(NAME)


def test_check_call_on_chosen_inputs():
    check_call("divide", [np.array([1.0, -2.0]), np.array([[0.5], [2.0]])], {})
    check_call("sum", [np.arange(6.0).reshape(2, 3)], {"axis": 1, "keepdims": True})


def test_a_vjp_that_upcasts_float32_fails(monkeypatch):
    from dualgrad import dtypes

    upcast = lambda g, out, x: ops.multiply(g, ops.cast(ops.cos(x), dtype=dtypes.float64))
    _fake_sin(monkeypatch, vjp=(upcast,))
    check_op(NAME, checks=("vjp",))
    with pytest.raises(AssertionError, match="float32 input 0 is float64"):
        check_op(NAME, checks=("shape",))


def test_a_vjp_written_in_raw_numpy_fails_the_symbolic_run(monkeypatch):
    _fake_sin(monkeypatch, vjp=(lambda g, out, x: ops.multiply(g, np.cos(x)),))
    check_op(NAME, checks=("vjp",))
    with pytest.raises(AssertionError, match="VJP rule fails on symbolic arrays"):
        check_op(NAME, checks=("sympy",))
