"""dg.distributions Gamma, Beta and Dirichlet against independent oracles: jax.scipy.stats's
gamma log-density (and jax.grad of it), numpy float64 transcriptions of the others, entropies
and KL divergences by numerical integration of those densities (trapezoids on a fine grid) or,
for the Dirichlet, the closed forms transcribed with jax.scipy.special, numpy moments, central
finite differences (dg.autograd.gradcheck), seeded sample moments (five standard errors), the
refused rsample, and PyTorch 2.13's ValueErrors."""
from __future__ import annotations

import math

import numpy as np
import pytest
from distribution_checks import assert_value_error

import dualgrad as dg
from dualgrad.distributions import Beta, Dirichlet, Gamma, Independent, kl_divergence

pytestmark = pytest.mark.cpu_only  # (registry ops; test_distributions.py covers the jax device)
F64 = dg.float64
CONC, RATE = np.array([0.7, 2.0, 5.0]), np.array([1.5, 0.5, 2.0])
C1, C0 = np.array([0.8, 2.0, 3.5]), np.array([1.5, 0.9, 4.0])


def t64(a, grad: bool = False) -> dg.Tensor:
    return dg.tensor(np.asarray(a, dtype=np.float64), dtype=F64, requires_grad=grad)


def _integrate(f, lo: float, hi: float, n: int = 40_001) -> np.ndarray:
    """The trapezoid rule of f over [lo, hi] on a log-spaced-near-0 grid (f: grid (n, 1) -> (n, k))."""
    u = np.linspace(0.0, 1.0, n)
    x = lo + (hi - lo) * u**3  # (dense near lo, where the densities with c < 1 blow up)
    return np.trapezoid(f(x[:, None]), x, axis=0)


_LGAMMA = np.vectorize(math.lgamma)


def np_gamma_logpdf(v, c, r):
    """The gamma log-density in numpy float64 (checked against jax's at points below)."""
    return c * np.log(r) + (c - 1) * np.log(v) - r * v - _LGAMMA(c)


def np_beta_logpdf(v, a, b):
    return (a - 1) * np.log(v) + (b - 1) * np.log1p(-v) + _LGAMMA(a + b) - _LGAMMA(a) - _LGAMMA(b)


def test_gamma_formulas_against_jax_scipy_and_integrals(jax_float64):
    import jax.numpy as jnp
    from jax.scipy import stats

    d = Gamma(t64(CONC), t64(RATE))
    x = np.array([0.3, 4.0, 2.2])
    want = np.asarray(stats.gamma.logpdf(jnp.asarray(x), CONC, scale=1 / RATE))
    np.testing.assert_allclose(d.log_prob(t64(x)).numpy(), want, rtol=1e-12)
    np.testing.assert_allclose(np_gamma_logpdf(x, CONC, RATE), want, rtol=1e-12)
    np.testing.assert_allclose(d.mean.numpy(), CONC / RATE, rtol=1e-14)
    np.testing.assert_allclose(d.variance.numpy(), CONC / RATE**2, rtol=1e-14)
    np.testing.assert_allclose(d.mode.numpy(), np.maximum((CONC - 1) / RATE, 0), rtol=1e-14)

    def logpdf(v, c=CONC, r=RATE):
        return np_gamma_logpdf(v, c, r)

    entropy = _integrate(lambda v: -np.exp(logpdf(v)) * np.nan_to_num(logpdf(v)), 1e-12, 80.0)
    np.testing.assert_allclose(d.entropy().numpy(), entropy, rtol=1e-5)
    c2, r2 = CONC[::-1].copy(), RATE[::-1].copy()
    kl = _integrate(lambda v: np.exp(logpdf(v)) * np.nan_to_num(logpdf(v) - logpdf(v, c2, r2)), 1e-12, 80.0)
    np.testing.assert_allclose(kl_divergence(d, Gamma(t64(c2), t64(r2))).numpy(), kl, rtol=1e-4)


