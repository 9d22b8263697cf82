"""TF1's other spellings and more top-level and tf.math names (static/tf_more_names.py,
tf_more_names2.py), on both backends: values, and gradients where TF1 has them, against
numpy float64 transcriptions of TF1's documented definitions (checked against TF 2.21's
tf.compat.v1 graph mode when written); the errors TF1 raises at run time fail the run here too."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dualgrad.static as ds
from dualgrad.errors import (
    DTypeError,
    DualgradError,
    DualgradNotImplementedError,
    InvalidArgumentError,
    ShapeError,
)

SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _run(backend, fetches, feed=None):
    with ds.Session(backend=backend) as sess:
        return sess.run(fetches, feed)


def _value_and_grads(backend, build, *values, weights=None):
    """build(*placeholders)'s value and the gradients of sum(out * weights) in each input."""
    with ds.Graph().as_default():
        xs = [ds.placeholder(ds.float64, np.shape(v)) for v in values]
        out = build(*xs)
        w = np.ones(out.shape) if weights is None else weights
        grads = ds.gradients(ds.reduce_sum(out * ds.constant(w)), xs)
        return _run(backend, [out, *grads], dict(zip(xs, values, strict=True)))


def _numeric_grad(f, x, w, eps=1e-6):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[i] = eps
        g[i] = np.sum((f(x + step) - f(x - step)) * w) / (2 * eps)
    return g


# values on a grid of quarters: no subnormal products (XLA:CPU flushes them to zero) nor underflows
GRID = st.integers(-16, 16).map(lambda k: k / 4)


# -- other spellings ----------------------------------------------------------------------------------
def test_arg_max_and_arg_min_are_tf1s_argmax_and_argmin(backend):
    x = np.array([[1.0, 3.0, 2.0], [5.0, -1.0, 0.0]])
    got = _run(backend, [ds.arg_max(x, 1), ds.arg_min(x, 1), ds.arg_max(x, dimension=0, output_type=ds.int32),
                         ds.arg_min(x, 0)])
    wants = [np.argmax(x, 1), np.argmin(x, 1), np.argmax(x, 0), np.argmin(x, 0)]
    for g, want in zip(got, wants, strict=True):
        np.testing.assert_array_equal(g, want)
    assert [g.dtype for g in got] == [np.int64, np.int64, np.int32, np.int64]


def test_renamed_functions_give_their_originals_values(backend):
    x = np.arange(6.0).reshape(2, 3)
    t = ds.constant([1.0, 5.0, 3.0])
    got = _run(backend, [ds.reverse_v2(x, [1]), ds.floor_div(np.array([-7.0, 7.5]), 2.0),
                         ds.accumulate_n([x, x, 2 * x]), ds.math.accumulate_n([x]),
                         ds.tensor_scatter_add(t, [[0], [0]], [1.0, 2.0]),
                         ds.tensor_scatter_update(t, [[2]], [9.0]), ds.tensor_scatter_sub(t, [[1]], [4.0]),
                         ds.math.softsign(np.array([1.0, -3.0]))])
    want = [x[:, ::-1], [-4.0, 3.0], 4 * x, x, [4.0, 5.0, 3.0], [1.0, 5.0, 9.0], [1.0, 1.0, 3.0],
            [0.5, -0.75]]
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w)


@settings(max_examples=10, **SETTINGS)
@given(data=st.data())
def test_tensor_scatter_nd_sub_max_min_match_a_loop(backend, data):
    n, m = data.draw(st.integers(1, 5)), data.draw(st.integers(0, 6))
    idx = data.draw(hnp.arrays(np.int32, (m, 1), elements=st.integers(0, n - 1)))
    values = data.draw(st.permutations(range(n + m)))  # distinct: one max and min per slot, no ties
    t0, u0 = np.array(values[:n], np.float64), np.array(values[n:], np.float64)
    w = np.linspace(1.0, 2.0, n)
    picks = {"sub": None, "max": max, "min": min}
    with ds.Graph().as_default():  # (one program for the three: one compile per example on jax)
        t, u = ds.placeholder(ds.float64, [n]), ds.placeholder(ds.float64, [m])
        fetches = []
        for name in picks:
            out = getattr(ds, f"tensor_scatter_nd_{name}")(t, idx, u)
            fetches += [out, *ds.gradients(ds.reduce_sum(out * ds.constant(w)), [t, u])]
        got = _run(backend, fetches, {t: t0, u: u0})
    for j, pick in enumerate(picks.values()):
        out, gt, gu = got[3 * j:3 * j + 3]
        want, from_update = t0.copy(), {}
        for k, (i,) in enumerate(idx):
            if pick is None:
                want[i] -= u0[k]
            elif pick(want[i], u0[k]) == u0[k]:
                want[i], from_update[i] = u0[k], k
        np.testing.assert_allclose(out, want)
        if pick is None:
            np.testing.assert_allclose(gt, w)
            np.testing.assert_allclose(gu, -w[idx[:, 0]])
        else:  # the gradient goes to the one value that wins each slot
            np.testing.assert_allclose(gt, [0.0 if i in from_update else w[i] for i in range(n)])
            np.testing.assert_allclose(gu, [w[i] if from_update.get(i) == k else 0.0
                                            for k, (i,) in enumerate(idx)])


