"""torch.special's orthogonal polynomials as registry primitives of (x, n): Chebyshev of the
first to fourth kind (`chebyshev_polynomial_t/u/v/w`) and their shifted forms on [0, 1]
(`shifted_chebyshev_polynomial_t/u/v/w`, the polynomial at 2x - 1), Hermite (`hermite_polynomial_h`,
physicists'; `hermite_polynomial_he`, probabilists'), Laguerre (`laguerre_polynomial_l`) and
Legendre (`legendre_polynomial_p`).

As PyTorch's: n is truncated to an integer, a negative n gives 0, and there is no gradient (in x
nor n: PyTorch's results carry none). Kernels are scipy.special's `eval_*` in float64 (V and W
as U_n -+ U_{n-1}), on the host for jax arrays too; a NaN x gives NaN (PyTorch 2.13's vectorised
CPU kernel gives a neighbouring element's value there).
"""
from __future__ import annotations

import numpy as np

from . import specs
from .lazy import sympy as sp
from .registry import declare
from .special_scaled import float_dtype, host_callback


def _third_kind(sign: int):
    """V_n = U_n - U_{n-1} (sign -1), W_n = U_n + U_{n-1} (sign +1), U_{-1} = 0."""
    def value(n, x):
        import scipy.special

        below = np.where(n > 0, scipy.special.eval_chebyu(np.maximum(n - 1, 0), x), 0.0)
        return scipy.special.eval_chebyu(n, x) + sign * below
    return value


def _scipy(name: str):
    def value(n, x):
        import scipy.special

        return getattr(scipy.special, name)(n, x)
    return value


def _shifted(fn):
    return lambda n, x: fn(n, 2 * x - 1)


def _on_host(fn):
    """fn(n, x) for x, n in float64 with n truncated to an int; 0 where n < 0."""
    def run(x, n):
        x, n = np.broadcast_arrays(np.asarray(x, np.float64), np.asarray(n, np.float64))
        whole = np.trunc(np.nan_to_num(n, nan=-1.0, posinf=-1.0, neginf=-1.0)).astype(np.int64)
        with np.errstate(all="ignore"):
            out = fn(np.maximum(whole, 0), x)
        return np.where(whole < 0, 0.0, out)
    return run


def _kernel(fn):
    run = _on_host(fn)

    def kernel(xp, x, n):
        if xp is np:
            return np.asarray(run(x, n)).astype(float_dtype(x, n), copy=False)
        return host_callback(xp, run, x, n)
    return kernel


def _form(poly, shifted: bool = False):
    return lambda x, n: poly(n, 2 * x - 1 if shifted else x)


def _third_form(sign: int):
    return lambda n, x: sp.chebyshevu(n, x) + sign * sp.chebyshevu(n - 1, x)


_FAMILIES = {  # name: (value of (n, x) on float64 arrays, sympy form of (n, x), what it is)
    "chebyshev_polynomial_t": (_scipy("eval_chebyt"), lambda n, x: sp.chebyshevt(n, x),
                               "the Chebyshev polynomial of the first kind T_n(x)"),
    "chebyshev_polynomial_u": (_scipy("eval_chebyu"), lambda n, x: sp.chebyshevu(n, x),
                               "the Chebyshev polynomial of the second kind U_n(x)"),
    "chebyshev_polynomial_v": (_third_kind(-1), _third_form(-1),
                               "the Chebyshev polynomial of the third kind V_n(x) = U_n(x) - U_{n-1}(x)"),
    "chebyshev_polynomial_w": (_third_kind(1), _third_form(1),
                               "the Chebyshev polynomial of the fourth kind W_n(x) = U_n(x) + U_{n-1}(x)"),
    "hermite_polynomial_h": (_scipy("eval_hermite"), lambda n, x: sp.hermite(n, x),
                             "the physicists' Hermite polynomial H_n(x)"),
    "hermite_polynomial_he": (_scipy("eval_hermitenorm"), lambda n, x: sp.hermite_prob(n, x),
                              "the probabilists' Hermite polynomial He_n(x)"),
    "laguerre_polynomial_l": (_scipy("eval_laguerre"), lambda n, x: sp.laguerre(n, x),
                              "the Laguerre polynomial L_n(x)"),
    "legendre_polynomial_p": (_scipy("eval_legendre"), lambda n, x: sp.legendre(n, x),
                              "the Legendre polynomial P_n(x)"),
}


def _declare(name: str, value, form, what: str, shifted: bool = False):
    where = " at 2x - 1 (on [0, 1])" if shifted else ""
    return declare(name, _kernel(_shifted(value) if shifted else value), sympy=_form(form, shifted),
                   shape=specs.broadcast, domain=((-1.5, 1.5), (0, 6)), nin=2, differentiable=False,
                   promotes=True, floating=True, elementwise=True,
                   doc=f"{what}{where}, n truncated to an integer, 0 for n < 0; no gradient "
                       f"(torch.special.{name})")


POLYNOMIALS = {name: _declare(name, *family) for name, family in _FAMILIES.items()}
POLYNOMIALS.update({f"shifted_{name}": _declare(f"shifted_{name}", *_FAMILIES[name], shifted=True)
                    for name in ("chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v",
                                 "chebyshev_polynomial_w")})
globals().update(POLYNOMIALS)

__all__ = sorted(POLYNOMIALS)
