"""examples/tf1_conv_autoencoder.py runs as a TF1 user runs it, and its losses step by step equal
those of the same autoencoder and gradient descent written by hand in jax:
lax.conv_general_dilated for tf.nn.conv2d and lax.conv_transpose(transpose_kernel=True), jax's
documented equivalent of tf.nn.conv2d_transpose, with jax.grad."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np


def _jax_loss(params, x):
    hi = jax.lax.Precision.HIGHEST
    code = jax.nn.relu(jax.lax.conv_general_dilated(x, params[0], (2, 2), "SAME", precision=hi,
                                                    dimension_numbers=("NHWC", "HWIO", "NHWC")))
    # TF1's (kH, kW, out, in) filter, spec'd as the forward conv's HWIO and transposed by jax
    recon = jax.lax.conv_transpose(code, params[1], (2, 2), "SAME", precision=hi, transpose_kernel=True,
                                   dimension_numbers=("NHWC", "HWIO", "NHWC"))
    return jnp.mean((recon - x) ** 2)


def test_example_losses_match_the_autoencoder_written_in_jax(example_scripts):
    example = example_scripts.load("tf1_conv_autoencoder")
    losses = example.main(steps=6)
    params = [jnp.asarray(w) for w in example.initial_filters()]
    x = jnp.asarray(example.make_data())
    step, expected = jax.jit(jax.value_and_grad(_jax_loss)), []
    for _ in range(6):
        loss, grads = step(params, x)
        expected.append(float(loss))
        params = [p - 0.5 * g for p, g in zip(params, grads, strict=True)]
    np.testing.assert_allclose(losses, expected, rtol=1e-5)
    assert losses[-1] < losses[0]


def test_example_runs_as_a_script(example_scripts):
    example_scripts.run("tf1_conv_autoencoder", timeout=300)
