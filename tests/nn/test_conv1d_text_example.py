"""examples/conv1d_text.py runs as a user runs it, and its losses step by step equal those of the
same network and Adam written by hand in jax (an embedding gather, lax.conv_general_dilated, a
max over the sequence, jax.grad, Adam's update with bias correction) from the same initial
parameters."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dualgrad as dg

from . import example_scripts

pytestmark = pytest.mark.usefixtures("jax_float64")  # int64 token ids stay int64 in jax


def _jax_loss(params, tokens, labels):
    x = params["embed.weight"][tokens].transpose(0, 2, 1)  # (N, dim, L)
    x = jax.lax.conv_general_dilated(x, params["conv.weight"], (1,), [(1, 1)],
                                     precision=jax.lax.Precision.HIGHEST) + params["conv.bias"][:, None]
    x = jnp.max(jax.nn.relu(x), axis=2)  # (N, channels)
    logits = x @ params["fc.weight"].T + params["fc.bias"]
    logp = jax.nn.log_softmax(logits, axis=1)
    return -jnp.mean(logp[jnp.arange(len(labels)), labels])


def test_example_losses_match_the_network_written_in_jax():
    example = example_scripts.load("conv1d_text")
    dg.manual_seed(0)
    model = example.TextCNN()
    params = {k: jnp.asarray(v.detach().numpy()) for k, v in model.state_dict().items()}
    tokens, labels = example.make_batch()
    assert 0 < int(labels.sum()) < len(labels)
    losses = example.train(model, tokens, labels, steps=6, lr=0.01)
    x, y = jnp.asarray(tokens.numpy()), jnp.asarray(labels.numpy())
    m = {k: jnp.zeros_like(v) for k, v in params.items()}
    v2 = {k: jnp.zeros_like(v) for k, v in params.items()}
    expected, grad = [], jax.jit(jax.value_and_grad(_jax_loss))
    with jax.default_matmul_precision("highest"):  # true float32 products (no TF32 on a GPU)
        for t in range(1, 7):  # Adam (betas 0.9, 0.999, eps 1e-8), as torch.optim.Adam's defaults
            loss, grads = grad(params, x, y)
            expected.append(float(loss))
            for k in params:
                m[k] = 0.9 * m[k] + 0.1 * grads[k]
                v2[k] = 0.999 * v2[k] + 0.001 * grads[k] ** 2
                step = 0.01 / (1 - 0.9 ** t)
                params[k] = params[k] - step * m[k] / (jnp.sqrt(v2[k]) / np.sqrt(1 - 0.999 ** t) + 1e-8)
    np.testing.assert_allclose(losses, expected, rtol=2e-5)
    assert losses[-1] < losses[0]
    for k, v in model.state_dict().items():
        np.testing.assert_allclose(v.numpy(), np.asarray(params[k]), rtol=1e-4, atol=1e-5)


def test_example_runs_as_a_script():
    example_scripts.run("conv1d_text", timeout=300)
