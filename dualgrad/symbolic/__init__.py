"""Closed forms of recorded computations (SPEC §4).

    from dualgrad import symbolic
    symbolic.expr(loss)              # sympy expression of an eager tape or a static graph
    symbolic.grad(loss, w)           # sympy.diff of it: the closed form
    symbolic.ad_grad(loss, w)        # what dualgrad's VJP rules build, run on symbols
    symbolic.check(loss, [w, b])     # proves (or refutes) that the two, and the engine, agree
    symbolic.pprint_grad(loss, w)    # prints d(loss)/d(w) = ...
    symbolic.format_grad(loss, w)    # the same formula as an object (LaTeX in notebooks)
    symbolic.latex(...), symbolic.lambdify(expr, backend="numpy" | "jax")

Every call takes `budget=` seconds (default 10) and falls back to cheaper methods rather than
hang. sympy is imported only when these run. See docs/symbolic.md.
"""
from __future__ import annotations

from ..ops.symarray import SymArray, SymbolicUnsupported, lift
from . import sympy_fixes
from .budget import DEFAULT_BUDGET, BudgetExceeded
from .canonical import tidy_indices
from .check import check
from .derivative import ad_grad, grad
from .expr import expr
from .lambdify import Lambdified, lambdify
from .printing import Formula, format_grad, latex, pprint_grad
from .report import CheckReport, InputCheck

elementwise = lift  # `elementwise(formula, *arrays)`: a scalar formula lifted over SymArrays

__all__ = [
    "expr", "grad", "ad_grad", "check", "pprint_grad", "format_grad", "latex", "lambdify",
    "CheckReport", "InputCheck", "Formula", "Lambdified", "SymArray", "SymbolicUnsupported", "BudgetExceeded",
    "DEFAULT_BUDGET", "elementwise", "tidy_indices",
]
