"""dg.distributions.MultivariateNormal and its KL against independent oracles: numpy float64
transcriptions (slogdet, solve, trace, and the density's definition) written out here, the
closed-form gradients of the log-density and the KL, finite differences, the exact
reparameterisation (the same seeded eps drawn again), seeded sample moments (five standard
errors) and PyTorch 2.13's ValueError texts."""
from __future__ import annotations

import math

import numpy as np
import pytest

import dualgrad as dg
from dualgrad.distributions import MultivariateNormal, kl_divergence

cpu_only = pytest.mark.cpu_only
F64 = dg.float64


def t64(a, grad: bool = False) -> dg.Tensor:
    return dg.tensor(np.asarray(a, dtype=np.float64), dtype=F64, requires_grad=grad)


def _spd(rng: np.random.Generator, *batch: int, k: int = 3) -> np.ndarray:
    a = rng.normal(size=(*batch, k, k))
    return a @ np.swapaxes(a, -1, -2) + np.eye(k)


def np_mvn_logpdf(x, m, cov):
    """Batched log N(x; m, cov) by numpy's solve and slogdet."""
    k = x.shape[-1]
    diff = np.broadcast_to(x - m, np.broadcast_shapes(x.shape, m.shape, cov.shape[:-1]))
    cov = np.broadcast_to(cov, diff.shape[:-1] + (k, k))
    maha = np.einsum("...i,...i->...", diff, np.linalg.solve(cov, diff[..., None])[..., 0])
    return -0.5 * (k * np.log(2 * np.pi) + maha + np.linalg.slogdet(cov)[1])


def np_mvn_kl(m0, c0, m1, c1):
    """KL(N(m0, c0) || N(m1, c1)) = (tr(c1^-1 c0) + d^T c1^-1 d - k + log|c1| - log|c0|) / 2."""
    k = m0.shape[-1]
    inv1 = np.linalg.inv(c1)
    d = m1 - m0
    tr = np.trace(inv1 @ c0, axis1=-2, axis2=-1)
    return 0.5 * (tr + np.einsum("...i,...ij,...j->...", d, inv1, d) - k
                  + np.linalg.slogdet(c1)[1] - np.linalg.slogdet(c0)[1])


