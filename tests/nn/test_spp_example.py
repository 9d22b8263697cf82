"""examples/spatial_pyramid_pooling.py runs as a user runs it, and its losses step by step
equal those of the same network written by hand in jax (lax.conv_general_dilated; each
adaptive window [floor(i n / l), ceil((i + 1) n / l)) sliced and max-reduced; cross entropy
from log_softmax; SGD with momentum written out) from the same parameters and images. Ties
in a window are ReLU's zeros, whose gradient is 0 either way, so jax's even split of a tie
and PyTorch's first maximum give the same parameter gradients."""
from __future__ import annotations

import re

import jax
import jax.numpy as jnp
import numpy as np

import dualgrad as dg

from . import example_scripts


def _pyramid(features, levels):
    """Each level's windows sliced out and max-reduced, flattened as (N, C * level^2)."""
    h, w = features.shape[2:]
    parts = []
    for level in levels:
        rows = [(i * h // level, -(-(i + 1) * h // level)) for i in range(level)]
        cols = [(j * w // level, -(-(j + 1) * w // level)) for j in range(level)]
        cells = [jnp.max(features[:, :, a:b, c:d], axis=(2, 3)) for a, b in rows for c, d in cols]
        parts.append(jnp.stack(cells, axis=-1).reshape(features.shape[0], -1))
    return jnp.concatenate(parts, axis=1)


def _jax_loss(params, images, labels, levels):
    y = jax.lax.conv_general_dilated(images, params["conv.weight"], (1, 1), [(1, 1), (1, 1)],
                                     precision=jax.lax.Precision.HIGHEST)
    features = jax.nn.relu(y + params["conv.bias"][None, :, None, None])
    logits = _pyramid(features, levels) @ params["head.weight"].T + params["head.bias"]
    logp = jax.nn.log_softmax(logits, axis=1)
    return -jnp.mean(jnp.take_along_axis(logp, labels[:, None], axis=1))


def test_example_losses_match_the_network_written_in_jax():
    example = example_scripts.load("spatial_pyramid_pooling")
    batches = example.make_batches()
    dg.manual_seed(0)
    model = example.SPPNet()
    params = {k: jnp.asarray(v.detach().numpy()) for k, v in model.state_dict().items()}
    epochs, lr = 2, 0.1
    losses = example.train(model, batches, epochs=epochs, lr=lr)
    grad = jax.value_and_grad(_jax_loss)
    buffers, expected = {}, []
    for _ in range(epochs):
        for images, labels in batches:  # SGD with momentum 0.9, PyTorch's: buf = 0.9 buf + g
            loss, grads = grad(params, jnp.asarray(images.numpy()), jnp.asarray(labels.numpy()),
                               example.LEVELS)
            expected.append(float(loss))
            for k in params:
                buffers[k] = grads[k] if k not in buffers else 0.9 * buffers[k] + grads[k]
                params[k] = params[k] - lr * buffers[k]
    np.testing.assert_allclose(losses, expected, rtol=2e-5)
    assert losses[-1] < losses[0]


def test_example_runs_as_a_script():
    out, _ = example_scripts.run("spatial_pyramid_pooling")
    assert "AdaptiveMaxPool2d(output_size=3)" in out
    epochs = [float(v) for v in re.findall(r"epoch \d+: loss (\S+)", out)]
    assert len(epochs) == 10 and epochs[-1] < epochs[0] / 10
