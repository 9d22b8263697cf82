"""What happens exactly at kinks and ties: PyTorch's conventions, pinned.

The registry test keeps its random inputs off these points on purpose (finite differences
mean nothing there); these tests put inputs exactly on them. Expected values are PyTorch's
documented behaviour, written out by hand.
"""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dualgrad as dg
from dualgrad import ops
from dualgrad.testing import assert_close, check_call


def _grads(fn, *values):
    xs = [dg.tensor(np.asarray(v, dtype=np.float64), requires_grad=True) for v in values]
    out = fn(*xs)
    return [np.asarray(g._data) for g in dg.autograd.grad(ops.sum(out), xs)]


def test_relu_gradient_at_zero_is_zero():
    (g,) = _grads(ops.relu, [-1.0, 0.0, 2.0])
    assert_close(g, [0.0, 0.0, 1.0])


def test_abs_gradient_at_zero_is_zero():
    (g,) = _grads(ops.abs, [-2.0, 0.0, 3.0])
    assert_close(g, [-1.0, 0.0, 1.0])


def test_softplus_is_smooth_at_zero():
    """softplus is built of relu and abs-like parts; its gradient at 0 is still sigmoid(0),
    first and second order (its kinks must cancel, not read 0)."""
    x = dg.tensor([-1.0, 0.0, 2.0], dtype=dg.float64, requires_grad=True)
    (g,) = dg.autograd.grad(ops.sum(ops.softplus(x)), [x], create_graph=True)
    assert_close(np.asarray(g._data), 1 / (1 + np.exp(-np.array([-1.0, 0.0, 2.0]))))
    (h,) = dg.autograd.grad(ops.sum(g), [x])
    s = 1 / (1 + np.exp(-np.array([-1.0, 0.0, 2.0])))
    assert_close(np.asarray(h._data), s * (1 - s))


def test_maximum_and_minimum_split_ties_in_half():
    gx, gy = _grads(ops.maximum, [1.0, 2.0, 5.0], [1.0, 3.0, 4.0])
    assert_close(gx, [0.5, 0.0, 1.0])
    assert_close(gy, [0.5, 1.0, 0.0])
    gx, gy = _grads(ops.minimum, [1.0, 2.0, 5.0], [1.0, 3.0, 4.0])
    assert_close(gx, [0.5, 1.0, 0.0])
    assert_close(gy, [0.5, 0.0, 1.0])


def test_maximum_tie_under_broadcasting_sums_the_halves():
    gx, gy = _grads(ops.maximum, [[2.0, 2.0], [2.0, 1.0]], [2.0])
    assert_close(gx, [[0.5, 0.5], [0.5, 0.0]])
    assert_close(gy, [2.5])


def test_amax_and_amin_share_the_gradient_among_ties():
    (g,) = _grads(lambda x: ops.amax(x), [3.0, 1.0, 3.0])
    assert_close(g, [0.5, 0.0, 0.5])
    (g,) = _grads(lambda x: ops.amax(x, axis=1), [[1.0, 1.0, 0.0], [2.0, 0.0, 0.0]])
    assert_close(g, [[0.5, 0.5, 0.0], [1.0, 0.0, 0.0]])
    (g,) = _grads(lambda x: ops.amin(x, axis=0), [[1.0, 0.0], [1.0, 2.0], [1.0, 0.0]])
    assert_close(g, [[1 / 3, 0.5], [1 / 3, 0.0], [1 / 3, 0.5]])


def test_full_max_and_min_share_ties_like_amax():
    (g,) = _grads(lambda x: dg.max(x), [[4.0, 4.0], [0.0, 4.0]])
    assert_close(g, [[1 / 3, 1 / 3], [0.0, 1 / 3]])
    (g,) = _grads(lambda x: dg.min(x), [0.0, 0.0, 1.0])
    assert_close(g, [0.5, 0.5, 0.0])


