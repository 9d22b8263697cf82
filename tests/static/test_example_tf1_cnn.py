"""examples/tf1_mnist_cnn.py (tf.layers conv2d -> max_pooling2d -> flatten -> dense -> dropout,
Adam): its first Adam steps (dropout off) equal the same network written in jax, with jax.grad
and TF1's Adam update written out; with dropout on, its loss falls. Numpy backend (no Session
compile), few steps."""
from __future__ import annotations

import importlib.util
import pathlib

import jax
import jax.numpy as jnp
import numpy as np

import dualgrad.static as ds

EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "tf1_mnist_cnn.py"


def _load():
    spec = importlib.util.spec_from_file_location("tf1_mnist_cnn_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _jax_loss(params, x, y):
    k1, b1, k2, b2, w3, b3, w4, b4 = params
    hi = jax.lax.Precision.HIGHEST
    dims = ("NHWC", "HWIO", "NHWC")

    def pool(h):
        return jax.lax.reduce_window(h, -jnp.inf, jax.lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")

    h = x.reshape(-1, 28, 28, 1)
    h = pool(jax.nn.relu(jax.lax.conv_general_dilated(h, k1, (1, 1), "SAME", dimension_numbers=dims,
                                                      precision=hi) + b1))
    h = pool(jax.nn.relu(jax.lax.conv_general_dilated(h, k2, (1, 1), "SAME", dimension_numbers=dims,
                                                      precision=hi) + b2))
    h = jax.nn.relu(jnp.dot(h.reshape(h.shape[0], -1), w3, precision=hi) + b3)
    logits = jnp.dot(h, w4, precision=hi) + b4
    return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), y[:, None], axis=1))


def test_adam_steps_equal_the_network_written_in_jax():
    example = _load()
    (train_x, train_y), _ = example.make_data()
    ds.reset_default_graph()
    # the example's main() seeds too: without it each run started from other weights, and one
    # start in many ended 3 Adam steps 2.8e-5 away from jax in float32 (Adam's first steps move
    # every weight by +-lr, the sign of its gradient, so a near-0 gradient's rounding decides)
    ds.set_random_seed(1)
    g = example.build()
    params = ds.trainable_variables()
    assert [v.name for v in params] == [
        "conv2d/kernel:0", "conv2d/bias:0", "conv2d_1/kernel:0", "conv2d_1/bias:0",
        "dense/kernel:0", "dense/bias:0", "dense_1/kernel:0", "dense_1/bias:0"]
    x, y = train_x[:16], train_y[:16]
    with ds.Session(backend="numpy") as sess:
        sess.run(ds.global_variables_initializer())
        start = sess.run(params)
        losses = [sess.run([g["loss"], g["train_op"]], {g["x"]: x, g["y"]: y})[0] for _ in range(3)]
        end = sess.run(params)
    step = jax.jit(jax.value_and_grad(_jax_loss))
    w = [jnp.asarray(p) for p in start]
    m = [np.zeros_like(p) for p in start]
    v = [np.zeros_like(p) for p in start]
    expected = []
    for t in range(1, 4):  # TF1's Adam: lr_t = lr sqrt(1 - b2^t) / (1 - b1^t), epsilon 1e-8 outside the sqrt
        loss, grads = step(w, jnp.asarray(x), jnp.asarray(y))
        expected.append(float(loss))
        lr_t = 1e-3 * np.sqrt(1 - 0.999**t) / (1 - 0.9**t)
        for i, grad in enumerate(grads):
            m[i] = 0.9 * m[i] + 0.1 * np.asarray(grad)
            v[i] = 0.999 * v[i] + 0.001 * np.asarray(grad) ** 2
            w[i] = np.asarray(w[i]) - lr_t * m[i] / (np.sqrt(v[i]) + 1e-8)
    np.testing.assert_allclose(losses, expected, rtol=2e-5)
    for got, want in zip(end, w, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-3, atol=2e-6)


def test_example_trains_with_dropout_on():
    example = _load()
    losses, accuracy = example.main(steps=24, backend="numpy", batch=32)
    assert losses[0] > 2.2  # about ln 10 at Glorot-initialised weights
    assert np.mean(losses[-4:]) < 0.95 * np.mean(losses[:4])
    assert accuracy > 0.3  # ten classes: chance is 0.1; about 0.5 after these 24 steps
