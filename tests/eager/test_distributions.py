"""dg.distributions against independent oracles: numpy float64 transcriptions of each density,
entropy and KL (written out here), jax.scipy.stats's log-densities, and jax.grad of those for
the gradients with respect to the parameters (plus central finite differences of dualgrad's
own log_prob). Sampling is checked by seeded moments with tolerances of five standard errors
(the conftest seeds 0 before every test, so the test is deterministic) and by the exact
reparameterisation gradients. Shapes and ValueError texts are PyTorch 2.13's, as read from torch."""
from __future__ import annotations

import math

import numpy as np
import pytest
from distribution_checks import assert_compiled_equals_eager, assert_value_error
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import dualgrad as dg
from dualgrad.distributions import (
    Bernoulli,
    Categorical,
    Exponential,
    Independent,
    Normal,
    Uniform,
    kl_divergence,
)

D = dg.distributions
F64 = dg.float64
N = 20_000
cpu_only = pytest.mark.cpu_only  # the math is the same registry ops on both devices: one device-
# parametrised test (test_the_jax_device_gives_the_same_numbers) keeps the jax compiles few


def t64(a, grad: bool = False) -> dg.Tensor:
    return dg.tensor(np.asarray(a, dtype=np.float64), dtype=F64, requires_grad=grad)


def _fd(fn, params: list[np.ndarray], h: float = 1e-6) -> list[np.ndarray]:
    """Central differences of a scalar numpy-in, float-out function, one parameter at a time."""
    grads = []
    for k, p in enumerate(params):
        g = np.zeros_like(p)
        for i in np.ndindex(p.shape):
            up, down = [q.copy() for q in params], [q.copy() for q in params]
            up[k][i] += h
            down[k][i] -= h
            g[i] = (fn(*up) - fn(*down)) / (2 * h)
        grads.append(g)
    return grads


# -- numpy float64 transcriptions ------------------------------------------------------------------
def np_normal_logpdf(x, m, s):
    return -0.5 * ((x - m) / s) ** 2 - np.log(s) - 0.5 * np.log(2 * np.pi)


def np_bernoulli_logpmf(x, p):
    return x * np.log(p) + (1 - x) * np.log1p(-p)


def np_sigmoid(z):
    return 1 / (1 + np.exp(-z))


# -- Normal ------------------------------------------------------------------------------------------------
@cpu_only
def test_normal_log_prob_entropy_cdf_and_moments(jax_float64):
    import jax.numpy as jnp
    from jax.scipy.stats import norm

    m, s, x = np.array([0.0, 1.5, -2.0]), np.array([1.0, 0.5, 3.0]), np.array([0.3, 1.0, 4.0])
    d = Normal(t64(m), t64(s))
    np.testing.assert_allclose(d.log_prob(t64(x)).numpy(), np_normal_logpdf(x, m, s), rtol=1e-13)
    np.testing.assert_allclose(d.log_prob(t64(x)).numpy(), np.asarray(norm.logpdf(jnp.asarray(x), m, s)),
                               rtol=1e-12)
    np.testing.assert_allclose(d.entropy().numpy(), 0.5 * np.log(2 * np.pi * np.e * s**2), rtol=1e-13)
    np.testing.assert_allclose(d.cdf(t64(x)).numpy(), np.asarray(norm.cdf(jnp.asarray(x), m, s)), rtol=1e-10)
    assert np.array_equal(d.mean.numpy(), m) and np.array_equal(d.stddev.numpy(), s)
    np.testing.assert_allclose(d.variance.numpy(), s**2)


@cpu_only
def test_normal_log_prob_gradients_by_jax_and_finite_differences(jax_float64):
    import jax
    import jax.numpy as jnp
    from jax.scipy.stats import norm

    m, s, x = np.array([0.2, -1.0]), np.array([0.7, 2.0]), np.array([1.0, 0.5])
    loc, scale, value = t64(m, True), t64(s, True), t64(x, True)
    Normal(loc, scale).log_prob(value).sum().backward()
    want = jax.jit(jax.grad(lambda a, b, c: jnp.sum(norm.logpdf(c, a, b)), argnums=(0, 1, 2)))(m, s, x)
    for got, w in zip((loc.grad, scale.grad, value.grad), want, strict=True):
        np.testing.assert_allclose(got.numpy(), np.asarray(w), rtol=1e-12)
    fd = _fd(lambda a, b, c: np_normal_logpdf(c, a, b).sum(), [m, s, x])
    for got, w in zip((loc.grad, scale.grad, value.grad), fd, strict=True):
        np.testing.assert_allclose(got.numpy(), w, rtol=1e-6)


