"""examples/reinforce_categorical.py learns what exact policy-gradient ascent learns.

The example's loss, -mean(log pi(a_i) * (r_i - mean_j r_j)), has the expected gradient
-(1 - 1/B) grad J with J(theta) = sum_k softmax(theta)_k r_k (the batch-mean baseline shares
one of B rewards with each sample; the others are independent of it and E[grad log pi] = 0).
So the learned policy follows theta_{t+1} = theta_t + lr (1 - 1/B) p_t * (r - p_t . r) plus
estimator noise. The reference, written with jax here, runs that exact ascent and propagates
the noise's covariance through the linearised update (Sigma <- A Sigma A^T + lr^2 C / B, A the
Jacobian of the update, C the per-sample estimator's covariance at theta_t), then through the
softmax's Jacobian: the example's probabilities must lie within five of those standard
deviations (plus float32 rounding) of the exact ascent's at several steps. The seed fixes the
run, so the test is deterministic; the bound is the one the algorithm meets for any seed but
with probability ~1e-6 per coordinate, not a number read off this run."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.cpu_only  # the example runs on the default (CPU) device

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "reinforce_categorical.py"


def _example():
    spec = importlib.util.spec_from_file_location("reinforce_categorical", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _reference(r: np.ndarray, steps: int, batch: int, lr: float):
    """Exact expected-gradient ascent and the linear-noise standard deviation of the probabilities."""
    import jax
    import jax.numpy as jnp

    def ascent(theta):
        p = jax.nn.softmax(theta)
        return theta + lr * (1 - 1 / batch) * p * (r - p @ r)

    def noise(theta):  # covariance of one sample's (r_a - J)(e_a - p)
        p = jax.nn.softmax(theta)
        dev = jnp.eye(len(r)) - p  # row a: e_a - p
        x = (r - p @ r)[:, None] * dev
        mean = p @ x
        return (p[:, None, None] * x[:, :, None] * x[:, None, :]).sum(0) - jnp.outer(mean, mean)

    @jax.jit
    def step(theta, cov):
        a = jax.jacfwd(ascent)(theta)
        cov = a @ cov @ a.T + lr**2 * noise(theta) / batch
        theta = ascent(theta)
        s = jax.jacfwd(jax.nn.softmax)(theta)
        return theta, cov, jax.nn.softmax(theta), jnp.sqrt(jnp.diag(s @ cov @ s.T))

    theta, cov = jnp.zeros(len(r)), jnp.zeros((len(r), len(r)))
    out = {}
    for t in range(1, steps + 1):
        theta, cov, p, sd = step(theta, cov)
        out[t] = (np.asarray(p), np.asarray(sd))
    return out


def test_reinforce_follows_exact_policy_gradient_ascent(jax_float64, capsys):
    example = _example()
    r = np.asarray(example.REWARDS.numpy(), dtype=np.float64)
    steps, batch, lr = 60, 512, 2.0
    reference = _reference(r, steps, batch, lr)
    for t in (5, 15, steps):
        learned = example.train(steps=t, batch=batch, lr=lr, seed=0).numpy()
        exact, sd = reference[t]
        assert np.all(np.abs(learned - exact) <= 5 * sd + 1e-5), (t, learned, exact, sd)
    assert exact[2] > 0.95 and learned.argmax() == 2  # the best arm, as the ascent predicts
    assert "step  40" in capsys.readouterr().out