def test_tensor_scatter_nd_max_splits_a_tie_gradient_and_keeps_its_total(backend):
    t, u = ds.constant([3.0, 1.0]), ds.constant([3.0, 3.0, 0.0])
    out = ds.tensor_scatter_nd_max(t, [[0], [0], [1]], u)
    value, gt, gu = _run(backend, [out, *ds.gradients(out, [t, u])])
    np.testing.assert_array_equal(value, [3.0, 1.0])
    # TF1 gives each of the three tied values 1/3; dualgrad t 1/2, the updates 1/4 each
    np.testing.assert_allclose([gt[0] + gu[0] + gu[1], gt[1], gu[2]], [1.0, 1.0, 0.0])


def test_tensor_scatter_nd_max_and_min_of_integers(backend):
    t = ds.constant([1, 5, 3], dtype=ds.int64)
    got = _run(backend, [ds.tensor_scatter_nd_max(t, [[0], [1], [0]], [4, 2, 0]),
                         ds.tensor_scatter_nd_min(t, [[0], [1]], [4, 2])])
    np.testing.assert_array_equal(got, [[4, 5, 3], [1, 2, 3]])
    assert got[0].dtype == got[1].dtype == np.int64


# -- arithmetic ---------------------------------------------------------------------------------------
@settings(max_examples=15, **SETTINGS)
@given(x=hnp.arrays(np.int64, 6, elements=st.integers(-50, 50)),
       y=hnp.arrays(np.int64, 6, elements=st.integers(-9, 9).filter(bool)),
       dtype=st.sampled_from(["int32", "int64", "float32", "float64"]))
def test_truncatediv_rounds_toward_zero(backend, x, y, dtype):
    got = _run(backend, ds.truncatediv(x.astype(dtype), y.astype(dtype)))
    # floats: the float quotient truncated; ints: |a| // |b| with the quotient's sign (exact)
    want = [math.trunc(a / b) if dtype.startswith("float") else abs(a) // abs(b) * (1 if a * b >= 0 else -1)
            for a, b in zip(x.tolist(), y.tolist(), strict=True)]
    assert got.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(got, want)


def test_truncatediv_of_floats_and_bools(backend):
    np.testing.assert_array_equal(_run(backend, ds.truncatediv(ds.constant([-7.5, 7.5]), 2.0)), [-3.0, 3.0])
    with pytest.raises(DTypeError, match="truncatediv.*bool"):
        ds.truncatediv(np.array([True]), np.array([True]))


@settings(max_examples=10, **SETTINGS)
@given(s=GRID, x=hnp.arrays(np.float64, st.integers(0, 4), elements=GRID))
def test_scalar_mul_value_and_gradients(backend, s, x):
    w = np.linspace(0.5, 1.5, x.size)
    value, gs, gx = _value_and_grads(backend, ds.scalar_mul, np.float64(s), x, weights=w)
    np.testing.assert_allclose(value, s * x)
    np.testing.assert_allclose(gs, np.sum(x * w), atol=1e-12)
    np.testing.assert_allclose(gx, s * w)
    np.testing.assert_allclose(_run(backend, ds.math.scalar_mul(2, ds.constant([1.0, 2.0]))), [2.0, 4.0])
    with pytest.raises(ShapeError, match=r"scalar_mul.*0-D.*\(1,\)"):
        ds.scalar_mul(ds.constant([2.0]), ds.constant([1.0]))


