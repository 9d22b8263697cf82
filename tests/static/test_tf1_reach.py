"""TF1 names added for reach: where_v2, hessians, tf.math.polyval / confusion_matrix / in_top_k /
is_non_decreasing, tf.nn statistics / log_poisson_loss / space_to_depth, tf.initializers,
tf.losses.add_loss / get_regularization_loss and scatter_update / add / sub, against numpy
float64 formulas written here (gradients against central differences)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dualgrad.static as ds
from dualgrad.errors import DTypeError, InvalidArgumentError, ShapeError

RNG = np.random.default_rng(7)


def _run(backend, fetches, feed=None):
    with ds.Session(backend=backend) as sess:
        sess.run(ds.global_variables_initializer())
        return sess.run(fetches, feed)


def _numeric_grad(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        d = np.zeros_like(x)
        d[i] = eps
        g[i] = (f(x + d) - f(x - d)) / (2 * eps)
    return g


def _grad_matches(backend, build, x0: np.ndarray, f) -> None:
    """d sum(build(x)) / dx through ds.gradients equals the central difference of sum(f)."""
    x = ds.placeholder(ds.float64, x0.shape)
    (g,) = ds.gradients(ds.reduce_sum(build(x)), [x])
    np.testing.assert_allclose(_run(backend, g, {x: x0}), _numeric_grad(lambda v: f(v).sum(), x0),
                               rtol=1e-5, atol=1e-7)


def test_where_v2_broadcasts_all_three(backend):
    c = np.array([[True], [False], [True]])
    x = RNG.standard_normal((2, 1, 4)).astype(np.float32)
    out = ds.where_v2(c, x, 0.5)
    assert out.shape == (2, 3, 4) and out.dtype == ds.float32
    np.testing.assert_array_equal(_run(backend, out), np.where(c, x, np.float32(0.5)))
    assert ds.where_v2(c, x, np.ones(4)).dtype == ds.float32  # (data takes the other side's dtype)
    with pytest.raises(DTypeError, match="where_v2.*same dtype"):
        ds.where_v2(c, ds.constant(1.0, ds.float64), ds.constant(1.0))
    with pytest.raises(DTypeError, match="where_v2.*bool"):
        ds.where_v2([1, 0], 1.0, 2.0)


def test_hessians_of_a_cubic_and_a_quadratic_form(backend):
    a = RNG.standard_normal((3, 3))
    v = ds.Variable(np.array([1.0, -2.0, 0.5]), dtype=ds.float64)
    m = ds.Variable(np.eye(2) + 0.1, dtype=ds.float64)
    quad = ds.matmul(ds.expand_dims(v, 0), ds.matmul(a, ds.expand_dims(v, 1)))
    y = ds.reduce_sum(v ** 3) + ds.reduce_sum(quad)
    hv, hm = ds.hessians(y + ds.reduce_sum(ds.square(m)), [v, m])
    assert hv.shape == (3, 3) and hm.shape == (2, 2, 2, 2)
    got_v, got_m = _run(backend, [hv, hm])
    np.testing.assert_allclose(got_v, np.diag(6 * np.array([1.0, -2.0, 0.5])) + a + a.T, rtol=1e-12)
    np.testing.assert_allclose(got_m, 2 * np.eye(4).reshape(2, 2, 2, 2), rtol=1e-12)
    assert ds.hessians(ds.reduce_sum(v), [ds.Variable(1.0)])[0] is None


def test_polyval_and_its_gradient(backend):
    x0 = RNG.standard_normal((2, 3))
    np.testing.assert_allclose(_run(backend, ds.math.polyval([2.0, -1.0, 3.0], ds.constant(x0))),
                               2 * x0 ** 2 - x0 + 3, rtol=1e-12)
    assert _run(backend, ds.math.polyval([], ds.constant(x0))).tolist() == np.zeros((2, 3)).tolist()
    _grad_matches(backend, lambda x: ds.math.polyval([1.0, 0.0, -2.0, 4.0], x), x0,
                  lambda v: v ** 3 - 2 * v + 4)


def test_confusion_matrix_counts_weights_and_refuses_out_of_range(backend):
    labels, preds = np.array([0, 1, 2, 2, 1]), np.array([0, 2, 2, 1, 1])
    w = np.array([1.0, 2.0, 3.0, 4.0, 5.0], np.float32)
    want, want_w = np.zeros((4, 4), np.int32), np.zeros((4, 4), np.float32)
    for i, j, k in zip(labels, preds, w, strict=True):
        want[i, j] += 1
        want_w[i, j] += k
    cm = ds.math.confusion_matrix(labels, preds, num_classes=4)
    cmw = ds.confusion_matrix(labels, preds, 4, dtype=ds.float32, weights=w)
    as_tf1 = ds.math.confusion_matrix(labels[:, None] + 0.5, preds, 4)  # (TF1: truncated, squeezed)
    got, got_w, inferred, cast = _run(backend, [cm, cmw, ds.math.confusion_matrix(labels, preds), as_tf1])
    assert got.dtype == np.int32 and inferred.shape == (3, 3)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(got_w, want_w)
    np.testing.assert_array_equal(inferred, want[:3, :3])
    np.testing.assert_array_equal(cast, want)
    with pytest.raises(InvalidArgumentError, match="confusion_matrix"):
        _run(backend, ds.math.confusion_matrix(labels, preds, num_classes=2))
    with pytest.raises(ShapeError, match="confusion_matrix.*same length"):
        ds.math.confusion_matrix([0, 1], [0], num_classes=2)


def test_in_top_k_and_is_non_decreasing(backend):
    p = np.array([[0.1, 0.5, 0.4], [0.3, 0.3, 0.4]], np.float32)
    assert _run(backend, ds.math.in_top_k(p, [2, 0], 1)).tolist() == [False, False]
    assert _run(backend, ds.math.in_top_k(p, [2, 0], 2)).tolist() == [True, True]
    checks = [[1, 1, 2], [[1, 2], [2, 3]], [3, 1], [5], []]
    got = _run(backend, [ds.math.is_non_decreasing(c) for c in checks])
    assert [bool(g) for g in got] == [True, True, False, True, True]
    x = ds.placeholder(ds.float32, [None])
    assert not _run(backend, ds.is_non_decreasing(x), {x: [1.0, 0.0]})


def test_sufficient_statistics_normalize_moments_and_weighted_moments(backend):
    x0 = RNG.standard_normal((4, 3, 2))
    counts, m_ss, v_ss, shift = ds.nn.sufficient_statistics(x0, [0, 2], shift=0.3)
    mean, var = ds.nn.normalize_moments(counts, m_ss, v_ss, shift)
    got = _run(backend, [counts, m_ss, v_ss, mean, var])
    np.testing.assert_allclose(got[0], 8.0)
    np.testing.assert_allclose(got[1], (x0 - 0.3).sum(axis=(0, 2)), rtol=1e-12)
    np.testing.assert_allclose(got[2], ((x0 - 0.3) ** 2).sum(axis=(0, 2)), rtol=1e-12)
    np.testing.assert_allclose(got[3], x0.mean(axis=(0, 2)), rtol=1e-12)
    np.testing.assert_allclose(got[4], x0.var(axis=(0, 2)), rtol=1e-10)
    ph = ds.placeholder(ds.float32, [None, 3])
    assert _run(backend, ds.nn.sufficient_statistics(ph, [0], keepdims=True)[0], {ph: np.ones((5, 3))}) == 5.0
    w0 = np.array([[1.0], [2.0], [0.5], [0.0]])[:, :, None] * np.ones((1, 1, 2))
    wm, wv = ds.nn.weighted_moments(x0, [0], w0, keep_dims=True)
    mean_w = (w0 * x0).sum(0, keepdims=True) / w0.sum(0, keepdims=True)
    got_m, got_v = _run(backend, [wm, wv])
    assert got_m.shape == (1, 3, 2)
    np.testing.assert_allclose(got_m, mean_w, rtol=1e-12)
    np.testing.assert_allclose(got_v, (w0 * (x0 - mean_w) ** 2).sum(0, keepdims=True) / w0.sum(0), rtol=1e-10)
    no_weight = ds.nn.weighted_moments(x0, [0], np.zeros((4, 1, 1)))[0]
    assert _run(backend, no_weight).tolist() == np.zeros((3, 2)).tolist()  # (div_no_nan, as TF1)
    _grad_matches(backend, lambda x: ds.nn.weighted_moments(x, [1], w0[:, :1, :1] + 0.1)[1], x0,
                  lambda v: ((w0[:, :1, :1] + 0.1) * (v - ((w0[:, :1, :1] + 0.1) * v).sum(1, keepdims=True)
                             / (3 * (w0[:, :1, :1] + 0.1))) ** 2).sum(1) / (3 * (w0[:, :1, :1] + 0.1))[:, 0])


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from([0.0, -1.5, 2.0, 1e300, np.inf, -np.inf, np.nan]), min_size=6, max_size=6),
       st.lists(st.sampled_from([0.0, 0.5, 1.0, 3.0]), min_size=2, max_size=2))
def test_weighted_moments_count_weights_as_tf_at_non_finite_values(backend, values, weights):
    """The weights' total is w + zeros_like(x) (TF's); it was w + x * 0, NaN wherever x held an
    inf, so an inf's mean read NaN instead of inf."""
    x0, w0 = np.array(values).reshape(2, 3), np.array(weights).reshape(2, 1)
    with np.errstate(all="ignore"):
        total = (w0 + np.zeros_like(x0)).sum(0)
        mean = np.where(total == 0, 0.0, (w0 * x0).sum(0) / np.where(total == 0, 1.0, total))
        dist = (w0 * (x0 - mean) ** 2).sum(0)
        var = np.where(total == 0, 0.0, dist / np.where(total == 0, 1.0, total))
    x = ds.placeholder(ds.float64, [None, 3])
    got = _run(backend, list(ds.nn.weighted_moments(x, [0], w0)), {x: x0})
    np.testing.assert_allclose(got[0], mean, rtol=1e-14)  # (inf where inf, NaN where NaN)
    np.testing.assert_allclose(got[1], var, rtol=1e-14)


