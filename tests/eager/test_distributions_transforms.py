"""dg.distributions.transforms and TransformedDistribution against independent oracles: each
transform's map, inverse and log |det J| against jax float64 (the Jacobian by jax.grad of the
map written in jax), TransformedDistribution's log_prob / cdf / icdf against jax.scipy.stats
(a Normal through exp is a log-normal, through an affine map a normal, through tanh the
change-of-variables formula written in jax), log_prob gradients against jax.grad, seeded
rsample gradients by finite differences, sample moments, and PyTorch's ValueError texts."""
from __future__ import annotations

import math

import numpy as np
import pytest
from distribution_checks import assert_compiled_equals_eager
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
from dualgrad.distributions import (
    AbsTransform,
    AffineTransform,
    ComposeTransform,
    Exponential,
    ExpTransform,
    Independent,
    Normal,
    PowerTransform,
    SigmoidTransform,
    SoftplusTransform,
    TanhTransform,
    TransformedDistribution,
    Uniform,
    constraints,
)

pytestmark = pytest.mark.usefixtures("jax_float64")
cpu_only = pytest.mark.cpu_only
F64 = dg.float64


def t64(a, grad: bool = False) -> dg.Tensor:
    return dg.tensor(np.asarray(a, dtype=np.float64), dtype=F64, requires_grad=grad)


def _jax_maps():
    """Per transform: (dualgrad transform, jax forward map, points in its domain)."""
    import jax.numpy as jnp

    x = np.array([-2.5, -0.3, 0.0, 0.7, 3.1])
    pos = np.array([0.1, 0.5, 1.0, 2.0, 4.5])
    loc, scale = np.array([0.5, -1.0, 2.0, 0.0, 1.0]), np.array([2.0, -0.5, 1.5, 3.0, -4.0])
    return {
        "exp": (ExpTransform(), jnp.exp, x),
        "affine_numbers": (AffineTransform(1.5, -2.0), lambda v: 1.5 - 2.0 * v, x),
        "affine_tensors": (AffineTransform(t64(loc), t64(scale)), lambda v: loc + scale * v, x),
        "sigmoid": (SigmoidTransform(), lambda v: 1 / (1 + jnp.exp(-v)), x),
        "tanh": (TanhTransform(), jnp.tanh, x),
        "softplus": (SoftplusTransform(), lambda v: jnp.logaddexp(v, 0.0), x),
        "power": (PowerTransform(t64(2.5)), lambda v: v ** 2.5, pos),
        "power_negative": (PowerTransform(t64([-0.5])), lambda v: v ** -0.5, pos),
        "compose": (ComposeTransform([AffineTransform(0.3, 0.5), TanhTransform(), AffineTransform(1.0, 2.0)]),
                    lambda v: 1.0 + 2.0 * jnp.tanh(0.3 + 0.5 * v), x),
    }


