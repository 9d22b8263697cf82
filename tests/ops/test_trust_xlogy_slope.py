"""x * log(y) is linear in x, so its gradient in x is log(y) at x == 0 too. dualgrad gave 0
there (TF1's rule), so every log-density built on xlogy had a wrong gradient at the most
common parameter value: `Dirichlet(ones).log_prob(v)` in the concentration read 1.83 where
the slope is 0.22, `Gamma(1, rate)` (the exponential) 1.27 for 0.58. Now the slope is
PyTorch's and jax's everywhere fn(y) is finite, 0 where x == 0 and y is outside the domain
(or NaN, or inf, where 0 * log(y) has no value to keep). Oracles: jax.scipy.special and
jax.scipy.stats (independent of the registry), numpy's 1 / y for TF1's xdivy."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import jax.scipy.special as jsp
import jax.scipy.stats as jst
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dualgrad as dg
import dualgrad.static as ds

pytestmark = pytest.mark.usefixtures("jax_float64")  # float64 jax oracles

X = st.sampled_from([0.0, -0.0, 0.0, 1.5, -2.0])
Y = st.sampled_from([0.5, 2.0, 1e-300, 1e300, 0.0, -0.5, -1.0, -3.0, np.inf, np.nan])
PAIRS = st.integers(1, 8).flatmap(lambda n: st.tuples(hnp.arrays(np.float64, n, elements=X),
                                                       hnp.arrays(np.float64, n, elements=Y)))
FUNCTIONS = {  # name: (eager, static, jax oracle, lower end of fn's domain)
    "xlogy": (dg.xlogy, ds.math.xlogy, jsp.xlogy, 0.0),
    "xlog1py": (dg.special.xlog1py, ds.math.xlog1py, jsp.xlog1py, -1.0),
}


def _expected_slope(name, x, y, nan=True):
    """jax's gradient in x (NaN at a NaN y, PyTorch's too), but 0 where x == 0 and y is outside
    fn's domain or inf, or NaN with nan=False (TF1's xlogy) (dualgrad's rule, docs/eager.md)."""
    oracle, lower = FUNCTIONS[name][2], FUNCTIONS[name][3]
    slope = np.array([jax.grad(oracle)(a, b) for a, b in zip(x, y, strict=True)])
    excluded = (y <= lower) | (y == np.inf) | (np.isnan(y) & (not nan))
    return np.where((x == 0) & excluded, 0.0, slope)


@pytest.mark.parametrize("device", ["cpu", "jax"])
@pytest.mark.parametrize("name", sorted(FUNCTIONS))
@settings(max_examples=25, deadline=None)
@given(pair=PAIRS)
def test_eager_slope_in_x_is_fn_of_y(device, name, pair):
    x, y = pair
    a = dg.tensor(x, dtype=dg.float64, requires_grad=True, device=device)
    b = dg.tensor(y, dtype=dg.float64, device=device)
    out = FUNCTIONS[name][0](a, b)
    (gx,) = dg.autograd.grad(out.sum(), [a])
    with np.errstate(all="ignore"):
        value = np.array([FUNCTIONS[name][2](p, q) for p, q in zip(x, y, strict=True)])
    value[(x == 0) & (y == np.inf)] = 0.0  # (jax: NaN; PyTorch and dualgrad 0)
    np.testing.assert_array_equal(out.detach().numpy(), value)
    np.testing.assert_allclose(gx.numpy(), _expected_slope(name, x, y), rtol=1e-15, equal_nan=True)


@pytest.mark.parametrize("backend", ["numpy", "jax"])
@pytest.mark.parametrize("name", ["xlogy", "xlog1py", "xdivy"])
@settings(max_examples=15, deadline=None)
@given(pair=PAIRS)
def test_static_slope_in_x(backend, name, pair):
    x, y = pair
    with ds.Graph().as_default():
        px, py = ds.placeholder(ds.float64, [len(x)]), ds.placeholder(ds.float64, [len(y)])
        (gx,) = ds.gradients(getattr(ds.math, name)(px, py), [px])
        with ds.Session(backend=backend) as sess:
            got = sess.run(gx, {px: x, py: y})
    if name == "xdivy":  # 1 / y, 0 where x == 0 and y is 0 or NaN
        with np.errstate(divide="ignore"):
            want = np.where((x == 0) & ((y == 0) | np.isnan(y)), 0.0, 1 / y)
    else:
        want = _expected_slope(name, x, y, nan=False)
    np.testing.assert_allclose(got, want, rtol=1e-15, equal_nan=True)


LOG_DENSITIES = {  # parameter -> log_prob at value, in dualgrad and jax.scipy.stats
    "Dirichlet": (lambda c, v: dg.distributions.Dirichlet(c).log_prob(v),
                  lambda c, v: jst.dirichlet.logpdf(v, c), 3),
    "Gamma": (lambda c, v: dg.distributions.Gamma(c, dg.tensor(2.0, dtype=dg.float64)).log_prob(v).sum(),
              lambda c, v: jst.gamma.logpdf(v, c, scale=0.5).sum(), 3),
    "Beta": (lambda c, v: dg.distributions.Beta(c[0], c[1]).log_prob(v[0]),
             lambda c, v: jst.beta.logpdf(v[0], c[0], c[1]), 2),
}


@pytest.mark.parametrize("family", sorted(LOG_DENSITIES))
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_log_density_gradients_at_concentration_one(family, data):
    ours, theirs, n = LOG_DENSITIES[family]
    c = np.array(data.draw(st.lists(st.sampled_from([1.0, 1.0, 0.5, 2.5]), min_size=n, max_size=n)))
    v = np.array(data.draw(st.lists(st.floats(0.05, 0.9), min_size=n, max_size=n)))
    if family == "Dirichlet":
        v = v / v.sum()
    conc = dg.tensor(c, dtype=dg.float64, requires_grad=True)
    (got,) = dg.autograd.grad(ours(conc, dg.tensor(v, dtype=dg.float64)), [conc])
    want = jax.grad(theirs)(jnp.asarray(c), jnp.asarray(v))
    np.testing.assert_allclose(got.numpy(), np.asarray(want), rtol=1e-10)
