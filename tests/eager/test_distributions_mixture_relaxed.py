"""dg.distributions MixtureSameFamily, RelaxedBernoulli, RelaxedOneHotCategorical and the KL rules
of the new classes against independent oracles: scipy float64 mixture densities, cdfs and the
laws of total expectation / variance, the Concrete densities of Maddison et al. (2017) written in
jax (and jax.grad of them), the Gumbel-max property of relaxed samples (the argmax of a sample is
Categorical(probs) at every temperature), finite differences of seeded rsample, and the KL
divergences by quadrature or by the defining sum over the support."""
from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats as ss
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import logsumexp

import dualgrad as dg
from dualgrad.distributions import (
    Binomial,
    Categorical,
    Chi2,
    Independent,
    MixtureSameFamily,
    Normal,
    Pareto,
    RelaxedBernoulli,
    RelaxedOneHotCategorical,
    TanhTransform,
    TransformedDistribution,
    kl_divergence,
)

pytestmark = [pytest.mark.usefixtures("jax_float64"), pytest.mark.cpu_only]
F64 = dg.float64
W = np.array([[0.3, -1.0, 2.0], [0.1, 0.2, 0.3]])
M = np.array([[-2.0, 0.0, 1.5], [0.5, 1.0, 3.0]])
S = np.array([[0.5, 1.0, 2.0], [1.5, 0.3, 0.8]])


def t64(a, grad: bool = False) -> dg.Tensor:
    return dg.tensor(np.asarray(a, dtype=np.float64), dtype=F64, requires_grad=grad)


def _softmax(z):
    return np.exp(z - logsumexp(z, -1, keepdims=True))


def test_mixture_of_normals_against_scipy():
    d = MixtureSameFamily(Categorical(logits=t64(W)), Normal(t64(M), t64(S)))
    assert d.batch_shape == (2,) and d.event_shape == ()
    w = _softmax(W)
    x = np.array([0.5, -1.0])
    want = logsumexp(np.log(w) + ss.norm.logpdf(x[:, None], M, S), -1)
    np.testing.assert_allclose(d.log_prob(t64(x)).numpy(), want, rtol=1e-12)
    np.testing.assert_allclose(d.cdf(t64(x)).numpy(), (w * ss.norm.cdf(x[:, None], M, S)).sum(-1), rtol=1e-12)
    mean = (w * M).sum(-1)
    np.testing.assert_allclose(d.mean.numpy(), mean, rtol=1e-12)
    np.testing.assert_allclose(d.variance.numpy(), (w * (S**2 + M**2)).sum(-1) - mean**2, rtol=1e-12)
    xs = np.array([[0.5, -1.0], [2.0, 0.1], [-3.0, 4.0]])  # (sample dims broadcast in front)
    assert d.log_prob(t64(xs)).shape == (3, 2)
    assert repr(d.support) == "MixtureSameFamilyConstraint(Real())"
    assert d.expand((4, 2)).log_prob(t64(x)).shape == (4, 2)


def test_mixture_log_prob_gradients_against_jax_grad():
    import jax
    import jax.numpy as jnp
    from jax.scipy import stats

    x = np.array([0.5, -1.0])
    params = [t64(a, True) for a in (W, M, S)]
    d = MixtureSameFamily(Categorical(logits=params[0]), Normal(params[1], params[2]))
    d.log_prob(t64(x)).sum().backward()

    def f(w, m, s):
        return jnp.sum(jax.nn.logsumexp(jax.nn.log_softmax(w) + stats.norm.logpdf(x[:, None], m, s), -1))

    for p, want in zip(params, jax.grad(f, argnums=(0, 1, 2))(W, M, S), strict=True):
        np.testing.assert_allclose(p.grad.numpy(), np.asarray(want), rtol=1e-11, atol=1e-14)


def test_mixture_samples_and_vector_events():
    n = 20_000
    dg.manual_seed(2)
    d = MixtureSameFamily(Categorical(logits=t64(W)), Normal(t64(M), t64(S)))
    s = d.sample((n,)).numpy()
    assert s.shape == (n, 2) and not d.sample().requires_grad
    var = d.variance.numpy()
    assert np.all(np.abs(s.mean(0) - d.mean.numpy()) < 5 * np.sqrt(var / n))
    assert np.all(np.abs(s.var(0) / var - 1) < 0.1)
    # components over vectors: a mixture of diagonal Gaussians in 2-D
    loc = np.array([[0.0, 1.0], [3.0, -1.0], [1.0, 1.0]])
    scale = np.array([[1.0, 0.5], [0.3, 2.0], [1.0, 1.0]])
    w = np.array([0.2, 0.5, 0.3])
    v = MixtureSameFamily(Categorical(t64(w)), Independent(Normal(t64(loc), t64(scale)), 1))
    assert v.batch_shape == () and v.event_shape == (2,)
    x = np.array([0.4, -0.2])
    want = logsumexp(np.log(w) + ss.norm.logpdf(x, loc, scale).sum(-1))
    np.testing.assert_allclose(v.log_prob(t64(x)).item(), want, rtol=1e-12)
    np.testing.assert_allclose(v.mean.numpy(), (w[:, None] * loc).sum(0), rtol=1e-12)
    draws = v.sample((n,)).numpy()
    assert draws.shape == (n, 2)
    assert np.all(np.abs(draws.mean(0) - v.mean.numpy()) < 5 * np.sqrt(v.variance.numpy() / n))


