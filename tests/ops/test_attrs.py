"""`Attrs`: an op call's attrs, hashable once. Its key must be equal exactly when the values
are the same value of the same kind (else a cached program would run with another call's
attrs). The oracle below compares values directly, without any key.

NaN policy (documented in dualgrad/ops/attrs.py): a float NaN attr equals only a NaN with
the same bits; -0.0 and 0.0 differ; `1`, `1.0` and `True` differ.
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dualgrad.ops.attrs import Attrs


def _bits(x: float) -> int:
    return int(np.array(x, dtype=np.float64).view(np.int64))


def same(a, b) -> bool:
    """The oracle: the same value of the same kind, compared element by element."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return _bits(a) == _bits(b)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, slice):
        return same(a.start, b.start) and same(a.stop, b.stop) and same(a.step, b.step)
    if isinstance(a, np.ndarray):  # integer and bool index arrays: equal values = equal bytes
        return a.dtype == b.dtype and a.shape == b.shape and bool(np.array_equal(a, b))
    return a == b


def rebuilt(a):
    """An equal value made of new objects (so equality cannot come from identity)."""
    if isinstance(a, (list, tuple)):
        return type(a)(rebuilt(x) for x in a)
    if isinstance(a, slice):
        return slice(rebuilt(a.start), rebuilt(a.stop), rebuilt(a.step))
    if isinstance(a, np.ndarray):
        return a.copy()
    if isinstance(a, float):
        return float(np.float64(a))
    return a


small_ints = st.integers(-3, 3)
index_arrays = st.builds(
    lambda values, dtype, two_d: np.array(values, dtype=dtype).reshape((1, -1) if two_d else (-1,)),
    st.lists(st.integers(0, 2), min_size=1, max_size=3),
    st.sampled_from([np.int64, np.int32, np.bool_]),
    st.booleans(),
)
leaves = st.one_of(
    st.none(), st.booleans(), small_ints, st.sampled_from(["a", "b"]),
    st.sampled_from([0.0, -0.0, 1.0, float("nan"), -float("nan"), float("inf")]),
    st.builds(slice, st.none() | small_ints, st.none() | small_ints, st.none() | small_ints),
    index_arrays,
)
values = st.recursive(leaves, lambda inner: st.lists(inner, max_size=3) | st.tuples(inner, inner),
                      max_leaves=6)


@settings(max_examples=30, deadline=None)
@given(st.data())
def test_key_equal_exactly_when_the_values_are(data):
    a = data.draw(values)
    b = data.draw(st.one_of(st.just(rebuilt(a)), values))
    x, y = Attrs(key=a, axis=1), Attrs(axis=1, key=b)  # keyword order does not matter
    assert (x == y) is same(a, b)
    assert (x != y) is not same(a, b)
    if same(a, b):
        assert hash(x) == hash(y)


@pytest.mark.parametrize("a, b", [
    (np.array([1, 2], np.int64), np.array([1, 2], np.int32)),   # dtype
    (np.array([1, 2]), np.array([[1, 2]])),                      # shape, same bytes
    (np.array([True, False]), np.array([1, 0], np.uint8)),       # same bytes, another dtype
    (np.array([0, 1]), np.array([0, 2])),
    ([0, 1], (0, 1)),                                            # list and tuple index apart
    (0.0, -0.0), (1, True), (1, 1.0),
    (slice(None, 2), slice(0, 2)),
])
def test_different_values_never_share_a_key(a, b):
    assert Attrs(k=a) != Attrs(k=b)
    assert Attrs(k=a).key != Attrs(k=b).key


def test_kernels_receive_the_values_as_given():
    idx = np.array([2, 0])
    attrs = Attrs(key=(idx, slice(1, None)), keepdims=True)
    got = (lambda **kw: kw)(**attrs)
    assert got["key"][0] is idx and got["keepdims"] is True
    assert Attrs(axis=0, keepdims=True) == {"axis": 0, "keepdims": True}


def test_cacheable_only_without_arrays_and_with_a_key():
    assert Attrs(axis=(0, 1), key=slice(None)).cacheable
    assert not Attrs(key=(np.array([0, 1]),)).cacheable  # a program per index would recompile
    unhashable = Attrs(axis={1, 2})
    assert unhashable.key is None and not unhashable.cacheable
    with pytest.raises(TypeError):
        hash(unhashable)
