"""What `symbolic.lambdify` calls for the sympy functions in the forms of torch.special's Bessel,
Airy, incomplete gamma and zeta ops (ops.special_bessel, ops.special_scaled) and frexp's
exponent (ops.float_bits): the registry ops' own kernels on the backend's arrays. sympy writes
the derivatives of J0, Y0, K0 with J2, Y2, K2...: whole orders come from orders 0 and 1 by the
three-term recurrences (upward, as `lambdify._besseli`; only small orders appear)."""
from __future__ import annotations

from collections.abc import Callable

from .. import ops


def _kernel(op, xp) -> Callable:
    return lambda *args: op.kernel(xp, *(xp.asarray(a) for a in args))


def _order_n(zero: Callable, one: Callable, sign: int) -> Callable:
    """F_n for a whole n >= 0 from F_0 and F_1: F_{k+1} = 2k/v F_k - F_{k-1} for J and Y
    (sign -1), K_{k+1} = 2k/v K_k + K_{k-1} (sign +1)."""
    def value(n, v):
        n = int(n)
        low, high = zero(v), one(v)
        if n == 0:
            return low
        for k in range(1, n):
            low, high = high, 2 * k / v * high + sign * low
        return high
    return value


def special_names(xp) -> dict[str, Callable]:
    """name -> function of `xp` arrays (numpy, or jax.numpy) for lambdify's namespace."""
    k = {name: _kernel(getattr(ops, name), xp) for name in (
        "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "modified_bessel_k0", "modified_bessel_k1",
        "airy_ai", "airy_ai_prime", "gammainc", "gammaincc", "zeta", "frexp_exponent", "lgamma")}

    def gamma(a):
        return xp.exp(k["lgamma"](a)) * _gamma_sign(xp, xp.asarray(a))

    return {
        "besselj": _order_n(k["bessel_j0"], k["bessel_j1"], -1),
        "bessely": _order_n(k["bessel_y0"], k["bessel_y1"], -1),
        "besselk": _order_n(k["modified_bessel_k0"], k["modified_bessel_k1"], 1),
        "airyai": k["airy_ai"], "airyaiprime": k["airy_ai_prime"],
        "gamma": gamma,
        "lowergamma": lambda a, x: k["gammainc"](a, x) * gamma(a),
        "uppergamma": lambda a, x: k["gammaincc"](a, x) * gamma(a),
        "zeta": lambda s, a=1.0: k["zeta"](s, a),
        "frexp_exponent": lambda v: k["frexp_exponent"](v).astype(float),  # (2 ** -e of an int e fails)
    }


def _gamma_sign(xp, a):
    """The sign of Gamma(a): -1 on the intervals (-2k-1, -2k) of the negative axis."""
    return xp.where((a < 0) & (xp.floor(a) % 2 == 1), -1.0, 1.0)
