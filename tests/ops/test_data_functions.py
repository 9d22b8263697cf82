"""The functions of eager/methods_data.py, which read their inputs' values: `unique`,
`unique_consecutive`, `bincount`, `searchsorted`, `bucketize`, `isin`, `histc`. Values
against numpy (np.unique, np.bincount, np.searchsorted, np.isin, np.histogram) and PyTorch's
results written out (ties, NaN, 0-d inputs, dtypes); the jax device; dg.compile runs them
eagerly with a CompileWarning; a static tensor is refused with a clear error."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dualgrad as dg
import dualgrad.static as ds
from dualgrad.errors import CompileWarning, DTypeError, GraphError, ShapeError

NAN = float("nan")
SETTINGS = settings(max_examples=15, deadline=None)
INTS = hnp.arrays(np.int64, hnp.array_shapes(min_dims=1, max_dims=2, max_side=5), elements=st.integers(0, 4))


@SETTINGS
@given(x=INTS)
def test_unique_is_numpys(x):
    values, inverse, counts = dg.unique(dg.tensor(x), return_inverse=True, return_counts=True)
    want, want_inverse, want_counts = np.unique(x, return_inverse=True, return_counts=True)
    assert values.tolist() == want.tolist() and counts.tolist() == want_counts.tolist()
    assert inverse.shape == x.shape
    assert inverse.numpy().reshape(-1).tolist() == want_inverse.reshape(-1).tolist()
    values, inverse, counts = dg.tensor(x).unique(dim=0, return_inverse=True, return_counts=True)
    want, want_inverse, want_counts = np.unique(x, return_inverse=True, return_counts=True, axis=0)
    assert values.tolist() == want.tolist() and counts.tolist() == want_counts.tolist()
    assert inverse.tolist() == want_inverse.reshape(-1).tolist()


def test_unique_as_pytorch():
    x = dg.tensor([3.0, 1.0, NAN, 1.0, NAN, 2.0])
    values, inverse, counts = x.unique(return_inverse=True, return_counts=True)
    assert values.tolist()[:3] == [1.0, 2.0, 3.0] and np.isnan(values.numpy()[3:]).all()  # NaNs distinct
    assert inverse.tolist() == [2, 0, 3, 0, 4, 1] and counts.tolist() == [2, 1, 1, 1, 1]
    assert dg.unique(dg.tensor([3, 1, 2, 1]), sorted=False).tolist() == [1, 2, 3]
    assert dg.unique(dg.tensor([[1, 2], [1, 2], [0, 5]]), dim=1, return_inverse=True)[1].tolist() == [0, 1]
    values, inverse = dg.unique(dg.tensor(5), return_inverse=True)
    assert values.tolist() == [5] and inverse.shape == () and inverse.item() == 0
    assert dg.unique(dg.tensor([True, False, True])).tolist() == [False, True]
    assert dg.unique(dg.tensor([1, 1])).dtype == dg.int64


def test_unique_consecutive_as_pytorch():
    out, inverse, counts = dg.unique_consecutive(dg.tensor([1, 1, 2, 2, 3, 1, 1, 2]), return_inverse=True,
                                                 return_counts=True)
    assert out.tolist() == [1, 2, 3, 1, 2] and inverse.tolist() == [0, 0, 1, 1, 2, 3, 3, 4]
    assert counts.tolist() == [2, 2, 1, 2, 1]
    out, counts = dg.tensor([[1, 2], [1, 2], [0, 5], [1, 2]]).unique_consecutive(dim=0, return_counts=True)
    assert out.tolist() == [[1, 2], [0, 5], [1, 2]] and counts.tolist() == [2, 1, 1]
    assert dg.unique_consecutive(dg.tensor([NAN, NAN])).shape == (2,)  # NaN never equals NaN
    assert dg.unique_consecutive(dg.tensor([], dtype=dg.int64)).shape == (0,)


@SETTINGS
@given(x=hnp.arrays(np.int64, st.integers(0, 8), elements=st.integers(0, 6)), minlength=st.integers(0, 9))
def test_bincount_is_numpys(x, minlength):
    w = np.linspace(0.25, 2.0, x.size)
    want = np.bincount(x, minlength=minlength).tolist()
    assert dg.bincount(dg.tensor(x), minlength=minlength).tolist() == want
    got = dg.tensor(x).bincount(dg.tensor(w), minlength)
    np.testing.assert_allclose(got.numpy(), np.bincount(x, w, minlength), rtol=1e-12)
    assert got.dtype == dg.float64


def test_bincount_dtypes_and_errors():
    idx = dg.tensor([0, 2, 2])
    assert dg.bincount(idx).dtype == dg.int64
    assert dg.bincount(idx, weights=dg.tensor([0.5, 1.0, 2.0])).dtype == dg.float32
    assert dg.bincount(idx, weights=dg.tensor([1, 2, 3])).dtype == dg.float64  # integer weights: float64
    with pytest.raises(ShapeError, match="1-d non-negative"):
        dg.bincount(dg.tensor([-1, 2]))
    with pytest.raises(DTypeError, match="'Float'"):
        dg.bincount(dg.tensor([1.0]))


@SETTINGS
@given(seq=hnp.arrays(np.float64, st.integers(1, 6), elements=st.sampled_from([0.0, 1.0, 1.5, 2.0, 3.0])),
       values=hnp.arrays(np.float64, st.integers(0, 6),
                         elements=st.sampled_from([-1.0, 0.0, 1.0, 1.5, 2.5, 4.0])),
       right=st.booleans())
def test_searchsorted_on_ties_is_numpys(seq, values, right):
    seq = np.sort(seq)
    side = "right" if right else "left"
    want = np.searchsorted(seq, values, side=side).tolist()
    assert dg.searchsorted(dg.tensor(seq), dg.tensor(values), right=right).tolist() == want
    assert dg.searchsorted(dg.tensor(seq), dg.tensor(values), side=side).tolist() == want
    # bucketize(x, b) is searchsorted(b, x)
    assert dg.bucketize(dg.tensor(values), dg.tensor(seq), right=right).tolist() == want


def test_searchsorted_as_pytorch():
    s = dg.tensor([1.0, 2.0, 2.0, 2.0, 5.0])
    assert dg.searchsorted(s, dg.tensor([2.0, 0.0, 6.0, NAN])).tolist() == [1, 0, 5, 5]
    assert dg.searchsorted(s, dg.tensor([2.0, 0.0, 6.0]), right=True).tolist() == [4, 0, 5]
    scalar = dg.searchsorted(s, 2.0)
    assert scalar.shape == () and scalar.item() == 1
    batched = dg.searchsorted(dg.tensor([[1.0, 3.0], [2.0, 4.0]]), dg.tensor([[2.0], [5.0]]))
    assert batched.tolist() == [[1], [2]]
    unsorted = dg.tensor([5.0, 1.0, 3.0])
    assert dg.searchsorted(unsorted, dg.tensor([2.0, 4.0]), sorter=dg.tensor([1, 2, 0])).tolist() == [1, 2]
    assert dg.searchsorted(s, dg.tensor([2.0]), out_int32=True).dtype == dg.int32
    got = dg.bucketize(dg.tensor([[2.0, 0.0], [6.0, 5.0]]), dg.tensor([1.0, 2.0, 5.0]))
    assert got.tolist() == [[1, 0], [3, 2]]
    with pytest.raises(ShapeError, match="side and right can't be set to opposites"):
        dg.searchsorted(s, dg.tensor([1.0]), right=True, side="left")
    with pytest.raises(ShapeError, match="first N-1 dimensions"):
        dg.searchsorted(dg.ones(2, 3), dg.ones(3, 1))


def test_isin_as_pytorch():
    assert dg.isin(dg.tensor([1, 2, 3, 4]), dg.tensor([2, 4])).tolist() == [False, True, False, True]
    assert dg.isin(dg.tensor([1.0, NAN]), dg.tensor([NAN, 1.0])).tolist() == [True, False]
    assert dg.isin(dg.tensor([1, 2]), 2, invert=True).tolist() == [True, False]
    assert dg.isin(2, dg.tensor([1, 2])).item() is True


def test_histc_as_pytorch():
    x = dg.tensor([1.0, 2.0, 1.0, 4.0, 10.0])
    assert x.histc(bins=4, min=0, max=3).tolist() == [0.0, 2.0, 1.0, 0.0]  # 4, 10 outside; 3 would be last
    assert dg.histc(dg.tensor([1.0, 2.0, 1.0, 4.0]), bins=3).tolist() == [2.0, 1.0, 1.0]  # the data's range
    assert dg.histc(dg.tensor([2.0, 2.0]), bins=4).tolist() == [0.0, 0.0, 2.0, 0.0]  # widened by 1
    assert dg.histc(dg.tensor([1.0, NAN]), bins=2, min=0, max=2).tolist() == [0.0, 1.0]
    assert dg.histc(dg.tensor([0.5, 1.0], dtype=dg.float64), bins=2, min=0, max=1).dtype == dg.float64
    with pytest.raises(ShapeError, match="not finite"):
        dg.histc(dg.tensor([1.0, NAN]), bins=2)
    with pytest.raises(DTypeError, match="'Long'"):
        dg.histc(dg.tensor([1, 2]))
    data = np.random.default_rng(0).normal(size=200)
    want, _ = np.histogram(data, bins=7, range=(-1.5, 2.0))
    assert dg.histc(dg.tensor(data), bins=7, min=-1.5, max=2.0).tolist() == want.tolist()


def test_on_the_jax_device_and_under_compile():
    x = dg.tensor([3, 1, 3, 0], device="jax")
    values, counts = x.unique(return_counts=True)
    assert values.device.type == "jax" and values.tolist() == [0, 1, 3] and counts.tolist() == [1, 1, 2]
    assert dg.bincount(x).device.type == "jax" and dg.bincount(x).tolist() == [1, 1, 0, 2]
    assert dg.searchsorted(dg.tensor([0.0, 2.0], device="jax"), 1.0).device.type == "jax"

    @dg.compile
    def classes(t):
        return dg.unique(t, return_counts=True)[1] * 2

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert classes(dg.tensor([2, 1, 2])).tolist() == [2, 4]
    assert any(issubclass(w.category, CompileWarning) and "unique" in str(w.message) for w in caught)


def test_a_static_tensor_is_refused_naming_the_reason():
    x = ds.placeholder(ds.int32, [3])
    with pytest.raises(GraphError, match="unique.*static graph does not have"):
        dg.unique(x)
    with pytest.raises(GraphError, match="searchsorted"):
        dg.searchsorted(dg.tensor([1.0]), ds.placeholder(ds.float32, [2]))
