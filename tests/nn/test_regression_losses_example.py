"""examples/regression_losses.py runs as a user runs it, and its losses are those of the same
loop written out in jax float64: the MLP, the Huber loss, PyTorch's NAdam equations, and the
1cycle schedule's lr and beta1 in closed form."""
from __future__ import annotations

import math
import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from . import example_scripts

pytestmark = pytest.mark.usefixtures("jax_float64")


def _huber(params, x, y):
    w1, b1, w2, b2 = params
    d = jnp.abs(jnp.tanh(x @ w1.T + b1) @ w2.T + b2 - y)
    return jnp.mean(jnp.where(d < 1.0, 0.5 * d**2, d - 0.5))


def _one_cycle(t, total, max_lr, pct_start=0.3, div=25.0, final_div=1e4, base_m=0.85, max_m=0.95):
    """(lr, beta1) of step t: cosine up to max_lr over pct_start, then down to the minimum."""
    up = pct_start * total - 1
    initial = max_lr / div
    if t <= up:
        pct, lr0, lr1, m0, m1 = t / up, initial, max_lr, max_m, base_m
    else:
        pct, lr0, lr1, m0, m1 = (t - up) / (total - 1 - up), max_lr, initial / final_div, base_m, max_m
    cos = (1 + math.cos(math.pi * pct)) / 2
    return lr1 + (lr0 - lr1) * cos, m1 + (m0 - m1) * cos


def _jax_losses(params, x, y, epochs, batch, max_lr, beta2=0.999, eps=1e-8, psi=4e-3):
    grad = jax.jit(jax.value_and_grad(_huber))
    n = x.shape[0]
    total = epochs * (n // batch)
    m = [jnp.zeros_like(p) for p in params]
    v = [jnp.zeros_like(p) for p in params]
    mu_product = [np.float32(1.0)] * len(params)
    losses = []
    for t in range(total):
        start = (t % (n // batch)) * batch
        value, grads = grad(params, x[start:start + batch], y[start:start + batch])
        losses.append(float(value))
        lr, beta1 = _one_cycle(t, total, max_lr)
        step = t + 1
        mu = beta1 * (1 - 0.5 * 0.96 ** (step * psi))
        mu_next = beta1 * (1 - 0.5 * 0.96 ** ((step + 1) * psi))
        new = []
        for k, (p, g) in enumerate(zip(params, grads, strict=True)):
            mu_product[k] = np.float32(mu_product[k] * np.float32(mu))  # torch keeps it in float32
            prod = float(mu_product[k])
            m[k] = beta1 * m[k] + (1 - beta1) * g
            v[k] = beta2 * v[k] + (1 - beta2) * g * g
            denom = jnp.sqrt(v[k] / (1 - beta2**step)) + eps
            new.append(p - lr * (1 - mu) / (1 - prod) * g / denom
                       - lr * mu_next / (1 - prod * mu_next) * m[k] / denom)
        params = tuple(new)
    return losses


def test_example_trains_as_the_same_loop_in_jax():
    stdout, printed = example_scripts.run("regression_losses")
    assert "(0): Linear(in_features=3, out_features=16, bias=True)" in stdout
    example = example_scripts.load("regression_losses")
    x, y = (jnp.asarray(t.numpy(), jnp.float64) for t in example.make_data())
    model = example.build_model()
    params = tuple(jnp.asarray(p.detach().numpy(), jnp.float64) for p in model.parameters())
    expected = _jax_losses(params, x, y, example.EPOCHS, example.BATCH, max_lr=0.1)
    assert len(printed) == example.EPOCHS * example.N // example.BATCH
    np.testing.assert_allclose(printed, expected, rtol=1e-5)  # float32 against float64 (seen: 1.4e-7)
    lrs = [float(v) for v in re.findall(r" lr (\S+)", stdout)]
    want = [_one_cycle(t, len(printed), 0.1)[0] for t in range(len(printed))]
    np.testing.assert_allclose(lrs, want, atol=6e-6)  # printed with 5 decimals
