"""movedim/moveaxis, select, nansum, nanmean, count_nonzero, median, kthvalue, cummax/cummin and
logsumexp over an empty dim (eager/methods_stats.py, ops/running.py), on both devices: values
and gradients against numpy float64 written from PyTorch's docs (a stable sort with NaN last,
the lower median, the last index among running-extreme ties), hypothesis over shapes, dims,
ties and NaNs; errors as PyTorch raises them. torch itself: test_missing_api_torch.py."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dualgrad as dg

FEW = settings(max_examples=15, deadline=None)
# Hypothesis draws run on the CPU device (each new shape would compile new jax programs); the
# same checks run on both devices on FIXED, with ties and NaNs.
NAN = np.nan


def drawn(**strategies):
    """A hypothesis test run on the CPU device only (FIXED covers both)."""
    return lambda test: pytest.mark.cpu_only(FEW(given(**strategies)(test)))


FIXED = np.array([[3.0, 1.0, 3.0, 2.0], [1.0, NAN, 0.0, NAN], [2.0, 2.0, 2.0, 2.0]])
# a few values only, so ties are common; NaN where a test asks for it
TIES = st.sampled_from([-1.5, 0.0, 0.25, 2.0])
WITH_NAN = st.sampled_from([-1.5, 0.0, 0.25, 2.0, np.nan])


@st.composite
def arrays(draw, elements=TIES, min_dims=1):
    shape = draw(hnp.array_shapes(min_dims=min_dims, max_dims=3, min_side=1, max_side=4))
    return draw(hnp.arrays(np.float64, shape, elements=elements))


def _run(a, fn):
    """fn on a leaf holding `a`, then backward with a random cotangent on the first result:
    (the results as numpy, the cotangent, the gradient)."""
    x = dg.tensor(a, requires_grad=True)
    out = fn(x)
    values = out[0] if isinstance(out, tuple) else out
    g = np.random.default_rng(0).normal(size=tuple(values.shape))
    values.backward(dg.tensor(g))
    results = tuple(np.asarray(o.detach().numpy()) for o in out) if isinstance(out, tuple) else \
        np.asarray(out.detach().numpy())
    return results, g, x.grad.numpy()


def _scatter_back(shape, d, index, g):
    """The gradient of a gather along d at `index` (same ndim): g added at the indices."""
    grad = np.zeros(shape)
    grid = list(np.indices(index.shape, sparse=True))
    grid[d] = index
    np.add.at(grad, tuple(grid), g)
    return grad


# -- movedim, select ---------------------------------------------------------------------------
def check_movedim(a, src, dst, fn=dg.movedim):
    out, g, grad = _run(a, lambda x: fn(x, src, dst))
    np.testing.assert_array_equal(out, np.moveaxis(a, src, dst))
    np.testing.assert_array_equal(grad, np.moveaxis(g, dst, src))


@drawn(a=arrays(), data=st.data())
def test_movedim_moves_dims_as_numpy_moveaxis(a, data):
    n = a.ndim
    count = data.draw(st.integers(1, n))
    src = data.draw(st.permutations(range(n)))[:count]
    dst = data.draw(st.permutations(range(n)))[:count]
    src = [s - n if data.draw(st.booleans()) else s for s in src]  # negative dims too
    fn = data.draw(st.sampled_from([dg.movedim, dg.moveaxis, dg.Tensor.movedim, dg.Tensor.moveaxis]))
    check_movedim(a, src, dst, fn)


def test_movedim_takes_single_ints_and_0d_tensors():
    assert tuple(dg.zeros(2, 3, 4).movedim(0, -1).shape) == (3, 4, 2)
    assert dg.movedim(dg.tensor(5.0), 0, -1).item() == 5.0


def check_select(a, d, i):
    out, g, grad = _run(a, lambda x: x.select(d, i))
    np.testing.assert_array_equal(out, np.take(a, i, axis=d))
    expected = np.zeros_like(a)
    np.moveaxis(expected, d, 0)[i] = g
    np.testing.assert_array_equal(grad, expected)


@drawn(a=arrays(), data=st.data())
def test_select_is_indexing_along_a_dim(a, data):
    d = data.draw(st.integers(-a.ndim, a.ndim - 1))
    check_select(a, d, data.draw(st.integers(-a.shape[d], a.shape[d] - 1)))


# -- nansum, nanmean, count_nonzero ---------------------------------------------------------------
def _dims(data, ndim):
    return data.draw(st.one_of(st.none(), st.integers(-ndim, ndim - 1),
                               st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True)))


def _axis(dims):
    return tuple(dims) if isinstance(dims, list) else dims


def check_nan_reductions(a, dims, keepdim):
    axis = _axis(dims)
    out, g, grad = _run(a, lambda x: x.nansum(dims, keepdim=keepdim) if dims is not None else x.nansum())
    keep = keepdim and dims is not None
    np.testing.assert_allclose(out, np.nansum(a, axis=axis, keepdims=keep), rtol=1e-12)
    g_full = np.broadcast_to(g if keep or dims is None else np.expand_dims(g, axis), a.shape)
    np.testing.assert_array_equal(grad, np.where(np.isnan(a), 0.0, g_full))

    out, g, grad = _run(a, lambda x: dg.nanmean(x, dims, keepdim) if dims is not None else dg.nanmean(x))
    count = np.sum(~np.isnan(a), axis=axis, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        np.testing.assert_allclose(out, np.nansum(a, axis=axis, keepdims=keep) / count.reshape(np.shape(out)),
                                   rtol=1e-12)
        g_full = np.broadcast_to((g if keep or dims is None else np.expand_dims(g, axis)) / count, a.shape)
    rows_with_values = np.broadcast_to(count > 0, a.shape)
    np.testing.assert_allclose(grad[rows_with_values], np.where(np.isnan(a), 0.0, g_full)[rows_with_values],
                               rtol=1e-12)


# an all-NaN slice divides 0 by 0 (and its gradient g by 0): numpy warns, PyTorch is silent
@pytest.mark.filterwarnings("ignore:invalid value encountered in divide:RuntimeWarning")
@pytest.mark.filterwarnings("ignore:divide by zero encountered in divide:RuntimeWarning")
@drawn(a=arrays(elements=WITH_NAN), data=st.data(), keepdim=st.booleans())
def test_nansum_and_nanmean_skip_nan_and_give_it_no_gradient(a, data, keepdim):
    check_nan_reductions(a, _dims(data, a.ndim), keepdim)


def test_nansum_of_integers_and_nanmean_refusing_them():
    out = dg.nansum(dg.tensor([[1, 2], [3, 4]], dtype=dg.int32), 1)
    assert out.dtype == dg.int64 and out.tolist() == [3, 7]
    with pytest.raises(TypeError, match=r"nanmean\(\): expected input to have floating point"):
        dg.nanmean(dg.tensor([1, 2]))
    assert dg.nansum(dg.tensor([1.0, 2.0]), dtype=dg.float64).dtype == dg.float64


def check_count_nonzero(a, dims):
    out = dg.count_nonzero(dg.tensor(a), dims) if dims is not None else dg.tensor(a).count_nonzero()
    assert out.dtype == dg.int64
    np.testing.assert_array_equal(out.numpy(), np.count_nonzero(a, axis=_axis(dims)))


@drawn(a=arrays(elements=WITH_NAN), data=st.data())
def test_count_nonzero_counts_as_numpy(a, data):
    check_count_nonzero(a, _dims(data, a.ndim))


# -- median, kthvalue ----------------------------------------------------------------------------
def _stable_order(a, axis):
    """numpy's stable argsort (NaN last): PyTorch's order among equal values is unspecified;
    dualgrad's is this one."""
    return np.argsort(a, axis=axis, kind="stable")


