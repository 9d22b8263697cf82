"""ds.gradients through ds.concat along a dim that is None when the graph is built: the
gradient splits at the offsets the inputs have when the program runs (registry ops
`concat_part` / `concat_pad`, checked against jax in tests/ops). Here: first and second
derivatives against hand-derived float64 numpy, both backends, one graph fed two sizes."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad.static as ds


def f(j):  # the loss is the sum of f over the joined tensor
    return j ** 3 * np.cos(j)


def df(j):
    return 3 * j ** 2 * np.cos(j) - j ** 3 * np.sin(j)


def d2f(j):
    return 6 * j * np.cos(j) - 6 * j ** 2 * np.sin(j) - j ** 3 * np.cos(j)


@pytest.mark.parametrize("axis", [0, 1])
def test_gradient_of_concat_along_an_unknown_dim(backend, axis):
    w_value = np.linspace(-1.0, 1.0, 6).reshape((2, 3) if axis == 0 else (3, 2))
    x = ds.placeholder(ds.float64, shape=(None, 3) if axis == 0 else (3, None), name="x")
    w = ds.Variable(w_value, name="w")
    joined = ds.concat([x, w, ds.sin(x)], axis=axis)
    assert joined.shape[axis].value is None
    loss = ds.reduce_sum(joined ** 3 * ds.cos(joined))
    gx, gw = ds.gradients(loss, [x, w])
    (hx,) = ds.gradients(ds.reduce_sum(gx * gx) + ds.reduce_sum(gw), [x])  # second order
    rng = np.random.default_rng(3)
    with ds.Session(backend=backend) as sess:
        sess.run(ds.global_variables_initializer())
        for n in (1, 4):  # one graph, two run-time sizes along the joined axis
            v = rng.normal(size=(n, 3) if axis == 0 else (3, n))
            got = sess.run([loss, gx, gw, hx], {x: v})
            want_gx = df(v) + df(np.sin(v)) * np.cos(v)
            dgx = d2f(v) + d2f(np.sin(v)) * np.cos(v) ** 2 - df(np.sin(v)) * np.sin(v)
            np.testing.assert_allclose(got[0], f(v).sum() + f(w_value).sum() + f(np.sin(v)).sum(),
                                       rtol=1e-12)
            np.testing.assert_allclose(got[1], want_gx, rtol=1e-10, atol=1e-12)
            np.testing.assert_allclose(got[2], df(w_value), rtol=1e-10, atol=1e-12)
            np.testing.assert_allclose(got[3], 2 * want_gx * dgx, rtol=1e-9, atol=1e-11)