@cpu_only
def test_normal_rsample_is_reparameterised():
    loc, scale = t64([1.0, -2.0], True), t64([0.5, 3.0], True)
    d = Normal(loc, scale)
    z = d.rsample((4,))
    assert z.shape == (4, 2) and z.requires_grad
    eps = ((z - loc) / scale).detach().numpy()
    z.sum().backward()
    np.testing.assert_allclose(loc.grad.numpy(), [4.0, 4.0])  # d sample / d loc = 1 per sample
    np.testing.assert_allclose(scale.grad.numpy(), eps.sum(0), rtol=1e-12)  # d sample / d scale = eps
    s = d.sample((3,))
    assert not s.requires_grad and s.shape == (3, 2)


@cpu_only
def test_normal_samples_have_the_moments():
    x = Normal(t64(2.0), t64(0.5)).sample((N,)).numpy()
    assert abs(x.mean() - 2.0) <= 5 * 0.5 / math.sqrt(N)
    assert abs(x.std() - 0.5) <= 5 * 0.5 / math.sqrt(2 * N)


@cpu_only
@settings(max_examples=15, deadline=None)
@given(shapes=mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3, max_side=3),
       seed=st.integers(0, 2**16))
@cpu_only
def test_normal_broadcasts_parameters_and_value_as_numpy(shapes, seed):
    rng = np.random.default_rng(seed)
    (sm, ss, sx), out = shapes.input_shapes, shapes.result_shape
    m, s, x = rng.normal(size=sm), rng.uniform(0.5, 2, size=ss), rng.normal(size=sx)
    d = Normal(t64(m), t64(s))
    assert tuple(d.batch_shape) == np.broadcast_shapes(sm, ss)
    lp = d.log_prob(t64(x))
    assert tuple(lp.shape) == out
    np.testing.assert_allclose(lp.numpy(), np_normal_logpdf(x, m, s), rtol=1e-12)
    assert tuple(d.sample((2,)).shape) == (2, *np.broadcast_shapes(sm, ss))


# -- Bernoulli ---------------------------------------------------------------------------------------------
@cpu_only
def test_bernoulli_probs_and_logits_agree_with_the_formulas(jax_float64):
    import jax.numpy as jnp
    from jax.scipy.stats import bernoulli

    z = np.array([-2.0, 0.0, 0.5, 3.0])
    p = np_sigmoid(z)
    x = np.array([1.0, 0.0, 1.0, 0.0])
    for d in (Bernoulli(logits=t64(z)), Bernoulli(probs=t64(p))):
        np.testing.assert_allclose(d.log_prob(t64(x)).numpy(), np_bernoulli_logpmf(x, p), rtol=1e-10)
        jax_lp = np.asarray(bernoulli.logpmf(jnp.asarray(x), p))
        np.testing.assert_allclose(d.log_prob(t64(x)).numpy(), jax_lp, rtol=1e-10)
        np.testing.assert_allclose(d.entropy().numpy(), -(p * np.log(p) + (1 - p) * np.log1p(-p)), rtol=1e-10)
        np.testing.assert_allclose(d.mean.numpy(), p, rtol=1e-12)
        np.testing.assert_allclose(d.variance.numpy(), p * (1 - p), rtol=1e-10)
    np.testing.assert_allclose(Bernoulli(probs=t64(p)).logits.numpy(), z, rtol=1e-10, atol=1e-12)