@cpu_only
@pytest.mark.parametrize("form", ["covariance_matrix", "precision_matrix", "scale_tril"])
def test_mvn_formulas_in_each_parameterisation(form):
    rng = np.random.default_rng(1)
    cov, m, x = _spd(rng, 2, 1), rng.normal(size=(3, 3)), rng.normal(size=(4, 2, 3, 3))
    given = {"covariance_matrix": cov, "precision_matrix": np.linalg.inv(cov),
             "scale_tril": np.linalg.cholesky(cov)}[form]
    d = MultivariateNormal(t64(m), **{form: t64(given)})
    assert d.batch_shape == (2, 3) and d.event_shape == (3,) and d.rsample((5,)).shape == (5, 2, 3, 3)
    want = np_mvn_logpdf(x, m, cov)
    np.testing.assert_allclose(d.log_prob(t64(x)).numpy(), want, rtol=1e-11)
    k, diff = 3, x[0, 0, 0] - m[0]  # (one point by the density's definition, without solve / slogdet)
    c = cov[0, 0]
    density = np.exp(-0.5 * diff @ np.linalg.inv(c) @ diff) / np.sqrt((2 * np.pi) ** k * np.linalg.det(c))
    np.testing.assert_allclose(d.log_prob(t64(x)).numpy()[0, 0, 0], np.log(density), rtol=1e-11)
    entropy = 0.5 * (3 * (1 + np.log(2 * np.pi)) + np.linalg.slogdet(cov)[1])
    np.testing.assert_allclose(d.entropy().numpy(), np.broadcast_to(entropy, (2, 3)), rtol=1e-12)
    full = np.broadcast_to(cov, (2, 3, 3, 3))
    np.testing.assert_allclose(d.covariance_matrix.numpy(), full, rtol=1e-11)
    np.testing.assert_allclose(d.precision_matrix.numpy(), np.linalg.inv(full), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(d.scale_tril.numpy(), np.linalg.cholesky(full), rtol=1e-11, atol=1e-14)
    np.testing.assert_allclose(d.variance.numpy(), np.diagonal(full, axis1=-2, axis2=-1), rtol=1e-12)
    assert np.array_equal(d.mean.numpy(), np.broadcast_to(m, (2, 3, 3)))


@cpu_only
def test_mvn_log_prob_gradients_reach_loc_and_the_matrix():
    """Against the closed forms d/dm = S^-1 d, d/dS = (S^-1 d d^T S^-1 - S^-1) / 2 (d = x - m)."""
    rng = np.random.default_rng(2)
    cov, m, x = _spd(rng), rng.normal(size=3), rng.normal(size=(5, 3))
    loc, c = t64(m, True), t64(cov, True)
    MultivariateNormal(loc, c).log_prob(t64(x)).sum().backward()
    inv = np.linalg.inv(cov)
    u = (x - m) @ inv
    np.testing.assert_allclose(loc.grad.numpy(), u.sum(0), rtol=1e-10)
    want = 0.5 * (u.T @ u - 5 * inv)
    np.testing.assert_allclose(c.grad.numpy(), want, rtol=1e-9, atol=1e-12)  # (symmetric, as torch's)
    tril = t64(np.linalg.cholesky(cov), True)
    assert dg.autograd.gradcheck(lambda lo, L: MultivariateNormal(lo, scale_tril=L.tril()).log_prob(t64(x)),
                                 (t64(m, True), tril))


@cpu_only
def test_mvn_rsample_is_loc_plus_L_eps_and_samples_have_the_moments():
    rng = np.random.default_rng(3)
    cov, m = _spd(rng), rng.normal(size=3)
    L = t64(np.linalg.cholesky(cov), True)
    loc = t64(m, True)
    d = MultivariateNormal(loc, scale_tril=L)
    dg.manual_seed(7)
    z = d.rsample((4,))
    dg.manual_seed(7)
    eps = dg.randn(4, 3, dtype=F64).numpy()
    np.testing.assert_allclose(z.detach().numpy(), m + eps @ np.linalg.cholesky(cov).T, rtol=1e-12)
    z.sum().backward()
    np.testing.assert_allclose(loc.grad.numpy(), np.full(3, 4.0))
    np.testing.assert_allclose(L.grad.numpy(), np.ones((3, 1)) * eps.sum(0), rtol=1e-12)  # (L @ eps)
    s = MultivariateNormal(t64(m), t64(cov)).sample((20_000,)).numpy()
    se = np.sqrt(np.diag(cov) / 20_000)
    assert np.all(np.abs(s.mean(0) - m) < 5 * se)
    var_se = np.sqrt((cov**2 + np.outer(np.diag(cov), np.diag(cov))) / 20_000)
    assert np.all(np.abs(np.cov(s.T) - cov) < 5 * var_se)


@cpu_only
def test_mvn_kl_against_the_trace_formula_and_its_gradient():
    rng = np.random.default_rng(4)
    c0, c1 = _spd(rng, 2), _spd(rng)
    m0, m1 = rng.normal(size=(2, 3)), rng.normal(size=3)
    loc = t64(m0, True)
    p = MultivariateNormal(loc, t64(c0))
    q = MultivariateNormal(t64(m1), precision_matrix=t64(np.linalg.inv(c1)))
    kl = kl_divergence(p, q)
    np.testing.assert_allclose(kl.detach().numpy(), np_mvn_kl(m0, c0, m1, c1), rtol=1e-10)
    kl.sum().backward()

    # d KL / d m0 = c1^-1 (m0 - m1), row by row
    np.testing.assert_allclose(loc.grad.numpy(), (m0 - m1) @ np.linalg.inv(c1), rtol=1e-9)
    np.testing.assert_allclose(kl_divergence(p, p).detach().numpy(), 0.0, atol=1e-12)
    with pytest.raises(ValueError, match="different event shapes"):
        kl_divergence(p, MultivariateNormal(dg.zeros(2, dtype=F64), dg.eye(2, dtype=F64)))


@cpu_only
def test_mvn_expand_and_repr():
    d = MultivariateNormal(dg.zeros(3), scale_tril=dg.eye(3))
    e = d.expand((2, 4))
    assert e.batch_shape == (2, 4) and e.event_shape == (3,) and e.sample().shape == (2, 4, 3)
    assert e.log_prob(dg.zeros(3)).shape == (2, 4) and e.covariance_matrix.shape == (2, 4, 3, 3)
    np.testing.assert_allclose(e.log_prob(dg.zeros(3)).numpy(), -1.5 * math.log(2 * math.pi), rtol=1e-6)
    assert repr(d) == "MultivariateNormal(loc: dualgrad.Size([3]), scale_tril: dualgrad.Size([3, 3]))"


def test_mvn_on_the_default_device():
    """cholesky, solve_triangular and the rest on each device (validation, checked on the cpu
    above, is left out: its ops would only add jax compiles)."""
    cov = np.array([[2.0, 0.5], [0.5, 1.0]])
    d = MultivariateNormal(dg.tensor([0.5, -1.0]), dg.tensor(cov, dtype=dg.float32), validate_args=False)
    x = np.array([[0.0, 0.0], [1.0, -2.0]])
    np.testing.assert_allclose(d.log_prob(dg.tensor(x, dtype=dg.float32)).numpy(),
                               np_mvn_logpdf(x, np.array([0.5, -1.0]), cov), rtol=1e-5)
    assert d.rsample((2,)).device == d.loc.device


INVALID = [
    (lambda: MultivariateNormal(dg.zeros(2), dg.tensor([[1.0, 2], [2, 1]])),
     "Expected parameter covariance_matrix (Tensor of shape (2, 2)) of distribution MultivariateNormal(loc: "
     "dualgrad.Size([2]), covariance_matrix: dualgrad.Size([2, 2])) to satisfy the constraint "
     "PositiveDefinite(), but found invalid values:"),
    (lambda: MultivariateNormal(dg.zeros(2), precision_matrix=dg.tensor([[1.0, 0], [1, 1]])),
     "to satisfy the constraint PositiveDefinite()"),
    (lambda: MultivariateNormal(dg.zeros(2), scale_tril=dg.tensor([[1.0, 1], [0, 1]])),
     "to satisfy the constraint LowerCholesky()"),
    (lambda: MultivariateNormal(dg.zeros(2), dg.eye(2), scale_tril=dg.eye(2)),
     "Exactly one of covariance_matrix or precision_matrix or scale_tril may be specified."),
    (lambda: MultivariateNormal(dg.tensor(0.0), dg.eye(2)), "loc must be at least one-dimensional."),
    (lambda: MultivariateNormal(dg.zeros(2), dg.ones(2)),
     "covariance_matrix must be at least two-dimensional, with optional leading batch dimensions"),
    (lambda: MultivariateNormal(dg.zeros(2), dg.eye(2)).log_prob(dg.zeros(3)),
     "The right-most size of value must match event_shape: dualgrad.Size([3]) vs dualgrad.Size([2])."),
]


@cpu_only
@pytest.mark.parametrize("case", range(len(INVALID)))
def test_mvn_validation_raises_pytorchs_value_errors(case):
    fn, text = INVALID[case]
    with pytest.raises(ValueError) as info:
        fn()
    assert str(info.value).startswith(text) or text in str(info.value), str(info.value)
    assert "test_distributions_mvn.py" in str(info.value)
