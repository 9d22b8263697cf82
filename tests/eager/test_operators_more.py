"""Python's `% // & | ^ ~` on eager tensors, their reflected and in-place forms, and the
Tensor methods PyTorch scripts use with them (`remainder`, `fmod`, `floor_divide`, `trunc`,
`div(rounding_mode=)`, `bitwise_*`, `logical_*`), on both devices, against numpy/Python."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dualgrad as dg
from dualgrad.errors import DTypeError

A = np.array([[7, -7, 5], [-5, 0, 9]])
B = np.array([2, -3, 4])
MASK = np.array([[True, False, True], [False, False, True]])


def _t(x):
    return dg.tensor(x)


@pytest.mark.parametrize("python, method, numpy", [
    (lambda a, b: a % b, "remainder", np.remainder), (lambda a, b: a // b, "floor_divide", np.floor_divide),
    (lambda a, b: a & b, "bitwise_and", np.bitwise_and), (lambda a, b: a | b, "bitwise_or", np.bitwise_or),
    (lambda a, b: a ^ b, "bitwise_xor", np.bitwise_xor)])
def test_operators_methods_and_functions_agree_with_numpy(python, method, numpy):
    want = numpy(A, B)
    for got in (python(_t(A), _t(B)), getattr(_t(A), method)(_t(B)), getattr(dg, method)(_t(A), _t(B)),
                python(_t(A), B), python(A, _t(B))):  # an array on the left: numpy hands over
        assert got.dtype == dg.int64
        np.testing.assert_array_equal(got.numpy(), want)
    np.testing.assert_array_equal(python(7, _t(B)).numpy(), numpy(7, B))  # __rmod__, __rand__, ...


def test_masks_combine_with_and_or_xor_not():
    other = np.array([True, True, False])  # broadcast along the rows
    m, n = _t(MASK), _t(other)
    for got, want in ((m & n, MASK & other), (m | n, MASK | other), (n ^ m, other ^ MASK), (~m, ~MASK),
                      (m & True, MASK), (False | m, MASK)):
        assert got.dtype == dg.bool
        np.testing.assert_array_equal(got.numpy(), want)
    x = dg.tensor([1.0, -2.0, 3.0])
    np.testing.assert_array_equal(((x > 0) & (x < 2)).numpy(), [True, False, False])


def test_invert_is_bitwise_on_integers():
    """The silent wrong number: `~dg.tensor([1, 2, 3])` gave [False, False, False]."""
    np.testing.assert_array_equal((~dg.tensor([1, 2, 3])).numpy(), np.invert(np.array([1, 2, 3])))
    np.testing.assert_array_equal(dg.bitwise_not(dg.tensor([0, -1])).numpy(), [-1, 0])


def test_float_operands_keep_floats_and_pythons_sign_conventions():
    x = dg.tensor([5.5, -5.5, 5.5, -5.5])
    y = dg.tensor([2.0, 2.0, -2.0, -2.0])
    rows = [(x % y, [5.5 % 2, -5.5 % 2, 5.5 % -2, -5.5 % -2]),
            (x.fmod(y), [math.fmod(5.5, 2), math.fmod(-5.5, 2), math.fmod(5.5, -2), math.fmod(-5.5, -2)]),
            (x // y, [5.5 // 2, -5.5 // 2, 5.5 // -2, -5.5 // -2]),
            (x.div(y, rounding_mode="trunc"), [2.0, -2.0, -2.0, 2.0]),
            (x.div(y, rounding_mode="floor"), [2.0, -3.0, -3.0, 2.0]),
            (x.trunc(), [5.0, -5.0, 5.0, -5.0]), (dg.fix(x), [5.0, -5.0, 5.0, -5.0])]
    for got, want in rows:
        assert got.dtype == dg.float32
        np.testing.assert_array_equal(got.numpy(), want)
    assert (dg.tensor([7, -7]) % 2.5).dtype == dg.float32  # int % float is float (PyTorch)


@settings(max_examples=10, deadline=None)
@given(a=hnp.arrays(np.int64, 5, elements=st.integers(-30, 30)),
       b=hnp.arrays(np.int64, 5, elements=st.integers(-6, 6).filter(bool)))
def test_integer_div_rounding_modes_are_pythons(a, b):
    x, y = dg.tensor(a), dg.tensor(b)
    trunc = [int(p / q) for p, q in zip(a.tolist(), b.tolist(), strict=True)]
    floor = [p // q for p, q in zip(a.tolist(), b.tolist(), strict=True)]
    got = dg.div(x, y, rounding_mode="trunc")
    assert got.dtype == dg.int64
    np.testing.assert_array_equal(got.numpy(), trunc)
    np.testing.assert_array_equal(x.div(y, rounding_mode="floor").numpy(), floor)
    np.testing.assert_array_equal(dg.trunc(x).numpy(), a)  # integers stay integers


def test_trunc_of_integers_is_a_new_tensor():
    x = dg.tensor([1, -2])
    y = x.trunc()
    y += 1
    np.testing.assert_array_equal(x.numpy(), [1, -2])
    np.testing.assert_array_equal(y.numpy(), [2, -1])


def test_in_place_forms_write_into_the_tensor():
    x = dg.tensor([7, -7, 6])
    same = x
    x %= 4
    x.remainder_(dg.tensor(3))
    np.testing.assert_array_equal(x.numpy(), [0, 1, 2])
    x //= 2
    x |= 4
    x &= 5
    x ^= 1
    np.testing.assert_array_equal(x.numpy(), [5, 5, 4])
    x.bitwise_not_()
    x.fmod_(4)
    np.testing.assert_array_equal(x.numpy(), [-2, -2, -1])
    assert same is x
    f = dg.tensor([1.5, -2.5])
    f.trunc_()
    np.testing.assert_array_equal(f.numpy(), [1.0, -2.0])
    m = dg.tensor([True, False])
    m.logical_xor_(dg.tensor([True, True]))
    np.testing.assert_array_equal(m.numpy(), [False, True])


def test_logical_ops_take_any_dtype_nonzero_is_true():
    a, b = dg.tensor([0, 2, 3]), dg.tensor([1.5, 0.0, 2.0])
    np.testing.assert_array_equal(a.logical_and(b).numpy(), [False, False, True])
    np.testing.assert_array_equal(dg.logical_or(a, b).numpy(), [True, True, True])
    np.testing.assert_array_equal(a.logical_xor(b).numpy(), [True, True, False])


def test_remainder_gradient_and_no_gradient_through_rounding():
    x = dg.tensor([5.5, -5.5], requires_grad=True)
    y = dg.tensor([-2.0, 2.0], requires_grad=True)
    (x % y).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0])
    np.testing.assert_array_equal(y.grad.numpy(), [-math.floor(5.5 / -2), -math.floor(-5.5 / 2)])
    assert (x % y).grad_fn.name() == "RemainderBackward0"
    assert not (x // y).requires_grad and not x.trunc().requires_grad


def test_errors_name_the_op():
    with pytest.raises(DTypeError, match="bitwise_or: not implemented for 'Float'"):
        dg.tensor([1.0]) | dg.tensor([1])
    with pytest.raises(DTypeError, match="bitwise_xor: not implemented for 'Float'"):
        dg.tensor([1]) ^ 1.5
    with pytest.raises(ValueError, match="rounding_mode to be one of None, 'trunc', or 'floor'"):
        dg.tensor([1.0]).div(2, rounding_mode="round")
    with pytest.raises(ValueError, match="Integers to negative integer powers are not allowed"):
        dg.tensor([2]) ** -2
