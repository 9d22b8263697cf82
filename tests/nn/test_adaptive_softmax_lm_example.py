"""examples/adaptive_softmax_lm.py's `main` (what the script runs): its losses step by step equal
those of the same bigram model and Adam written in jax (an embedding row, tanh of a Linear, and
the adaptive softmax's definition: the head's log-softmax over the shortlist and one entry per
cluster, a cluster word's log-probability its cluster's head entry plus the log-softmax of its
two bias-free Linears) from the same initial parameters and corpus."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.flatten_util import ravel_pytree

import dualgrad as dg

from . import example_scripts

pytestmark = pytest.mark.usefixtures("jax_float64")


def adaptive_log_prob(p: dict, h, cutoffs: list[int], prefix: str = "out."):
    """(B, n_classes) log-probabilities of the adaptive softmax with parameters p."""
    head = jax.nn.log_softmax(h @ p[prefix + "head.weight"].T, axis=1)
    parts = [head[:, :cutoffs[0]]]
    for i in range(len(cutoffs) - 1):
        tail = (h @ p[f"{prefix}tail.{i}.0.weight"].T) @ p[f"{prefix}tail.{i}.1.weight"].T
        parts.append(jax.nn.log_softmax(tail, axis=1) + head[:, cutoffs[0] + i, None])
    return jnp.concatenate(parts, axis=1)


def test_losses_match_the_model_written_in_jax(capsys):
    example = example_scripts.load("adaptive_softmax_lm")
    dg.manual_seed(0)
    model = example.BigramLM()
    prev, nxt = (v.numpy() for v in example.make_corpus())
    params = {k: jnp.asarray(v.detach().numpy(), dtype=jnp.float64) for k, v in model.state_dict().items()}
    flat, unravel = ravel_pytree(params)
    cutoffs = example.CUTOFFS + [example.VOCAB]
    one_prev, one_next = np.eye(example.VOCAB)[prev], np.eye(example.VOCAB)[nxt]  # (matmuls compile fast)

    def loss(p):
        p = unravel(p)
        h = jnp.tanh(one_prev @ p["embed.weight"] @ p["proj.weight"].T + p["proj.bias"])
        return -jnp.sum(adaptive_log_prob(p, h, cutoffs) * one_next) / len(nxt)

    expected, _ = example_scripts.jax_adam_losses(jax.jit(jax.value_and_grad(loss)), flat, steps=12, lr=0.05)
    losses = example.main()
    np.testing.assert_allclose(losses, expected, rtol=2e-5)
    assert losses[-1] < losses[0] * 0.7
    out = capsys.readouterr().out
    assert "step 11: loss" in out and "predicted next words" in out