@cpu_only
def test_bernoulli_log_prob_gradient_in_the_logits(jax_float64):
    import jax
    import jax.numpy as jnp

    z, x = np.array([-1.0, 0.3, 2.0]), np.array([1.0, 0.0, 0.0])
    logits = t64(z, True)
    Bernoulli(logits=logits).log_prob(t64(x)).sum().backward()
    log_p = jax.grad(lambda a: jnp.sum(x * jax.nn.log_sigmoid(a) + (1 - x) * jax.nn.log_sigmoid(-a)))
    want = jax.jit(log_p)(z)
    np.testing.assert_allclose(logits.grad.numpy(), np.asarray(want), rtol=1e-12)
    np.testing.assert_allclose(logits.grad.numpy(), x - np_sigmoid(z), rtol=1e-12)  # d log p / d z = x - p
    (fd,) = _fd(lambda a: np_bernoulli_logpmf(x, np_sigmoid(a)).sum(), [z])
    np.testing.assert_allclose(logits.grad.numpy(), fd, rtol=1e-6)


@cpu_only
def test_bernoulli_samples():
    s = Bernoulli(probs=t64([0.0, 0.25, 1.0])).sample((N,)).numpy()
    assert s.shape == (N, 3) and s.dtype == np.float64 and set(np.unique(s)) <= {0.0, 1.0}
    assert (s[:, 0] == 0).all() and (s[:, 2] == 1).all()
    assert abs(s[:, 1].mean() - 0.25) <= 5 * math.sqrt(0.25 * 0.75 / N)
    with pytest.raises(NotImplementedError, match="has no rsample"):
        Bernoulli(0.5).rsample()


# -- Categorical -------------------------------------------------------------------------------------------
@cpu_only
def test_categorical_log_prob_entropy_and_probs(jax_float64):
    import jax

    z = np.array([[0.5, -1.0, 2.0], [0.0, 0.0, 0.0]])
    logp = np.asarray(jax.nn.log_softmax(z, axis=-1))
    for d in (Categorical(logits=t64(z)), Categorical(probs=t64(np.exp(logp) * 7))):  # probs normalised
        np.testing.assert_allclose(d.probs.numpy(), np.exp(logp), rtol=1e-12)
        idx = np.array([2, 1])
        np.testing.assert_allclose(d.log_prob(dg.tensor(idx)).numpy(), logp[[0, 1], idx], rtol=1e-10)
        np.testing.assert_allclose(d.entropy().numpy(), -(np.exp(logp) * logp).sum(-1), rtol=1e-10)
        assert d.batch_shape == (2,) and d.event_shape == ()
        assert d.log_prob(dg.zeros(5, 1, dtype=dg.int64)).shape == (5, 2)  # value broadcasts with the batch
    # a zero probability counts 0 in the entropy (0 log 0 = 0)
    np.testing.assert_allclose(Categorical(probs=t64([0.5, 0.5, 0.0])).entropy().numpy(), math.log(2))


@cpu_only
def test_categorical_log_prob_gradient_in_the_logits(jax_float64):
    import jax

    z = np.array([0.3, -0.2, 1.1, 0.0])
    logits = t64(z, True)
    Categorical(logits=logits).log_prob(dg.tensor(2)).backward()
    want = jax.jit(jax.grad(lambda a: jax.nn.log_softmax(a)[2]))(z)
    np.testing.assert_allclose(logits.grad.numpy(), np.asarray(want), rtol=1e-12)
    onehot = np.eye(4)[2]
    np.testing.assert_allclose(logits.grad.numpy(), onehot - np.exp(z) / np.exp(z).sum(), rtol=1e-12)
    logits.grad = None
    Categorical(logits=logits).entropy().backward()
    p = np.exp(z) / np.exp(z).sum()
    want = jax.jit(jax.grad(lambda a: -jax.numpy.sum(jax.nn.softmax(a) * jax.nn.log_softmax(a))))(z)
    np.testing.assert_allclose(logits.grad.numpy(), np.asarray(want), rtol=1e-10, atol=1e-14)
    (fd,) = _fd(lambda a: -(np.exp(a) / np.exp(a).sum() * np.log(np.exp(a) / np.exp(a).sum())).sum(), [z])
    np.testing.assert_allclose(logits.grad.numpy(), fd, rtol=1e-6)
    assert p.shape == (4,)