# -- shapes ---------------------------------------------------------------------------------------------
def test_shape_n_identity_n_and_parallel_stack(backend):
    a, b = ds.placeholder(ds.float32, [None, 3]), ds.ones([4], dtype=ds.float64)
    feed = {a: np.zeros((2, 3), np.float32)}
    sa, sb = _run(backend, ds.shape_n([a, b]), feed)
    np.testing.assert_array_equal(sa, [2, 3])
    np.testing.assert_array_equal(sb, [4])
    assert sa.dtype == np.int32 and _run(backend, ds.shape_n([b], out_type=ds.int64))[0].dtype == np.int64
    ia, ib = _run(backend, ds.identity_n([a, b]), feed)
    np.testing.assert_array_equal(ia, feed[a])
    np.testing.assert_array_equal(ib, np.ones(4))
    np.testing.assert_array_equal(_run(backend, ds.parallel_stack([[1, 2], [3, 4], [5, 6]])),
                                  [[1, 2], [3, 4], [5, 6]])


DIM = st.one_of(st.none(), st.integers(0, 3))


def _static_oracle(a, b):
    """TF1's common_shapes.broadcast_shape, written from its documented rule."""
    n = max(len(a), len(b))
    a, b = [1] * (n - len(a)) + a, [1] * (n - len(b)) + b
    out = []
    for i, j in zip(a, b, strict=True):
        if i is None or j is None:
            out.append(i if i is not None and i > 1 else j if j is not None and j > 1 else None)
        elif i != j and 1 not in (i, j):
            return "error"
        else:
            out.append(j if i == 1 else i)
    return out


@settings(max_examples=15, deadline=None)
@given(a=st.lists(DIM, max_size=3), b=st.lists(DIM, max_size=3))
def test_broadcast_static_shape(a, b):
    want = _static_oracle(a, b)
    if want == "error":
        with pytest.raises(ShapeError, match="broadcast_static_shape: incompatible"):
            ds.broadcast_static_shape(ds.TensorShape(a), ds.TensorShape(b))
        return
    got = ds.broadcast_static_shape(ds.TensorShape(a), b)
    assert isinstance(got, ds.TensorShape) and got.as_list() == want
    assert ds.broadcast_static_shape(ds.TensorShape(None), ds.TensorShape(a)).ndims is None


@settings(max_examples=12, **SETTINGS)
@given(a=st.lists(st.integers(0, 3), max_size=3), b=st.lists(st.integers(0, 3), max_size=3),
       dtype=st.sampled_from(["int32", "int64"]))
def test_broadcast_dynamic_shape_and_its_run_time_check(backend, a, b, dtype):
    x, y = ds.placeholder(dtype, [len(a)]), ds.placeholder(dtype, [len(b)])
    out = ds.broadcast_dynamic_shape(x, y)
    feed = {x: np.array(a, dtype), y: np.array(b, dtype)}
    want = _static_oracle(a, b)
    if want == "error":
        with pytest.raises(InvalidArgumentError, match="broadcast_dynamic_shape: incompatible"):
            _run(backend, out, feed)
        return
    got = _run(backend, out, feed)
    assert got.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(got, np.broadcast_shapes(tuple(a), tuple(b)))


@settings(max_examples=12, **SETTINGS)
@given(t=hnp.arrays(np.float64, hnp.array_shapes(max_dims=2, max_side=3),
                    elements=GRID),
       c=st.floats(0.1, 3))
def test_clip_by_average_norm_value_and_gradient(backend, t, c):
    def oracle(v):  # TF1: t * clip_norm * min(size / ||t||, 1 / clip_norm)
        norm = np.sqrt(np.sum(v * v))
        return v if norm == 0 else v * c * min(v.size / norm, 1 / c)

    norm, w = np.sqrt(np.sum(t * t)), np.linspace(-1, 2, t.size).reshape(t.shape)
    value, grad = _value_and_grads(backend, lambda x: ds.clip_by_average_norm(x, c), t, weights=w)
    np.testing.assert_allclose(value, oracle(t), rtol=1e-12, atol=1e-12)
    if norm > 0 and abs(norm - c * t.size) > 1e-3:  # (off the kink, where the two sides differ)
        np.testing.assert_allclose(grad, _numeric_grad(oracle, t, w), rtol=1e-5, atol=1e-6)
    if not t.size or norm == 0:  # a zero t: the gradient is the identity's, as TF1's
        np.testing.assert_allclose(grad, w, rtol=1e-12)  # (clip_norm * size / (clip_norm * size))
    with pytest.raises(DTypeError, match="clip_by_average_norm.*int32"):
        ds.clip_by_average_norm(ds.constant([1, 2]), 1.0)


