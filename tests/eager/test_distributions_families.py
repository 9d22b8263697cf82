"""dg.distributions StudentT, Chi2, HalfCauchy, Weibull, Pareto, Binomial, NegativeBinomial and
Multinomial against independent oracles: jax.scipy.stats log-densities / pmfs (and jax.grad of
them for the parameter gradients), scipy.stats float64 cdfs, ppfs, moments and entropies,
central finite differences of seeded rsample, seeded sample moments (five standard errors),
and PyTorch 2.13's ValueError texts."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.stats as ss
from distribution_checks import assert_compiled_equals_eager, assert_value_error
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
from dualgrad.distributions import (
    Binomial,
    Chi2,
    HalfCauchy,
    Multinomial,
    NegativeBinomial,
    Pareto,
    StudentT,
    Weibull,
)

pytestmark = [pytest.mark.usefixtures("jax_float64"), pytest.mark.cpu_only]
F64 = dg.float64
DF, LOC, SCALE = np.array([2.5, 0.7, 6.0]), np.array([0.3, -1.0, 2.0]), np.array([0.5, 2.0, 1.5])
X, POS, P = np.array([0.7, -2.5, 2.2]), np.array([0.4, 2.0, 3.5]), np.array([0.1, 0.5, 0.95])


def t64(a, grad: bool = False) -> dg.Tensor:
    return dg.tensor(np.asarray(a, dtype=np.float64), dtype=F64, requires_grad=grad)


def _continuous():
    """Per class: (args, value, jax logpdf of (value, *args), scipy frozen distribution or None, mode)."""
    from jax.scipy import stats

    d, m, s = DF, LOC, SCALE
    alpha = np.array([4.5, 1.5, 2.5])
    return {
        StudentT: ((d, m, s), X, lambda v, a, b, c: stats.t.logpdf(v, a, b, c), ss.t(d, m, s), m),
        Chi2: ((d,), POS, lambda v, a: stats.chi2.logpdf(v, a), ss.chi2(d), np.maximum(d - 2, 0)),
        HalfCauchy: ((s,), POS, lambda v, b: stats.cauchy.logpdf(v, 0, b) + np.log(2), ss.halfcauchy(0, s),
                     0 * s),
        Weibull: ((s, d), POS, _jax_weibull, ss.weibull_min(d, scale=s), s * ((d - 1) / d) ** (1 / d)),
        Pareto: ((s * 0.2, alpha), POS, lambda v, b, a: stats.pareto.logpdf(v, a, scale=b),
                 ss.pareto(alpha, scale=s * 0.2), s * 0.2),
    }


def _jax_weibull(v, b, k):
    import jax.numpy as jnp
    return jnp.log(k / b) + (k - 1) * jnp.log(v / b) - (v / b) ** k


CONTINUOUS = [StudentT, Chi2, HalfCauchy, Weibull, Pareto]


@pytest.mark.parametrize("cls", CONTINUOUS, ids=lambda c: c.__name__)
def test_continuous_formulas_against_jax_and_scipy(cls):
    args, v, logpdf, frozen, mode = _continuous()[cls]
    d = cls(*map(t64, args))
    np.testing.assert_allclose(d.log_prob(t64(v)).numpy(), np.asarray(logpdf(v, *args)), rtol=1e-11)
    np.testing.assert_allclose(d.entropy().numpy(), frozen.entropy(), rtol=1e-10)
    mean, var = frozen.stats("mv")
    mean, var = np.asarray(mean, float), np.asarray(var, float)
    if cls is StudentT:  # (scipy: variance inf for df <= 2, torch: NaN for df <= 1 as the mean)
        mean, var = np.where(DF > 1, mean, np.nan), np.where(DF > 1, var, np.nan)
    if cls is HalfCauchy:  # (scipy reports no moments: they are infinite, as torch says)
        mean, var = np.full(3, np.inf), np.full(3, np.inf)
    np.testing.assert_allclose(d.mean.numpy(), mean, rtol=1e-12)
    np.testing.assert_allclose(d.variance.numpy(), var, rtol=1e-11)
    np.testing.assert_allclose(d.mode.numpy(), mode, rtol=1e-12)
    if cls in (HalfCauchy, Weibull, Pareto):
        np.testing.assert_allclose(d.cdf(t64(v)).numpy(), frozen.cdf(v), rtol=1e-11)
        np.testing.assert_allclose(d.icdf(t64(P)).numpy(), frozen.ppf(P), rtol=1e-10)
    assert d.sample((4,)).shape == (4, 3) and d.expand((2, 3)).log_prob(t64(v)).shape == (2, 3)


@pytest.mark.parametrize("cls", CONTINUOUS, ids=lambda c: c.__name__)
def test_log_prob_gradients_against_jax_grad(cls):
    import jax
    import jax.numpy as jnp

    args, v, logpdf, _, _ = _continuous()[cls]
    params = [t64(a, True) for a in args]
    cls(*params).log_prob(t64(v)).sum().backward()
    want = jax.grad(lambda *ps: jnp.sum(logpdf(v, *ps)), argnums=tuple(range(len(args))))(*args)
    for p, w in zip(params, want, strict=True):
        np.testing.assert_allclose(p.grad.numpy(), np.asarray(w), rtol=1e-10)


@settings(max_examples=10, deadline=None)
@given(df=st.floats(0.2, 50), loc=st.floats(-5, 5), scale=st.floats(0.05, 10), x=st.floats(-50, 50))
def test_student_t_log_prob_and_entropy_over_parameters(df, loc, scale, x):
    from jax.scipy import stats

    d = StudentT(t64(df), t64(loc), t64(scale))
    want = float(stats.t.logpdf(x, df, loc, scale))
    np.testing.assert_allclose(d.log_prob(t64(x)).item(), want, rtol=1e-10)
    np.testing.assert_allclose(d.entropy().item(), ss.t(df, loc, scale).entropy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("cls", [StudentT, HalfCauchy, Weibull, Pareto], ids=lambda c: c.__name__)
def test_seeded_rsample_gradients_by_finite_differences(cls):
    args = _continuous()[cls][0]
    fixed = t64(args[0]) if cls is StudentT else None  # (StudentT: reparameterised in loc and scale)
    params = tuple(t64(a, True) for a in (args[1:] if cls is StudentT else args))

    def rsample(*ps):
        dg.manual_seed(3)
        return (cls(fixed, *ps) if cls is StudentT else cls(*ps)).rsample((2,))

    assert dg.autograd.gradcheck(rsample, params)
    with pytest.raises(NotImplementedError, match="StudentT.rsample: df requires grad"):
        StudentT(t64(3.0, True)).rsample()
    with pytest.raises(NotImplementedError, match="Chi2.rsample"):
        Chi2(t64(3.0)).rsample()


def test_continuous_samples_have_the_moments():
    n = 20_000
    dg.manual_seed(0)
    cases = [(StudentT(t64([5.0, 8.0]), t64([0.5, -1.0]), t64([1.0, 2.0])),
              ss.t([5.0, 8.0], [0.5, -1.0], [1.0, 2.0])),
             (Chi2(t64([1.5, 6.0])), ss.chi2([1.5, 6.0])),
             (Weibull(t64([1.0, 2.0]), t64([0.8, 3.0])), ss.weibull_min([0.8, 3.0], scale=[1.0, 2.0])),
             (Pareto(t64([1.0, 0.5]), t64([5.0, 9.0])), ss.pareto([5.0, 9.0], scale=[1.0, 0.5]))]
    for d, frozen in cases:
        s = d.sample((n,)).numpy()
        mean, var = frozen.stats("mv")
        assert np.all(np.abs(s.mean(0) - mean) < 5 * np.sqrt(var / n)), (d, s.mean(0), mean)
        assert not d.sample().requires_grad
    s = HalfCauchy(t64([0.5, 2.0])).sample((n,)).numpy()
    np.testing.assert_allclose(np.median(s, 0), [0.5, 2.0], rtol=0.05)  # (the median of |Cauchy| is scale)


K = np.array([0.0, 3.0, 5.0])
N = np.array([5.0, 5.0, 5.0])


def _binomial_logpmf(k, n, logits):
    import jax.numpy as jnp
    from jax.scipy.special import gammaln
    return gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1) + k * logits - n * jnp.logaddexp(0, logits)


@pytest.mark.parametrize("given", ["probs", "logits"])
def test_binomial_against_jax_and_scipy(given):
    import jax
    import jax.numpy as jnp
    from jax.scipy import stats

    logits = np.log(P) - np.log1p(-P)
    d = Binomial(t64(N), **{given: t64(P if given == "probs" else logits)})
    want = np.asarray(stats.binom.logpmf(K, N, P))
    np.testing.assert_allclose(d.log_prob(t64(K)).numpy(), want, rtol=1e-11)
    np.testing.assert_allclose(d.entropy().numpy(), ss.binom(N, P).entropy(), rtol=1e-11)
    np.testing.assert_allclose(d.mean.numpy(), N * P, rtol=1e-13)
    np.testing.assert_allclose(d.variance.numpy(), N * P * (1 - P), rtol=1e-13)
    assert d.mode.numpy().tolist() == np.minimum(np.floor((N + 1) * P), N).tolist()
    assert d.enumerate_support().shape == (6, 3) and d.enumerate_support(False).shape == (6, 1)
    z = t64(logits, True)
    Binomial(t64(N), logits=z).log_prob(t64(K)).sum().backward()
    want = jax.grad(lambda a: jnp.sum(_binomial_logpmf(K, N, a)))(logits)
    np.testing.assert_allclose(z.grad.numpy(), np.asarray(want), rtol=1e-11)


def test_negative_binomial_against_jax_and_scipy():
    import jax
    import jax.numpy as jnp
    from jax.scipy import stats

    n, k = np.array([2.0, 0.5, 7.5]), np.array([0.0, 4.0, 11.0])
    d = NegativeBinomial(t64(n), t64(P))  # (successes before n failures: scipy's nbinom(n, 1 - p))
    np.testing.assert_allclose(d.log_prob(t64(k)).numpy(), np.asarray(stats.nbinom.logpmf(k, n, 1 - P)),
                               rtol=1e-10)
    mean, var = ss.nbinom(n, 1 - P).stats("mv")
    np.testing.assert_allclose(d.mean.numpy(), mean, rtol=1e-12)
    np.testing.assert_allclose(d.variance.numpy(), var, rtol=1e-12)
    np.testing.assert_allclose(d.mode.numpy(), np.maximum(np.floor((n - 1) * P / (1 - P)), 0))
    logits = np.log(P) - np.log1p(-P)
    z = t64(logits, True)
    NegativeBinomial(t64(n), logits=z).log_prob(t64(k)).sum().backward()
    want = jax.grad(lambda a: jnp.sum(stats.nbinom.logpmf(k, n, jax.nn.sigmoid(-a))))(logits)
    np.testing.assert_allclose(z.grad.numpy(), np.asarray(want), rtol=1e-9)
    assert NegativeBinomial(t64(0.0), t64(0.5)).log_prob(t64(0.0)).item() == 0.0


def test_multinomial_against_jax_and_scipy():
    import jax
    import jax.numpy as jnp
    from jax.scipy.special import gammaln

    probs = np.array([[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]])
    v = np.array([[1.0, 2.0, 1.0], [0.0, 0.0, 4.0]])
    d = Multinomial(4, t64(probs))
    want = ss.multinomial.logpmf(v, 4, probs)
    np.testing.assert_allclose(d.log_prob(t64(v)).numpy(), want, rtol=1e-12)
    want = [ss.multinomial(4, p).entropy() for p in probs]
    np.testing.assert_allclose(d.entropy().numpy(), want, rtol=1e-11)
    np.testing.assert_allclose(d.mean.numpy(), 4 * probs, rtol=1e-13)
    np.testing.assert_allclose(d.variance.numpy(), 4 * probs * (1 - probs), rtol=1e-13)
    assert d.batch_shape == (2,) and d.event_shape == (3,) and d.expand((5, 2)).sample().shape == (5, 2, 3)
    logits = np.log(probs)
    z = t64(logits, True)
    Multinomial(4, logits=z).log_prob(t64(v)).sum().backward()
    def logpmf(a):  # (the definition: 4! / prod x! * prod p**x)
        return jnp.sum(gammaln(5.0) - gammaln(v + 1).sum(-1) + (v * jax.nn.log_softmax(a)).sum(-1))

    want = jax.grad(logpmf)(logits)
    np.testing.assert_allclose(z.grad.numpy(), np.asarray(want), rtol=1e-11, atol=1e-14)
    zero = Multinomial(2, logits=t64([0.0, -np.inf]))
    assert zero.log_prob(t64([2.0, 0.0])).item() == 0.0


def test_discrete_samples_have_the_moments():
    n = 20_000
    dg.manual_seed(1)
    b = Binomial(t64([3.0, 10.0]), t64([0.3, 0.8]))
    nb = NegativeBinomial(t64([2.0, 4.5]), t64([0.4, 0.7]))
    for d in (b, nb):
        s = d.sample((n,)).numpy()
        assert np.all(s == np.floor(s)) and np.all(s >= 0)
        assert np.all(np.abs(s.mean(0) - d.mean.numpy()) < 5 * np.sqrt(d.variance.numpy() / n))
    assert np.all(b.sample((100,)).numpy() <= [3.0, 10.0])
    probs = np.array([0.2, 0.3, 0.5])
    s = Multinomial(6, t64(probs)).sample((n,)).numpy()
    assert s.shape == (n, 3) and np.all(s.sum(-1) == 6)
    assert np.all(np.abs(s.mean(0) - 6 * probs) < 5 * np.sqrt(6 * probs * (1 - probs) / n))


def test_dg_compile_traces_the_log_probs():
    """With validate_args=False, log_prob of the new classes is registry ops a trace records."""


    def step(loc, logits):
        t = StudentT(3.0, loc, 2.0, validate_args=False)
        b = Binomial(dg.tensor(4.0), logits=logits, validate_args=False)
        loss = -(t.log_prob(dg.tensor([0.5, 1.0])).sum() + b.log_prob(dg.tensor(3.0)).sum())
        loss.backward()
        return loss

    def run(fn):
        params = [dg.tensor([0.5, -1.0], requires_grad=True), dg.tensor([0.3, -0.2], requires_grad=True)]
        return fn(*params).item(), [p.grad.numpy() for p in params]

    assert_compiled_equals_eager(run, step)


INVALID = [
    (lambda: StudentT(dg.tensor([-1.0])),
     "Expected parameter df (Tensor of shape (1,)) of distribution Chi2() "
     "to satisfy the constraint GreaterThan(lower_bound=0.0), but found invalid values:"),
    (lambda: HalfCauchy(dg.tensor([0.0])),
     "Expected parameter scale (Tensor of shape (1,)) of distribution "
     "HalfCauchy() to satisfy the constraint GreaterThan(lower_bound=0.0)"),
    (lambda: HalfCauchy(dg.tensor([1.0])).log_prob(dg.tensor([-1.0])),
     "Expected value argument (Tensor of shape (1,)) to be within the support "
     "(GreaterThanEq(lower_bound=0.0)) of the distribution HalfCauchy()"),
    (lambda: Weibull(dg.tensor([1.0]), dg.tensor([-1.0])),
     "Expected parameter concentration (Tensor of shape (1,)) of distribution "
     "Weibull(scale: tensor([1.]), concentration: tensor([-1.])) to satisfy the"),
    (lambda: Pareto(dg.tensor([1.0]), dg.tensor([2.0])).log_prob(dg.tensor([0.5])),
     "to be within the support (GreaterThanEq(lower_bound=tensor([1.]))) of the distribution "
     "Pareto(alpha: tensor([2.]), scale:"),
    (lambda: Binomial(dg.tensor([2.5]), dg.tensor([0.5])),
     "Expected parameter total_count (Tensor of shape (1,)) of distribution Binomial(total_count: "
     "tensor([2.5000]), probs: tensor([0.5000])) to satisfy the constraint "
     "IntegerGreaterThan(lower_bound=0)"),
    (lambda: Binomial(dg.tensor([3.0]), dg.tensor([0.5])).log_prob(dg.tensor([4.0])),
     "to be within the support (IntegerInterval(lower_bound=0, upper_bound=tensor([3.]))) of the "
     "distribution Binomial("),
    (lambda: NegativeBinomial(dg.tensor([2.0]), dg.tensor([1.0])), "to satisfy the constraint "
     "HalfOpenInterval(lower_bound=0.0, upper_bound=1.0), but found invalid values:"),
    (lambda: Multinomial(3, dg.tensor([0.5, 0.5])).log_prob(dg.tensor([1.0, -1.0])),
     "to be within the support (Multinomial()) of the distribution Multinomial(), but found invalid values:"),
    (lambda: Binomial(dg.tensor(1.0), probs=dg.tensor(0.5), logits=dg.tensor(0.0)),
     "Either `probs` or `logits` must be specified, but not both."),
]


@pytest.mark.parametrize("case", range(len(INVALID)))
def test_validation_raises_pytorchs_value_errors(case):
    fn, text = INVALID[case]
    assert_value_error(fn, text, "test_distributions_families.py")


def test_not_implemented_cases_raise_pytorchs_texts():
    with pytest.raises(NotImplementedError, match="inhomogeneous total_count is not supported"):
        Multinomial(dg.tensor(3), dg.tensor([0.5, 0.5]))
    with pytest.raises(NotImplementedError, match="Inhomogeneous total count not supported by `entropy`"):
        Binomial(dg.tensor([3.0, 4.0]), dg.tensor([0.5, 0.5])).entropy()


def test_matches_torch(torch):
    """An optional extra oracle: PyTorch's classes on the same numbers."""
    td = torch.distributions
    T = torch.tensor
    pairs = [(StudentT(t64(DF), t64(LOC), t64(SCALE)), td.StudentT(T(DF), T(LOC), T(SCALE)), X),
             (Weibull(t64(SCALE), t64(DF)), td.Weibull(T(SCALE), T(DF)), POS),
             (Binomial(t64(N), logits=t64(X)), td.Binomial(T(N), logits=T(X)), K),
             (NegativeBinomial(t64(N), logits=t64(X)), td.NegativeBinomial(T(N), logits=T(X)), K)]
    for ours, theirs, v in pairs:
        np.testing.assert_allclose(ours.log_prob(t64(v)).numpy(), theirs.log_prob(T(v)).numpy(), rtol=1e-12)
        np.testing.assert_allclose(ours.mean.numpy(), theirs.mean.numpy(), rtol=1e-12)