@cpu_only
def test_categorical_samples_are_int64_indices_with_the_frequencies():
    p = np.array([0.1, 0.0, 0.6, 0.3])
    d = Categorical(probs=t64(np.tile(p, (2, 1))))
    s = d.sample((N,))
    assert s.dtype == dg.int64 and s.shape == (N, 2)
    s = s.numpy()
    assert not (s == 1).any()
    for j in (0, 2, 3):
        assert abs((s == j).mean() - p[j]) <= 5 * math.sqrt(p[j] * (1 - p[j]) / (2 * N))
    assert Categorical(logits=dg.zeros(3)).sample().shape == ()


# -- Uniform and Exponential -------------------------------------------------------------------------------
@cpu_only
def test_uniform_and_exponential_formulas_and_rsample(jax_float64):
    import jax.numpy as jnp
    from jax.scipy.stats import expon, uniform

    low, high = t64([0.0, -1.0], True), t64([2.0, 3.0], True)
    u = Uniform(low, high)
    x = np.array([0.5, 2.0])
    jax_lp = np.asarray(uniform.logpdf(jnp.asarray(x), np.array([0.0, -1]), np.array([2.0, 4])))
    np.testing.assert_allclose(u.log_prob(t64(x)).detach().numpy(), jax_lp)
    np.testing.assert_allclose(u.entropy().detach().numpy(), np.log([2.0, 4.0]))
    np.testing.assert_allclose(u.variance.detach().numpy(), np.array([4.0, 16.0]) / 12)
    z = u.rsample((5,))
    frac = ((z - low) / (high - low)).detach().numpy()
    z.sum().backward()  # d sample / d low = 1 - u, d sample / d high = u
    np.testing.assert_allclose(low.grad.numpy(), (1 - frac).sum(0), rtol=1e-12)
    np.testing.assert_allclose(high.grad.numpy(), frac.sum(0), rtol=1e-12)

    rate = t64([0.5, 2.0], True)
    e = Exponential(rate)
    y = np.array([1.0, 0.25])
    lp = e.log_prob(t64(y))
    jax_lp = np.asarray(expon.logpdf(jnp.asarray(y), scale=1 / np.array([0.5, 2.0])))
    np.testing.assert_allclose(lp.detach().numpy(), jax_lp, rtol=1e-12)
    lp.sum().backward()
    np.testing.assert_allclose(rate.grad.numpy(), 1 / np.array([0.5, 2.0]) - y, rtol=1e-12)  # 1/rate - x
    np.testing.assert_allclose(e.entropy().detach().numpy(), 1 - np.log([0.5, 2.0]))
    rate.grad = None
    s = e.rsample((3,))
    s.sum().backward()
    np.testing.assert_allclose(rate.grad.numpy(), (-s / rate).detach().numpy().sum(0), rtol=1e-12)


@cpu_only
def test_exponential_and_uniform_samples_have_the_moments():
    e = Exponential(t64(4.0)).sample((N,)).numpy()
    assert abs(e.mean() - 0.25) <= 5 * 0.25 / math.sqrt(N)
    u = Uniform(t64(-1.0), t64(1.0)).sample((N,)).numpy()
    assert ((u >= -1) & (u < 1)).all() and abs(u.mean()) <= 5 * math.sqrt(1 / 3 / N)