@settings(max_examples=10, **SETTINGS)
@given(data=st.data())
def test_batch_gather_value_and_gradient(backend, data):
    b, n, k = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 4)), data.draw(st.integers(0, 4))
    p = np.arange(b * n * 2, dtype=np.float64).reshape(b, n, 2)
    idx = data.draw(hnp.arrays(np.int32, (b, k), elements=st.integers(0, n - 1)))
    w = np.linspace(1, 2, b * k * 2).reshape(b, k, 2)
    value, grad = _value_and_grads(backend, lambda x: ds.batch_gather(x, idx), p, weights=w)
    np.testing.assert_array_equal(value, [p[i][idx[i]] for i in range(b)])
    want = np.zeros_like(p)
    for i in range(b):
        np.add.at(want[i], idx[i], w[i])
    np.testing.assert_allclose(grad, want)
    np.testing.assert_array_equal(_run(backend, ds.batch_gather([10, 20, 30], [2, 0])), [30, 10])


# -- index arithmetic -----------------------------------------------------------------------------------
@settings(max_examples=12, **SETTINGS)
@given(data=st.data())
def test_repeat_value_and_gradient(backend, data):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=3))
    axis = data.draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1)))
    size = int(np.prod(shape)) if axis is None else shape[axis]
    repeats = data.draw(st.one_of(st.integers(0, 3),
                                  st.lists(st.integers(0, 3), min_size=size, max_size=size)))
    x = np.arange(np.prod(shape), dtype=np.float64).reshape(shape)
    want = np.repeat(x, repeats, axis=axis)
    w = np.linspace(1, 2, want.size).reshape(want.shape)
    value, grad = _value_and_grads(backend, lambda t: ds.repeat(t, repeats, axis=axis), x, weights=w)
    np.testing.assert_array_equal(value, want)
    # each element's gradient: the weights of its copies, whose positions np.repeat names
    positions = np.repeat(np.arange(x.size).reshape(shape), repeats, axis=axis)
    np.testing.assert_allclose(grad, np.bincount(positions.ravel(), w.ravel(), x.size).reshape(shape))


def test_repeat_refuses_unknown_repeats_and_bad_counts():
    with pytest.raises(DualgradNotImplementedError, match="repeat: repeats must be known"):
        ds.repeat(ds.constant([1, 2]), ds.placeholder(ds.int32, [2]))
    with pytest.raises(DualgradError, match=r"repeat: repeats .*\[1, 2, 3\].*\(2,\)"):
        ds.repeat(ds.constant([1, 2]), [1, 2, 3])


@settings(max_examples=15, **SETTINGS)
@given(dims=st.lists(st.integers(1, 4), min_size=1, max_size=3), data=st.data(),
       dtype=st.sampled_from(["int32", "int64"]))
def test_unravel_index_matches_numpy(backend, dims, data, dtype):
    total = int(np.prod(dims))
    flat = data.draw(hnp.arrays(dtype, st.integers(0, 5), elements=st.integers(0, total - 1)))
    got = _run(backend, ds.unravel_index(flat, np.array(dims, dtype)))
    assert got.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(got, np.array(np.unravel_index(flat, dims)).reshape(len(dims), flat.size))


def test_unravel_index_of_a_scalar_and_out_of_range(backend):
    np.testing.assert_array_equal(_run(backend, ds.unravel_index(7, [2, 4])), [1, 3])
    for bad in ([8], [-1]):
        with pytest.raises(InvalidArgumentError, match="unravel_index: an index is out of bounds"):
            _run(backend, ds.unravel_index(bad, [2, 4]))


@settings(max_examples=12, **SETTINGS)
@given(perm=st.integers(0, 6).flatmap(lambda n: st.permutations(range(n))), dtype=st.sampled_from(["int32",
                                                                                                    "int64"]))