def test_log_poisson_loss_with_and_without_stirling(backend):
    z = np.array([0.0, 0.5, 1.0, 2.0, 7.0])
    c = RNG.standard_normal(5)
    base = np.exp(c) - c * z
    big = np.where(z > 1, z, 2)
    stirling = np.where((z >= 0) & (z <= 1), 0.0, big * np.log(big) - big + 0.5 * np.log(2 * np.pi * big))
    got = _run(backend, [ds.nn.log_poisson_loss(z, c), ds.nn.log_poisson_loss(z, c, compute_full_loss=True)])
    np.testing.assert_allclose(got[0], base, rtol=1e-12)
    np.testing.assert_allclose(got[1], base + stirling, rtol=1e-12)
    _grad_matches(backend, lambda x: ds.nn.log_poisson_loss(z, x, True), c, lambda v: np.exp(v) - v * z)
    with pytest.raises(ShapeError, match="log_poisson_loss.*same shape"):
        ds.nn.log_poisson_loss(np.ones(3), np.ones(4))


def test_space_to_depth_and_back_and_max_pool2d(backend):
    x0 = RNG.standard_normal((2, 4, 6, 3))
    want = x0.reshape(2, 2, 2, 3, 2, 3).transpose(0, 1, 3, 2, 4, 5).reshape(2, 2, 3, 12)
    x = ds.placeholder(ds.float64, [None, 4, 6, 3])
    s2d = ds.nn.space_to_depth(x, 2)
    got, back = _run(backend, [s2d, ds.depth_to_space(s2d, 2)], {x: x0})
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(back, x0)
    with pytest.raises(ShapeError, match="space_to_depth.*divisible"):
        ds.nn.space_to_depth(x, 4)
    with pytest.raises(ValueError, match="block_size"):
        ds.nn.depth_to_space(x, 1)
    pooled = _run(backend, ds.nn.max_pool2d(x0, 2, 2, "VALID"))
    np.testing.assert_array_equal(pooled, x0.reshape(2, 2, 2, 3, 2, 3).max(axis=(2, 4)))
    _grad_matches(backend, lambda t: ds.nn.space_to_depth(t, 2) * np.arange(12.0), x0[:1],
                  lambda v: v.reshape(1, 2, 2, 3, 2, 3).transpose(0, 1, 3, 2, 4, 5).reshape(1, 2, 3, 12)
                  * np.arange(12.0))


