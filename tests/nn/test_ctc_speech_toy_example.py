"""examples/ctc_speech_toy.py's `main` (what the script runs), and its losses step by step equal
those of the same recognizer and Adam written in jax (PyTorch's GRU equations, a Linear,
log_softmax, the CTC recursion of test_ctc_loss.py with 'mean' over target lengths, jax.grad)
from the same initial parameters and batch."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.flatten_util import ravel_pytree

import dualgrad as dg

from . import example_scripts
from .test_ctc_loss import jax_nll

pytestmark = pytest.mark.usefixtures("jax_float64")


def _gru(params, x):
    """PyTorch's GRU over x (T, N, F) from h0 = 0: gates r, z, n in the rows of the weights."""
    w_ih, w_hh, b_ih, b_hh = (params[f"rnn.{k}_l0"] for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))

    def cell(h, x_t):
        gi_r, gi_z, gi_n = jnp.split(x_t @ w_ih.T + b_ih, 3, axis=1)
        gh_r, gh_z, gh_n = jnp.split(h @ w_hh.T + b_hh, 3, axis=1)
        r, z = jax.nn.sigmoid(gi_r + gh_r), jax.nn.sigmoid(gi_z + gh_z)
        h = (1 - z) * jnp.tanh(gi_n + r * gh_n) + z * h
        return h, h

    return jax.lax.scan(cell, jnp.zeros((x.shape[1], w_hh.shape[1])), x)[1]


def test_losses_match_the_recognizer_written_in_jax(capsys):
    example = example_scripts.load("ctc_speech_toy")
    dg.manual_seed(0)
    model = example.Recognizer()
    features, targets, il, tl = (v.numpy() for v in example.make_batch())
    params = {k: jnp.asarray(v.detach().numpy(), dtype=jnp.float64) for k, v in model.state_dict().items()}
    flat, unravel = ravel_pytree(params)

    def loss(p):
        p = unravel(p)
        logits = _gru(p, jnp.asarray(features, dtype=jnp.float64)) @ p["out.weight"].T + p["out.bias"]
        nll = jax_nll(jax.nn.log_softmax(logits, axis=2), targets, il, tl, 0)
        return jnp.mean(nll / np.maximum(tl, 1))

    expected, _ = example_scripts.jax_adam_losses(jax.jit(jax.value_and_grad(loss)), flat, steps=10, lr=0.05)
    losses = example.main()
    np.testing.assert_allclose(losses, expected, rtol=2e-5)
    assert losses[-1] < losses[0] / 3
    assert "step 9: loss" in capsys.readouterr().out
