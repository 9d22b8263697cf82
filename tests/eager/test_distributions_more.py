"""dg.distributions LogNormal, HalfNormal, Laplace, Gumbel, Cauchy, Geometric, Poisson and
OneHotCategorical against independent oracles: jax.scipy.stats's log-densities, cdfs and ppfs
where it has them, numpy float64 formulas written out here for the moments and entropies, central
finite differences (dg.autograd.gradcheck) of log_prob and of seeded rsample, seeded sample
moments (five standard errors), and PyTorch 2.13's ValueError texts."""
from __future__ import annotations

import math

import numpy as np
import pytest
from distribution_checks import assert_value_error

import dualgrad as dg
from dualgrad.distributions import (
    Cauchy,
    Geometric,
    Gumbel,
    HalfNormal,
    Laplace,
    LogNormal,
    OneHotCategorical,
    Poisson,
    kl_divergence,
)

D = dg.distributions
pytestmark = pytest.mark.cpu_only  # (registry ops; test_distributions.py covers the jax device)
F64 = dg.float64
EULER = 0.5772156649015329
LOC, SCALE = np.array([0.3, -1.0, 2.0]), np.array([0.5, 2.0, 1.5])
X, P = np.array([0.7, -2.5, 2.2]), np.array([0.2, 0.9, 0.55])


def t64(a, grad: bool = False) -> dg.Tensor:
    return dg.tensor(np.asarray(a, dtype=np.float64), dtype=F64, requires_grad=grad)


def _norm_ppf(p):
    from jax.scipy.special import ndtri
    return np.asarray(ndtri(p))


def _stats():
    """Per class: (constructor args, value, jax logpdf, jax cdf, jax ppf, mean, variance, entropy)."""
    from jax.scipy import stats

    m, s, x, ax = LOC, SCALE, X, np.abs(X)
    return {
        LogNormal: ((m, s), ax, lambda v: stats.norm.logpdf(np.log(v), m, s) - np.log(v),
                    lambda v: stats.norm.cdf(np.log(v), m, s), lambda p: np.exp(m + s * _norm_ppf(p)),
                    np.exp(m + s**2 / 2), np.expm1(s**2) * np.exp(2 * m + s**2),
                    m + 0.5 * np.log(2 * np.pi * np.e * s**2)),
        HalfNormal: ((s,), ax, lambda v: np.log(2) + stats.norm.logpdf(v, 0, s),
                     lambda v: 2 * stats.norm.cdf(v, 0, s) - 1, lambda p: s * _norm_ppf((1 + p) / 2),
                     s * np.sqrt(2 / np.pi), s**2 * (1 - 2 / np.pi), 0.5 * np.log(np.pi * s**2 / 2) + 0.5),
        Laplace: ((m, s), x, lambda v: stats.laplace.logpdf(v, m, s), lambda v: stats.laplace.cdf(v, m, s),
                  lambda p: m - s * np.sign(p - 0.5) * np.log1p(-2 * np.abs(p - 0.5)),
                  m, 2 * s**2, 1 + np.log(2 * s)),
        Gumbel: ((m, s), x, lambda v: stats.gumbel_r.logpdf(v, m, s), lambda v: stats.gumbel_r.cdf(v, m, s),
                 lambda p: stats.gumbel_r.ppf(p, m, s), m + EULER * s, np.pi**2 * s**2 / 6,
                 np.log(s) + EULER + 1),
        Cauchy: ((m, s), x, lambda v: stats.cauchy.logpdf(v, m, s), lambda v: stats.cauchy.cdf(v, m, s),
                 lambda p: stats.cauchy.ppf(p, m, s), np.full(3, np.nan), np.full(3, np.inf),
                 np.log(4 * np.pi * s)),
    }


CONTINUOUS = [LogNormal, HalfNormal, Laplace, Gumbel, Cauchy]


@pytest.mark.parametrize("cls", CONTINUOUS, ids=lambda c: c.__name__)
def test_continuous_formulas_against_jax_scipy_and_numpy(cls, jax_float64):
    args, x, logpdf, cdf, ppf, mean, var, entropy = _stats()[cls]
    d = cls(*map(t64, args))
    np.testing.assert_allclose(d.log_prob(t64(x)).numpy(), np.asarray(logpdf(x)), rtol=1e-12)
    np.testing.assert_allclose(d.cdf(t64(x)).numpy(), np.asarray(cdf(x)), rtol=1e-11)
    np.testing.assert_allclose(d.icdf(t64(P)).numpy(), np.asarray(ppf(P)), rtol=1e-11)
    np.testing.assert_allclose(d.mean.numpy(), mean, rtol=1e-13)
    np.testing.assert_allclose(d.variance.numpy(), var, rtol=1e-13)
    np.testing.assert_allclose(d.entropy().numpy(), entropy, rtol=1e-13)
    assert d.rsample((4,)).shape == (4, 3) and d.expand((2, 3)).batch_shape == (2, 3)


