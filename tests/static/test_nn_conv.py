"""ds.nn.conv2d, ds.nn.max_pool and ds.nn.avg_pool (TF1's NHWC layout, 'SAME'/'VALID') on both
backends: values and gradients against jax.lax (conv_general_dilated with TF's padding
strings, reduce_window) in float64, max_pool's gradient at ties against a loop of TF1's CPU
rule (each window's first maximum)."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dualgrad.static as ds
from dualgrad.errors import DualgradNotImplementedError, ShapeError

pytestmark = pytest.mark.usefixtures("jax_float64")  # float64 jax oracles


def _run(build, x, backend, *extra):
    """out = build(placeholder) and the gradients of sum(out * g) for the placeholder (batch
    unknown) and the extra constants, g a fixed cotangent."""
    X = ds.placeholder(ds.float64, (None,) + x.shape[1:])
    consts = [ds.constant(e) for e in extra]
    out = build(X, *consts)
    g = ds.placeholder(ds.float64)
    grads = ds.gradients(ds.reduce_sum(out * g), [X, *consts])
    assert out.shape[0].value is None  # the batch stays unknown through the graph
    cotangent = np.random.default_rng(9).standard_normal(x.shape[:1] + tuple(out.shape[1:]))
    with ds.Session(backend=backend) as sess:
        return cotangent, sess.run([out, *grads], {X: x, g: cotangent})


CONVS = [  # backend, strides, padding, dilations
    ("numpy", [1, 2, 1, 1], "SAME", None),
    ("jax", [1, 2, 1, 1], "SAME", None),
    ("numpy", [1, 2, 3, 1], "VALID", None),
    ("numpy", [1, 1, 1, 1], "SAME", [1, 2, 1, 1]),
]


@pytest.mark.parametrize("backend,strides,padding,dilations", CONVS)
def test_conv2d_matches_jax(backend, strides, padding, dilations):
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((2, 7, 6, 4)), rng.standard_normal((3, 2, 4, 5))
    build = lambda X, W: ds.nn.conv2d(X, W, strides, padding, dilations=dilations)  # noqa: E731
    g, (y, gx, gw) = _run(build, x, backend, w)
    rates = (dilations or [1] * 4)[1:3]

    def oracle(a, b):
        return jax.lax.conv_general_dilated(a, b, strides[1:3], padding, rhs_dilation=rates,
                                            dimension_numbers=("NHWC", "HWIO", "NHWC"))

    expected, vjp = jax.vjp(oracle, jnp.asarray(x), jnp.asarray(w))
    np.testing.assert_allclose(y, np.asarray(expected), rtol=1e-10, atol=1e-10)
    for got, e in zip((gx, gw), vjp(jnp.asarray(g)), strict=True):
        np.testing.assert_allclose(got, np.asarray(e), rtol=1e-10, atol=1e-10)


def _first_max_loop(x, k, s, pads):
    """TF1's CPU max pool over NHWC x: each window's first maximum among the elements inside
    the input (row-major); returns values and the flat (h, w) index each output read."""
    n, h, w, c = x.shape
    oh, ow = (h + sum(pads[0]) - k[0]) // s[0] + 1, (w + sum(pads[1]) - k[1]) // s[1] + 1
    values, where = np.empty((n, oh, ow, c)), np.empty((n, oh, ow, c), dtype=np.int64)
    for b, i, j, ch in np.ndindex(n, oh, ow, c):
        rows = [r for r in range(i * s[0] - pads[0][0], i * s[0] - pads[0][0] + k[0]) if 0 <= r < h]
        cols = [q for q in range(j * s[1] - pads[1][0], j * s[1] - pads[1][0] + k[1]) if 0 <= q < w]
        cells = [(r, q) for r in rows for q in cols]
        best = max(range(len(cells)), key=lambda m: (x[b, cells[m][0], cells[m][1], ch], -m))
        values[b, i, j, ch] = x[b, cells[best][0], cells[best][1], ch]
        where[b, i, j, ch] = cells[best][0] * w + cells[best][1]
    return values, where


@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_max_pool_ties_follow_tf1(backend):
    """Values in {0, 1, 2}: most windows tie; SAME pads 1 row at the bottom (7 rows, k 3, s 2)."""
    rng = np.random.default_rng(1)
    x = rng.choice([0.0, 1.0, 2.0], size=(2, 7, 6, 3))
    g, (y, gx) = _run(lambda X: ds.nn.max_pool(X, [1, 3, 2, 1], [1, 2, 2, 1], "SAME"), x, backend)
    values, where = _first_max_loop(x, (3, 2), (2, 2), ((1, 1), (0, 0)))
    np.testing.assert_array_equal(y, values)
    expected = np.zeros((2, 7 * 6, 3))
    for b, i, j, ch in np.ndindex(*where.shape):
        expected[b, where[b, i, j, ch], ch] += g[b, i, j, ch]
    np.testing.assert_allclose(gx, expected.reshape(x.shape), rtol=1e-12)


@pytest.mark.parametrize("backend,padding", [("numpy", "SAME"), ("jax", "SAME"), ("numpy", "VALID")])
def test_avg_pool_divides_by_the_elements_inside(backend, padding):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 7, 6, 3))
    g, (y, gx) = _run(lambda X: ds.nn.avg_pool(X, [1, 3, 3, 1], [1, 2, 2, 1], padding), x, backend)

    def oracle(a):
        window = dict(window_dimensions=(1, 3, 3, 1), window_strides=(1, 2, 2, 1), padding=padding)
        return (jax.lax.reduce_window(a, 0.0, jax.lax.add, **window)
                / jax.lax.reduce_window(jnp.ones_like(a), 0.0, jax.lax.add, **window))

    expected, vjp = jax.vjp(oracle, jnp.asarray(x))
    np.testing.assert_allclose(y, np.asarray(expected), rtol=1e-12)
    np.testing.assert_allclose(gx, np.asarray(vjp(jnp.asarray(g))[0]), rtol=1e-12)


def test_nchw_is_the_nhwc_result_transposed():
    rng = np.random.default_rng(3)
    x, w = rng.standard_normal((1, 5, 5, 2)), rng.standard_normal((2, 2, 2, 3))
    nhwc = ds.nn.conv2d(ds.constant(x), ds.constant(w), [1, 1, 1, 1], "SAME")
    nchw = ds.nn.conv2d(ds.constant(x.transpose(0, 3, 1, 2)), ds.constant(w), [1, 1, 1, 1], "SAME",
                        data_format="NCHW")
    with ds.Session() as sess:
        a, b = sess.run([nhwc, nchw])
    np.testing.assert_allclose(a, b.transpose(0, 2, 3, 1), rtol=1e-12)


@pytest.mark.parametrize("call,kind", [
    (lambda x, w: ds.nn.conv2d(x, w, [2, 1, 1, 1], "SAME"), DualgradNotImplementedError),
    (lambda x, w: ds.nn.conv2d(x, w, [1, 1, 1, 1], "FULL"), ShapeError),
    (lambda x, w: ds.nn.conv2d(x, ds.constant(np.ones((2, 2, 3, 1))), [1, 1, 1, 1], "SAME"), ShapeError),
    (lambda x, w: ds.nn.max_pool(x, [1, 2, 2, 2], [1, 1, 1, 1], "VALID"), DualgradNotImplementedError),
])
def test_refusals(call, kind):
    x, w = ds.constant(np.ones((1, 4, 4, 2))), ds.constant(np.ones((2, 2, 2, 1)))
    with pytest.raises(kind):
        call(x, w)
