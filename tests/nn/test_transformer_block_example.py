"""examples/transformer_block.py runs as a user runs it, and its losses are those of the same
model trained in jax float64: PyTorch's documented LayerNorm, MultiheadAttention (packed
in-projection, heads of scaled dot product attention with the causal mask as -inf, the
out-projection) and MLP written out again here, mean squared error, and Adam written out from
PyTorch's documentation (numpy float64). One jitted gradient, so one compile."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from . import example_scripts

pytestmark = pytest.mark.usefixtures("jax_float64")


def _layer_norm(x, w, b, eps=1e-5):
    mu = x.mean(axis=-1, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=-1, keepdims=True)  # biased, as PyTorch's LayerNorm
    return (x - mu) / jnp.sqrt(var + eps) * w + b


def _self_attention(p, h, heads):
    """nn.MultiheadAttention(batch_first=True)(h, h, h, attn_mask=causal) on (N, L, E)."""
    N, L, E = h.shape
    hd = E // heads
    qkv = h @ p["block.attn.in_proj_weight"].T + p["block.attn.in_proj_bias"]

    def split(t):  # (N, L, E) -> (N, H, L, hd)
        return jnp.transpose(t.reshape(N, L, heads, hd), (0, 2, 1, 3))

    q, k, v = split(qkv[..., :E]), split(qkv[..., E:2 * E]), split(qkv[..., 2 * E:])
    future = np.triu(np.ones((L, L), bool), 1)
    scores = q @ jnp.swapaxes(k, -1, -2) / np.sqrt(hd) + np.where(future, -np.inf, 0.0)
    out = jnp.transpose(jax.nn.softmax(scores, axis=-1) @ v, (0, 2, 1, 3)).reshape(N, L, E)
    return out @ p["block.attn.out_proj.weight"].T + p["block.attn.out_proj.bias"]


def _loss(p, x, y, heads):
    h = x @ p["embed.weight"].T + p["embed.bias"] + p["pos"]
    h = h + _self_attention(p, _layer_norm(h, p["block.ln1.weight"], p["block.ln1.bias"]), heads)
    m = _layer_norm(h, p["block.ln2.weight"], p["block.ln2.bias"])
    m = jnp.maximum(m @ p["block.mlp.0.weight"].T + p["block.mlp.0.bias"], 0.0)
    h = h + m @ p["block.mlp.2.weight"].T + p["block.mlp.2.bias"]
    pred = h @ p["head.weight"].T + p["head.bias"]
    return jnp.mean((pred - y) ** 2)


def _jax_adam_losses(params, x, y, heads, steps, lr=0.01, b1=0.9, b2=0.999, eps=1e-8):
    """Adam from PyTorch's documentation in numpy float64 around jax's value and gradient."""
    value_and_grad = jax.jit(jax.value_and_grad(_loss), static_argnums=3)
    m = {n: np.zeros_like(p) for n, p in params.items()}
    v = {n: np.zeros_like(p) for n, p in params.items()}
    losses = []
    for t in range(1, steps + 1):
        value, grads = value_and_grad(params, x, y, heads)
        losses.append(float(value))
        for n, g in grads.items():
            g = np.asarray(g)
            m[n] = b1 * m[n] + (1 - b1) * g
            v[n] = b2 * v[n] + (1 - b2) * g * g
            params[n] = params[n] - lr / (1 - b1**t) * m[n] / (np.sqrt(v[n]) / np.sqrt(1 - b2**t) + eps)
    return losses


def test_example_trains_as_the_same_model_in_jax():
    stdout, printed = example_scripts.run("transformer_block")
    assert "(attn): MultiheadAttention(\n      (out_proj): NonDynamicallyQuantizableLinear(" in stdout
    example = example_scripts.load("transformer_block")
    x, y = (jnp.asarray(t.numpy(), jnp.float64) for t in example.make_data())
    model = example.build_model()
    params = {n: p.detach().numpy().astype(np.float64) for n, p in model.named_parameters()}
    assert sorted(params) == sorted([
        "pos", "embed.weight", "embed.bias", "block.ln1.weight", "block.ln1.bias",
        "block.attn.in_proj_weight", "block.attn.in_proj_bias", "block.attn.out_proj.weight",
        "block.attn.out_proj.bias", "block.ln2.weight", "block.ln2.bias", "block.mlp.0.weight",
        "block.mlp.0.bias", "block.mlp.2.weight", "block.mlp.2.bias", "head.weight", "head.bias"])
    expected = _jax_adam_losses(params, x, y, example.HEADS, steps=len(printed))
    assert len(printed) == 10 and printed[-1] < 0.2 * printed[0]
    np.testing.assert_allclose(printed, expected, rtol=2e-4)  # float32 steps against float64
