"""examples/segnet_unpool.py runs as a user runs it, and its losses step by step equal those of
the same network written by hand in jax (lax.conv_general_dilated; the 2x2 pool's first
maximum per window as a one-hot mask, unpooling as the pooled values repeated 2x2 times that
mask; MSE; jax.grad; TF1/PyTorch Adam written out) from the same parameters and images."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

import dualgrad as dg

from . import example_scripts


def _conv(x, w, b):
    y = jax.lax.conv_general_dilated(x, w, (1, 1), [(1, 1), (1, 1)], precision=jax.lax.Precision.HIGHEST)
    return y + b[None, :, None, None]


def _windows(x):
    """(N, C, H, W) -> (N, C, H/2, W/2, 4): each 2x2 window's elements in row-major order."""
    n, c, h, w = x.shape
    return x.reshape(n, c, h // 2, 2, w // 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(n, c, h // 2, w // 2, 4)


def _first_max_mask(x):
    n, c, h, w = x.shape
    mask = jax.nn.one_hot(jnp.argmax(_windows(x), axis=-1), 4, dtype=x.dtype)
    return mask.reshape(n, c, h // 2, w // 2, 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(n, c, h, w)


def _jax_loss(params, images):
    features = jax.nn.relu(_conv(images, params["encode.weight"], params["encode.bias"]))
    mask = jax.lax.stop_gradient(_first_max_mask(features))
    pooled = jnp.max(_windows(features), axis=-1)
    pooled = jax.nn.relu(_conv(pooled, params["middle.weight"], params["middle.bias"]))
    restored = jnp.repeat(jnp.repeat(pooled, 2, axis=2), 2, axis=3) * mask
    out = _conv(restored, params["decode.weight"], params["decode.bias"])
    return jnp.mean((out - images) ** 2)


def test_example_losses_match_the_network_written_in_jax():
    example = example_scripts.load("segnet_unpool")
    images = example.make_batch()
    dg.manual_seed(0)
    model = example.SegNetTiny()
    params = {k: jnp.asarray(v.detach().numpy()) for k, v in model.state_dict().items()}
    steps, lr = 6, 0.02
    losses = example.train(model, images, steps=steps, lr=lr)
    x = jnp.asarray(images.numpy())
    grad = jax.jit(jax.value_and_grad(_jax_loss))
    m = {k: jnp.zeros_like(v) for k, v in params.items()}
    v = {k: jnp.zeros_like(p) for k, p in params.items()}
    expected = []
    for t in range(1, steps + 1):  # Adam (betas 0.9, 0.999, eps 1e-8 added to the root)
        loss, grads = grad(params, x)
        expected.append(float(loss))
        for k in params:
            m[k] = 0.9 * m[k] + 0.1 * grads[k]
            v[k] = 0.999 * v[k] + 0.001 * grads[k] ** 2
            step = lr * (m[k] / (1 - 0.9 ** t)) / (jnp.sqrt(v[k] / (1 - 0.999 ** t)) + 1e-8)
            params[k] = params[k] - step
    np.testing.assert_allclose(losses, expected, rtol=2e-5)
    assert losses[-1] < losses[0]


def test_example_runs_as_a_script():
    out, losses = example_scripts.run("segnet_unpool")
    assert "MaxUnpool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))" in out
    assert len(losses) == 15 and losses[-1] < losses[0] / 2