@pytest.mark.parametrize("cls", CONTINUOUS, ids=lambda c: c.__name__)
def test_log_prob_and_seeded_rsample_gradients_by_finite_differences(cls):
    args = (LOC, SCALE) if cls is not HalfNormal else (SCALE,)
    x = np.abs(X) if cls in (LogNormal, HalfNormal) else X
    params = tuple(t64(a, True) for a in args)

    def log_prob(*ps):
        return cls(*ps).log_prob(t64(x))

    def rsample(*ps):
        dg.manual_seed(3)
        return cls(*ps).rsample((2,))

    assert dg.autograd.gradcheck(log_prob, params)
    assert dg.autograd.gradcheck(rsample, params)


@pytest.mark.parametrize("cls", [LogNormal, HalfNormal, Laplace, Gumbel], ids=lambda c: c.__name__)
def test_samples_have_the_mean_and_variance(cls, jax_float64):
    args, _, _, _, _, mean, var, _ = _stats()[cls]
    n = 20_000
    s = cls(*map(t64, args)).sample((n,)).numpy()
    assert np.all(np.abs(s.mean(0) - mean) < 5 * np.sqrt(var / n)), (s.mean(0), mean)
    if cls is not LogNormal:  # (its fourth moment makes the variance's error too wide to bound simply)
        assert np.all(np.abs(s.var(0) / var - 1) < 0.1)


def test_cauchy_samples_have_the_median_and_quartiles():
    s = Cauchy(t64(LOC), t64(SCALE)).sample((20_000,)).numpy()
    q1, med, q3 = np.quantile(s, [0.25, 0.5, 0.75], axis=0)
    np.testing.assert_allclose(med, LOC, atol=0.03 * SCALE.max())
    np.testing.assert_allclose(q3 - q1, 2 * SCALE, rtol=0.05)


def test_geometric_and_poisson_formulas_and_samples(jax_float64):
    from jax.scipy import stats

    k = np.array([0.0, 3.0, 1.0])
    g = Geometric(t64(P))
    want = np.asarray(stats.geom.logpmf(k, P, loc=-1))  # (scipy counts trials, torch failures)
    np.testing.assert_allclose(g.log_prob(t64(k)).numpy(), want, rtol=1e-12)
    np.testing.assert_allclose(g.mean.numpy(), (1 - P) / P, rtol=1e-13)
    np.testing.assert_allclose(g.variance.numpy(), (1 - P) / P**2, rtol=1e-13)
    np.testing.assert_allclose(g.entropy().numpy(), -((1 - P) * np.log1p(-P) + P * np.log(P)) / P, rtol=1e-12)
    logits = np.log(P) - np.log1p(-P)
    np.testing.assert_allclose(Geometric(logits=t64(logits)).log_prob(t64(k)).numpy(),
                               k * np.log1p(-P) + np.log(P), rtol=1e-12)
    assert Geometric(t64([1.0])).log_prob(t64([0.0])).item() == 0.0
    rate = np.array([0.5, 3.0, 10.0])
    po = Poisson(t64(rate))
    want = np.asarray(stats.poisson.logpmf(k, rate))
    np.testing.assert_allclose(po.log_prob(t64(k)).numpy(), want, rtol=1e-12)
    assert po.mean.numpy().tolist() == rate.tolist() and po.mode.numpy().tolist() == [0.0, 3.0, 10.0]
    n = 20_000
    for d, mean, var in [(g, (1 - P) / P, (1 - P) / P**2), (po, rate, rate)]:
        s = d.sample((n,)).numpy()
        assert np.all(s == np.floor(s)) and np.all(s >= 0)
        assert np.all(np.abs(s.mean(0) - mean) < 5 * np.sqrt(var / n))
    p = t64(P, True)
    assert dg.autograd.gradcheck(lambda q: Geometric(q).log_prob(t64(k)), (p,))
    assert dg.autograd.gradcheck(lambda r: Poisson(r).log_prob(t64(k)), (t64(rate, True),))


def test_one_hot_categorical():
    logits = np.array([[0.1, 2.0, -1.0], [0.0, 0.0, 0.0]])
    d = OneHotCategorical(logits=t64(logits))
    probs = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    v = np.array([[0.0, 1, 0], [1, 0, 0]])
    np.testing.assert_allclose(d.log_prob(t64(v)).numpy(), np.log((probs * v).sum(-1)), rtol=1e-13)
    np.testing.assert_allclose(d.entropy().numpy(), -(probs * np.log(probs)).sum(-1), rtol=1e-13)
    np.testing.assert_allclose(d.variance.numpy(), probs * (1 - probs), rtol=1e-13)
    assert d.mode.numpy().tolist() == [[0, 1, 0], [1, 0, 0]]
    assert d.batch_shape == (2,) and d.event_shape == (3,) and d.enumerate_support().shape == (3, 2, 3)
    assert d.expand((4, 2)).sample().shape == (4, 2, 3)
    s = OneHotCategorical(t64([0.2, 0.3, 0.5])).sample((20_000,)).numpy()
    assert s.dtype == np.float64 and np.all(s.sum(-1) == 1)
    np.testing.assert_allclose(s.mean(0), [0.2, 0.3, 0.5], atol=5 * np.sqrt(0.25 / 20_000))
    assert dg.autograd.gradcheck(lambda z: OneHotCategorical(logits=z).log_prob(t64(v)), (t64(logits, True),))