def test_max_along_a_dim_gives_the_gradient_to_the_first_index():
    x = dg.tensor(np.array([[3.0, 1.0, 3.0], [0.0, 2.0, 2.0]]), requires_grad=True)
    values, indices = dg.max(x, dim=1)
    assert indices.tolist() == [0, 1]
    (g,) = dg.autograd.grad(ops.sum(values), [x])
    assert_close(g, [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    values, indices = dg.min(x, dim=0)
    assert indices.tolist() == [1, 0, 1]
    (g,) = dg.autograd.grad(ops.sum(values), [x])
    assert_close(g, [[0.0, 1.0, 0.0], [1.0, 0.0, 1.0]])


def test_argmax_and_argmin_pick_the_first_of_ties():
    x = np.array([[1.0, 5.0, 5.0], [7.0, 7.0, 0.0]])
    assert ops.argmax(x, axis=1).tolist() == [1, 0]
    assert int(ops.argmax(x)) == 3
    assert ops.argmin(np.array([2.0, 0.0, 0.0]), axis=0).tolist() == 1


def test_clamp_passes_the_gradient_at_its_bounds():
    """PyTorch's clamp backward uses min <= x <= max, so the bounds themselves pass."""
    (g,) = _grads(lambda x: ops.clip(x, min=-1.0, max=1.0), [-2.0, -1.0, 0.0, 1.0, 2.0])
    assert_close(g, [0.0, 1.0, 1.0, 1.0, 0.0])


def test_power_at_zero_base():
    """d(x**2)/dx = 0 at x = 0, and d(0**y)/dy is taken as 0 (PyTorch's masking)."""
    gx, gy = _grads(ops.power, [0.0, 2.0], [2.0, 3.0])
    assert_close(gx, [0.0, 12.0])
    assert_close(gy, [0.0, 8.0 * np.log(2.0)])


SPECIAL = [0.0, -0.0, 1.0, -1.0, 2.0, -2.0, 0.5, -0.5, 3.0, -3.0, np.inf, -np.inf, np.nan]


def _pow_exponent_grad_reference(b, e):
    """PyTorch's pow_backward_exponent written out in numpy float64: 0 where b == 0 and
    e >= 0, else b ** e * log(b) (so -inf at b = 0, e < 0; NaN for a NaN e)."""
    with np.errstate(all="ignore"):
        return np.where((b == 0) & (e >= 0), 0.0, np.power(b, e) * np.log(b))


@settings(max_examples=40, deadline=None)
@given(hnp.arrays(np.float64, st.integers(1, 6), elements=st.one_of(st.sampled_from(SPECIAL),
                                                                     st.floats(-4, 4))),
       hnp.arrays(np.float64, st.integers(1, 6), elements=st.one_of(st.sampled_from(SPECIAL),
                                                                     st.floats(-4, 4))))
def test_power_exponent_gradient_is_pytorchs_formula(b, e):
    """d(b**e)/de at b == 0 and e < 0 was 0 (PyTorch: -inf, +inf for -0.0 to an odd power),
    and NaN exponents at b == 0 gave 0; broadcasting (n, 1) against (m,)."""
    b, e = b[:, None], e
    with np.errstate(all="ignore"):
        want = _pow_exponent_grad_reference(b, e)
        gb, ge = _grads(ops.power, b, np.broadcast_to(e, want.shape).copy())
    np.testing.assert_allclose(ge, want, rtol=1e-13, atol=0)  # (infinities and NaN in place)


@settings(max_examples=30, deadline=None)
@given(st.one_of(st.integers(-5, 5), st.floats(-5, 5)), hnp.arrays(np.float64, st.integers(1, 4),
                                                                   elements=st.floats(-3, 3)))
def test_power_exponent_gradient_of_a_number_or_integer_base_is_float64(base, e):
    """base ** w for a Python-number base or an int64 tensor base and a float64 w: log(base)
    was taken in float32 (error 1e-8 relative), PyTorch and numpy take it in float64."""
    want = _pow_exponent_grad_reference(np.float64(base), e)
    for b in (base, dg.tensor(np.full(e.shape, base))):
        w = dg.tensor(e, requires_grad=True)
        with np.errstate(all="ignore"):
            (g,) = dg.autograd.grad((b ** w).sum(), [w])
        assert g.dtype == dg.float64
        np.testing.assert_allclose(g.numpy(), want, rtol=1e-14, atol=0)


@settings(max_examples=25, deadline=None)
@given(hnp.arrays(np.float64, st.integers(1, 6), elements=st.one_of(st.sampled_from(SPECIAL), st.floats())))
def test_power_one_half_is_c_pow_not_numpy_sqrt(x):
    """numpy reads a one-element exponent 0.5 as sqrt ((-inf) ** 0.5 NaN, (-0.0) ** 0.5 -0.0);
    C's pow, jax and PyTorch with a tensor exponent give inf and 0.0 (PyTorch's Python-float
    0.5 runs sqrt). The oracle is numpy with a full exponent array, which takes C's pow."""
    with np.errstate(all="ignore"):
        want = np.power(x, np.full(x.shape, 0.5))
        for exponent in (0.5, dg.tensor(0.5, dtype=dg.float64), dg.tensor([0.5], dtype=dg.float64)):
            got = (dg.tensor(x) ** exponent).numpy()
            np.testing.assert_array_equal(got, want)
            assert not np.signbit(got[got == 0]).any()
        for v in x.tolist():  # 0-d tensors too (a 0-d exponent array read as sqrt again)
            for exponent in (0.5, dg.tensor(0.5, dtype=dg.float64)):
                got0 = (dg.tensor(v, dtype=dg.float64) ** exponent).numpy()
                want0 = np.power(np.array([v]), [0.5])[0]
                assert got0.shape == () and got0.tobytes() == want0.tobytes(), (v, got0, want0)
        for dtype in (np.float64, np.float32):  # in place too (its numpy fast path called np.power)
            xd = x.astype(dtype)
            want_d = np.power(xd, np.full(x.shape, 0.5, dtype))
            t, u = dg.tensor(xd), dg.tensor(xd)
            with dg.no_grad():
                t **= 0.5
            u.pow_(0.5)
            for got in (t.numpy(), u.numpy()):
                np.testing.assert_array_equal(got, want_d)
                assert not np.signbit(got[got == 0]).any()


@settings(max_examples=30, deadline=None)
@given(hnp.arrays(np.float64, st.integers(1, 5), elements=st.sampled_from(SPECIAL)),
       hnp.arrays(np.float64, st.integers(1, 5), elements=st.sampled_from(SPECIAL)))
def test_relu_maximum_minimum_gradients_are_pytorchs_formulas_at_nan_and_ties(a, b):
    """PyTorch's rules written out: relu passes the gradient unless out <= 0 (NaN passes);
    maximum gives x none only where x < y (minimum: x > y), halves ties, so a NaN on either
    side passes it to both. Reading out == x gave both sides of a NaN 0 and relu'(NaN) 0.
    Broadcasting (n, 1) against (m,)."""
    x, y = a[:, None], b
    shape = np.broadcast_shapes(x.shape, y.shape)
    with np.errstate(invalid="ignore"):
        (g,) = _grads(ops.relu, a)
        np.testing.assert_array_equal(g, np.where(np.maximum(a, 0) <= 0, 0.0, 1.0))
        for op, loses in ((ops.maximum, np.less), (ops.minimum, np.greater)):
            gx, gy = _grads(op, x, y)
            tie = x == y
            want_x = np.where(tie, 0.5, np.where(loses(x, y), 0.0, 1.0))
            want_y = np.where(tie, 0.5, np.where(loses(y, x), 0.0, 1.0))
            np.testing.assert_array_equal(gx, np.broadcast_to(want_x, shape).sum(axis=1, keepdims=True))
            np.testing.assert_array_equal(gy, np.broadcast_to(want_y, shape).sum(axis=0))


def test_prod_gradient_with_a_zero_is_the_product_of_the_others():
    """PyTorch computes prod's gradient without dividing by x, so a zero gives a finite value."""
    (g,) = _grads(lambda x: ops.prod(x), [2.0, 0.0, 3.0])
    assert_close(g, [0.0, 6.0, 0.0])
    (g,) = _grads(lambda x: ops.prod(x, axis=1), [[0.0, 0.0, 3.0], [1.0, 2.0, 3.0]])
    assert_close(g, [[0.0, 0.0, 0.0], [6.0, 3.0, 2.0]])


def test_power_with_zero_exponent_has_zero_base_gradient():
    (gx, _) = _grads(ops.power, [0.0, 3.0], [0.0, 0.0])
    assert_close(gx, [0.0, 0.0])


def test_power_second_order_is_right_at_a_zero_exponent():
    """Only x == y == 0 is masked, so d2/dy dx at y == 0, x != 0 is still the true value."""
    check_call("power", [np.array([0.5, 2.0]), np.array([0.0, 0.0])], {},
               checks=("vjp", "second_order", "sympy"))


def test_prod_at_a_single_zero_passes_every_check():
    """One zero per slice: first and second order, sympy and jax all agree there too."""
    x = np.array([[1.5, 0.0, -2.0], [0.5, 0.75, 1.0]])
    for attrs in ({}, {"axis": 1}, {"axis": 0, "keepdims": True}):
        check_call("prod", [x], attrs)
