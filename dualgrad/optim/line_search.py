"""LBFGS's strong Wolfe line search (`line_search_fn="strong_wolfe"`), PyTorch's `_strong_wolfe`
and `_cubic_interpolate` (ported, as PyTorch's, from torch7's lswolfe.lua and polyinterp.lua).

The search is scalar control flow on the host, with PyTorch's number types: the losses are
Python floats (PyTorch's `float(closure())`), the directional derivatives g . d and what is
computed from them numpy scalars of the parameters' dtype (`updates_lbfgs.value`: PyTorch's
0-d tensors), so in float32 the Armijo threshold f + c1 t g'd and the cubic's minimiser are
float32 numbers, as PyTorch's are, and an accepted step is the one PyTorch accepts. A division
by zero gives IEEE's inf or NaN, as PyTorch's tensors do, where two Python floats would raise
ZeroDivisionError. The gradients stay arrays, and `g . d` is the registry's `dot`.
"""
from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ..ops import elementwise as ew
from ..ops.updates_lbfgs import abs_max, dot, value


def _divide(a, b):
    """a / b with IEEE's answer for b == 0 (inf with the signs' product, NaN for 0 / 0)."""
    if b != 0 or isinstance(a, np.generic) or isinstance(b, np.generic):  # (numpy: IEEE already)
        return a / b
    if a == 0 or math.isnan(a):
        return math.nan
    return math.copysign(math.inf, a) * math.copysign(1.0, b)


def cubic_interpolate(x1, f1, g1, x2, f2, g2, bounds: tuple | None = None) -> object:
    """The minimiser of the cubic through (x1, f1, slope g1) and (x2, f2, slope g2), clamped to
    `bounds` (default: between x1 and x2); their midpoint when the cubic has no minimum."""
    with np.errstate(all="ignore"):  # (PyTorch's scalars overflow to inf silently)
        return _cubic(x1, f1, g1, x2, f2, g2, bounds)


def _cubic(x1, f1, g1, x2, f2, g2, bounds: tuple | None) -> object:
    xmin_bound, xmax_bound = bounds if bounds is not None else ((x1, x2) if x1 <= x2 else (x2, x1))
    d1 = g1 + g2 - _divide(3 * (f1 - f2), x1 - x2)
    d2_square = d1 * d1 - g1 * g2
    if d2_square >= 0:
        d2 = ew.sqrt(d2_square) if isinstance(d2_square, np.generic) else math.sqrt(d2_square)
        if x1 <= x2:
            min_pos = x2 - (x2 - x1) * _divide(g2 + d2 - d1, g2 - g1 + 2 * d2)
        else:
            min_pos = x1 - (x1 - x2) * _divide(g1 + d2 - d1, g1 - g2 + 2 * d2)
        return min(max(min_pos, xmin_bound), xmax_bound)
    return (xmin_bound + xmax_bound) / 2.0


def strong_wolfe(obj_func: Callable, x, t, d, f: float, g, gtd, c1: float = 1e-4,
                 c2: float = 0.9, tolerance_change: float = 1e-9, max_ls: int = 25) -> tuple:
    """(f_new, g_new, t, evaluations): a step length t along d meeting the strong Wolfe
    conditions f(x + t d) <= f + c1 t gtd and |g(x + t d) . d| <= -c2 gtd, found by bracketing
    and then zooming with cubic interpolation; `obj_func(x, t, d)` returns (loss, flat gradient)
    at x + t d. At most `max_ls` evaluations past the first."""
    d_norm = abs_max(d)
    f_new, g_new = obj_func(x, t, d)
    evals = 1
    gtd_new = value(dot(g_new, d))
    # bracket an interval containing a point satisfying the Wolfe criteria
    t_prev, f_prev, g_prev, gtd_prev = 0, f, g, gtd
    done, ls_iter, bracket_gtd = False, 0, None
    while ls_iter < max_ls:
        if f_new > f + c1 * t * gtd or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f, bracket_g, bracket_gtd = [t_prev, t], [f_prev, f_new], [g_prev, g_new], \
                [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g, done = [t], [f_new], [g_new], True
            break
        if gtd_new >= 0:
            bracket, bracket_f, bracket_g, bracket_gtd = [t_prev, t], [f_prev, f_new], [g_prev, g_new], \
                [gtd_prev, gtd_new]
            break
        # extrapolate: a cubic step between 1.01 t - 0.01 t_prev and 10 t
        t_prev, t = t, cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new,
                                         bounds=(t + 0.01 * (t - t_prev), t * 10))
        f_prev, g_prev, gtd_prev = f_new, g_new, gtd_new
        f_new, g_new = obj_func(x, t, d)
        evals += 1
        gtd_new = value(dot(g_new, d))
        ls_iter += 1
    if ls_iter >= max_ls:  # out of evaluations: take the better end of [0, t]
        bracket, bracket_f, bracket_g = [0, t], [f, f_new], [g, g_new]
    state = _Zoom(bracket, bracket_f, bracket_g, bracket_gtd)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:  # the bracket is too small
            break
        t = state.trial()
        f_new, g_new = obj_func(x, t, d)
        evals += 1
        gtd_new = value(dot(g_new, d))
        ls_iter += 1
        done = state.narrow(t, f_new, g_new, gtd_new, f + c1 * t * gtd, -c2 * gtd)
    low = state.low
    return bracket_f[low], bracket_g[low], bracket[low], evals


class _Zoom:
    """The zoom phase's bracket [low, high] (lists shared with the caller, changed in place)."""

    def __init__(self, bracket: list, bracket_f: list, bracket_g: list, bracket_gtd: list | None) -> None:
        self.bracket, self.f, self.g, self.gtd = bracket, bracket_f, bracket_g, bracket_gtd
        self.low, self.high = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
        self.insufficient = False

    def trial(self) -> object:
        """The next trial step: the cubic's minimiser, moved 0.1 of the bracket's width inside
        when it lands at (or, twice running, near) an end."""
        b = self.bracket
        t = cubic_interpolate(b[0], self.f[0], self.gtd[0], b[1], self.f[1], self.gtd[1])
        top, bottom = max(b), min(b)
        eps = 0.1 * (top - bottom)
        if min(top - t, t - bottom) < eps:  # close to an end
            if self.insufficient or t >= top or t <= bottom:
                t = top - eps if abs(t - top) < abs(t - bottom) else bottom + eps
                self.insufficient = False
            else:
                self.insufficient = True
        else:
            self.insufficient = False
        return t

    def narrow(self, t, f_new: float, g_new, gtd_new, armijo, curvature) -> bool:
        """Put the trial point in the bracket; True when it meets the strong Wolfe conditions."""
        b, low, high = self.bracket, self.low, self.high
        if f_new > armijo or f_new >= self.f[low]:  # not enough decrease, or not below the low end
            self._set(high, t, f_new, g_new, gtd_new)
            self.low, self.high = (0, 1) if self.f[0] <= self.f[1] else (1, 0)
            return False
        done = abs(gtd_new) <= curvature
        if not done and gtd_new * (b[high] - b[low]) >= 0:  # the old low becomes the high end
            self._set(high, b[low], self.f[low], self.g[low], self.gtd[low])
        self._set(low, t, f_new, g_new, gtd_new)
        return done

    def _set(self, i: int, t, f: float, g, gtd) -> None:
        self.bracket[i], self.f[i], self.g[i], self.gtd[i] = t, f, g, gtd
