"""Edges a differential sweep against PyTorch found answered without an error and wrongly (the
twenty-fifth session): `vander` of an inf gave NaN (its ones were `x * 0 + 1`), so did
`linalg.matrix_power(A, 0)` of a non-finite A that requires grad, and the functional API's zero
Hessian products; `histogram` left NaN and inf out of the data's range where PyTorch and numpy
refuse it, and counted into bins of no width where numpy refuses them (PyTorch and dualgrad
each put the values in another bin); `diff(x, n=-1)` returned x; `mv` of two vectors was their
dot product; a number or a list of numbers as a mask selected by truthiness; a Python bool as a
shift count failed inside the kernel. Each is checked against numpy float64, with infs and NaNs."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg

SETTINGS = settings(max_examples=40, deadline=None)
# no value whose fifth power is subnormal: the jax device flushes those to 0 (docs/devices.md)
ANY_FLOAT = st.floats(allow_nan=True, allow_infinity=True).filter(lambda v: not 0 < abs(v) < 1e-60)
VALUES = st.lists(st.one_of(ANY_FLOAT, st.sampled_from([0.0, -0.0, 1.0, -1.0, math.inf, -math.inf,
                                                         math.nan])), min_size=1, max_size=6)


def _same(out: np.ndarray, want: np.ndarray) -> None:
    """Equal bit for bit where numbers, NaN where NaN (the dtype and shape too)."""
    assert out.dtype == want.dtype and out.shape == want.shape
    np.testing.assert_array_equal(out, want)


@SETTINGS
@given(VALUES, st.integers(0, 5), st.booleans())
def test_vander_is_numpys_at_every_value(values, n, increasing) -> None:
    x = np.array(values)
    with np.errstate(all="ignore"):
        want = np.vander(x, n, increasing=increasing)
    _same(dg.vander(dg.tensor(x), N=n, increasing=increasing).numpy(), want)


def test_vander_keeps_its_gradient_at_zero() -> None:
    x = dg.tensor([0.0, 2.0, -1.5], requires_grad=True)
    dg.vander(x, N=4).sum().backward()  # d/dx (x^3 + x^2 + x + 1)
    np.testing.assert_allclose(x.grad.numpy(), 3 * x.detach().numpy() ** 2 + 2 * x.detach().numpy() + 1)


@SETTINGS
@given(VALUES, st.integers(1, 6))
def test_histogram_refuses_where_numpy_does_and_counts_as_numpy(values, bins) -> None:
    x = np.array(values)
    try:
        counts, edges = np.histogram(x, bins)
    except ValueError:  # numpy: "autodetected range of [nan, inf] is not finite", or "too many
        # bins for data range" (one value near 2**52: its range widened by 0.5 rounds to one point)
        with pytest.raises(dg.errors.ShapeError, match="is not finite|too many bins"):
            dg.histogram(dg.tensor(x), bins=bins)
        return
    hist, bin_edges = dg.histogram(dg.tensor(x), bins=bins)
    _same(bin_edges.numpy(), edges)
    _same(hist.numpy(), counts.astype(np.float64))


@SETTINGS
@given(VALUES, st.integers(1, 6))
def test_histogram_with_a_range_counts_the_finite_elements_in_it(values, bins) -> None:
    x = np.array(values)
    counts, edges = np.histogram(x, bins, range=(-2.0, 2.0))
    hist, bin_edges = dg.histogram(dg.tensor(x), bins=bins, range=(-2.0, 2.0))
    _same(bin_edges.numpy(), edges)
    _same(hist.numpy(), counts.astype(np.float64))


@pytest.mark.parametrize("n", [-3, -1, 0, 1, 2, 4])
def test_diff_refuses_a_negative_order_as_numpy(n) -> None:
    x = np.array([1.0, 4.0, -9.0, 16.5])
    if n < 0:
        with pytest.raises(ValueError, match="non-negative"):
            np.diff(x, n)
        with pytest.raises(dg.errors.ShapeError, match="order must be non-negative but got"):
            dg.diff(dg.tensor(x), n)
        return
    _same(dg.diff(dg.tensor(x), n).numpy(), np.diff(x, n))


@pytest.mark.parametrize("ranks", [(a, b) for a in range(4) for b in range(4)])
def test_mv_takes_a_matrix_and_a_vector_only(ranks) -> None:
    shapes = {0: (), 1: (3,), 2: (3, 3), 3: (2, 3, 3)}
    rng = np.random.default_rng(sum(ranks))
    a, v = (rng.standard_normal(shapes[r]) for r in ranks)
    if ranks != (2, 1):
        with pytest.raises(dg.errors.ShapeError, match=r"mv: (input must be a matrix|vec must be a vector)"):
            dg.mv(dg.tensor(a), dg.tensor(v))
        return
    np.testing.assert_allclose(dg.mv(dg.tensor(a), dg.tensor(v)).numpy(), a @ v, rtol=1e-12)
    np.testing.assert_allclose(dg.tensor(a).mv(dg.tensor(v)).numpy(), a @ v, rtol=1e-12)


NOT_BOOL_MASKS = [2.5, 1, 0, [1, 0, 1], (0.0, 1.0, 1.0)]
SELECTIONS = {
    "masked_select": lambda x, m: dg.masked_select(x, m),
    "masked_fill": lambda x, m: dg.masked_fill(x, m, 0.0),
    "where": lambda x, m: dg.where(m, x, 0.0),
}


@pytest.mark.parametrize("mask", NOT_BOOL_MASKS, ids=repr)
@pytest.mark.parametrize("name", sorted(SELECTIONS))
def test_a_mask_of_numbers_is_refused_however_it_is_given(name, mask) -> None:
    with pytest.raises(dg.errors.DTypeError, match="(?i)bool"):
        SELECTIONS[name](dg.tensor([1.0, 2.0, 3.0]), mask)


@pytest.mark.parametrize("mask", [True, False, [True, False, True]], ids=repr)
def test_a_mask_of_python_bools_selects_as_numpy(mask) -> None:
    x = np.array([1.0, 2.0, 3.0])
    want = x[np.broadcast_to(np.asarray(mask), x.shape)]
    _same(dg.masked_select(dg.tensor(x), mask).numpy(), want)


@pytest.mark.parametrize("count", [True, False])
@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.int64, np.uint8])
def test_a_python_bool_shift_count_is_the_int_it_stands_for(dtype, count) -> None:
    x = np.array([1, 2, 5, 7], dtype=dtype)
    _same(dg.bitwise_left_shift(dg.tensor(x), count).numpy(), np.left_shift(x, int(count)))
    _same(dg.bitwise_right_shift(dg.tensor(x), count).numpy(), np.right_shift(x, int(count)))
    _same((dg.tensor(x) << count).numpy(), np.left_shift(x, int(count)))


@SETTINGS
@given(st.lists(ANY_FLOAT, min_size=4, max_size=4))
def test_matrix_power_zero_is_the_identity_whatever_a_holds(values) -> None:
    a = dg.tensor(np.array(values).reshape(2, 2), requires_grad=True)
    out = dg.linalg.matrix_power(a, 0)
    _same(out.detach().numpy(), np.linalg.matrix_power(np.array(values).reshape(2, 2), 0))
    out.sum().backward()
    _same(a.grad.numpy(), np.zeros((2, 2)))


@pytest.mark.parametrize("product", ["hvp", "vhp"])
def test_zero_hessian_products_are_zeros_at_non_finite_inputs(product) -> None:
    x = np.array([math.inf, -math.inf, math.nan, 1.0])
    fn = getattr(dg.autograd.functional, product)
    _, result = fn(lambda t: (t * 0).sum(), dg.tensor(x), dg.tensor(np.ones(4)))
    _same(result.numpy(), np.zeros(4))


@pytest.mark.parametrize("reduce", ["all", "any"])
@pytest.mark.parametrize("dtype", [np.uint8, np.int64, np.float32, np.bool_])
def test_all_and_any_keep_uint8_as_pytorch(reduce, dtype) -> None:
    x = np.array([[0, 2], [1, 1]], dtype=dtype)
    want = getattr(np, reduce)(x, axis=1)
    out = getattr(dg.tensor(x), reduce)(1).numpy()
    _same(out, want.astype(np.uint8) if dtype is np.uint8 else want)