# -- KL ----------------------------------------------------------------------------------------------------
@cpu_only
def test_kl_divergences_against_written_out_formulas(jax_float64):
    import jax
    import jax.numpy as jnp

    m1, s1, m2, s2 = np.array([0.0, 1.0]), np.array([1.0, 0.5]), np.array([1.0, -1.0]), np.array([2.0, 0.7])
    loc = t64(m1, True)
    kl = kl_divergence(Normal(loc, t64(s1)), Normal(t64(m2), t64(s2)))
    np_kl = np.log(s2 / s1) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - 0.5
    np.testing.assert_allclose(kl.detach().numpy(), np_kl, rtol=1e-12)
    kl.sum().backward()
    np.testing.assert_allclose(loc.grad.numpy(), (m1 - m2) / s2**2, rtol=1e-12)

    p, q = np.array([0.2, 0.5, 0.9]), np.array([0.3, 0.5, 0.1])
    logits = t64(np.log(p / (1 - p)), True)
    kl = kl_divergence(Bernoulli(logits=logits), Bernoulli(probs=t64(q)))
    np.testing.assert_allclose(kl.detach().numpy(), p * np.log(p / q) + (1 - p) * np.log((1 - p) / (1 - q)),
                               rtol=1e-9, atol=1e-15)
    kl.sum().backward()
    want = jax.jit(jax.grad(lambda z: jnp.sum(
        jax.nn.sigmoid(z) * (jnp.log(jax.nn.sigmoid(z)) - jnp.log(q))
        + jax.nn.sigmoid(-z) * (jnp.log(jax.nn.sigmoid(-z)) - jnp.log(1 - q)))))
    np.testing.assert_allclose(logits.grad.numpy(), np.asarray(want(np.log(p / (1 - p)))), rtol=1e-7,
                               atol=1e-12)
    edge = kl_divergence(Bernoulli(t64([0.0, 1.0, 0.5])), Bernoulli(t64([0.5, 0.5, 0.0]))).numpy()
    np.testing.assert_allclose(edge, [math.log(2), math.log(2), math.inf])

    pc, qc = np.array([[0.2, 0.3, 0.5], [0.0, 0.5, 0.5]]), np.array([0.4, 0.4, 0.2])
    kl = kl_divergence(Categorical(t64(pc)), Categorical(t64(qc))).numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        want = np.where(pc > 0, pc * np.log(pc / qc), 0.0).sum(-1)
    np.testing.assert_allclose(kl, want, rtol=1e-10)
    assert kl_divergence(Categorical(t64([0.5, 0.5])), Categorical(t64([1.0, 0.0]))).item() == math.inf

    r1, r2 = np.array([1.0, 2.0]), np.array([3.0, 0.5])
    kl = kl_divergence(Exponential(t64(r1)), Exponential(t64(r2))).numpy()
    np.testing.assert_allclose(kl, np.log(r1 / r2) + r2 / r1 - 1, rtol=1e-12)
    kl = kl_divergence(Uniform(t64([0.0, 0.0]), t64([1.0, 1.0])), Uniform(t64([-1.0, 0.5]), t64([2.0, 2.0])))
    np.testing.assert_allclose(kl.numpy(), [math.log(3.0), math.inf])
    assert D.kl.kl_divergence is kl_divergence
    with pytest.raises(NotImplementedError, match="No KL"):
        kl_divergence(Normal(0.0, 1.0), Bernoulli(0.5))


@cpu_only
@settings(max_examples=12, deadline=None)
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
       seed=st.integers(0, 2**16))
def test_bernoulli_and_exponential_broadcast_parameters_and_value_as_numpy(shapes, seed):
    rng = np.random.default_rng(seed)
    (sp, sx), out = shapes.input_shapes, shapes.result_shape
    z, bits, rate, y = rng.normal(size=sp), rng.integers(0, 2, size=sx), rng.uniform(0.5, 2, size=sp), \
        rng.uniform(0, 3, size=sx)
    lp = Bernoulli(logits=t64(z)).log_prob(t64(bits))
    assert tuple(lp.shape) == out
    np.testing.assert_allclose(lp.numpy(), np_bernoulli_logpmf(bits, np_sigmoid(z)), rtol=1e-10, atol=1e-12)
    lp = Exponential(t64(rate)).log_prob(t64(y))
    assert tuple(lp.shape) == out
    np.testing.assert_allclose(lp.numpy(), np.log(rate) - rate * y, rtol=1e-12, atol=1e-12)