@cpu_only
@pytest.mark.parametrize("name", list(_jax_maps()))
def test_map_inverse_and_log_abs_det_jacobian_against_jax(name):
    import jax

    t, f, x = _jax_maps()[name]
    y = t(t64(x))
    np.testing.assert_allclose(y.numpy(), np.asarray(f(x)), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(t.inv(y).numpy(), x, rtol=1e-9, atol=1e-12)
    slope = np.diag(np.asarray(jax.jacfwd(f)(x)))  # (each map is elementwise: the Jacobian is diagonal)
    np.testing.assert_allclose(t.log_abs_det_jacobian(t64(x), y).numpy(), np.log(np.abs(slope)), rtol=1e-10,
                               atol=1e-12)
    # the inverse's log |det J| is minus the forward's at the swapped pair
    np.testing.assert_allclose(t.inv.log_abs_det_jacobian(y, t64(x)).numpy(), -np.log(np.abs(slope)),
                               rtol=1e-10, atol=1e-12)
    assert t.inv.inv is t and t.bijective


@cpu_only
@settings(max_examples=10, deadline=None)
@given(st.lists(st.floats(-30, 30), min_size=1, max_size=4))
def test_tanh_sigmoid_softplus_jacobians_are_stable_far_out(xs):
    """The log |det J| formulas stay finite and right where the naive log(1 - tanh**2) underflows."""
    x = np.asarray(xs)
    want = {TanhTransform: 2 * np.log(2) - 2 * np.logaddexp(x, -x),  # log(4 / (e^x + e^-x)**2)
            SigmoidTransform: x - 2 * np.logaddexp(0, x),             # log(e^x / (1 + e^x)**2)
            SoftplusTransform: x - np.logaddexp(0, x)}                # log sigmoid(x)
    for cls, expected in want.items():
        t = cls()
        got = t.log_abs_det_jacobian(t64(x), t(t64(x))).numpy()
        assert np.all(np.isfinite(got))
        np.testing.assert_allclose(got, np.asarray(expected), rtol=1e-10, atol=1e-14)
    # and against log|f'| = -2 log cosh(x) where cosh is representable (log1p(-tanh**2) is not
    # an oracle there: 1 - tanh**2 cancels, 1e-6 off at x = 13.9)
    mid = x[np.abs(x) < 15]
    np.testing.assert_allclose(TanhTransform().log_abs_det_jacobian(t64(mid), t64(np.tanh(mid))).numpy(),
                               -2 * np.log(np.cosh(mid)), rtol=1e-10, atol=1e-14)  # (softplus's
    # threshold 20 drops log1p(e**-2|x|), 3e-11 relative at |x| = 11, as PyTorch's formula)


@cpu_only
def test_cache_constraints_signs_shapes_and_repr():
    x = t64([0.2, 0.5])
    t = TanhTransform(cache_size=1)
    y = t(x)
    assert t(x) is y and t.inv(y) is x  # (the cached pair: no atanh of a rounded +-1)
    assert TanhTransform().inv(y) is not x
    with pytest.raises(ValueError, match="cache_size must be 0 or 1"):
        ExpTransform(cache_size=2)
    assert ExpTransform().with_cache(1)._cache_size == 1
    compose = ComposeTransform([ExpTransform(), AffineTransform(0.0, -1.0)])
    assert compose.sign == -1 and compose.domain is constraints.real and compose.codomain is constraints.real
    assert repr(compose) == "ComposeTransform(\n    ExpTransform(),\n    AffineTransform()\n)"
    assert repr(ExpTransform().inv) == "_InverseTransform(ExpTransform())"
    assert repr(TanhTransform.codomain) == "Interval(lower_bound=-1.0, upper_bound=1.0)"
    assert ExpTransform() == ExpTransform() and ExpTransform() != SigmoidTransform()
    assert AffineTransform(1.0, 2.0) == AffineTransform(1.0, 2.0) != AffineTransform(1.0, 3.0)
    assert AffineTransform(0.0, t64([1.0, 2.0])).forward_shape((3, 1)) == (3, 2)
    assert AffineTransform(0.0, 1.0, event_dim=1).domain.event_dim == 1
    assert not AbsTransform().bijective and AbsTransform().inv(t64([2.0])).numpy().tolist() == [2.0]
    assert ComposeTransform([]).log_abs_det_jacobian(x, x).numpy().tolist() == [0.0, 0.0]


def _jax_logpdfs():
    """Per case: (distribution, values, jax logpdf, jax cdf or None, jax ppf or None)."""
    import jax.numpy as jnp
    from jax.scipy import stats

    m, s = np.array([0.3, -1.0, 2.0]), np.array([0.5, 2.0, 1.5])
    a, b = 1.5, -2.0
    pos, x = np.array([0.4, 2.0, 7.0]), np.array([0.7, -2.5, 2.2])
    tanh_y = np.array([-0.9, 0.1, 0.99])
    return {
        "lognormal": (TransformedDistribution(Normal(t64(m), t64(s)), ExpTransform()), pos,
                      lambda v: stats.norm.logpdf(jnp.log(v), m, s) - jnp.log(v),
                      lambda v: stats.norm.cdf(jnp.log(v), m, s),
                      lambda p: np.exp(m + s * np.asarray(stats.norm.ppf(p)))),
        "decreasing_affine": (TransformedDistribution(Normal(t64(m), t64(s)), AffineTransform(a, b)), x,
                              lambda v: stats.norm.logpdf(v, a + b * m, abs(b) * s),
                              lambda v: stats.norm.cdf(v, a + b * m, abs(b) * s),
                              lambda p: stats.norm.ppf(p, a + b * m, abs(b) * s)),
        "tanh_normal": (TransformedDistribution(Normal(t64(m), t64(s)), [TanhTransform()]), tanh_y,
                        lambda v: stats.norm.logpdf(jnp.arctanh(v), m, s) - jnp.log1p(-v ** 2),
                        lambda v: stats.norm.cdf(jnp.arctanh(v), m, s), None),
        "logistic": (TransformedDistribution(Uniform(t64(0.0), t64(1.0)).expand((3,)),
                                             [SigmoidTransform().inv, AffineTransform(t64(m), t64(s))]), x,
                     lambda v: stats.logistic.logpdf(v, m, s), lambda v: stats.logistic.cdf(v, m, s),
                     lambda p: stats.logistic.ppf(p, m, s)),
        "weibull_like": (TransformedDistribution(Exponential(t64([1.0, 1.0, 1.0])),
                                                 [PowerTransform(t64(0.4)), AffineTransform(0.0, t64(s))]),
                         pos, lambda v: jnp.log(2.5 / s) + 1.5 * jnp.log(v / s) - (v / s) ** 2.5,
                         lambda v: 1 - jnp.exp(-(v / s) ** 2.5), None),
    }


@cpu_only
@pytest.mark.parametrize("name", list(_jax_logpdfs()))
def test_transformed_log_prob_cdf_icdf_against_jax_scipy(name):
    d, v, logpdf, cdf, ppf = _jax_logpdfs()[name]
    np.testing.assert_allclose(d.log_prob(t64(v)).numpy(), np.asarray(logpdf(v)), rtol=1e-11)
    np.testing.assert_allclose(d.cdf(t64(v)).numpy(), np.asarray(cdf(v)), rtol=1e-11)
    if ppf is not None:
        p = np.array([0.1, 0.5, 0.95])
        np.testing.assert_allclose(d.icdf(t64(p)).numpy(), np.asarray(ppf(p)), rtol=1e-10)
    assert d.batch_shape == (3,) and d.event_shape == () and d.sample((4,)).shape == (4, 3)
    assert d.expand((2, 3)).log_prob(t64(v)).shape == (2, 3)


@cpu_only
def test_log_prob_gradients_against_jax_grad():
    """A SAC-style squashed Gaussian: d log_prob / d (loc, scale) against jax.grad of the formula."""
    import jax
    import jax.numpy as jnp
    from jax.scipy import stats

    m, s, y = np.array([0.3, -1.0, 2.0]), np.array([0.5, 2.0, 1.5]), np.array([-0.9, 0.1, 0.99])
    loc, scale = t64(m, True), t64(s, True)
    d = TransformedDistribution(Normal(loc, scale), [AffineTransform(0.5, 2.0), TanhTransform()])
    d.log_prob(t64(y)).sum().backward()

    def f(a, b):
        x = jnp.arctanh(y)
        return jnp.sum(stats.norm.logpdf((x - 0.5) / 2.0, a, b) - jnp.log(2.0) - jnp.log1p(-y ** 2))

    ga, gb = jax.grad(f, argnums=(0, 1))(m, s)
    np.testing.assert_allclose(loc.grad.numpy(), np.asarray(ga), rtol=1e-11)
    np.testing.assert_allclose(scale.grad.numpy(), np.asarray(gb), rtol=1e-11)


@cpu_only
def test_rsample_is_reparameterised_and_log_prob_reads_it_through_the_cache():
    m, s = np.array([0.3, -1.0]), np.array([0.5, 2.0])

    def rsample(a, b):
        dg.manual_seed(5)
        d = TransformedDistribution(Normal(a, b), [TanhTransform(), AffineTransform(1.0, 3.0)])
        return d.rsample((3,))

    assert dg.autograd.gradcheck(rsample, (t64(m, True), t64(s, True)))
    d = TransformedDistribution(Normal(t64(m), t64(s)), [TanhTransform(cache_size=1)])
    assert d.has_rsample and not TransformedDistribution(dg.distributions.Poisson(t64(1.0)), []).has_rsample
    big = TransformedDistribution(Normal(t64(40.0), t64(1.0)), TanhTransform(cache_size=1))
    z = big.rsample()
    assert z.item() == 1.0 and np.isfinite(big.log_prob(z).item())  # (atanh(1) = inf without the cache)


@cpu_only
def test_event_dims_and_samples():
    loc, scale = t64(np.zeros((2, 3))), t64(np.ones((2, 3)))
    a, b = np.array([1.0, 2.0, 3.0]), np.array([0.5, 1.0, 2.0])
    d = TransformedDistribution(Normal(loc, scale), AffineTransform(t64(a), t64(b), event_dim=1))
    assert d.batch_shape == (2,) and d.event_shape == (3,) and isinstance(d.base_dist, Independent)
    v = np.array([[0.5, 1.0, -2.0], [3.0, 2.0, 1.0]])
    from jax.scipy import stats
    want = np.asarray(stats.norm.logpdf(v, a, b)).sum(-1)
    np.testing.assert_allclose(d.log_prob(t64(v)).numpy(), want, rtol=1e-12)
    n = 4000
    dg.manual_seed(0)
    e = TransformedDistribution(Normal(t64([0.2, -0.4]), t64([0.3, 0.25])), ExpTransform())
    draws = e.sample((n,)).numpy()
    mean = np.exp(np.array([0.2, -0.4]) + np.array([0.3, 0.25]) ** 2 / 2)
    var = (np.exp(np.array([0.3, 0.25]) ** 2) - 1) * mean ** 2
    assert np.all(np.abs(draws.mean(0) - mean) < 5 * np.sqrt(var / n))
    assert np.all(np.abs(draws.var(0) / var - 1) < 0.15)
    assert not e.sample().requires_grad and e.support.lower_bound == 0.0


INVALID = [
    (lambda: TransformedDistribution(Normal(0.0, 1.0), ExpTransform()).log_prob(dg.tensor(-1.0)),
     "Expected value argument (Tensor of shape ()) to be within the support (GreaterThan(lower_bound=0.0)) "
     "of the distribution TransformedDistribution(), but found invalid values:"),
    (lambda: TransformedDistribution(Normal(0.0, 1.0), "exp"),
     "transforms must be a Transform or list, but was"),
    (lambda: TransformedDistribution(Normal(0.0, 1.0), [ExpTransform(), "exp"]),
     "transforms must be a Transform or a list of Transforms"),
    (lambda: TransformedDistribution(Normal(0.0, 1.0), AffineTransform(0.0, 1.0, event_dim=1)),
     "base_distribution needs to have shape with size at least 1, but got dualgrad.Size([])."),
]


@cpu_only
@pytest.mark.parametrize("case", range(len(INVALID)))
def test_validation_raises_pytorchs_value_errors(case):
    fn, text = INVALID[case]
    with pytest.raises(ValueError) as info:
        fn()
    assert str(info.value).startswith(text), str(info.value)
    assert "test_distributions_transforms.py" in str(info.value)


def test_the_jax_device_and_float32(eager_device):
    """The squashed Gaussian on the default device in float32 against the float64 formula."""
    m, s, y = np.array([0.3, -1.0]), np.array([0.5, 2.0]), np.array([-0.5, 0.25])
    d = TransformedDistribution(Normal(dg.tensor(m), dg.tensor(s)), [TanhTransform()])
    x = np.arctanh(y)
    want = -((x - m) ** 2) / (2 * s**2) - np.log(s) - 0.5 * math.log(2 * math.pi) - np.log1p(-y**2)
    np.testing.assert_allclose(d.log_prob(dg.tensor(y)).numpy(), want, rtol=2e-6)
    assert d.rsample((2,)).device == d.base_dist.loc.device


@cpu_only
def test_matches_torch(torch):
    """An optional extra oracle: PyTorch's classes on the same numbers."""
    td = torch.distributions
    m, s = np.array([0.3, -1.0]), np.array([0.5, 2.0])
    ours = TransformedDistribution(Normal(t64(m), t64(s)), [AffineTransform(0.1, -2.0), SigmoidTransform()])
    theirs = td.TransformedDistribution(td.Normal(torch.tensor(m), torch.tensor(s)),
                                        [td.AffineTransform(0.1, -2.0), td.SigmoidTransform()])
    v = np.array([0.2, 0.9])
    np.testing.assert_allclose(ours.log_prob(t64(v)).numpy(), theirs.log_prob(torch.tensor(v)).numpy(),
                               rtol=1e-12)
    np.testing.assert_allclose(ours.cdf(t64(v)).numpy(), theirs.cdf(torch.tensor(v)).numpy(), rtol=1e-12)


@cpu_only
def test_dg_compile_traces_the_transformed_log_prob():
    """With validate_args=False, a squashed Gaussian's log_prob is registry ops a trace records:
    the compiled step gives the eager loss and gradients, with no eager fallback."""


    def step(loc, log_scale, y):
        d = TransformedDistribution(Normal(loc, log_scale.exp(), validate_args=False),
                                    [AffineTransform(0.5, 2.0), TanhTransform()], validate_args=False)
        loss = -d.log_prob(y).sum()
        loss.backward()
        return loss

    def run(fn):
        params = [dg.tensor([0.5, -1.0], requires_grad=True), dg.tensor([0.1, -0.3], requires_grad=True)]
        return fn(*params, dg.tensor([0.3, -0.8])).item(), [p.grad.numpy() for p in params]

    assert_compiled_equals_eager(run, step)
