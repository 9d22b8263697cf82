"""The eager MLP's numpy fast paths must be what the plain formulations give, bit for bit:
relu's kernel against `np.maximum(x, 0)` (NaN payloads, infinities, -0.0, layouts) and
`sum_to_like`'s kernel against the `np.sum`/`np.reshape` formulation it replaced."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dualgrad import ops
from dualgrad.ops.movement import reduced_axes

_BITS = {2: np.uint16, 4: np.uint32, 8: np.uint64}
# NaNs with payloads and both signs, infinities, signed zeros, subnormals
_SPECIAL = {
    np.float32: np.array([0x7FC00001, 0xFFC00002, 0x7F800001, 0xFF800003, 0x80000000, 0x00000000,
                          0x7F800000, 0xFF800000, 0x00000001, 0x80000001], np.uint32).view(np.float32),
    np.float64: np.array([0x7FF8000000000001, 0xFFF8000000000002, 0x7FF0000000000001, 0x8000000000000000,
                          0, 0x7FF0000000000000, 0xFFF0000000000000, 1, 0x8000000000000001],
                         np.uint64).view(np.float64),
}


def _same(got, want) -> None:
    assert type(got) is type(want) and got.dtype == want.dtype and np.shape(got) == np.shape(want)
    if isinstance(got, np.ndarray):
        assert got.flags.c_contiguous == want.flags.c_contiguous
    bits = _BITS[want.dtype.itemsize] if want.dtype.kind == "f" else want.dtype
    np.testing.assert_array_equal(np.atleast_1d(got).view(bits), np.atleast_1d(want).view(bits))


@st.composite
def _relu_input(draw):
    dtype = draw(st.sampled_from([np.float16, np.float32, np.float64]), label="dtype")
    n = draw(st.sampled_from([1, 7, 4095, 4096, 5000, 16384]), label="size")
    seed = draw(st.integers(0, 2**32 - 1), label="seed")
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n).astype(dtype)
    special = _SPECIAL.get(dtype, np.array([np.nan, -np.nan, np.inf, -np.inf, -0.0, 0.0], dtype))
    spots = rng.integers(0, n, size=min(n, 64))
    x[spots] = rng.choice(special, size=spots.size)
    if draw(st.booleans(), label="2-d") and n % 64 == 0:
        x = x.reshape(64, -1)
        if draw(st.booleans(), label="transposed"):
            x = x.T  # not C-contiguous: the plain path, keeping np.maximum's layout
    return x


@settings(max_examples=30, deadline=None)
@given(x=_relu_input())
def test_relu_kernel_is_np_maximum_with_0(x) -> None:
    with np.errstate(all="ignore"):
        _same(ops.relu.kernel(np, x), np.maximum(x, 0))
        _same(ops.relu(x), np.maximum(x, 0))


def _old_sum_to_like(x, target):
    lead, kept = reduced_axes(x.shape, target)
    if kept:
        x = np.sum(x, axis=kept, keepdims=True)
    if lead:
        x = np.sum(x, axis=lead)
    return np.reshape(x, target)


@st.composite
def _sum_to_case(draw):
    dtype = draw(st.sampled_from([np.float16, np.float32, np.float64, np.int64]), label="dtype")
    target = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4), label="target")
    full = tuple(draw(st.sampled_from([1, d])) if d == 1 else d for d in target)
    full = tuple(draw(st.integers(1, 4)) if d == 1 else d for d in full)
    lead = draw(hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=3), label="lead")
    elements = st.floats(width=np.dtype(dtype).itemsize * 8) if dtype != np.int64 else st.integers(-9, 9)
    x = draw(hnp.arrays(dtype, lead + full, elements=elements), label="x")
    return x, target


@settings(max_examples=30, deadline=None)
@given(case=_sum_to_case())
def test_sum_to_like_kernel_is_the_np_sum_formulation(case) -> None:
    x, target = case
    like = np.zeros(target, x.dtype)
    with np.errstate(all="ignore"):
        got = ops.sum_to_like.kernel(np, x, like)
        want = x if x.shape == target else _old_sum_to_like(x, target)
    _same(got, want)


def _old_masked(cond, x):
    """The bit mask `_masked` was before (AND with all ones or zeros): its layout and bits."""
    bits = {2: np.int16, 4: np.int32, 8: np.int64}[x.dtype.itemsize]
    mask = cond.view(np.uint8).astype(bits)
    np.negative(mask, out=mask)
    np.bitwise_and(mask, x.view(bits), out=mask)
    return mask.view(x.dtype)


@settings(max_examples=20, deadline=None)
@given(x=_relu_input(), layout=st.sampled_from(["same", "transposed", "p=0", "p=1"]),
       seed=st.integers(0, 2**32 - 1))
def test_masked_is_the_old_and_mask_and_np_where(x, layout, seed) -> None:
    from dualgrad.ops.elementwise import _masked

    if x.size < 4096:
        x = np.resize(x, 4096)
    if layout == "transposed" and x.ndim == 2 and x.flags.c_contiguous:
        x = x.T
    rng = np.random.default_rng(seed)
    p = {"p=0": 0.0, "p=1": 1.0}.get(layout, 0.5)
    cond = rng.random(x.shape) < p
    got = _masked(cond, x)
    _same(got, _old_masked(cond, x))
    np.testing.assert_array_equal(got.view(_BITS[x.dtype.itemsize]),
                                  np.where(cond, x, 0).view(_BITS[x.dtype.itemsize]))
