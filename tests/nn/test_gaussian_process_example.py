"""examples/gaussian_process.py runs as a user runs it, and its losses are those of the same
loop written out in jax float64 (jnp.linalg.cholesky, a triangular solve, PyTorch's Adam
equations); its PCA agrees with numpy's eigendecomposition of the covariance."""
from __future__ import annotations

import math
import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.scipy.linalg import solve_triangular

from . import example_scripts

pytestmark = pytest.mark.usefixtures("jax_float64")


def _nll(params, x, y):
    log_ls, log_sf, log_sn = params
    k = jnp.exp(2 * log_sf) * jnp.exp(-0.5 * (x[:, None] - x[None, :]) ** 2 / jnp.exp(2 * log_ls))
    low = jnp.linalg.cholesky(k + jnp.exp(2 * log_sn) * jnp.eye(len(x)))
    alpha = solve_triangular(low, y, lower=True)
    log_det = jnp.sum(jnp.log(jnp.diagonal(low)))
    return 0.5 * jnp.sum(alpha ** 2) + log_det + 0.5 * len(x) * math.log(2 * math.pi)


def test_gaussian_process_example_matches_jax_and_numpy():
    out, losses = example_scripts.run("gaussian_process")
    module = example_scripts.load("gaussian_process")
    x, y = (jnp.asarray(t.numpy()) for t in module.make_data())
    grad = jax.jit(jax.value_and_grad(_nll))
    expected, _ = example_scripts.jax_adam_losses(lambda p: grad(p, x, y), jnp.array([0.0, 0.0, -1.0]),
                                                  module.STEPS, module.LR)
    np.testing.assert_allclose(losses, expected, rtol=1e-8, atol=1e-8)
    assert losses[-1] < losses[0] - 5

    module.dg.manual_seed(1)
    points = (module.dg.randn(50, 2, dtype=module.dg.float64) * module.dg.tensor([3.0, 0.5])).numpy()
    values, vectors = np.linalg.eigh(np.cov(points.T))
    direction = [float(v) for v in re.search(r"direction \[(\S+), (\S+)\]", out).groups()]
    np.testing.assert_allclose(direction, np.abs(vectors[:, -1]), rtol=1e-10)
    share = float(re.search(r"explained (\S+)", out).group(1))
    assert abs(share - values[-1] / values.sum()) < 1e-4
