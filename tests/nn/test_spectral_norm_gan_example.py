"""examples/spectral_norm_gan.py runs as a user runs it, and its losses are those of the same
loop written out in jax float64: spectral normalization as W / (u . W v) with one power-iteration
step per critic call (u, v constants to the gradient), the hinge losses, and Adam's equations."""
from __future__ import annotations

import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from . import example_scripts

pytestmark = pytest.mark.usefixtures("jax_float64")


def _iterate(w, u, v):
    """One power-iteration step, v = normalize(W^T u), u = normalize(W v)."""
    v = w.T @ u
    v = v / jnp.maximum(jnp.linalg.norm(v), 1e-12)
    u = w @ v
    return u / jnp.maximum(jnp.linalg.norm(u), 1e-12), v


def _critic(d, uv, x):
    w1, b1, w2, b2 = d
    (u1, v1), (u2, v2) = uv
    h = x @ (w1 / (u1 @ w1 @ v1)).T + b1
    h = jnp.where(h > 0, h, 0.2 * h)
    return h @ (w2 / (u2 @ w2 @ v2)).T + b2


def _call(d, uv):
    """The u, v a training-mode critic call uses (and stores): one step from the stored ones."""
    return tuple(_iterate(w, u, v) for w, (u, v) in zip((d[0], d[2]), uv, strict=True))


def _adam(params, grads, state, t, lr, b1=0.5, b2=0.999, eps=1e-8):
    m, s = state
    m = tuple(b1 * mi + (1 - b1) * g for mi, g in zip(m, grads, strict=True))
    s = tuple(b2 * si + (1 - b2) * g * g for si, g in zip(s, grads, strict=True))
    new = tuple(p - lr / (1 - b1 ** t) * mi / (jnp.sqrt(si / (1 - b2 ** t)) + eps)
                for p, mi, si in zip(params, m, s, strict=True))
    return new, (m, s)


def _loss_d(d, uv_real, uv_fake, real, fake):
    return (jax.nn.relu(1 - _critic(d, uv_real, real)).mean()
            + jax.nn.relu(1 + _critic(d, uv_fake, fake)).mean())


def _loss_g(g, d, uv_gen, z):
    return -_critic(d, uv_gen, z @ g[0].T + g[1]).mean()


@jax.jit
def _step(carry, t, real, z, lr):
    """One critic update (two critic calls) and one generator update (one call)."""
    g, d, uv, state_g, state_d = carry
    uv_real = _call(d, uv)
    uv_fake = _call(d, uv_real)
    ld, grads = jax.value_and_grad(_loss_d)(d, uv_real, uv_fake, real, z @ g[0].T + g[1])
    d, state_d = _adam(d, grads, state_d, t, lr)
    uv = _call(d, uv_fake)
    lg, grads = jax.value_and_grad(_loss_g)(g, d, uv, z)
    g, state_g = _adam(g, grads, state_g, t, lr)
    return (g, d, uv, state_g, state_d), (ld, lg)


def _jax_losses(g, d, uv, real, z, steps, lr):
    zeros = lambda ps: (tuple(map(jnp.zeros_like, ps)), tuple(map(jnp.zeros_like, ps)))  # noqa: E731
    carry = (g, d, uv, zeros(g), zeros(d))
    out = []
    for t in range(1, steps + 1):
        carry, (ld, lg) = _step(carry, float(t), real, z, lr)
        out.append((float(ld), float(lg)))
    return out


def test_example_trains_as_the_same_loop_in_jax():
    stdout, printed = example_scripts.run("spectral_norm_gan")
    printed_g = [float(v) for v in re.findall(r" generator (\S+)", stdout)]
    example = example_scripts.load("spectral_norm_gan")
    real, z = (jnp.asarray(t.numpy(), jnp.float64) for t in example.make_data())
    generator, critic = example.build_models()
    as_jax = lambda t: jnp.asarray(t.detach().numpy(), jnp.float64)  # noqa: E731
    g = (as_jax(generator.weight), as_jax(generator.bias))
    d = tuple(as_jax(getattr(critic[i], n)) for i in (0, 2) for n in ("weight_orig", "bias"))
    uv = tuple((as_jax(critic[i].weight_u), as_jax(critic[i].weight_v)) for i in (0, 2))
    expected = _jax_losses(g, d, uv, real, z, example.STEPS, example.LR)
    assert len(printed) == len(printed_g) == example.STEPS
    np.testing.assert_allclose(printed, [e[0] for e in expected], rtol=1e-5)  # float32 (seen: 1.9e-7)
    np.testing.assert_allclose(printed_g, [e[1] for e in expected], rtol=1e-5, atol=1e-6)
    sigmas = [float(s) for s in re.search(r"weights: (\S+), (\S+)", stdout).groups()]
    np.testing.assert_allclose(sigmas, 1.0, atol=5e-3)