@cpu_only
def test_independent_sums_the_reinterpreted_dims_and_second_derivatives_flow():
    m, x = np.array([[0.0, 1.0, -1.0], [0.5, 0.5, 2.0]]), np.array([[0.1, 0.2, 0.3], [1.0, -1.0, 0.0]])
    loc = t64(m, True)
    d = Independent(Normal(loc, 1.0), 1)
    assert d.batch_shape == (2,) and d.event_shape == (3,) and d.rsample((4,)).shape == (4, 2, 3)
    lp = d.log_prob(t64(x))
    np.testing.assert_allclose(lp.detach().numpy(), np_normal_logpdf(x, m, 1.0).sum(-1), rtol=1e-13)
    np.testing.assert_allclose(d.entropy().numpy(), np.full(2, 3 * 0.5 * np.log(2 * np.pi * np.e)))
    kl = kl_divergence(d, Independent(Normal(t64(np.zeros((2, 3))), 2.0), 1))
    np.testing.assert_allclose(kl.detach().numpy(), (np.log(2.0) + (1 + m**2) / 8 - 0.5).sum(-1), rtol=1e-12)
    (g,) = dg.autograd.grad(lp.sum(), loc, create_graph=True)  # (x - loc), whose derivative is -1
    np.testing.assert_allclose(g.detach().numpy(), x - m, rtol=1e-12)
    (h,) = dg.autograd.grad(g.sum(), loc)
    np.testing.assert_allclose(h.numpy(), -np.ones((2, 3)))
    with pytest.raises(ValueError, match="Expected reinterpreted_batch_ndims <= len"):
        Independent(Normal(dg.zeros(3), 1.0), 2)


# -- shapes, repr, validation ------------------------------------------------------------------------------
@cpu_only
def test_shapes_expand_and_repr_are_pytorchs():
    d = Normal(dg.zeros(2, 1), dg.ones(3))
    assert d.batch_shape == (2, 3) and d.sample((4,)).shape == (4, 2, 3)
    assert repr(Normal(0.0, 1.0)) == "Normal(loc: 0.0, scale: 1.0)"
    assert repr(Categorical(logits=dg.zeros(2, 3))) == "Categorical(logits: dualgrad.Size([2, 3]))"
    assert Normal(dg.zeros(3), 1.0).expand((2, 3)).batch_shape == (2, 3)
    c = Categorical(logits=dg.zeros(3)).expand((4,))
    assert c.batch_shape == (4,) and c.sample().shape == (4,)
    assert Normal(0.0, 1.0).sample().dtype == dg.float32 and Bernoulli(0.3).sample().dtype == dg.float32
    assert Normal(t64([0.0]), 1.0).sample().dtype == dg.float64
    assert Categorical(dg.tensor([0.3, 0.7])).sample().dtype == dg.int64
    assert Categorical(dg.tensor([0.3, 0.7])).enumerate_support().numpy().tolist() == [0, 1]
    assert np.isnan(Categorical(logits=dg.zeros(2, 3)).mean.numpy()).all()


INVALID = [
    (lambda: Normal(dg.tensor([0.0, 1]), dg.tensor([1.0, -1])),
     "Expected parameter scale (Tensor of shape (2,)) of distribution Normal(loc: dualgrad.Size([2]), "
     "scale: dualgrad.Size([2])) to satisfy the constraint GreaterThan(lower_bound=0.0), but found invalid "
     "values:"),
    (lambda: Normal(dg.tensor([0.0, 1]), dg.tensor([1.0, 1])).log_prob(dg.tensor([0.0, math.nan])),
     "Expected value argument (Tensor of shape (2,)) to be within the support (Real()) of the distribution"),
    (lambda: Bernoulli(dg.tensor([0.5, 1.5])),
     "to satisfy the constraint Interval(lower_bound=0.0, upper_bound=1.0)"),
    (lambda: Bernoulli(probs=dg.tensor([0.5]), logits=dg.tensor([0.5])),
     "Either `probs` or `logits` must be specified, but not both."),
    (lambda: Bernoulli(dg.tensor([0.5])).log_prob(dg.tensor([0.5])), "to be within the support (Boolean())"),
    (lambda: Categorical(dg.tensor([0.5, -0.1])),
     "to satisfy the constraint Simplex(), but found invalid values:"),
    (lambda: Categorical(dg.tensor(0.5)), "`probs` parameter must be at least one-dimensional."),
    (lambda: Categorical(dg.tensor([0.5, 0.5])).log_prob(dg.tensor(3)),
     "to be within the support (IntegerInterval(lower_bound=0, upper_bound=1))"),
    (lambda: Uniform(dg.tensor([1.0]), dg.tensor([0.0])),
     "Expected parameter low (Tensor of shape (1,)) of distribution Uniform(low: tensor([1.]), high: "
     "tensor([0.])) to satisfy the constraint LessThan(upper_bound=tensor([0.])), but found invalid values:"),
    (lambda: Exponential(dg.tensor([1.0])).log_prob(dg.tensor([-1.0])), "(GreaterThanEq(lower_bound=0.0))"),
    (lambda: Normal(dg.zeros(3), 1.0).log_prob(dg.zeros(2)),
     "Value is not broadcastable with batch_shape+event_shape: dualgrad.Size([2]) vs dualgrad.Size([3])."),
]


