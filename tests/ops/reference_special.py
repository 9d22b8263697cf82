"""Independent jax references of torch.special's scaled, Bessel and polynomial functions and the
float-bit functions: jax.scipy.special's where jax has the function, else scipy's value on the
host with the derivative written from the function's defining identities (a `jax.custom_jvp`),
never from dualgrad's kernels or rules. Part of `reference.REFERENCE`."""
from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import jax.scipy.special as jsp
import numpy as np
import scipy.special as ss


def _host(fn, x):
    spec = jax.ShapeDtypeStruct(x.shape, x.dtype)
    return jax.pure_callback(lambda v: np.asarray(fn(np.asarray(v)), x.dtype), spec, x,
                             vmap_method="broadcast_all")


@functools.cache
def _bessel(kind: str, n: int):
    """J_n, Y_n (F_n' = (F_{n-1} - F_{n+1}) / 2) or K_n (K_n' = -(K_{n-1} + K_{n+1}) / 2) of
    scipy's jv / yv / kv; K_{-1} = K_1, J_{-1} = -J_1, Y_{-1} = -Y_1."""
    @jax.custom_jvp
    def f(x):
        return _host(lambda v: getattr(ss, kind)(n, v), x)

    @f.defjvp
    def f_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        below, above = _bessel(kind, abs(n - 1)), _bessel(kind, n + 1)
        low = below(x) if n >= 1 or kind == "kv" else -below(x)
        slope = -(low + above(x)) / 2 if kind == "kv" else (low - above(x)) / 2
        return f(x), slope * t

    return f


@jax.custom_jvp
def _airy_ai(x):
    return _host(lambda v: ss.airy(v)[0], x)


@jax.custom_jvp
def _airy_ai_prime(x):
    return _host(lambda v: ss.airy(v)[1], x)


_airy_ai.defjvp(lambda p, t: (_airy_ai(p[0]), _airy_ai_prime(p[0]) * t[0]))
_airy_ai_prime.defjvp(lambda p, t: (_airy_ai_prime(p[0]), p[0] * _airy_ai(p[0]) * t[0]))


def _spherical_j0(x):
    safe = jnp.where(x == 0, 1.0, x)
    return jnp.where(x == 0, 1.0 - x**2 / 6, jnp.sin(safe) / safe)


def _exponent(x):
    """floor(log2 |x|) + 1, 0 at 0 (exact for the sampled values: none is a power of 2)."""
    return jnp.where(x == 0, 0, jnp.floor(jnp.log2(jnp.abs(jnp.where(x == 0, 1.0, x)))) + 1).astype(jnp.int32)


def _mantissa(x):
    return x / 2.0 ** jax.lax.stop_gradient(_exponent(x).astype(x.dtype))


def _nextafter(x, y):
    """The next float; the gradient passes to x alone (PyTorch's)."""
    xs, ys = jax.lax.stop_gradient(x), jax.lax.stop_gradient(y)
    return x + (jnp.nextafter(xs, ys) - xs)


def _recurrence(first, step):
    """P_n(x) for n in [0, 8) by a three-term recurrence P_{k+1} = step(k, x, P_k, P_{k-1}),
    P_0 = 1, P_1 = first(x); the element's own n picks its value."""
    def poly(x, n):
        x, n = jnp.broadcast_arrays(x, n)
        prev, cur = jnp.ones_like(x), first(x)
        out = jnp.where(n == 0, prev, jnp.where(n == 1, cur, 0.0))
        for k in range(1, 7):
            prev, cur = cur, step(k, x, cur, prev)
            out = jnp.where(n == k + 1, cur, out)
        return out
    return poly


_CHEBYSHEV = {"t": lambda x: x, "u": lambda x: 2 * x, "v": lambda x: 2 * x - 1, "w": lambda x: 2 * x + 1}
_POLYNOMIALS = {
    **{f"chebyshev_polynomial_{name}": _recurrence(first, lambda k, x, c, p: 2 * x * c - p)
       for name, first in _CHEBYSHEV.items()},
    "hermite_polynomial_h": _recurrence(lambda x: 2 * x, lambda k, x, c, p: 2 * x * c - 2 * k * p),
    "hermite_polynomial_he": _recurrence(lambda x: x, lambda k, x, c, p: x * c - k * p),
    "laguerre_polynomial_l": _recurrence(lambda x: 1 - x,
                                         lambda k, x, c, p: ((2 * k + 1 - x) * c - k * p) / (k + 1)),
    "legendre_polynomial_p": _recurrence(lambda x: x,
                                         lambda k, x, c, p: ((2 * k + 1) * x * c - k * p) / (k + 1)),
}
_POLYNOMIALS.update({f"shifted_chebyshev_polynomial_{k}": (lambda f: lambda x, n: f(2 * x - 1, n))(
    _POLYNOMIALS[f"chebyshev_polynomial_{k}"]) for k in _CHEBYSHEV})


SPECIAL = {
    "entr": jsp.entr, "erfcx": jsp.erfcx, "i0e": jsp.i0e, "i1e": jsp.i1e, "log_ndtr": jsp.log_ndtr,
    "ndtri": jsp.ndtri, "gammainc": jsp.gammainc, "gammaincc": jsp.gammaincc, "zeta": jsp.zeta,
    "bessel_j0": _bessel("jv", 0), "bessel_j1": _bessel("jv", 1),
    "bessel_y0": _bessel("yv", 0), "bessel_y1": _bessel("yv", 1),
    "modified_bessel_k0": _bessel("kv", 0), "modified_bessel_k1": _bessel("kv", 1),
    "scaled_modified_bessel_k0": lambda x: jnp.exp(x) * _bessel("kv", 0)(x),
    "scaled_modified_bessel_k1": lambda x: jnp.exp(x) * _bessel("kv", 1)(x),
    "spherical_bessel_j0": _spherical_j0, "airy_ai": _airy_ai, "airy_ai_prime": _airy_ai_prime,
    "frexp_mantissa": _mantissa, "frexp_exponent": _exponent,
    "nextafter": _nextafter,
    **_POLYNOMIALS,
}
