"""examples/gp_posterior.py runs as a user runs it; its losses are those of the same loop
written out in jax float64 (jax.scipy's cho_solve, PyTorch's Adam equations), and its posterior
mean and variance those of numpy's float64 solve and inverse of the fitted kernel matrix."""
from __future__ import annotations

import math
import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.scipy.linalg import cho_solve

from . import example_scripts

pytestmark = pytest.mark.usefixtures("jax_float64")


def _kernel(a, b, log_ls, log_sf):
    return jnp.exp(2 * log_sf) * jnp.exp(-0.5 * (a[:, None] - b[None, :]) ** 2 / jnp.exp(2 * log_ls))


def _nll(p, x, y):
    low = jnp.linalg.cholesky(_kernel(x, x, p[0], p[1]) + jnp.exp(2 * p[2]) * jnp.eye(len(x)))
    fit = 0.5 * y @ cho_solve((low, True), y)
    return fit + jnp.sum(jnp.log(jnp.diagonal(low))) + 0.5 * len(x) * math.log(2 * math.pi)


def test_gp_posterior_example_matches_jax_and_numpy():
    out, losses = example_scripts.run("gp_posterior")
    module = example_scripts.load("gp_posterior")
    x, y = (t.numpy() for t in module.make_data())
    grad = jax.jit(jax.value_and_grad(_nll))
    expected, p = example_scripts.jax_adam_losses(lambda q: grad(q, jnp.asarray(x), jnp.asarray(y)),
                                                  jnp.array([0.0, 0.0, -1.0]), module.STEPS, module.LR)
    p = np.asarray(p)
    np.testing.assert_allclose(losses, expected, rtol=1e-9, atol=1e-9)
    assert losses[-1] < losses[0] - 10
    k = np.asarray(_kernel(x, x, *p[:2])) + np.exp(2 * p[2]) * np.eye(len(x))
    k_new = np.asarray(_kernel(np.array([0.0, 0.5]), x, *p[:2]))
    mean = k_new @ np.linalg.solve(k, y)
    var = np.exp(2 * p[1]) - np.einsum("ij,jk,ik->i", k_new, np.linalg.inv(k), k_new)
    got = re.search(r"posterior mean \[(\S+), (\S+)\] var \[(\S+), (\S+)\]", out).groups()
    np.testing.assert_allclose([float(g) for g in got], np.concatenate([mean, var]), rtol=1e-6)
