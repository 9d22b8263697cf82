"""examples/mvn_maximum_likelihood.py reaches the closed-form maximum-likelihood Gaussian.

For data x_1..x_n the likelihood of N(mu, Sigma) is maximised at the sample mean and the biased
sample covariance S, where the mean negative log-likelihood is (k log 2 pi + log det S + k) / 2.
The reference computes those with numpy float64 from the example's own data (read back as
numbers); the fit runs in float32 with Adam, so the tolerances are a few float32 roundings of
a converged optimum, not numbers read off a run. The KL to N(0, I) is checked against its
trace formula too."""
from __future__ import annotations

import numpy as np

from . import example_scripts


def _example():
    return example_scripts.load("mvn_maximum_likelihood")


def test_the_fit_is_the_sample_mean_and_covariance():
    ex = _example()
    data = ex.make_data()
    x = np.asarray(data.numpy(), dtype=np.float64)
    fitted, nll = ex.fit(data, steps=250)
    mean, cov = x.mean(0), np.cov(x.T, bias=True)
    k = x.shape[1]
    np.testing.assert_allclose(fitted.mean.numpy(), mean, atol=1e-4)
    np.testing.assert_allclose(fitted.covariance_matrix.numpy(), cov, atol=1e-4)
    best = 0.5 * (k * np.log(2 * np.pi) + np.linalg.slogdet(cov)[1] + k)
    assert abs(nll - best) < 1e-5 * abs(best) + 1e-5
    kl = ex.kl_divergence(fitted, ex.MultivariateNormal(ex.torch.zeros(3), ex.torch.eye(3))).item()
    c = fitted.covariance_matrix.numpy().astype(np.float64)
    m = fitted.mean.numpy().astype(np.float64)
    np.testing.assert_allclose(kl, 0.5 * (np.trace(c) + m @ m - k - np.linalg.slogdet(c)[1]), rtol=1e-5)
