"""softmax, log_softmax and log_softmax_grad have numpy fast paths (a classifier's loss: a
transposed row maximum, results written into arrays the kernel made): each must be the plain
formulation it replaced, bit for bit and in the same layout, on drawn shapes, axes, dtypes and
values (NaN, infinities, signed zeros, huge and tiny); the eager front end's shortcut for
`x.log_softmax(dim)` / `x.softmax(dim)` / `x.sum()` must record what the general path records."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
from dualgrad import ops
from dualgrad.ops.nn import log_softmax_grad

_BITS = {4: np.uint32, 8: np.uint64}
_SPECIAL = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-30, -1e30, 80.0, -80.0])


def _plain_log_softmax(x, axis):
    z = x - np.max(x, axis=axis, keepdims=True)
    return z - np.log(np.sum(np.exp(z), axis=axis, keepdims=True))


def _plain_softmax(x, axis):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _same(got, want) -> None:
    assert type(got) is type(want) and got.dtype == want.dtype and got.shape == want.shape
    assert got.strides == want.strides
    bits = _BITS[want.dtype.itemsize]
    np.testing.assert_array_equal(np.ascontiguousarray(got).view(bits), np.ascontiguousarray(want).view(bits))


@st.composite
def _logits(draw):
    dtype = draw(st.sampled_from([np.float32, np.float64]), label="dtype")
    n = draw(st.sampled_from([1, 2, 10, 16, 17, 32, 33]), label="classes")
    rows = draw(st.sampled_from([1, 8, 63, 64, 256]), label="rows")
    lead = draw(st.sampled_from([(), (2,)]), label="lead")
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="seed"))
    x = (rng.standard_normal(lead + (rows, n)) * draw(st.sampled_from([1.0, 30.0]))).astype(dtype)
    if draw(st.booleans(), label="special values"):
        spots = rng.integers(0, x.size, size=max(1, x.size // 8))
        x.reshape(-1)[spots] = rng.choice(_SPECIAL, size=spots.size).astype(dtype)
    layout = draw(st.sampled_from(["C", "F", "strided"]), label="layout")
    if layout == "F":
        x = np.asfortranarray(x)
    elif layout == "strided" and n > 1:
        x = x[..., ::2]
    axis = draw(st.sampled_from([-1, x.ndim - 1, 0]), label="axis")
    return x, axis


@settings(max_examples=40, deadline=None)
@given(case=_logits(), seed=st.integers(0, 2**32 - 1))
def test_kernels_are_the_plain_formulations(case, seed) -> None:
    x, axis = case
    g = np.random.default_rng(seed).standard_normal(x.shape).astype(x.dtype)
    with np.errstate(all="ignore"):
        out = ops.log_softmax.kernel(np, x, axis=axis)
        _same(out, _plain_log_softmax(x, axis))
        _same(ops.softmax.kernel(np, x, axis=axis), _plain_softmax(x, axis))
        want = g - np.exp(out) * np.sum(g, axis=axis, keepdims=True)
        _same(log_softmax_grad.kernel(np, g, out, axis=axis), want)
        g1 = g[..., :1]  # a gradient that broadcasts: the general path
        _same(log_softmax_grad.kernel(np, g1, out, axis=axis),
              g1 - np.exp(out) * np.sum(g1, axis=axis, keepdims=True))


def test_an_axis_out_of_range_is_still_refused() -> None:
    x = dg.tensor(np.zeros((64, 10), np.float32), requires_grad=True)
    for bad in (2, -3):
        with pytest.raises(IndexError):
            x.log_softmax(dim=bad)
        with pytest.raises(IndexError):
            ops.log_softmax(x, axis=bad)


@pytest.mark.parametrize("name", ["log_softmax", "softmax"])
def test_the_eager_shortcut_records_what_the_general_path_does(name) -> None:
    data = np.random.default_rng(3).standard_normal((64, 10)).astype(np.float32)
    x = dg.tensor(data, requires_grad=True)
    fast = getattr(x, name)(dim=1)  # the shortcut
    general = getattr(dg, name)(x, axis=1)  # (`axis=`: the general path)
    assert fast.grad_fn.attrs == general.grad_fn.attrs and type(fast.grad_fn) is type(general.grad_fn)
    _same(fast._data, general._data)
    g = np.random.default_rng(4).standard_normal((64, 10)).astype(np.float32)
    (a,) = dg.autograd.grad(fast, x, dg.tensor(g))
    (b,) = dg.autograd.grad(general, x, dg.tensor(g))
    _same(a._data, b._data)
    with pytest.raises(Exception, match="not implemented for"):  # ints take the general path
        getattr(dg.tensor(np.ones((2, 3), np.int64)), name)(dim=1)


def test_a_whole_sum_and_the_scalar_ops_after_it() -> None:
    """`-(x * y).sum() / 64`: the shortcut's node is the general path's, and a 0-d float
    tensor (numpy hands back a scalar) keeps its dtype through the ops after it."""
    x = dg.tensor(np.random.default_rng(5).standard_normal((64, 10)).astype(np.float32), requires_grad=True)
    s = x.sum()
    general = dg.sum(x, dim=None, keepdim=False, axis=None)
    assert s.grad_fn.attrs == general.grad_fn.attrs == {"axis": None, "keepdims": False}
    assert type(s.grad_fn).__name__ == "SumBackward0"
    loss = -s / 64
    assert loss.dtype == dg.float32 and loss.shape == ()
    assert loss.item() == -np.float32(np.add.reduce(x._data, axis=None)) / np.float32(64)
    loss.backward()
    assert x.grad.dtype == dg.float32
    np.testing.assert_array_equal(x.grad._data, np.full((64, 10), -1 / 64, np.float32))
    half = dg.tensor(np.float16(1.5)) * dg.tensor(np.ones(3, np.float32))  # 0-d float16 with float32
    assert half.dtype == dg.float32  # (PyTorch: a 0-d tensor does not promote a dimensioned one)
    total = dg.tensor(np.ones(3, np.float32)).sum()  # 0-d with 0-d: PyTorch promotes, float64
    assert (total * dg.tensor(np.float64(2.0))).dtype == dg.float64
    assert (dg.tensor(np.ones(3, np.float32)) * (total * 2.0)).dtype == dg.float32


def test_a_bias_gradient_is_an_array_of_its_own() -> None:
    """`h @ w + b`: b's gradient (the batch sum, `sum_to_like`) is not a view of another
    array, so `.grad` takes it without a copy; its values are the batch sum's."""
    rng = np.random.default_rng(6)
    h = dg.tensor(rng.standard_normal((64, 8)).astype(np.float32), requires_grad=True)
    b = dg.tensor(np.zeros(8, np.float32), requires_grad=True)
    g = rng.standard_normal((64, 8)).astype(np.float32)
    for like in (b._data, np.zeros((1, 8), np.float32), np.zeros((1, 1, 8), np.float32)):
        got = ops.sum_to_like.kernel(np, g[None], like)
        assert got.base is None and got.shape == like.shape  # (the engine's copy is skipped)
        np.testing.assert_array_equal(got.reshape(-1), np.add.reduce(g, axis=0))
    (h + b).backward(dg.tensor(g))
    assert b.grad._data.base is None and b.grad._data.flags.c_contiguous
    np.testing.assert_array_equal(b.grad._data, np.add.reduce(g, axis=0))