def test_beta_formulas_against_numpy_and_integrals():
    d = Beta(t64(C1), t64(C0))
    x = np.array([0.2, 0.7, 0.45])
    np.testing.assert_allclose(d.log_prob(t64(x)).numpy(), np_beta_logpdf(x, C1, C0), rtol=1e-12)
    tot = C1 + C0
    np.testing.assert_allclose(d.mean.numpy(), C1 / tot, rtol=1e-14)
    np.testing.assert_allclose(d.variance.numpy(), C1 * C0 / (tot**2 * (tot + 1)), rtol=1e-14)
    assert np.array_equal(d.concentration1.numpy(), C1) and np.array_equal(d.concentration0.numpy(), C0)

    def logpdf(v, a=C1, b=C0):
        return np_beta_logpdf(v, a, b)

    def both_ends(f):  # (the grid dense at 0, mirrored for the end at 1)
        return _integrate(f, 1e-13, 0.5) + _integrate(lambda v: f(1 - v), 1e-13, 0.5)

    entropy = both_ends(lambda v: -np.exp(logpdf(v)) * logpdf(v))
    np.testing.assert_allclose(d.entropy().numpy(), entropy, rtol=1e-5)
    a2, b2 = C0.copy(), C1[::-1].copy()
    kl = both_ends(lambda v: np.exp(logpdf(v)) * (logpdf(v) - logpdf(v, a2, b2)))
    np.testing.assert_allclose(kl_divergence(d, Beta(t64(a2), t64(b2))).numpy(), kl, rtol=1e-4)
    assert Beta(2.0, 3.0).concentration1.dtype == dg.float32


def test_dirichlet_formulas_against_numpy_and_jax_special(jax_float64):
    from jax.scipy import special

    a = np.array([[0.5, 2.0, 3.0], [1.0, 1.0, 1.0]])
    v = np.array([0.2, 0.5, 0.3])
    d = Dirichlet(t64(a))
    assert d.batch_shape == (2,) and d.event_shape == (3,)
    want = ((a - 1) * np.log(v)).sum(-1) + _LGAMMA(a.sum(-1)) - _LGAMMA(a).sum(-1)
    np.testing.assert_allclose(d.log_prob(t64(v)).numpy(), want, rtol=1e-12)
    a0 = a.sum(-1, keepdims=True)
    np.testing.assert_allclose(d.mean.numpy(), a / a0, rtol=1e-14)
    np.testing.assert_allclose(d.variance.numpy(), a * (a0 - a) / (a0**2 * (a0 + 1)), rtol=1e-14)
    # the entropy by its definition's closed form: log B(a) + (a0 - k) psi(a0) - sum (a - 1) psi(a)
    log_b = np.asarray(special.gammaln(a)).sum(-1) - np.asarray(special.gammaln(a0[:, 0]))
    psi = np.asarray(special.digamma(a))
    entropy = log_b + (a0[:, 0] - 3) * np.asarray(special.digamma(a0[:, 0])) - ((a - 1) * psi).sum(-1)
    np.testing.assert_allclose(d.entropy().numpy(), entropy, rtol=1e-12)
    # KL(p || q) = E_p[log p - log q], with E_p[log x_i] = psi(a_i) - psi(a0)
    b = np.array([2.0, 0.7, 1.5])
    e_log_x = psi - np.asarray(special.digamma(a0))
    log_bq = np.asarray(special.gammaln(b)).sum() - float(special.gammaln(b.sum()))
    kl = -entropy - (((b - 1) * e_log_x).sum(-1) - log_bq)
    np.testing.assert_allclose(kl_divergence(d, Dirichlet(t64(b))).numpy(), kl, rtol=1e-11)
    # a Beta is the first coordinate of a two-category Dirichlet
    two = Dirichlet(t64(np.stack([C1, C0], -1)))
    x = np.array([0.2, 0.7, 0.45])
    np.testing.assert_allclose(two.log_prob(t64(np.stack([x, 1 - x], -1))).numpy(),
                               Beta(t64(C1), t64(C0)).log_prob(t64(x)).numpy(), rtol=1e-13)


def test_log_prob_entropy_and_kl_gradients(jax_float64):
    import jax
    import jax.numpy as jnp
    from jax.scipy import stats

    x = np.array([0.3, 4.0, 2.2])
    c, r = t64(CONC, True), t64(RATE, True)
    Gamma(c, r).log_prob(t64(x)).sum().backward()
    jc, jr = jax.grad(lambda c_, r_: stats.gamma.logpdf(jnp.asarray(x), c_, scale=1 / r_).sum(), (0, 1))(
        jnp.asarray(CONC), jnp.asarray(RATE))
    np.testing.assert_allclose(c.grad.numpy(), np.asarray(jc), rtol=1e-10)
    np.testing.assert_allclose(r.grad.numpy(), np.asarray(jr), rtol=1e-12)
    p = np.array([0.2, 0.7, 0.45])
    assert dg.autograd.gradcheck(lambda a, b: Beta(a, b).log_prob(t64(p)) + Beta(a, b).entropy(),
                                 (t64(C1, True), t64(C0, True)))
    simplex = np.array([0.2, 0.5, 0.3])
    assert dg.autograd.gradcheck(lambda a: Dirichlet(a).log_prob(t64(simplex)) + Dirichlet(a).entropy(),
                                 (t64([0.5, 2.0, 3.0], True),))
    assert dg.autograd.gradcheck(lambda a, b: kl_divergence(Gamma(a, b), Gamma(b, a)),
                                 (t64(CONC, True), t64(RATE, True)))


