"""examples/tf1_word2vec.py (TF1's word2vec_basic skip-gram: embedding_lookup, nce_loss with
log-uniform negatives, SGD) matches the same training replayed in jax float64 from its
initial variables, given the negatives and expected counts each step drew: TF1's NCE logits
(x . w + b - log Q), the logistic losses summed per example, their mean, SGD with rate 1.
(That a graph seed repeats the draws in a new session: tests/static/test_nn_sampled.py.)"""
from __future__ import annotations

import importlib.util
import pathlib

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dualgrad.static as ds

EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "tf1_word2vec.py"
pytestmark = pytest.mark.usefixtures("jax_float64")


def _load():
    spec = importlib.util.spec_from_file_location("tf1_word2vec_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _nce_loss(params, inputs, labels, negatives):
    embeddings, weights, biases = params
    sampled, true_count, sampled_count = (jnp.asarray(v, jnp.float64) if i else v
                                          for i, v in enumerate(negatives))
    x = embeddings[inputs]
    true_logits = jnp.sum(x * weights[labels[:, 0]], axis=1, keepdims=True) + biases[labels]
    true_logits = true_logits - jnp.log(true_count)
    sampled_logits = x @ weights[sampled].T + biases[sampled] - jnp.log(sampled_count)
    logits = jnp.concatenate([true_logits, sampled_logits], axis=1)
    z = jnp.concatenate([jnp.ones_like(true_logits), jnp.zeros_like(sampled_logits)], axis=1)
    per_example = jnp.sum(jnp.maximum(logits, 0) - logits * z + jnp.log1p(jnp.exp(-jnp.abs(logits))), axis=1)
    return jnp.mean(per_example)


def test_word2vec_losses_match_a_jax_replay(capsys):
    example = _load()
    ds.reset_default_graph()
    initial, history = example.main(steps=20, seed=0)
    assert "Nearest to cat:" in capsys.readouterr().out
    params = [jnp.asarray(p, jnp.float64) for p in initial]
    value_and_grad = jax.jit(jax.value_and_grad(_nce_loss))
    for inputs, labels, negatives, loss in history:
        assert len(set(negatives[0].tolist())) == example.NUM_SAMPLED  # (unique=True)
        want, grads = value_and_grad(params, inputs, labels, negatives)
        np.testing.assert_allclose(loss, float(want), rtol=2e-5)
        params = [p - g for p, g in zip(params, grads, strict=True)]
    assert np.mean([h[3] for h in history[-10:]]) < np.mean([h[3] for h in history[:10]])

