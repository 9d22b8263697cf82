"""examples/char_rnn.py runs as a user runs it, and its losses are those of the same model trained
in jax (float64): the embedding, PyTorch's documented LSTM equations (written out again here
over lax.scan, which compiles one step rather than the unrolled sequence), a linear head, mean
cross entropy, and Adam written out from PyTorch's documentation."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from . import example_scripts

pytestmark = pytest.mark.usefixtures("jax_float64")


def _lstm_layer(x, w_ih, w_hh, b_ih, b_hh):
    """One LSTM layer over time-major x from zero states; gates i, f, g, o."""
    hid = w_hh.shape[1]

    def step(carry, xt):
        h, c = carry
        a = xt @ w_ih.T + b_ih + h @ w_hh.T + b_hh
        i, f, g, o = (a[:, k * hid:(k + 1) * hid] for k in range(4))
        c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
        h = jax.nn.sigmoid(o) * jnp.tanh(c)
        return (h, c), h

    zeros = jnp.zeros((x.shape[1], hid))
    return jax.lax.scan(step, (zeros, zeros), x)[1]


def _loss(params, inputs, targets):
    table, head_w, head_b, *lstm = params
    x = jnp.swapaxes(table[inputs], 0, 1)  # batch_first=True: time-major for the scan
    for layer in range(2):
        x = _lstm_layer(x, *lstm[4 * layer:4 * layer + 4])
    out = jnp.swapaxes(x, 0, 1)
    logits = out @ head_w.T + head_b
    logp = jax.nn.log_softmax(logits.reshape(-1, logits.shape[-1]))
    return -jnp.mean(logp[jnp.arange(targets.size), targets.reshape(-1)])


def _jax_adam_losses(params, inputs, targets, steps, lr=0.02, b1=0.9, b2=0.999, eps=1e-8):
    @jax.jit
    def step(params, m, v, t):
        value, grads = jax.value_and_grad(_loss)(params, inputs, targets)
        m = [b1 * a + (1 - b1) * g for a, g in zip(m, grads, strict=True)]
        v = [b2 * a + (1 - b2) * g * g for a, g in zip(v, grads, strict=True)]
        params = [p - lr / (1 - b1**t) * a / (jnp.sqrt(b) / jnp.sqrt(1 - b2**t) + eps)
                  for p, a, b in zip(params, m, v, strict=True)]
        return value, params, m, v

    m = [jnp.zeros_like(p) for p in params]
    v = [jnp.zeros_like(p) for p in params]
    losses = []
    for t in range(1, steps + 1):
        value, params, m, v = step(params, m, v, jnp.float64(t))
        losses.append(float(value))
    return losses


def test_example_trains_as_the_same_model_in_jax():
    stdout, printed = example_scripts.run("char_rnn")
    assert "(lstm): LSTM(8, 16, num_layers=2, batch_first=True)" in stdout
    example = example_scripts.load("char_rnn")
    inputs, targets = (jnp.asarray(t.numpy()) for t in example.make_data())
    model = example.build_model()
    lstm = [p for name, p in model.lstm.named_parameters()]
    params = [jnp.asarray(t.detach().numpy(), jnp.float64)
              for t in (model.embedding.weight, model.head.weight, model.head.bias, *lstm)]
    expected = _jax_adam_losses(params, inputs, targets, steps=len(printed))
    assert len(printed) == 12 and printed[-1] < printed[0] - 0.3
    np.testing.assert_allclose(printed, expected, rtol=1e-4)  # float32 steps against float64