def _np_kl_laplace(m1, b1, m2, b2):
    d = np.abs(m1 - m2)
    return np.log(b2 / b1) + d / b2 + b1 / b2 * np.exp(-d / b1) - 1


def test_kl_divergences_against_numpy_sums_and_closed_forms():
    m2, b2 = LOC[::-1].copy(), SCALE[::-1].copy()
    kl = kl_divergence(Laplace(t64(LOC), t64(SCALE)), Laplace(t64(m2), t64(b2))).numpy()
    np.testing.assert_allclose(kl, _np_kl_laplace(LOC, SCALE, m2, b2), rtol=1e-12)
    # the discrete ones against the defining sum over a long enough support
    k = np.arange(400.0)[:, None]
    r1, r2 = np.array([0.5, 3.0]), np.array([2.0, 1.0])
    from math import lgamma
    lgk = np.array([[lgamma(v + 1)] for v in k[:, 0]])
    lp, lq = k * np.log(r1) - r1 - lgk, k * np.log(r2) - r2 - lgk
    np.testing.assert_allclose(kl_divergence(Poisson(t64(r1)), Poisson(t64(r2))).numpy(),
                               (np.exp(lp) * (lp - lq)).sum(0), rtol=1e-10)
    p1, p2 = np.array([0.3, 0.8]), np.array([0.6, 0.1])
    lp, lq = k * np.log1p(-p1) + np.log(p1), k * np.log1p(-p2) + np.log(p2)
    np.testing.assert_allclose(kl_divergence(Geometric(t64(p1)), Geometric(t64(p2))).numpy(),
                               (np.exp(lp) * (lp - lq)).sum(0), rtol=1e-10)
    with pytest.raises(NotImplementedError):  # (Geometric is not a Bernoulli: no rule of Bernoulli's applies)
        kl_divergence(Geometric(t64(p1)), D.Bernoulli(t64(p2)))
    q1, q2 = np.array([0.2, 0.3, 0.5]), np.array([0.6, 0.1, 0.3])
    np.testing.assert_allclose(kl_divergence(OneHotCategorical(t64(q1)), OneHotCategorical(t64(q2))).numpy(),
                               (q1 * np.log(q1 / q2)).sum(), rtol=1e-12)


INVALID = [
    (lambda: LogNormal(0.0, -1.0), "Expected parameter scale (Tensor of shape ()) of distribution Normal("
     "loc: 0.0, scale: -1.0) to satisfy the constraint GreaterThan(lower_bound=0.0), but found invalid"),
    (lambda: LogNormal(0.0, 1.0).log_prob(dg.tensor(-1.0)),
     "Expected value argument (Tensor of shape ()) to be within the support (GreaterThan(lower_bound=0.0)) "
     "of the distribution LogNormal(), but found invalid values:"),
    (lambda: HalfNormal(dg.tensor([1.0])).log_prob(dg.tensor([-1.0])),
     "to be within the support (GreaterThanEq(lower_bound=0.0)) of the distribution HalfNormal()"),
    (lambda: Laplace(dg.tensor([0.0]), dg.tensor([0.0])), "Expected parameter scale (Tensor of shape (1,)) "
     "of distribution Laplace(loc: tensor([0.]), scale: tensor([0.])) to satisfy the constraint GreaterThan"),
    (lambda: Gumbel(0.0, 1.0).log_prob(dg.tensor(math.nan)), "to be within the support (Real())"),
    (lambda: Geometric(dg.tensor([0.0, 0.5])), "Expected parameter probs (Tensor of shape (2,)) of "
     "distribution Geometric(probs: dualgrad.Size([2])) to be positive but found invalid values:"),
    (lambda: Geometric(dg.tensor([0.5])).log_prob(dg.tensor([-1.0])),
     "to be within the support (IntegerGreaterThan(lower_bound=0)) of the distribution Geometric(probs: "),
    (lambda: Poisson(dg.tensor([1.0])).log_prob(dg.tensor([0.5])),
     "to be within the support (IntegerGreaterThan(lower_bound=0)) of the distribution Poisson(rate: "),
    (lambda: Poisson(dg.tensor([-1.0])), "to satisfy the constraint GreaterThanEq(lower_bound=0.0)"),
    (lambda: OneHotCategorical(dg.tensor([0.5, -0.1])), "Expected parameter probs (Tensor of shape (2,)) of "
     "distribution Categorical(probs: dualgrad.Size([2])) to satisfy the constraint Simplex()"),
    (lambda: OneHotCategorical(dg.tensor([0.5, 0.5])).log_prob(dg.tensor([1.0, 1.0])),
     "to be within the support (OneHot()) of the distribution OneHotCategorical()"),
]


@pytest.mark.parametrize("case", range(len(INVALID)))
def test_validation_raises_pytorchs_value_errors(case):
    fn, text = INVALID[case]
    assert_value_error(fn, text, "test_distributions_more.py")