def check_median_along(a, d, keepdim):
    (values, indices), g, grad = _run(a, lambda x: x.median(d, keepdim=keepdim))
    n, nans = a.shape[d], np.sum(np.isnan(a), axis=d, keepdims=True)
    position = np.where(nans > 0, n - nans, (n - 1) // 2)
    index = np.take_along_axis(_stable_order(a, d), position, axis=d)
    expected = np.take_along_axis(a, index, axis=d)
    if not keepdim:
        index, expected = np.squeeze(index, d), np.squeeze(expected, d)
    np.testing.assert_array_equal(indices, index)
    np.testing.assert_array_equal(values, expected)
    d = d % a.ndim
    g = g if keepdim else np.expand_dims(g, d)
    index = index if keepdim else np.expand_dims(index, d)
    np.testing.assert_array_equal(grad, _scatter_back(a.shape, d, index, g))


@drawn(a=arrays(elements=WITH_NAN), data=st.data(), keepdim=st.booleans())
def test_median_along_a_dim_is_the_lower_median_or_the_first_nan(a, data, keepdim):
    check_median_along(a, data.draw(st.integers(-a.ndim, a.ndim - 1)), keepdim)


def check_median(a):
    out, g, grad = _run(a, lambda x: dg.median(x))
    flat = a.reshape(-1)
    if np.isnan(flat).any():
        assert np.isnan(out)
        at = int(np.argmax(np.isnan(flat)))
    else:
        at = int(_stable_order(flat, 0)[(flat.size - 1) // 2])
        assert out == np.sort(flat)[(flat.size - 1) // 2]
    expected = np.zeros(flat.size)
    expected[at] = g
    np.testing.assert_array_equal(grad.reshape(-1), expected)


@drawn(a=arrays(elements=WITH_NAN))
def test_median_of_all_elements_is_the_lower_median(a):
    check_median(a)


def check_kthvalue(a, k, d, keepdim):
    (values, indices), g, grad = _run(a, lambda x: dg.kthvalue(x, k, d, keepdim))
    index = np.take(_stable_order(a, d), [k - 1], axis=d)
    expected = np.take_along_axis(a, index, axis=d)
    np.testing.assert_array_equal(values, expected if keepdim else np.squeeze(expected, d))
    np.testing.assert_array_equal(indices, index if keepdim else np.squeeze(index, d))
    d = d % a.ndim
    g = g if keepdim else np.expand_dims(g, d)
    np.testing.assert_array_equal(grad, _scatter_back(a.shape, d, index, g))


@drawn(a=arrays(elements=WITH_NAN), data=st.data(), keepdim=st.booleans())
def test_kthvalue_is_the_kth_of_a_stable_sort_with_nan_last(a, data, keepdim):
    d = data.draw(st.integers(-a.ndim, a.ndim - 1))
    check_kthvalue(a, data.draw(st.integers(1, a.shape[d])), d, keepdim)


def test_median_and_kthvalue_of_integers_and_0d_tensors():
    m = dg.tensor([[5, 1, 4, 2]]).median(1)
    assert m.values.tolist() == [2] and m.indices.tolist() == [3] and m.values.dtype == dg.int64
    assert dg.tensor(5.0).kthvalue(1).values.item() == 5.0
    assert dg.tensor(5.0).median(0).indices.item() == 0
    assert np.isnan(dg.median(dg.zeros(0)).item())
    assert tuple(dg.zeros(3, 0).median(0).values.shape) == (0,)


# -- cummax, cummin --------------------------------------------------------------------------------
def _running(a, axis, largest):
    """PyTorch's rule, position by position: at least as extreme as the running one, or NaN,
    takes over (numpy's maximum.accumulate propagates the NaN the same way)."""
    rows = np.moveaxis(a, axis, -1)
    idx = np.zeros(rows.shape, dtype=np.int64)
    for row in np.ndindex(rows.shape[:-1]):
        best = 0
        for j in range(rows.shape[-1]):
            v, b = rows[row + (j,)], rows[row + (best,)]
            if np.isnan(v) or (v >= b if largest else v <= b):
                best = j
            idx[row + (j,)] = best
    return np.moveaxis(idx, -1, axis)


def check_running(a, d, largest):
    fn = dg.cummax if largest else dg.cummin
    (values, indices), g, grad = _run(a, lambda x: fn(x, d))
    accumulate = np.maximum.accumulate if largest else np.minimum.accumulate
    np.testing.assert_array_equal(values, accumulate(a, axis=d))
    index = _running(a, d % a.ndim, largest)
    np.testing.assert_array_equal(indices, index)
    np.testing.assert_array_equal(grad, _scatter_back(a.shape, d % a.ndim, index, g))


@drawn(a=arrays(elements=WITH_NAN), data=st.data(), largest=st.booleans())
def test_cummax_and_cummin_take_the_last_of_ties_and_propagate_nan(a, data, largest):
    check_running(a, data.draw(st.integers(-a.ndim, a.ndim - 1)), largest)


def test_every_check_on_both_devices():
    a = FIXED
    check_movedim(a, [0, -1], [-1, 0])
    check_select(a, 1, -1)
    check_nan_reductions(a, [0, 1], True)
    check_count_nonzero(a, (0, -1))
    check_median(a)
    check_median_along(a, -1, False)
    check_kthvalue(a, 3, 0, True)
    check_running(a, 1, True)
    check_running(a, -1, False)


def test_cummax_of_integers_bools_and_0d_tensors():
    out = dg.tensor([1, 3, 3, 2]).cummax(0)
    assert out.values.tolist() == [1, 3, 3, 3] and out.indices.tolist() == [0, 1, 2, 2]
    assert dg.tensor([True, False, True]).cummin(0).indices.tolist() == [0, 1, 1]
    assert dg.tensor(5.0).cummax(0).indices.item() == 0


# -- descending sorts of integers (the argsort kernel negated them: -0 is 0 in uint8) ---------------
INTEGERS = {np.uint8: [0, 1, 200, 255], np.int8: [-128, -1, 0, 5, 127], np.int64: [-(2**63), 0, 3, 2**63 - 1]}


def check_descending(a):
    order = np.argsort(-a.astype(object) if a.dtype != np.bool_ else ~a, kind="stable")  # exact, no wrap
    for got in (dg.tensor(a).sort(descending=True).indices, dg.tensor(a).topk(a.size).indices,
                dg.argsort(dg.tensor(a), descending=True)):
        np.testing.assert_array_equal(got.numpy(), order)


@drawn(data=st.data(), dtype=st.sampled_from(sorted(INTEGERS, key=str)))
def test_descending_sorts_of_integers_order_as_numbers(data, dtype):
    check_descending(np.array(data.draw(st.lists(st.sampled_from(INTEGERS[dtype]), min_size=1, max_size=6)),
                              dtype))


def test_descending_sorts_of_integers_on_both_devices():
    for dtype, values in INTEGERS.items():
        check_descending(np.array(values + values[::-1], dtype))
    check_descending(np.array([False, True, False, True]))


# -- logsumexp over an empty dim --------------------------------------------------------------------
def test_logsumexp_over_an_empty_dim_is_minus_infinity():
    x = dg.zeros(0, 3, requires_grad=True)
    out = dg.logsumexp(x, 0)
    assert out.tolist() == [-np.inf] * 3
    out.sum().backward()
    assert tuple(x.grad.shape) == (0, 3)
    assert dg.logsumexp(x, (0, 1)).item() == -np.inf
    assert tuple(dg.logsumexp(dg.zeros(3, 0), 0).shape) == (0,)


# -- errors -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("call, error, message", [
    (lambda x: x.movedim((0, 0), (1, 0)), RuntimeError, r"movedim: repeated dim in `source` \(\[0, 0\]\)"),
    (lambda x: x.movedim((0, 1), (1,)), RuntimeError, r"movedim: Invalid source or destination dims"),
    (lambda x: x.movedim(3, 0), IndexError, r"movedim: dimension 3 is out of range"),
    (lambda x: x.select(0, 5), IndexError, r"select\(\): index 5 out of range for tensor of size \[2, 3\] at "
                                           r"dimension 0"),
    (lambda x: dg.tensor(1.0).select(0, 0), IndexError, r"select\(\) cannot be applied to a 0-dim tensor"),
    (lambda x: x.select(2, 0), IndexError, r"select: dimension 2 is out of range"),
    (lambda x: x.kthvalue(4), RuntimeError, r"kthvalue\(\): selected number k out of range for dimension -1"),
    (lambda x: x.kthvalue(0, 0), RuntimeError, r"kthvalue\(\): selected number k out of range"),
    (lambda x: x.median(2), IndexError, r"median: dimension 2 is out of range"),
    (lambda x: dg.zeros(0, 3).median(0), IndexError, r"median\(\): Expected reduction dim 0 to have non"),
    (lambda x: x.cummax(-3), IndexError, r"cummax: dimension -3 is out of range"),
    (lambda x: dg.tensor(1.0).cummin(1), IndexError, r"cummin.*Dimension out of range"),
    (lambda x: x.count_nonzero((0, 0)), RuntimeError, r"count_nonzero: dim 0 appears multiple times"),
    (lambda x: x.nansum(2), IndexError, r"nansum: dimension 2 is out of range"),
    (lambda x: x.nanmean((1, -1)), RuntimeError, r"nanmean: dim 1 appears multiple times"),
])
def test_errors_name_the_function_as_pytorch(call, error, message):
    with pytest.raises(error, match=message):
        call(dg.zeros(2, 3))
