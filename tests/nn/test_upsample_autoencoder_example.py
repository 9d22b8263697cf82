"""examples/upsample_autoencoder.py runs as a user runs it, and its losses step by step equal
those of the same network and SGD written by hand in jax (lax.conv_general_dilated, a 2x2 max
window, the bilinear upsampling as PyTorch's half-pixel interpolation matrix written out, MSE,
jax.grad) from the same initial parameters and images."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

import dualgrad as dg

from . import example_scripts


def _upsample_matrix(n: int) -> np.ndarray:
    """PyTorch's (2n, n) bilinear matrix, align_corners=False: x = max((j + 0.5) / 2 - 0.5, 0)."""
    M = np.zeros((2 * n, n), np.float32)
    for j in range(2 * n):
        x = max((j + 0.5) / 2 - 0.5, 0.0)
        i0 = min(int(np.floor(x)), n - 1)
        t = min(max(x - i0, 0.0), 1.0)
        M[j, i0] += 1 - t
        M[j, min(i0 + 1, n - 1)] += t
    return M


def _conv(x, w, b):
    y = jax.lax.conv_general_dilated(x, w, (1, 1), [(1, 1), (1, 1)], precision=jax.lax.Precision.HIGHEST)
    return y + b[None, :, None, None]


def _jax_loss(params, images, up):
    x = jax.nn.relu(_conv(images, params["down.weight"], params["down.bias"]))
    x = jax.lax.reduce_window(x, -jnp.inf, jax.lax.max, (1, 1, 2, 2), (1, 1, 2, 2), "VALID")
    x = jnp.einsum("ah,nchw,bw->ncab", up, x, up, precision="highest")
    return jnp.mean((_conv(x, params["out.weight"], params["out.bias"]) - images) ** 2)


def test_example_losses_match_the_network_written_in_jax():
    example = example_scripts.load("upsample_autoencoder")
    images = example.make_batch()
    dg.manual_seed(0)
    model = example.EncoderDecoder()
    params = {k: jnp.asarray(v.detach().numpy()) for k, v in model.state_dict().items()}
    losses = example.train(model, images, steps=6, lr=0.1)
    x, up = jnp.asarray(images.numpy()), jnp.asarray(_upsample_matrix(4))
    grad = jax.jit(jax.value_and_grad(_jax_loss))
    expected = []
    for _ in range(6):
        loss, grads = grad(params, x, up)
        expected.append(float(loss))
        params = {k: params[k] - 0.1 * grads[k] for k in params}
    np.testing.assert_allclose(losses, expected, rtol=2e-5)
    assert losses[-1] < losses[0]
    for k, v in model.state_dict().items():
        np.testing.assert_allclose(v.numpy(), np.asarray(params[k]), rtol=1e-4, atol=1e-5)


def test_example_runs_as_a_script():
    out, losses = example_scripts.run("upsample_autoencoder")
    assert len(losses) == 12 and losses[-1] < losses[0]