def test_samples_have_the_moments_and_rsample_is_refused():
    n = 20_000
    for d, mean, var in [(Gamma(t64(CONC), t64(RATE)), CONC / RATE, CONC / RATE**2),
                         (Beta(t64(C1), t64(C0)), C1 / (C1 + C0),
                          C1 * C0 / ((C1 + C0) ** 2 * (C1 + C0 + 1)))]:
        s = d.sample((n,)).numpy()
        assert s.shape == (n, 3) and np.all(s > 0)
        assert np.all(np.abs(s.mean(0) - mean) < 5 * np.sqrt(var / n)), (s.mean(0), mean)
        assert np.all(np.abs(s.var(0) / var - 1) < 0.1)
    a = np.array([0.5, 2.0, 3.0])
    s = Dirichlet(t64(a)).sample((n,)).numpy()
    np.testing.assert_allclose(s.sum(-1), 1.0, rtol=1e-12)
    var = a * (a.sum() - a) / (a.sum() ** 2 * (a.sum() + 1))
    assert np.all(np.abs(s.mean(0) - a / a.sum()) < 5 * np.sqrt(var / n))
    assert Gamma(1.0, 1.0).sample((2,)).dtype == dg.float32
    assert Dirichlet(dg.ones(2, 3)).expand((4, 2)).sample().shape == (4, 2, 3)
    for d in [Gamma(1.0, 1.0), Beta(1.0, 1.0), Dirichlet(dg.ones(2)), Independent(Gamma(dg.ones(2), 1.0), 1)]:
        assert not d.has_rsample
        name = type(getattr(d, "base_dist", d)).__name__
        with pytest.raises(NotImplementedError, match=f"{name}.rsample: "):
            d.rsample()


INVALID = [
    (lambda: Gamma(dg.tensor([1.0]), dg.tensor([0.0])), "Expected parameter rate (Tensor of shape (1,)) of "
     "distribution Gamma(concentration: tensor([1.]), rate: tensor([0.])) to satisfy the constraint "
     "GreaterThan(lower_bound=0.0), but found invalid values:"),
    (lambda: Gamma(dg.tensor([1.0]), dg.tensor([1.0])).log_prob(dg.tensor([-1.0])),
     "to be within the support (GreaterThanEq(lower_bound=0.0)) of the distribution Gamma(concentration: "),
    (lambda: Beta(dg.tensor([1.0]), dg.tensor([1.0])).log_prob(dg.tensor([1.5])),
     "to be within the support (Interval(lower_bound=0.0, upper_bound=1.0)) of the distribution Beta()"),
    (lambda: Beta(dg.tensor([-1.0]), dg.tensor([1.0])), "Expected parameter concentration (Tensor of shape "
     "(1, 2)) of distribution Dirichlet(concentration: dualgrad.Size([1, 2])) to satisfy the constraint "
     "IndependentConstraint(GreaterThan(lower_bound=0.0), 1)"),
    (lambda: Dirichlet(dg.tensor([1.0, -1.0])), "constraint IndependentConstraint(GreaterThan("),
    (lambda: Dirichlet(dg.tensor(1.0)), "`concentration` parameter must be at least one-dimensional."),
    (lambda: Dirichlet(dg.tensor([1.0, 1.0])).log_prob(dg.tensor([0.5, 0.6])),
     "to be within the support (Simplex()) of the distribution Dirichlet(concentration: dualgrad.Size([2]))"),
]


@pytest.mark.parametrize("case", range(len(INVALID)))
def test_validation_raises_pytorchs_value_errors(case):
    fn, text = INVALID[case]
    assert_value_error(fn, text, "test_distributions_gamma.py")
