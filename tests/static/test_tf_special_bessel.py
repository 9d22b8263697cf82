"""TF1's Bessel, incomplete gamma, zeta and ndtri functions (`ds.math.igamma`, `ds.math.special.
bessel_j0`, ...): values against scipy.special in float64 on both backends, gradients from the
registry's rules (none in igamma's a and zeta's x), and TensorFlow itself where installed."""
from __future__ import annotations

import numpy as np
import scipy.special as ss

import dualgrad.static as ds

X = np.array([0.3, 1.0, 2.5, 7.0])
UNARY = {"ndtri": (ds.math.ndtri, lambda v: ss.ndtri(v / 8)), "bessel_i0": (ds.math.bessel_i0, ss.i0),
         "bessel_i1e": (ds.math.bessel_i1e, ss.i1e), "bessel_j0": (ds.math.special.bessel_j0, ss.j0),
         "bessel_y1": (ds.math.special.bessel_y1, ss.y1), "bessel_k0e": (ds.math.special.bessel_k0e, ss.k0e),
         "bessel_k1": (ds.math.special.bessel_k1, ss.k1)}


def test_values_and_gradients(backend):
    x = ds.placeholder(ds.float64, [4])
    outs = {name: fn(x / 8 if name == "ndtri" else x) for name, (fn, _) in UNARY.items()}
    a = ds.constant([0.5, 2.0, 3.0, 9.0], ds.float64)
    p, q, z = ds.math.igamma(a, x), ds.igammac(a, x), ds.zeta(a + 1.5, x)
    ga, gx = ds.gradients(ds.reduce_sum(p), [a, x])
    (gz,) = ds.gradients(ds.reduce_sum(z), [x])
    (gj,) = ds.gradients(ds.reduce_sum(outs["bessel_j0"]), [x])
    assert ga is None and ds.gradients(ds.reduce_sum(z), [a])[0] is None  # (PyTorch's rule; TF1 has one)
    with ds.Session(backend=backend) as sess:
        got = sess.run({**outs, "p": p, "q": q, "z": z, "gx": gx, "gz": gz, "gj": gj}, {x: X})
    for name, (_, oracle) in UNARY.items():
        np.testing.assert_allclose(got[name], oracle(X), rtol=1e-13, err_msg=name)
    an = np.array([0.5, 2.0, 3.0, 9.0])
    np.testing.assert_allclose(got["p"], ss.gammainc(an, X), rtol=1e-13)
    np.testing.assert_allclose(got["q"], ss.gammaincc(an, X), rtol=1e-13)
    np.testing.assert_allclose(got["z"], ss.zeta(an + 1.5, X), rtol=1e-13)
    np.testing.assert_allclose(got["gx"], np.exp((an - 1) * np.log(X) - X - ss.gammaln(an)), rtol=1e-12)
    np.testing.assert_allclose(got["gz"], -(an + 1.5) * ss.zeta(an + 2.5, X), rtol=1e-12)
    np.testing.assert_allclose(got["gj"], -ss.j1(X), rtol=1e-12)


def test_names_match_tensorflow(tf):
    """Values and the x gradients as TF1's own ops give them (TF's igamma also has an a gradient)."""
    x = tf.placeholder(tf.float64, [4])
    a = tf.constant([0.5, 2.0, 3.0, 9.0], tf.float64)
    names = ["bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "bessel_k0", "bessel_k1", "bessel_k0e",
             "bessel_k1e", "bessel_i0", "bessel_i1", "bessel_i0e", "bessel_i1e"]
    theirs = [getattr(tf.math.special, n)(x) for n in names] + [tf.math.igamma(a, x), tf.math.igammac(a, x),
                                                                 tf.math.zeta(a + 1.5, x)]
    theirs += tf.gradients(tf.reduce_sum(theirs[-3] + theirs[0]), [x])
    with tf.Session() as sess:
        want = sess.run(theirs, {x: X})
    y = ds.placeholder(ds.float64, [4])
    b = ds.constant([0.5, 2.0, 3.0, 9.0], ds.float64)
    ours = [getattr(ds.math.special, n)(y) for n in names] + [ds.math.igamma(b, y), ds.math.igammac(b, y),
                                                              ds.math.zeta(b + 1.5, y)]
    ours += ds.gradients(ds.reduce_sum(ours[-3] + ours[0]), [y])
    with ds.Session() as sess:
        got = sess.run(ours, {y: X})
    for name, g, w in zip([*names, "igamma", "igammac", "zeta", "gradient"], got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-9, err_msg=name)
