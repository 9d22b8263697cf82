"""examples/embedding_layernorm.py runs as a user runs it, and its losses are those of the same
model trained by hand in jax (float64): W[tokens] averaged over tokens, layer norm with the
biased variance, a linear head, cross entropy, plain SGD; PyTorch's padding rule applied to
jax's gradient (the padding row's is set to zero)."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from . import example_scripts

pytestmark = pytest.mark.usefixtures("jax_float64")


def _loss(params, tokens, labels):
    table, gamma, beta, w, b = params
    h = table[tokens].mean(axis=1)
    mean = h.mean(axis=-1, keepdims=True)
    var = ((h - mean) ** 2).mean(axis=-1, keepdims=True)
    logits = ((h - mean) / jnp.sqrt(var + 1e-5) * gamma + beta) @ w.T + b
    return -jnp.mean(jax.nn.log_softmax(logits)[jnp.arange(len(labels)), labels])


def _jax_losses(params, tokens, labels, pad: int, steps: int, lr: float = 0.5):
    step = jax.jit(jax.value_and_grad(_loss))
    losses = []
    for _ in range(steps):
        value, grads = step(params, tokens, labels)
        grads = (grads[0].at[pad].set(0.0),) + tuple(grads[1:])  # PyTorch: no gradient to padding_idx
        losses.append(float(value))
        params = tuple(p - lr * g for p, g in zip(params, grads, strict=True))
    return losses


def test_example_trains_as_the_same_model_in_jax():
    stdout, printed = example_scripts.run("embedding_layernorm")
    assert "(embedding): Embedding(12, 8, padding_idx=0)" in stdout
    example = example_scripts.load("embedding_layernorm")
    tokens, labels = (jnp.asarray(t.numpy()) for t in example.make_data())
    model = example.build_model()
    params = tuple(jnp.asarray(t.detach().numpy(), jnp.float64) for t in (
        model.embedding.weight, model.norm.weight, model.norm.bias, model.head.weight, model.head.bias))
    assert not np.asarray(params[0][example.PAD]).any()
    expected = _jax_losses(params, tokens, labels, example.PAD, steps=len(printed))
    assert len(printed) == 15 and printed[-1] < printed[0] / 3
    np.testing.assert_allclose(printed, expected, rtol=2e-5)  # float32 steps against float64
