"""The TF1 ops of dualgrad/static/tf_ops.py: values against numpy, gradients against jax.grad of
jax.numpy references, both Session backends, None dims, build-time errors at the user's line,
and no gradient through rounding and truth-value ops (TF1's behaviour)."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dualgrad.static as ds
from dualgrad.errors import DualgradError, ShapeError

RNG = np.random.default_rng(0)
P = RNG.standard_normal((4, 3)).astype(np.float32)
X = RNG.standard_normal((2, 3)).astype(np.float32)


def _run(backend, fetches, feed=None):
    with ds.Session(backend=backend) as s:
        s.run(ds.global_variables_initializer())
        return s.run(fetches, feed)


def _value_and_grad(backend, build, jax_ref, value, feed_extra=None, batch_known=False):
    """build(x) over a placeholder with a None batch dim (unless `batch_known`); its value and
    the gradient of the sum against jax.grad of the jnp reference."""
    x = ds.placeholder(ds.float32, (value.shape[0] if batch_known else None,) + value.shape[1:])
    y = build(x)
    (g,) = ds.gradients(ds.reduce_sum(y), [x])
    got, got_g = _run(backend, [y, g], {x: value, **(feed_extra or {})})
    v64 = value.astype(np.float64)
    np.testing.assert_allclose(got, np.asarray(jax_ref(jnp.asarray(v64))), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got_g, np.asarray(jax.grad(lambda v: jnp.sum(jax_ref(v)))(jnp.asarray(v64))),
                               rtol=1e-5, atol=1e-6)


def test_gather_with_fed_indices_and_its_gradient(backend):
    ids = ds.placeholder(ds.int32, (None,))
    idx = np.array([3, 0, 3, 1], np.int32)
    _value_and_grad(backend, lambda p: ds.gather(p, ids), lambda p: jnp.take(p, idx, axis=0), P, {ids: idx})


def test_gather_along_axis_1_and_embedding_lookup(backend):
    idx = np.array([[2, 0], [1, 1]], np.int32)
    _value_and_grad(backend, lambda p: ds.gather(p, idx, axis=1), lambda p: jnp.take(p, idx, axis=1), X)
    _value_and_grad(backend, lambda p: ds.nn.embedding_lookup(p, [2, 2, 0]),
                    lambda p: p[jnp.array([2, 2, 0])], P)


def test_gather_nd(backend):
    idx = np.array([[0, 1], [3, 2], [0, 1]])
    _value_and_grad(backend, lambda p: ds.gather_nd(p, idx), lambda p: p[idx[:, 0], idx[:, 1]], P,
                    batch_known=True)
    rows = np.array([[1], [0]])
    _value_and_grad(backend, lambda p: ds.gather_nd(p, rows), lambda p: p[rows[:, 0]], P, batch_known=True)


def test_tile_split_pad(backend):
    _value_and_grad(backend, lambda x: ds.tile(x, [1, 3]), lambda x: jnp.tile(x, (1, 3)), X)
    _value_and_grad(backend, lambda x: ds.tile(x, [2, 3]), lambda x: jnp.tile(x, (2, 3)), X, batch_known=True)
    _value_and_grad(backend, lambda x: ds.split(x, [1, -1], axis=1)[1] * 2.0, lambda x: x[:, 1:] * 2.0, X)
    _value_and_grad(backend, lambda x: ds.split(x, 3, axis=1)[2] ** 2, lambda x: x[:, 2:] ** 2, X)
    _value_and_grad(backend, lambda x: ds.pad(x, [[1, 0], [2, 1]], constant_values=0.5) ** 2,
                    lambda x: jnp.pad(x, ((1, 0), (2, 1)), constant_values=0.5) ** 2, X)
    for mode in ("REFLECT", "SYMMETRIC"):
        _value_and_grad(backend, lambda x, m=mode: ds.pad(x, [[0, 0], [2, 1]], mode=m) ** 2,
                        lambda x, m=mode: jnp.pad(x, ((0, 0), (2, 1)), mode=m.lower()) ** 2, X)


def test_boolean_mask_and_clip_by_norm(backend):
    mask = np.array([True, False, True, True])
    _value_and_grad(backend, lambda p: ds.boolean_mask(p, mask) * 3.0, lambda p: p[mask] * 3.0, P)

    def ref(t, c=0.5):
        return t * c / jnp.maximum(jnp.sqrt(jnp.sum(t * t)), c)

    _value_and_grad(backend, lambda x: ds.clip_by_norm(x, 0.5) ** 3, lambda x: ref(x) ** 3, X)
    _value_and_grad(backend, lambda x: ds.clip_by_norm(x, 1e3), lambda x: ref(x, 1e3), X)


def test_clip_by_global_norm_matches_tf1_formula(backend):
    a, b = ds.Variable(P), ds.Variable(X)
    clipped, norm = ds.clip_by_global_norm([a, None, b], 2.0)
    assert clipped[1] is None
    got_a, got_b, got_norm = _run(backend, [clipped[0], clipped[2], norm])
    want_norm = np.sqrt(np.sum(P.astype(np.float64) ** 2) + np.sum(X.astype(np.float64) ** 2))
    np.testing.assert_allclose(got_norm, want_norm, rtol=1e-6)
    np.testing.assert_allclose(got_a, P * 2.0 / want_norm, rtol=1e-5)
    np.testing.assert_allclose(got_b, X * 2.0 / want_norm, rtol=1e-5)
    unclipped, _ = ds.clip_by_global_norm([a], 1e4)
    np.testing.assert_allclose(_run(backend, unclipped[0]), P, rtol=1e-6)


def test_rounding_values_and_no_gradient(backend):
    x = ds.placeholder(ds.float32, (None,))
    v = np.array([0.5, 1.5, 2.5, -0.5, -1.7, 2.2], np.float32)
    outs = [ds.round(x), ds.floor(x), ds.ceil(x)]
    for got, want in zip(_run(backend, outs, {x: v}), (np.round(v), np.floor(v), np.ceil(v)), strict=True):
        np.testing.assert_array_equal(got, want)
    for y in outs:
        assert ds.gradients(ds.reduce_sum(y), [x]) == [None]


def test_logical_ops_values_and_no_gradient(backend):
    a = ds.placeholder(ds.bool, (None,))
    b = ds.constant([True, False, True, False])
    va = np.array([True, True, False, False])
    got = _run(backend, [ds.logical_and(a, b), ds.logical_or(a, b), ds.logical_xor(a, b),
                         ds.reduce_any(a), ds.reduce_all(a)], {a: va})
    want = [va & b.op.attrs["value"], va | b.op.attrs["value"], va ^ b.op.attrs["value"], True, False]
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)
    x = ds.placeholder(ds.float32, (None,))
    flag = ds.logical_and(ds.greater(x, 0.0), b)
    assert ds.gradients(ds.reduce_sum(ds.cast(flag, ds.float32)), [x]) == [None]


def test_cumsum_variants(backend):
    for exclusive, reverse in ((False, False), (True, True), (True, False)):
        def ref(x, e=exclusive, r=reverse):
            x = x[:, ::-1] if r else x
            c = jnp.cumsum(x, axis=1)
            c = c - x if e else c
            return c[:, ::-1] if r else c

        _value_and_grad(backend, lambda x, e=exclusive, r=reverse: ds.cumsum(x, 1, e, r) ** 2,
                        lambda x, f=ref: f(x) ** 2, X)


def test_placeholder_with_default_fed_or_not(backend):
    default = ds.Variable(P)
    d = ds.placeholder_with_default(default, [None, 3])
    assert d.shape == (None, 3)
    y = ds.reduce_sum(d * d)
    (g,) = ds.gradients(y, [default])
    with ds.Session(backend=backend) as s:
        s.run(ds.global_variables_initializer())
        np.testing.assert_allclose(s.run(d), P)
        np.testing.assert_allclose(s.run(g), 2 * P, rtol=1e-6)
        np.testing.assert_allclose(s.run(y, {d: X}), np.sum(X * X), rtol=1e-5)


def test_sort_values_and_gradient(backend):
    v = RNG.permutation(12).astype(np.float32).reshape(3, 4)  # no ties: the gradient is defined
    weights = np.arange(4.0, dtype=np.float32)
    _value_and_grad(backend, lambda x: ds.sort(x) ** 2, lambda x: jnp.sort(x, axis=-1) ** 2, v,
                    batch_known=True)
    _value_and_grad(backend, lambda x: ds.sort(x, axis=0, direction="DESCENDING") * weights,
                    lambda x: -jnp.sort(-x, axis=0) * jnp.arange(4.0), v, batch_known=True)


def test_range_argsort():
    with ds.Session() as s:
        r = ds.range(1, 7, 2)
        assert r.dtype == ds.int32
        np.testing.assert_array_equal(s.run(r), [1, 3, 5])
        assert ds.range(0.5, 2.0).dtype == ds.float32
        order = ds.argsort([[3.0, 1.0, 2.0]], direction="DESCENDING")
        assert order.dtype == ds.int32
        np.testing.assert_array_equal(s.run(order), [[0, 2, 1]])


def test_out_of_range_gather_raises_on_numpy_backend():
    ids = ds.placeholder(ds.int32, (None,))
    y = ds.gather(ds.constant(P), ids)
    with ds.Session(backend="numpy") as s, pytest.raises(DualgradError, match=r"index 4 is not in \[0, 4\)"):
        s.run(y, {ids: [0, 4]})


@pytest.mark.parametrize("build, words", [
    (lambda: ds.gather(ds.constant(P), [0], axis=2), "out of range"),
    (lambda: ds.gather(ds.constant(P), [0.5]), "int32 or int64"),
    (lambda: ds.split(ds.constant(X), 2, axis=1), "cannot be split"),
    (lambda: ds.split(ds.constant(X), [1, 1], axis=1), "do not add up"),
    (lambda: ds.split(ds.placeholder(ds.float32, (None, 3)), 2, axis=0), "must be known"),
    (lambda: ds.tile(ds.constant(X), [2]), "multiples has 1 entries"),
    (lambda: ds.tile(ds.placeholder(ds.float32, (None, 3)), [2, 1]), "must be known"),
    (lambda: ds.pad(ds.constant(X), [[1, 1]]), "paddings must be"),
    (lambda: ds.pad(ds.constant(X), [[0, 0], [3, 0]], mode="REFLECT"), "at most 2"),
    (lambda: ds.boolean_mask(ds.constant(P), [True, False]), "does not match"),
    (lambda: ds.logical_and(ds.constant([1.0]), ds.constant([True])), "must be bool"),
    (lambda: ds.placeholder_with_default(ds.constant(X), [None, 4]), "not compatible"),
    (lambda: ds.gather_nd(ds.constant(P), [[0, 1, 2]]), "first 3 dims"),
    (lambda: ds.cumsum(ds.constant(X), axis=2), "out of range"),
    (lambda: ds.split(ds.constant(X), 1.5, axis=1), "must be integers"),
    (lambda: ds.pad(ds.constant(X), [[0, 0], [1, 1]], constant_values=None), "must be real numbers"),
    (lambda: ds.range("5"), "must be real numbers"),
    (lambda: ds.nn.embedding_lookup([ds.constant(P), ds.constant(P)], [0]), "sharded"),
])
def test_build_time_errors_name_the_op_and_the_line(build, words):
    with pytest.raises(DualgradError, match=rf"{words}.*test_tf_ops.py:\d+"):
        build()


def test_shape_errors_are_shape_errors():
    with pytest.raises(ShapeError):
        ds.split(ds.constant(X), 2, axis=1)


@settings(max_examples=30, deadline=None)
@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=2, max_side=4), data=st.data())
def test_pad_tile_split_match_numpy_on_drawn_shapes(shape, data):
    """Property: on any small shape, pad (every mode), tile and split equal numpy's."""
    ds.reset_default_graph()
    value = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    mode = data.draw(st.sampled_from(["CONSTANT", "REFLECT", "SYMMETRIC"]))
    top = 1 if mode == "REFLECT" else 2
    paddings = [[data.draw(st.integers(0, top)), data.draw(st.integers(0, top))] for _ in shape]
    multiples = [data.draw(st.integers(0, 3)) for _ in shape]
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = ds.constant(value)
    got = _run("numpy", [ds.pad(x, paddings, mode=mode, constant_values=-1.0), ds.tile(x, multiples),
                         ds.split(x, [1, -1], axis=axis)])
    np.testing.assert_array_equal(got[0], np.pad(value, paddings, mode=mode.lower(), **(
        {"constant_values": -1.0} if mode == "CONSTANT" else {})))
    np.testing.assert_array_equal(got[1], np.tile(value, multiples))
    for g, w in zip(got[2], np.split(value, [1], axis=axis), strict=True):
        np.testing.assert_array_equal(g, w)


@pytest.mark.parametrize("make", [lambda: ds.ones(3), lambda: ds.zeros(3, ds.int32), lambda: ds.fill(3, 7.0),
                                  lambda: ds.random_uniform(3)])
def test_an_int_shape_is_one_dimension_as_tf1(make):
    """`tf.ones(3)` is shape (3,); dualgrad raised a raw TypeError ('int' object is not
    iterable) for an int shape."""
    with ds.Graph().as_default():
        t = make()
        assert tuple(t.shape) == (3,)
        with ds.Session() as sess:
            assert sess.run(t).shape == (3,)


@pytest.mark.parametrize("shape", [-1, [2, -1], [2, None]])
def test_a_shape_with_an_unknown_dimension_is_refused_naming_it(shape):
    with ds.Graph().as_default(), pytest.raises(ValueError, match="ds.ones: a fully known shape"):
        ds.ones(shape)
