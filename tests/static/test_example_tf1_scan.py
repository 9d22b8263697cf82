"""examples/tf1_scan_smoothing.py (tf.scan + tf.foldl + tf.switch_case, trained with
tf.train.GradientDescentOptimizer): its first steps equal gradient descent on the same model
written with jax.lax.scan and jax.grad, the smoothed series equal a numpy loop, and the script
recovers the a and b its data were made with. Numpy backend (no Session compile)."""
from __future__ import annotations

import importlib.util
import pathlib
import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dualgrad.static as ds

EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "tf1_scan_smoothing.py"


def _load():
    spec = importlib.util.spec_from_file_location("tf1_scan_smoothing_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _jax_loss(params, xs, ys):
    a, b = params
    _, h = jax.lax.scan(lambda h, x: (a * h + b * x,) * 2, jnp.zeros(xs.shape[1]), xs)
    return jnp.mean((h - ys) ** 2)


def test_gradient_steps_equal_lax_scan_and_the_fit_recovers_a_and_b(capsys):
    example = _load()
    xs, ys = example.make_data()
    ds.reset_default_graph()
    g = example.build()
    feed = {g["x"]: xs, g["y"]: ys}
    with ds.Session(backend="numpy") as sess:
        sess.run(ds.global_variables_initializer())
        h = sess.run(g["h"], feed)
        params = []
        for _ in range(4):
            params.append(sess.run([g["a"], g["b"]]))
            sess.run(g["train_op"], feed)
        params.append(sess.run([g["a"], g["b"]]))
    want_h, state = np.zeros_like(xs, dtype=np.float64), np.zeros(xs.shape[1])
    for t in range(len(xs)):  # the start: a = 0.3, b = 1.0
        state = 0.3 * state + 1.0 * xs[t].astype(np.float64)
        want_h[t] = state
    np.testing.assert_allclose(h, want_h, rtol=1e-5, atol=1e-6)
    grad = jax.jit(jax.grad(_jax_loss))
    w = (jnp.float32(0.3), jnp.float32(1.0))
    for got in params:
        np.testing.assert_allclose(got, [float(w[0]), float(w[1])], rtol=2e-5)
        da, db = grad(w, jnp.asarray(xs), jnp.asarray(ys))
        w = (w[0] - 0.2 * da, w[1] - 0.2 * db)
    ds.reset_default_graph()
    example.main("numpy")
    out = capsys.readouterr().out
    fitted = re.search(r"fitted: a = (\S+), b = (\S+), loss = (\S+), worst step = (\S+)", out)
    assert float(fitted.group(1)) == pytest.approx(example.TRUE_A, abs=1e-4)
    assert float(fitted.group(2)) == pytest.approx(example.TRUE_B, abs=1e-4)
    assert float(fitted.group(3)) < 1e-8 and float(fitted.group(3)) <= float(fitted.group(4)) < 1e-7
    assert "tf1_scan_smoothing: ok" in out
    ds.reset_default_graph()
