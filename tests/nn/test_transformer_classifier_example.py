"""examples/transformer_classifier.py runs as a user runs it, and its losses are those of the same
model trained in jax float64: the embedding lookup, PyTorch's documented post-LayerNorm encoder
layers (tests/nn/test_transformer_layers.py's reference, run on jax.numpy) with the padding as
-inf on the keys, masked mean pooling, cross entropy, and Adam written out from PyTorch's
documentation (numpy float64). One jitted gradient, so one compile."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from . import example_scripts
from .test_transformer_layers import _sub, ref_encoder_layer

pytestmark = pytest.mark.usefixtures("jax_float64")


def _loss(p, tokens, labels, heads):
    padding = tokens == 0
    h = p["embed.weight"][tokens] + p["pos"]
    for i in range(2):
        h = ref_encoder_layer(jnp, _sub(p, f"encoder.layers.{i}."), h, heads,
                              padding=jnp.where(padding, -jnp.inf, 0.0))
    keep = (~padding)[..., None].astype(h.dtype)
    logits = (h * keep).sum(1) / keep.sum(1) @ p["head.weight"].T + p["head.bias"]
    logp = jax.nn.log_softmax(logits, axis=-1)
    return -jnp.mean(jnp.take_along_axis(logp, labels[:, None], axis=1))


def _jax_adam_losses(params, tokens, labels, heads, steps, lr=0.01, b1=0.9, b2=0.999, eps=1e-8):
    value_and_grad = jax.jit(jax.value_and_grad(_loss), static_argnums=3)
    m = {n: np.zeros_like(p) for n, p in params.items()}
    v = {n: np.zeros_like(p) for n, p in params.items()}
    losses = []
    for t in range(1, steps + 1):
        value, grads = value_and_grad(params, tokens, labels, heads)
        losses.append(float(value))
        for n, g in grads.items():
            g = np.asarray(g)
            m[n] = b1 * m[n] + (1 - b1) * g
            v[n] = b2 * v[n] + (1 - b2) * g * g
            params[n] = params[n] - lr / (1 - b1**t) * m[n] / (np.sqrt(v[n]) / np.sqrt(1 - b2**t) + eps)
    return losses


def test_example_trains_as_the_same_model_in_jax():
    stdout, printed = example_scripts.run("transformer_classifier")
    # PyTorch's ModuleList repr: two identical layers printed once
    assert "(layers): ModuleList(\n      (0-1): 2 x TransformerEncoderLayer(\n" in stdout
    assert "accuracy 1.000" in stdout
    example = example_scripts.load("transformer_classifier")
    tokens, labels = (np.asarray(t.numpy()) for t in example.make_data())
    assert (tokens == 0).any() and 0 < labels.mean() < 1  # padded sequences, both classes
    model = example.build_model()
    params = {n: p.detach().numpy().astype(np.float64) for n, p in model.named_parameters()}
    assert not params["embed.weight"][0].any()  # padding_idx's row is zero
    expected = _jax_adam_losses(params, tokens, labels, example.HEADS, steps=len(printed))
    assert len(printed) == 15 and printed[-1] < 0.05 * printed[0]
    np.testing.assert_allclose(printed, expected, rtol=2e-3)  # float32 steps against float64
