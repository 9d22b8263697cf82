"""Closed forms of recorded computations: `expr`, `grad`, `ad_grad`, `check`, `pprint_grad`,
`latex`, `lambdify` (SPEC §4). sympy is imported only when these run."""
from __future__ import annotations

from ..ops.symarray import SymArray, SymbolicUnsupported
from .budget import DEFAULT_BUDGET, BudgetExceeded
from .derivative import ad_grad, grad
from .expr import expr

__all__ = ["expr", "grad", "ad_grad", "SymArray", "SymbolicUnsupported", "BudgetExceeded",
           "DEFAULT_BUDGET"]