def test_mixture_validation_texts():
    with pytest.raises(ValueError, match="The Mixture distribution needs to be an  instance of"):
        MixtureSameFamily(Normal(0.0, 1.0), Normal(t64(M), t64(S)))
    with pytest.raises(ValueError, match=r"`mixture_distribution component` \(2\) does not equal "
                                         r"`component_distribution.batch_shape\[-1\]` \(3\)"):
        MixtureSameFamily(Categorical(t64([0.5, 0.5])), Normal(t64(M), t64(S)))
    with pytest.raises(ValueError, match="is not compatible with `component_distribution.batch_shape`"):
        MixtureSameFamily(Categorical(t64(np.full((4, 3), 1 / 3))), Normal(t64(M), t64(S)))


def _concrete_logpdf(x, logits, temperature):
    """Maddison et al.'s Concrete density on the simplex, over the first K-1 coordinates."""
    import jax.numpy as jnp
    from jax.scipy.special import gammaln

    k = x.shape[-1]
    return (gammaln(k) + (k - 1) * jnp.log(temperature) + jnp.sum(logits - (temperature + 1) * jnp.log(x), -1)
            - k * jnp.log(jnp.sum(jnp.exp(logits) * x ** -temperature, -1)))


def _binary_concrete_logpdf(y, logits, temperature):
    """Maddison et al.'s binary Concrete density on (0, 1)."""
    import jax.numpy as jnp

    a = jnp.exp(logits)
    return (jnp.log(temperature) + logits - (temperature + 1) * (jnp.log(y) + jnp.log1p(-y))
            - 2 * jnp.log(a * y ** -temperature + (1 - y) ** -temperature))


@settings(max_examples=8, deadline=None)
@given(temperature=st.floats(0.1, 5.0), logit=st.floats(-4, 4), y=st.floats(0.01, 0.99))
def test_relaxed_bernoulli_against_the_binary_concrete_density(temperature, logit, y):
    d = RelaxedBernoulli(t64(temperature), logits=t64(logit))
    want = float(_binary_concrete_logpdf(y, logit, temperature))
    np.testing.assert_allclose(d.log_prob(t64(y)).item(), want, rtol=1e-9, atol=1e-12)


