"""examples/einsum_attention.py runs as a user runs it, and its numbers are those of the same
computation in jax float64: the attention written out again here with jnp.einsum (the
in-projection, heads, causal mask as -inf, softmax, out-projection, residual) and mean
squared error. The model in float64 gives the same loss and the same gradient of every
parameter; the script's first float32 loss agrees to float32's digits."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dualgrad as dg
from dualgrad import nn

from . import example_scripts

pytestmark = pytest.mark.usefixtures("jax_float64")


def _loss(p, x, y, heads):
    b, n, d = x.shape
    qkv = x @ p["attn.qkv.weight"].T + p["attn.qkv.bias"]
    q, k, v = (qkv[..., i * d:(i + 1) * d].reshape(b, n, heads, d // heads) for i in range(3))
    future = np.triu(np.ones((n, n), bool), 1)
    scores = jnp.einsum("bqhd,bkhd->bhqk", q, k) / np.sqrt(d // heads) + np.where(future, -np.inf, 0.0)
    attended = jnp.einsum("bhqk,bkhd->bqhd", jax.nn.softmax(scores, axis=-1), v).reshape(b, n, d)
    pred = x + attended @ p["attn.out.weight"].T + p["attn.out.bias"]
    return jnp.mean((pred - y) ** 2)


def test_example_runs_and_matches_jax_float64():
    stdout, printed = example_scripts.run("einsum_attention")
    example = example_scripts.load("einsum_attention")
    x32, y32 = example.make_data()
    model = example.build_model()
    params = {n: p.detach().numpy().astype(np.float64) for n, p in model.named_parameters()}
    assert sorted(params) == ["attn.out.bias", "attn.out.weight", "attn.qkv.bias", "attn.qkv.weight"]
    x, y = x32.numpy().astype(np.float64), y32.numpy().astype(np.float64)
    want, want_grads = jax.jit(jax.value_and_grad(_loss), static_argnums=3)(params, x, y, example.HEADS)

    model.to(dg.float64)
    loss = nn.functional.mse_loss(model(dg.tensor(x)), dg.tensor(y))
    loss.backward()
    np.testing.assert_allclose(loss.item(), float(want), rtol=1e-12)
    for name, p in model.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), np.asarray(want_grads[name]), rtol=1e-10, atol=1e-13,
                                   err_msg=name)
    assert printed[0] == pytest.approx(float(want), rel=1e-5)  # the script's float32 step 0
    assert printed[-1] < 0.5 * printed[0]
