"""torch.special's scaled, Bessel, Airy, incomplete gamma, zeta and polynomial functions and
frexp / nextafter: values at the edges (0, -0, negatives, large, inf, NaN) against scipy.special
and numpy in float64 on both devices, float32 results, the gradients PyTorch has and the ones it
has not (no gradient reaches gammainc's a, zeta's x, the polynomials), and the refusals."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.special as ss

import dualgrad as dg
from dualgrad.testing import assert_close

EDGES = np.array([-np.inf, -30.0, -2.5, -1.0, -0.0, 0.0, 1e-300, 1e-8, 0.5, 1.0, 2.5, 30.0, 700.0, 1e5,
                  np.inf, np.nan])


def _v(n, x):
    return ss.eval_chebyu(n, x) - (ss.eval_chebyu(n - 1, x) if n > 0 else 0.0)


def _w(n, x):
    return ss.eval_chebyu(n, x) + (ss.eval_chebyu(n - 1, x) if n > 0 else 0.0)


UNARY = {  # dg.special name: scipy's float64 oracle
    "entr": ss.entr, "erfcx": ss.erfcx, "i0e": ss.i0e, "i1e": ss.i1e, "log_ndtr": ss.log_ndtr,
    "ndtri": ss.ndtri, "bessel_j0": ss.j0, "bessel_j1": ss.j1, "bessel_y0": ss.y0, "bessel_y1": ss.y1,
    "modified_bessel_i0": ss.i0, "modified_bessel_i1": ss.i1, "modified_bessel_k0": ss.k0,
    "modified_bessel_k1": ss.k1, "scaled_modified_bessel_k0": ss.k0e, "scaled_modified_bessel_k1": ss.k1e,
    "spherical_bessel_j0": lambda x: ss.spherical_jn(0, x), "airy_ai": lambda x: ss.airy(x)[0],
}
POLYNOMIALS = {
    "chebyshev_polynomial_t": ss.eval_chebyt, "chebyshev_polynomial_u": ss.eval_chebyu,
    "chebyshev_polynomial_v": _v, "chebyshev_polynomial_w": _w,
    "shifted_chebyshev_polynomial_t": ss.eval_sh_chebyt, "shifted_chebyshev_polynomial_u": ss.eval_sh_chebyu,
    "shifted_chebyshev_polynomial_v": lambda n, x: _v(n, 2 * x - 1),
    "shifted_chebyshev_polynomial_w": lambda n, x: _w(n, 2 * x - 1),
    "hermite_polynomial_h": ss.eval_hermite, "hermite_polynomial_he": ss.eval_hermitenorm,
    "laguerre_polynomial_l": ss.eval_laguerre, "legendre_polynomial_p": ss.eval_legendre,
}


def _f64(values):
    return dg.tensor(np.asarray(values, np.float64), dtype=dg.float64)


# the ops whose jax kernels are scipy's on the host too: their edges are checked on the cpu only
ON_HOST = {"bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "modified_bessel_k0", "modified_bessel_k1",
           "scaled_modified_bessel_k0", "scaled_modified_bessel_k1", "airy_ai"}


@pytest.mark.cpu_only
@pytest.mark.parametrize("name", sorted(ON_HOST))
def test_host_kernel_edges_match_scipy(name, eager_device):
    _check_edges(name, eager_device)


@pytest.mark.parametrize("name", sorted(set(UNARY) - ON_HOST))
def test_unary_edges_match_scipy(name, eager_device):
    _check_edges(name, eager_device)


def _check_edges(name: str, eager_device: str) -> None:
    edges = EDGES[2:-2] if name == "modified_bessel_i1" else EDGES  # (the i1 op gives +-inf at +-inf,
    with np.errstate(all="ignore"):                                 # scipy and PyTorch NaN)
        expected = UNARY[name](edges)
    got = getattr(dg.special, name)(_f64(edges))
    assert got.dtype == dg.float64
    assert_close(got.numpy(), expected, rtol=2e-12, atol=0.0, msg=name)  # (jax's log_ndtr: 3e-13 at -30)
    if eager_device == "cpu":  # (each dtype is one more jax compile)
        assert getattr(dg.special, name)(dg.tensor([0.5, 2.0])).dtype == dg.float32


def test_gammainc_at_the_ends_of_a_is_the_limit():
    """P(inf, x) = 0, Q(inf, x) = 1 for finite x >= 0, and P(0, x) = 1, Q(0, x) = 0 for x > 0
    (scipy's and PyTorch's; jax's gammainc gives NaN for both, so the jax device did)."""
    a, x = np.array([np.inf, np.inf, 0.0, 0.0, 0.0]), np.array([0.0, 3.0, 0.2, 5.0, 0.0])
    np.testing.assert_array_equal(dg.special.gammainc(_f64(a), _f64(x)).numpy(), ss.gammainc(a, x))
    np.testing.assert_array_equal(dg.special.gammaincc(_f64(a), _f64(x)).numpy(), ss.gammaincc(a, x))


@pytest.mark.cpu_only  # (jax's gammainc and zeta compile slowly; the registry test compares the devices)
def test_binary_edges_match_scipy():
    a = np.array([0.0, 0.0, 1e-3, 0.5, 2.0, 50.0, np.inf, -1.0, 3.0, 1.0])
    x = np.array([0.0, 1.0, 1.0, 0.5, np.inf, 50.0, 3.0, 1.0, -1.0, np.nan])
    assert_close(dg.special.gammainc(_f64(a), _f64(x)).numpy(), ss.gammainc(a, x), rtol=1e-13, atol=0.0)
    assert_close(dg.special.gammaincc(_f64(a), _f64(x)).numpy(), ss.gammaincc(a, x), rtol=1e-13, atol=0.0)
    s = np.array([2.0, 3.0, 2.0, 2.0, 2.0, 1.0, 0.5, 4.5])
    q = np.array([1.0, 0.5, 0.0, -1.0, -1.5, 2.0, 1.0, 3.25])
    assert_close(dg.special.zeta(_f64(s), _f64(q)).numpy(), ss.zeta(s, q), rtol=1e-13, atol=0.0)
    assert_close(dg.special.zeta(_f64(s), 2.0).numpy(), ss.zeta(s, 2.0), rtol=1e-13, atol=0.0)
    assert dg.special.gammainc(dg.tensor([1, 2]), dg.tensor([1, 3])).dtype == dg.float32


@pytest.mark.cpu_only  # (their jax kernels are scipy's on the host: the registry test compares the two)
@pytest.mark.parametrize("name", sorted(POLYNOMIALS))
def test_polynomials_match_scipy_and_pytorch_conventions(name):
    x = np.array([-2.0, -1.0, -0.3, 0.0, 0.7, 1.0, 3.0, np.nan])
    fn = getattr(dg.special, name)
    degrees = np.array([0, 1, 2, 5, 12])
    got = fn(_f64(x[:, None]), dg.tensor(degrees)).numpy()  # (one call: one jax compile)
    expected = np.array([[POLYNOMIALS[name](n, v) for n in degrees] for v in x])
    assert_close(got, expected, rtol=1e-12, atol=1e-12, msg=name)
    # a negative degree gives 0, a fractional one is truncated toward 0 (PyTorch's)
    got = fn(_f64([0.7, 0.7, 0.7, 0.7]), _f64([2.7, 2.0, -0.5, -1.0])).numpy()
    assert_close(got, [POLYNOMIALS[name](2, 0.7)] * 2 + [1.0, 0.0], rtol=1e-13, atol=0.0)


def test_python_numbers_are_weak():
    """A Python number beside a float32 tensor leaves the result float32 (it was float64 when the
    kernel promoted the number as a float64 array)."""
    assert dg.special.zeta(2.0, dg.tensor([1.0, 3.0])).dtype == dg.float32
    assert dg.special.chebyshev_polynomial_t(dg.tensor([0.5, 0.25]), 3).dtype == dg.float32


@pytest.mark.cpu_only  # (the rules are registry ops: the registry test runs them on jax too)
def test_gradients_where_pytorch_has_them_and_not_where_it_has_none():
    x = dg.tensor([0.3, 1.7, 2.9], dtype=dg.float64, requires_grad=True)
    a = dg.tensor([0.5, 2.0, 3.5], dtype=dg.float64, requires_grad=True)
    (gx,) = dg.autograd.grad(dg.special.gammainc(a.detach(), x).sum(), x)
    xs, an = x.detach().numpy(), a.detach().numpy()
    density = np.exp((an - 1) * np.log(xs) - xs - ss.gammaln(an))
    assert_close(gx.numpy(), density, rtol=1e-12, atol=0.0)
    assert not dg.special.gammainc(a, x.detach()).requires_grad  # no derivative in a (PyTorch's)
    assert not dg.special.zeta(a + 1.5, x.detach()).requires_grad  # nor in zeta's x
    assert not dg.special.hermite_polynomial_h(x, 3).requires_grad  # PyTorch's carry none
    for name, slope in (("bessel_j0", -ss.j1(xs)), ("modified_bessel_k0", -ss.k1(xs)),
                        ("airy_ai", ss.airy(xs)[1]), ("i1e", ss.i0e(xs) - ss.i1e(xs) * (1 + 1 / xs))):
        (g,) = dg.autograd.grad(getattr(dg.special, name)(x).sum(), x)
        assert_close(g.numpy(), slope, rtol=1e-12, atol=1e-14, msg=name)
    zero = dg.tensor([0.0], dtype=dg.float64, requires_grad=True)
    (g0,) = dg.autograd.grad(dg.special.spherical_bessel_j0(zero).sum(), zero)  # sin(x)/x's slope at 0
    assert g0.numpy().tolist() == [0.0]


def test_multigammaln():
    x = np.array([1.2, 2.0, 7.5])
    expected = 3 * 2 / 4 * np.log(np.pi) + sum(ss.gammaln(x - j / 2) for j in range(3))
    assert_close(dg.special.multigammaln(_f64(x), 3).numpy(), ss.multigammaln(x[:, None], 3)[:, 0],
                 rtol=1e-13, atol=0.0)
    assert_close(dg.special.multigammaln(_f64(x), 3).numpy(), expected, rtol=1e-13, atol=0.0)
    with pytest.raises(RuntimeError, match="p has to be greater than or equal to 1"):
        dg.special.multigammaln(_f64(x), 0)


@pytest.mark.cpu_only  # (the same registry ops as dg.special's, run on jax above)
def test_igamma_igammac_mvlgamma_spellings():
    a, x = np.array([0.5, 2.0, 7.0]), np.array([0.3, 2.5, 4.0])
    t = _f64(a)
    assert_close(dg.igamma(t, _f64(x)).numpy(), ss.gammainc(a, x), rtol=1e-13, atol=0.0)
    assert_close(t.igammac(_f64(x)).numpy(), ss.gammaincc(a, x), rtol=1e-13, atol=0.0)
    expected = [ss.multigammaln(value, 2) for value in a + 1.0]
    assert_close(dg.mvlgamma(t + 1.0, 2).numpy(), expected, rtol=1e-13, atol=0.0)
    u = _f64(a)
    assert u.igamma_(_f64(x)) is u and np.allclose(u.numpy(), ss.gammainc(a, x), rtol=1e-13, atol=0.0)
    v = _f64(a + 1.0)
    assert v.mvlgamma_(2) is v
    assert_close(v.numpy(), expected, rtol=1e-13, atol=0.0)
    w = dg.tensor([1, 2])
    with pytest.raises(RuntimeError, match="can't be cast"):
        w.mvlgamma_(1)


def test_frexp_and_nextafter(eager_device):
    subnormal = [5e-324] if eager_device == "cpu" else []  # (XLA flushes subnormals to 0)
    values = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, *subnormal, -3.0, 1.0, 0.1, 1e300])
    mantissa, exponent = np.frexp(values)
    got = dg.frexp(_f64(values))
    assert got.exponent.dtype == dg.int32 and got.mantissa.dtype == dg.float64
    np.testing.assert_array_equal(got.mantissa.numpy(), mantissa)
    np.testing.assert_array_equal(got.exponent.numpy(), exponent)
    np.testing.assert_array_equal(np.signbit(got.mantissa.numpy()), np.signbit(mantissa))
    m32, e32 = _f64(values).float().frexp()
    np.testing.assert_array_equal(m32.numpy(), np.frexp(values.astype(np.float32))[0])
    x = dg.tensor([0.75, 3.0, 0.0], dtype=dg.float64, requires_grad=True)
    (g,) = dg.autograd.grad(dg.frexp(x).mantissa.sum(), x)
    assert_close(g.numpy(), [1.0, 0.25, 1.0], rtol=0.0, atol=0.0)
    toward = _f64([1.0, 0.0, np.inf, 2.0])[(0 if subnormal else 1):]
    start = _f64([0.0, 1.0, 1.0, 2.0])[(0 if subnormal else 1):]
    np.testing.assert_array_equal(dg.nextafter(start, toward).numpy(),
                                  np.nextafter(start.numpy(), toward.numpy()))
    smallest = dg.nextafter(dg.tensor([1.0]), dg.tensor([0.0])).item()
    assert smallest == np.nextafter(np.float32(1), np.float32(0))
    y = dg.tensor([1.0, 2.0], dtype=dg.float64, requires_grad=True)
    other = dg.tensor([0.0, 5.0], dtype=dg.float64, requires_grad=True)
    gy, go = dg.autograd.grad(dg.nextafter(y, other).sum(), [y, other])
    assert gy.numpy().tolist() == [1.0, 1.0] and go.numpy().tolist() == [0.0, 0.0]
    z = dg.tensor([1.0, 2.0])
    assert z.nextafter_(dg.tensor([0.0, 0.0])) is z
    assert z.numpy()[0] == np.nextafter(np.float32(1), np.float32(0))


def test_integer_inputs_are_refused_by_frexp_and_nextafter():
    with pytest.raises(TypeError, match="frexp"):
        dg.frexp(dg.tensor([1, 2]))
    with pytest.raises(TypeError, match="nextafter"):
        dg.nextafter(dg.tensor([1, 2]), dg.tensor([0, 0]))