def test_initializers_namespace(backend):
    init = ds.initializers
    shapes = {"o": (30, 20), "w": (3, 40), "u": (200, 300), "h": (200, 300), "n": (200, 300)}
    made = [init.orthogonal(gain=2.0), init.orthogonal(), init.glorot_uniform(seed=1), init.he_normal(seed=2),
            init.glorot_normal(seed=3)]
    vs = [ds.get_variable(k, s, initializer=i) for (k, s), i in zip(shapes.items(), made, strict=True)]
    vs += [ds.get_variable("z", [2], initializer=init.zeros()),
           ds.get_variable("c", [2], initializer=init.constant(1.5)),
           ds.get_variable("v", [50, 60],
                           initializer=init.variance_scaling(2.0, "fan_out", "uniform", seed=4))]
    o, w, u, h, n, z, c, v = _run(backend, vs)
    np.testing.assert_allclose(o.T @ o, 4 * np.eye(20), atol=1e-5)
    np.testing.assert_allclose(w @ w.T, np.eye(3), atol=1e-5)
    assert np.abs(u).max() <= np.sqrt(6 / 500) and np.abs(u).max() > 0.95 * np.sqrt(6 / 500)
    assert abs(h.std() / np.sqrt(2 / 200) - 1) < 0.05 and abs(n.std() / np.sqrt(2 / 500) - 1) < 0.05
    assert z.tolist() == [0, 0] and c.tolist() == [1.5, 1.5]
    assert np.abs(v).max() <= np.sqrt(6 / 60)
    with pytest.raises(ValueError, match="orthogonal.*two-dimensional"):
        init.orthogonal()([3])


