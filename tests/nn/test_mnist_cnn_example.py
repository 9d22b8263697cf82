"""examples/mnist_cnn.py runs as a user runs it, and its losses step by step equal those of the
same network and SGD written by hand in jax (lax.conv_general_dilated, a max over 2x2 blocks,
jax.grad) from the same initial parameters."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

import dualgrad as dg

from . import example_scripts


def _jax_loss(params, images, labels):
    def conv(x, w, b, pad):
        out = jax.lax.conv_general_dilated(x, w, (1, 1), [(pad, pad)] * 2,
                                           dimension_numbers=("NCHW", "OIHW", "NCHW"))
        return out + b[:, None, None]

    def pool(x):  # 2x2 windows, stride 2, an odd last row and column dropped
        n, c, h, w = x.shape
        return x[:, :, :h // 2 * 2, :w // 2 * 2].reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))

    x = pool(jax.nn.relu(conv(images, params["conv1.weight"], params["conv1.bias"], 0)))
    x = pool(jax.nn.relu(conv(x, params["conv2.weight"], params["conv2.bias"], 1)))
    logits = x.reshape(x.shape[0], -1) @ params["fc.weight"].T + params["fc.bias"]
    logp = jax.nn.log_softmax(logits, axis=1)
    return -jnp.mean(logp[jnp.arange(len(labels)), labels])


def test_example_losses_match_the_network_written_in_jax():
    example = example_scripts.load("mnist_cnn")
    dg.manual_seed(0)
    model = example.Net()
    params = {k: jnp.asarray(v.detach().numpy()) for k, v in model.state_dict().items()}
    images, labels = example.make_batch()
    losses = example.train(model, images, labels, steps=4, lr=0.1)
    x, y = jnp.asarray(images.numpy()), jnp.asarray(labels.numpy())
    expected, step = [], jax.jit(jax.value_and_grad(_jax_loss))
    with jax.default_matmul_precision("highest"):  # true float32 products (no TF32 on a GPU)
        for _ in range(4):
            loss, grads = step(params, x, y)
            expected.append(float(loss))
            params = {k: params[k] - 0.1 * grads[k] for k in params}
    np.testing.assert_allclose(losses, expected, rtol=2e-5)
    assert losses[-1] < losses[0]
    for k, v in model.state_dict().items():
        np.testing.assert_allclose(v.numpy(), np.asarray(params[k]), rtol=1e-4, atol=1e-5)


def test_example_runs_as_a_script():
    example_scripts.run("mnist_cnn", timeout=300)