def test_relaxed_log_prob_gradients_against_jax_grad():
    import jax

    y, logits, temp = np.array([0.2, 0.7, 0.9]), np.array([0.3, -1.0, 2.0]), 0.6
    z, t = t64(logits, True), t64(temp, True)
    RelaxedBernoulli(t, logits=z).log_prob(t64(y)).sum().backward()
    gz, gt = jax.grad(lambda a, b: _binary_concrete_logpdf(y, a, b).sum(), argnums=(0, 1))(logits, temp)
    np.testing.assert_allclose(z.grad.numpy(), np.asarray(gz), rtol=1e-10)
    np.testing.assert_allclose(t.grad.item(), float(gt), rtol=1e-10)
    x = np.array([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]])
    z, t = t64(W, True), t64(temp, True)
    d = RelaxedOneHotCategorical(t, logits=z)
    want = _concrete_logpdf(x, W - logsumexp(W, -1, keepdims=True), temp)
    np.testing.assert_allclose(d.log_prob(t64(x)).detach().numpy(), np.asarray(want), rtol=1e-11)
    d.log_prob(t64(x)).sum().backward()
    gz, gt = jax.grad(lambda a, b: _concrete_logpdf(x, a, b).sum(), argnums=(0, 1))(W, temp)
    np.testing.assert_allclose(z.grad.numpy(), np.asarray(gz), rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(t.grad.item(), float(gt), rtol=1e-10)


def test_relaxed_rsample_gradients_and_the_gumbel_max_property():
    def rb(z, t):
        dg.manual_seed(4)
        return RelaxedBernoulli(t, logits=z).rsample((3,))

    def roc(z, t):
        dg.manual_seed(4)
        return RelaxedOneHotCategorical(t, logits=z).rsample((2,))

    assert dg.autograd.gradcheck(rb, (t64([0.3, -1.0], True), t64(0.7, True)))
    assert dg.autograd.gradcheck(roc, (t64(W, True), t64(0.7, True)))
    n = 20_000
    dg.manual_seed(0)
    probs = _softmax(W)
    for temp in (0.3, 3.0):
        s = RelaxedOneHotCategorical(t64(temp), logits=t64(W)).sample((n,)).numpy()
        assert s.shape == (n, 2, 3) and np.allclose(s.sum(-1), 1) and np.all(s > 0)
        freq = (s.argmax(-1)[..., None] == np.arange(3)).mean(0)
        assert np.all(np.abs(freq - probs) < 5 * np.sqrt(probs * (1 - probs) / n)), (temp, freq, probs)
        b = RelaxedBernoulli(t64(temp), probs=t64([0.2, 0.7])).sample((n,)).numpy()
        assert np.all((b > 0) & (b < 1))
        assert np.all(np.abs((b > 0.5).mean(0) - [0.2, 0.7]) < 5 * np.sqrt(0.25 / n))
    d = RelaxedBernoulli(0.5, probs=t64([0.2, 0.7]))
    assert d.temperature.dtype == F64 and d.expand((4, 2)).rsample().shape == (4, 2)
    assert RelaxedOneHotCategorical(0.5, t64(probs)).expand((3, 2)).rsample().shape == (3, 2, 3)


def test_kl_rules_against_quadrature_and_sums():
    from scipy.integrate import quad

    p, q = (1.0, 3.0), (0.5, 2.0)
    got = kl_divergence(Pareto(t64(p[0]), t64(p[1])), Pareto(t64(q[0]), t64(q[1]))).item()
    fp, fq = ss.pareto(p[1], scale=p[0]), ss.pareto(q[1], scale=q[0])
    want = quad(lambda x: fp.pdf(x) * (fp.logpdf(x) - fq.logpdf(x)), p[0], np.inf)[0]
    np.testing.assert_allclose(got, want, rtol=1e-8)
    assert kl_divergence(Pareto(t64(0.5), t64(2.0)), Pareto(t64(1.0), t64(3.0))).item() == math.inf
    n, pp, qq = 6, np.array([0.3, 0.8]), np.array([0.6, 0.1])
    k = np.arange(n + 1.0)[:, None]
    lp, lq = ss.binom.logpmf(k, n, pp), ss.binom.logpmf(k, n, qq)
    got = kl_divergence(Binomial(t64([n, n]), t64(pp)), Binomial(t64([n, n]), t64(qq))).numpy()
    np.testing.assert_allclose(got, (np.exp(lp) * (lp - lq)).sum(0), rtol=1e-11)
    chi_p, chi_q = ss.chi2(3.0), ss.chi2(5.5)  # (Chi2 pairs take Gamma's rule)
    want = quad(lambda x: chi_p.pdf(x) * (chi_p.logpdf(x) - chi_q.logpdf(x)), 0, np.inf)[0]
    np.testing.assert_allclose(kl_divergence(Chi2(t64(3.0)), Chi2(t64(5.5))).item(), want, rtol=1e-8)
    with pytest.raises(NotImplementedError, match="q.total_count > p.total_count"):
        kl_divergence(Binomial(t64(3.0), t64(0.5)), Binomial(t64(4.0), t64(0.5)))
    # equal transforms: the bases' KL (a bijection leaves KL unchanged)
    a, b = TransformedDistribution(Normal(t64(0.3), t64(1.5)), TanhTransform()), \
        TransformedDistribution(Normal(t64(-1.0), t64(0.5)), TanhTransform())
    want = math.log(0.5 / 1.5) + (1.5**2 + 1.3**2) / (2 * 0.5**2) - 0.5
    np.testing.assert_allclose(kl_divergence(a, b).item(), want, rtol=1e-12)
    with pytest.raises(NotImplementedError):
        kl_divergence(a, TransformedDistribution(Normal(t64(0.0), t64(1.0)), []))


def test_matches_torch(torch):
    """An optional extra oracle: PyTorch's classes on the same numbers."""
    td, T = torch.distributions, torch.tensor
    x = np.array([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]])
    ours = RelaxedOneHotCategorical(t64(0.6), logits=t64(W))
    theirs = td.RelaxedOneHotCategorical(T(0.6, dtype=torch.float64), logits=T(W))
    np.testing.assert_allclose(ours.log_prob(t64(x)).numpy(), theirs.log_prob(T(x)).numpy(), rtol=1e-12)
    mix = MixtureSameFamily(Categorical(logits=t64(W)), Normal(t64(M), t64(S)))
    tmix = td.MixtureSameFamily(td.Categorical(logits=T(W)), td.Normal(T(M), T(S)))
    v = np.array([0.5, -1.0])
    np.testing.assert_allclose(mix.log_prob(t64(v)).numpy(), tmix.log_prob(T(v)).numpy(), rtol=1e-12)
    np.testing.assert_allclose(mix.variance.numpy(), tmix.variance.numpy(), rtol=1e-12)