def test_add_loss_and_get_regularization_loss(backend):
    assert _run(backend, ds.losses.get_regularization_loss()) == 0.0
    w = ds.Variable([1.0, -2.0])
    ds.losses.add_loss(ds.reduce_sum(w))
    ds.losses.add_loss(ds.constant(5.0), loss_collection=None)  # (TF1: a falsy collection adds nothing)
    ds.add_to_collection(ds.GraphKeys.REGULARIZATION_LOSSES, 0.5 * ds.reduce_sum(w * w))
    assert ds.losses.get_losses() and len(ds.losses.get_losses()) == 1
    reg = ds.losses.get_regularization_loss()
    assert reg.op.name.startswith("total_regularization_loss")
    assert _run(backend, [reg, ds.losses.get_total_loss()]) == [2.5, 1.5]


def test_scatter_update_add_sub_write_the_variable(backend):
    v0 = np.arange(12.0).reshape(4, 3).astype(np.float32)
    v = ds.Variable(v0)
    up = ds.scatter_update(v, [2, 0], [[1.0, 1, 1], [2, 2, 2]])
    add = ds.scatter_add(v, [[1, 1]], np.ones((1, 2, 3), np.float32))  # a repeated index adds twice
    sub = ds.scatter_sub(v, 3, 5.0)
    bad = ds.scatter_add(v, [7], [[1.0, 1, 1]])
    want = v0.copy()
    with ds.Session(backend=backend) as sess:
        sess.run(ds.global_variables_initializer())
        want[2], want[0] = 1, 2
        np.testing.assert_array_equal(sess.run(up), want)
        want[1] += 2
        np.testing.assert_array_equal(sess.run(add), want)
        want[3] -= 5
        np.testing.assert_array_equal(sess.run(sub), want)
        with pytest.raises(IndexError, match="7"):
            sess.run(bad)
        np.testing.assert_array_equal(sess.run(v), want)  # (the failed run wrote nothing)
    with pytest.raises(ShapeError, match="scatter_update.*indices.shape"):
        ds.scatter_update(v, [0], [1.0, 2.0])
    with pytest.raises(DTypeError, match="scatter_add.*Variable"):
        ds.scatter_add(ds.constant(v0), [0], v0[:1])
    with pytest.raises(DTypeError, match="scatter_sub.*dtype"):
        ds.scatter_sub(v, [0], ds.constant(v0[:1], ds.float64))