def test_invert_permutation_and_its_check(backend, perm, dtype):
    p = np.array(perm, dtype)
    got = _run(backend, ds.invert_permutation(p))
    want = np.empty_like(p)
    want[p] = np.arange(p.size)
    assert got.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(got, want)
    assert ds.math.invert_permutation is ds.invert_permutation


@pytest.mark.parametrize("bad", [[0, 0], [1, 2], [-1, 0], [2, 0, 2]])
def test_invert_permutation_refuses_a_non_permutation_when_run(backend, bad):
    with pytest.raises(InvalidArgumentError, match="invert_permutation: x is not a permutation"):
        _run(backend, ds.invert_permutation(bad))


# -- tf.math ---------------------------------------------------------------------------------------------
SPECIAL = st.sampled_from([0.0, 0.0, -0.0, 2.0, -0.5, 1e-3, np.inf, -np.inf, 3.5])


@settings(max_examples=12, **SETTINGS)
@given(x=hnp.arrays(np.float64, 6, elements=SPECIAL))
def test_reciprocal_no_nan_value_and_gradient(backend, x):
    value, grad = _value_and_grads(backend, ds.math.reciprocal_no_nan, x)
    with np.errstate(divide="ignore"):
        np.testing.assert_array_equal(value, np.where(x == 0, 0.0, 1 / x))
        np.testing.assert_allclose(grad, np.where(x == 0, 0.0, -1 / x**2))
    with pytest.raises(DTypeError, match="reciprocal_no_nan.*int32"):
        ds.math.reciprocal_no_nan(ds.constant([1, 2]))


@settings(max_examples=12, **SETTINGS)
@given(x=hnp.arrays(np.float64, 5, elements=st.floats(-0.999, 0.999, allow_subnormal=False)))
def test_erfinv_and_erfcinv_invert_erf_and_erfc(backend, x):
    y = 1 - x  # in (0, 2)
    both, gx, gy = _value_and_grads(backend, lambda a, b: ds.stack([ds.math.erfinv(a), ds.math.erfcinv(b)]),
                                    x, y)
    np.testing.assert_allclose([math.erf(v) for v in both[0]], x, atol=1e-12)
    np.testing.assert_allclose(gx, math.sqrt(math.pi) / 2 * np.exp(both[0] ** 2), rtol=1e-9)
    np.testing.assert_allclose([math.erfc(v) for v in both[1]], y, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(gy, -math.sqrt(math.pi) / 2 * np.exp(both[1] ** 2), rtol=1e-9)


def test_erfinv_and_erfcinv_at_their_ends(backend):
    got = _run(backend, [ds.math.erfinv([1.0, -1.0, 2.0]), ds.math.erfcinv([0.0, 2.0, 3.0, -1.0])])
    np.testing.assert_array_equal(got[0], [np.inf, -np.inf, np.nan])
    np.testing.assert_array_equal(got[1], [np.inf, -np.inf, np.nan, np.nan])


@settings(max_examples=12, **SETTINGS)
@given(x=hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=3),
                    elements=st.sampled_from([0.0, 0.0, -0.0, 1.0, np.nan, -2.0])))
def test_zero_fraction(backend, x):
    got = _run(backend, ds.math.zero_fraction(x))
    assert got.dtype == np.float32
    with np.errstate(invalid="ignore"):
        np.testing.assert_allclose(got, np.mean(x == 0), rtol=1e-6)
    np.testing.assert_allclose(_run(backend, ds.math.zero_fraction(np.array([0, 3, 0, 0], np.int32))), 0.75)


@settings(max_examples=10, **SETTINGS)
@given(x=hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=3),
                    elements=st.floats(0.2, 5)))