def test_mask_operands_on_the_registry_fast_path() -> None:
    """A VJP rule's bool mask beside float arrays (relu's `where_grad(out <= 0, g, out)`) runs
    the kernel at once for ops that promote nothing, as the general path does; ops that
    promote still go through promotion."""
    rng = np.random.default_rng(7)
    g = rng.standard_normal((64, 64)).astype(np.float32)
    out = np.maximum(rng.standard_normal((64, 64)).astype(np.float32), 0)
    cond = out <= 0
    _same(ops.where_grad(cond, g, out), np.where(cond, np.float32(0), g))
    _same(ops.where_grad(cond, g, out, passes=True), np.where(cond, g, np.float32(0)))
    _same(ops.where(cond, g, out), np.where(cond, g, out))
    assert ops.add(g[:2, :2], cond[:2, :2]).dtype == np.float32
    assert ops.multiply(cond[:2, :2], np.ones((2, 2), np.float16)).dtype == np.float16


@pytest.mark.parametrize("name", ["log_softmax", "softmax", "sum"])
def test_the_shortcuts_carry_forward_mode_tangents(name) -> None:
    """Forward-mode AD swaps bind while a dual level is open: the shortcuts use the swapped one
    (the general path's tangent, and J t against finite differences in float64)."""
    import dualgrad.autograd.forward_ad as fwAD

    rng = np.random.default_rng(8)
    x, t = (dg.tensor(rng.standard_normal((64, 10))) for _ in range(2))
    fast = (lambda v: v.sum()) if name == "sum" else (lambda v: getattr(v, name)(dim=1))
    general = (lambda v: dg.sum(v, axis=None)) if name == "sum" else (lambda v: getattr(dg, name)(v, axis=1))
    with fwAD.dual_level():
        got = fwAD.unpack_dual(fast(fwAD.make_dual(x, t))).tangent
        want = fwAD.unpack_dual(general(fwAD.make_dual(x, t))).tangent
    assert got is not None
    np.testing.assert_array_equal(got._data, want._data)
    eps = 1e-6
    up, down = (fast(dg.tensor(x._data + s * eps * t._data))._data for s in (1, -1))
    fd = (up - down) / (2 * eps)
    np.testing.assert_allclose(got._data, fd, rtol=1e-5, atol=1e-7)