@cpu_only
@pytest.mark.parametrize("case", range(len(INVALID)))
def test_validate_args_raises_pytorchs_value_errors(case):
    fn, text = INVALID[case]
    assert_value_error(fn, text, "test_distributions.py")


@cpu_only
def test_validate_args_false_skips_the_checks():
    d = Normal(dg.tensor([0.0]), dg.tensor([-1.0]), validate_args=False)
    with np.errstate(invalid="ignore"):
        assert np.isnan(d.log_prob(dg.tensor([0.0])).numpy()).all()
    D.Distribution.set_default_validate_args(False)
    try:
        Bernoulli(dg.tensor([1.5]))
    finally:
        D.Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError):
        Bernoulli(dg.tensor([1.5]))


def test_the_jax_device_gives_the_same_numbers(eager_device):
    """Each distribution's log_prob, entropy, KL and samples on the default device (float32)
    against the float64 formulas."""
    m, s, x = np.array([0.0, 1.5]), np.array([1.0, 0.5]), np.array([0.3, 1.0])
    d = Normal(dg.tensor(m, dtype=dg.float32), dg.tensor(s, dtype=dg.float32))
    assert d.loc.device.type == eager_device or eager_device == "jax"
    np.testing.assert_allclose(d.log_prob(dg.tensor(x, dtype=dg.float32)).numpy(), np_normal_logpdf(x, m, s),
                               rtol=1e-5)
    p = np.array([0.25, 0.5])
    b = Bernoulli(dg.tensor(p, dtype=dg.float32))
    np.testing.assert_allclose(b.entropy().numpy(), -(p * np.log(p) + (1 - p) * np.log1p(-p)), rtol=1e-5)
    c = Categorical(logits=dg.tensor([[0.0, 1.0, 2.0]]))
    z = np.array([0.0, 1.0, 2.0])
    kl = kl_divergence(c, Categorical(logits=dg.zeros(1, 3))).numpy()
    q = np.exp(z) / np.exp(z).sum()
    np.testing.assert_allclose(kl, [(q * np.log(q * 3)).sum()], rtol=1e-5)
    assert c.sample((5,)).device == c.logits.device and d.rsample().device == d.loc.device
    assert Exponential(dg.tensor([2.0])).sample((3,)).device == d.loc.device
    assert Uniform(dg.tensor([0.0]), dg.tensor([1.0])).sample().device == d.loc.device


@cpu_only
def test_dg_compile_traces_the_distribution_math():
    """With validate_args=False (validation reads values), log_prob, entropy and KL are registry
    ops a trace records: the compiled step gives the eager loss and gradients, with no eager
    fallback (a CompileWarning would say so)."""


    def step(loc, scale, logits, x, a):
        d = Normal(loc, scale, validate_args=False)
        c = Categorical(logits=logits, validate_args=False)
        loss = (-d.log_prob(x).sum() + kl_divergence(d, Normal(0.0, 1.0, validate_args=False)).sum()
                - c.log_prob(a).sum() - 0.1 * c.entropy().sum())
        loss.backward()
        return loss

    def run(fn):
        params = [dg.tensor([0.5, -1.0], requires_grad=True), dg.tensor([2.0, 0.5], requires_grad=True),
                  dg.tensor([[0.1, 0.2, 0.3], [1.0, 0.0, -1.0]], requires_grad=True)]
        loss = fn(*params, dg.tensor([1.0, 0.0]), dg.tensor([2, 0]))
        return loss.item(), [p.grad.numpy() for p in params]

    assert_compiled_equals_eager(run, step)