def test_lbeta_value_and_gradient(backend, x):
    def oracle(v):
        return np.vectorize(math.lgamma)(v).sum(-1) - np.vectorize(math.lgamma)(v.sum(-1))

    w = np.linspace(1, 2, x.size // x.shape[-1]).reshape(x.shape[:-1])
    value, grad = _value_and_grads(backend, ds.lbeta, x, weights=w)
    np.testing.assert_allclose(value, oracle(x), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(grad, _numeric_grad(oracle, x, w), rtol=1e-5, atol=1e-7)
    np.testing.assert_array_equal(_run(backend, ds.math.lbeta(ds.zeros([2, 0]))), [-np.inf, -np.inf])
    with pytest.raises(ShapeError, match="lbeta: x must have rank >= 1"):
        ds.math.lbeta(1.0)


@settings(max_examples=12, **SETTINGS)
@given(x=hnp.arrays(np.int32, hnp.array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=3),
                    elements=st.integers(-2, 2)))
def test_is_strictly_increasing(backend, x):
    flat = x.ravel()
    fed = ds.placeholder(ds.int32, None)  # (rank unknown when the graph is built)
    got = _run(backend, [ds.is_strictly_increasing(x), ds.math.is_strictly_increasing(x.astype(np.float64)),
                         ds.is_strictly_increasing(fed)], {fed: x})
    assert got == [bool(np.all(flat[:-1] < flat[1:]))] * 3


@settings(max_examples=12, **SETTINGS)
@given(data=st.data())
def test_unsorted_segment_sqrt_n_value_and_gradient(backend, data):
    rows, n = data.draw(st.integers(0, 5)), data.draw(st.integers(1, 4))
    ids = data.draw(hnp.arrays(np.int32, rows, elements=st.integers(-1, n - 1)))
    x = np.arange(rows * 2, dtype=np.float64).reshape(rows, 2) - 3
    w = np.linspace(1, 2, n * 2).reshape(n, 2)
    value, grad = _value_and_grads(backend, lambda t: ds.unsorted_segment_sqrt_n(t, ids, n), x, weights=w)
    count = np.maximum(np.bincount(ids[ids >= 0], minlength=n), 1)
    want = np.zeros((n, 2))
    for r, i in enumerate(ids):
        if i >= 0:
            want[i] += x[r]
    np.testing.assert_allclose(value, want / np.sqrt(count)[:, None])
    np.testing.assert_allclose(grad, [w[i] / np.sqrt(count[i]) if i >= 0 else [0, 0] for i in ids]
                               if rows else np.zeros((0, 2)))
    with pytest.raises(DTypeError, match="unsorted_segment_sqrt_n.*int32"):
        ds.math.unsorted_segment_sqrt_n([1, 2], [0, 0], 1)


def test_nextafter_value_and_its_gradient_to_x1(backend):
    x1, x2 = np.array([1.0, 0.0, 2.0]), np.array([2.0, -1.0, 2.0])
    value, g1, g2 = _value_and_grads(backend, ds.math.nextafter, x1, x2)
    np.testing.assert_array_equal(value, np.nextafter(x1, x2))
    np.testing.assert_array_equal(g1, np.ones(3))
    np.testing.assert_array_equal(g2, np.zeros(3))


# -- sizes known when the graph is built ------------------------------------------------------------------
@settings(max_examples=12, **SETTINGS)
@given(x=hnp.arrays(np.int32, st.integers(0, 6), elements=st.integers(0, 4)),
       y=hnp.arrays(np.int32, st.integers(0, 3), elements=st.integers(0, 4)),
       index_dtype=st.sampled_from(["int32", "int64"]))
def test_setdiff1d(backend, x, y, index_dtype):
    result = ds.setdiff1d(x, ds.constant(y), index_dtype=index_dtype)
    out, idx = _run(backend, [result.out, result.idx])
    keep = [i for i, v in enumerate(x.tolist()) if v not in y.tolist()]
    np.testing.assert_array_equal(out, x[keep])
    np.testing.assert_array_equal(idx, keep)
    assert idx.dtype == np.dtype(index_dtype) and out.dtype == np.int32


def test_setdiff1d_gradient_reaches_the_kept_values_and_refuses_fed_ones(backend):
    x = ds.constant([1.0, 2.0, 3.0])
    (grad,) = ds.gradients(ds.reduce_sum(ds.setdiff1d(x, [2.0])[0] * ds.constant([5.0, 7.0])), [x])
    np.testing.assert_array_equal(_run(backend, grad), [5.0, 0.0, 7.0])
    with pytest.raises(DualgradNotImplementedError, match="setdiff1d: y must be known"):
        ds.setdiff1d(x, ds.placeholder(ds.float32, [2]))


@settings(max_examples=12, **SETTINGS)
@given(data=st.data())
def test_dynamic_partition_value_and_gradient(backend, data):
    shape, k = data.draw(hnp.array_shapes(min_dims=1, max_dims=2, min_side=0, max_side=3)), data.draw(
        st.integers(1, 3))
    parts = data.draw(hnp.arrays(np.int32, shape, elements=st.integers(0, k - 1)))
    x = np.arange(parts.size * 2, dtype=np.float64).reshape(*shape, 2)
    with ds.Graph().as_default():
        t = ds.constant(x)
        outs = ds.dynamic_partition(t, parts, k)
        weights = [np.full(o.shape, i + 1.0) for i, o in enumerate(outs)]
        loss = ds.add_n([ds.reduce_sum(o * w) for o, w in zip(outs, weights, strict=True)])
        (grad,) = ds.gradients(loss, [t])
        *got, g = _run(backend, [*outs, grad])
    for i in range(k):
        np.testing.assert_array_equal(got[i], x[parts == i])
    np.testing.assert_array_equal(g, np.repeat((parts + 1.0)[..., None], 2, axis=-1))


def test_dynamic_partition_refuses_fed_or_out_of_range_partitions():
    with pytest.raises(DualgradNotImplementedError, match="dynamic_partition: partitions must be known"):
        ds.dynamic_partition([1, 2], ds.placeholder(ds.int32, [2]), 2)
    with pytest.raises(DualgradError, match=r"in \[0, 2\), got \[0, 2\].*test_tf_more_names\.py:"):
        ds.dynamic_partition([1, 2], [0, 2], 2)
    with pytest.raises(DTypeError, match="dynamic_partition: num_partitions must be an int known"):
        ds.dynamic_partition([1, 2], [0, 0], ds.placeholder(ds.int32, []))


@settings(max_examples=12, **SETTINGS)
@given(data=st.data())
def test_dynamic_stitch_value_and_gradient(backend, data):
    sizes = data.draw(st.lists(st.integers(0, 3), min_size=1, max_size=3))
    indices = [data.draw(hnp.arrays(np.int32, s, elements=st.integers(0, 5))) for s in sizes]
    values = [np.arange(s * 2, dtype=np.float64).reshape(s, 2) + 10 * m for m, s in enumerate(sizes)]
    size = max((int(i.max()) + 1 for i in indices if i.size), default=0)
    want, winner = np.zeros((size, 2)), {}
    for m, (ind, val) in enumerate(zip(indices, values, strict=True)):  # TF1: a later write wins
        for r, i in enumerate(ind):
            want[i], winner[i] = val[r], (m, r)
    w = np.linspace(1, 2, size * 2).reshape(size, 2)
    with ds.Graph().as_default():
        ts = [ds.constant(v) for v in values]
        out = ds.dynamic_stitch(indices, ts)
        grads = ds.gradients(ds.reduce_sum(out * ds.constant(w)), ts)
        got, *gs = _run(backend, [out, *grads])
    np.testing.assert_array_equal(got, want)
    for m, g in enumerate(gs):
        want_g = [w[i] if winner[i] == (m, r) else [0, 0] for r, i in enumerate(indices[m])]
        np.testing.assert_array_equal(g, want_g if sizes[m] else np.zeros((0, 2)))


def test_dynamic_stitch_refuses_mismatched_rows():
    with pytest.raises(ShapeError, match="dynamic_stitch: indices"):
        ds.dynamic_stitch([[0, 1]], [ds.constant([1.0, 2.0, 3.0])])


@pytest.mark.parametrize("build", [
    lambda: ds.scalar_mul(ds.constant([1.0, 2.0]), ds.constant([1.0])),
    lambda: ds.broadcast_static_shape([2], [3]),
    lambda: ds.broadcast_dynamic_shape(ds.constant([[2]]), [3]),
    lambda: ds.unravel_index(ds.constant([[1]]), [2]),
    lambda: ds.invert_permutation(ds.constant([[0]])),
    lambda: ds.batch_gather([1, 2], 0),
    lambda: ds.repeat(ds.placeholder(ds.float32, [None]), 2, axis=0),
    lambda: ds.math.lbeta(ds.constant(1.0)),
    lambda: ds.setdiff1d([[1]], [1]),
    lambda: ds.dynamic_stitch([[0]], [ds.constant([1.0, 2.0])]),
])
def test_bad_shapes_raise_naming_the_function_shapes_and_line(build):
    with pytest.raises(ShapeError) as raised:
        build()
    message = str(raised.value)
    assert "ds." in message and "(" in message and "test_tf_more_names.py:" in message
