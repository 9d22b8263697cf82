"""`grad` (sympy.diff of the closed form) and `ad_grad` (what dualgrad's VJP rules build).

Both return, for an input `x`: a scalar formula when `x` is a scalar (or the program is
elementwise); the derivative with respect to `x[j, k, ...]` at free indices `j, k, ...` in
index notation; or, in the small-concrete-shape fallback, a sympy Array of all partials.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import GraphError
from ..ops.symarray import SymArray, SymbolicUnsupported, expanded_sums, reset_index_names
from . import program as P
from . import walk
from .budget import Budget, BudgetExceeded
from .canonical import eliminate_deltas, tidy, tidy_indices
from .expr import EXPAND_LIMIT, Leaf, Symbolized, elementwise_program, index_symbol, symbolized
from .sympy_fixes import sym


def free_indices(leaf: Leaf) -> tuple:
    return tuple(index_symbol(n, leaf.taken) for n in range(len(leaf.kept)))


def _require_scalar(s: Symbolized) -> None:
    if s.mode != "elementwise" and any(d != 1 for d in s.root.shape):
        raise GraphError(f"symbolic.grad: y must be a scalar (or an elementwise program); "
                         f"it has shape {s.root.shape}. Reduce it first, e.g. with sum()")


def closed_form(s: Symbolized, leaf: Leaf, budget: Budget):
    """sympy.diff of the expression, with index bounds and KroneckerDeltas resolved."""
    sp = sym()
    _require_scalar(s)
    e = s.root_expr
    if s.mode == "elementwise" or leaf.scalar:
        return tidy(sp.diff(e, leaf.base))
    if s.mode == "concrete":
        entries = [sp.diff(e, leaf.base[idx if len(idx) > 1 else idx[0]])
                   for idx in np.ndindex(*leaf.index_shape)]
        return sp.ImmutableDenseNDimArray(entries, leaf.index_shape)
    free = free_indices(leaf)
    d = sp.diff(e, leaf.base[free if len(free) > 1 else free[0]])
    bounds = dict(zip(free, leaf.index_shape, strict=True))
    with budget.limit(0.5):
        d = tidy(eliminate_deltas(d, bounds), bounds)
    if d.has(sp.Derivative):
        raise SymbolicUnsupported("index notation stayed unevaluated (a Derivative)")
    return d


def seed(s: Symbolized) -> SymArray:
    one = sym().Integer(1)
    shape = () if s.mode == "elementwise" else s.root.shape
    return SymArray(shape, lambda *idx: one)


def adjoint(s: Symbolized, leaves: Sequence[int]) -> dict:
    """The SymArray gradient of each leaf step, from the registry's VJP rules."""
    _require_scalar(s)
    if s.mode == "concrete":
        with expanded_sums(EXPAND_LIMIT):
            return walk.backward(s.program, s.values, s.operands, list(leaves), seed(s))
    return walk.backward(s.program, s.values, s.operands, list(leaves), seed(s))


def adjoint_form(s: Symbolized, leaf: Leaf, g) -> object:
    """The sympy value of a leaf's gradient array, in the same layout as `closed_form`."""
    sp = sym()
    if g is None:
        if s.mode == "concrete" and not leaf.scalar:
            return sp.ImmutableDenseNDimArray([0] * int(np.prod(leaf.index_shape)), leaf.index_shape)
        return sp.Integer(0)
    if s.mode == "elementwise":
        return g.at(*([0] * g.ndim))

    def element(kept_idx):
        full, it = [], iter(kept_idx)
        for a in range(len(leaf.shape)):
            full.append(next(it) if a in leaf.kept else 0)
        lead = g.ndim - len(full)
        return g.at(*([0] * lead + full))

    if leaf.scalar:
        out = element(())
    elif s.mode == "concrete":
        with expanded_sums(EXPAND_LIMIT):
            entries = [element(idx) for idx in np.ndindex(*leaf.index_shape)]
        return sp.ImmutableDenseNDimArray(entries, leaf.index_shape)
    else:
        free = free_indices(leaf)
        return tidy(element(free), dict(zip(free, leaf.index_shape, strict=True)))
    return tidy(out)


def _first_working(y, x, build, budget: Budget):
    """Run `build(s, leaf)` in the most readable mode where it works."""
    program = P.build(y, cuts=[x] if not isinstance(x, str) else [])
    k = program.leaf_of(x)
    notes, mode = [], None
    for mode in _modes(program):
        try:
            s = symbolized(program, budget, mode=mode)
            with budget.limit():
                return build(s, s.leaves[k]) if k in s.leaves else sym().Integer(0)
        except SymbolicUnsupported as e:
            notes.append(f"{mode}: {e}")
        except BudgetExceeded as e:
            raise BudgetExceeded(f"the budget of {budget.seconds:g} s ran out ({e}) building "
                                 f"the {mode} closed form of {_size_of(program)}; "
                                 "pass a larger budget= or compare numbers with "
                                 "symbolic.check") from None
        except RecursionError:
            raise SymbolicUnsupported(f"the derivative nests more deeply than sympy's recursion "
                                      f"allows: a chain of {P.depth(program)} ops "
                                      f"({program.describe()})") from None
    raise SymbolicUnsupported("; ".join(notes))


def _size_of(program: P.Program) -> str:
    """What a budget message names: the graph's size and its inputs' shapes."""
    shapes = ", ".join(f"{program.steps[k].name} {_shape_text(program.steps[k].shape)}"
                       for k in program.leaves())
    return f"a graph of {program.describe()} (inputs: {shapes or 'none'})"


def _shape_text(shape) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in shape or ()) + \
        ("," if len(shape or ()) == 1 else "") + ")"


def _modes(program: P.Program) -> list[str]:
    return (["elementwise"] if elementwise_program(program) else []) + ["index", "concrete"]


def grad(y, x, *, budget: float | None = None) -> Any:
    """d y / d x as sympy, by `sympy.diff` of `expr(y)`: the closed form dualgrad is judged by."""
    b = Budget(budget)
    reset_index_names()
    return tidy_indices(_first_working(y, x, lambda s, leaf: closed_form(s, leaf, b), b))


def ad_grad(y, x, *, budget: float | None = None) -> Any:
    """The expression of the gradient graph dualgrad's own VJP rules build for d y / d x: the
    reverse walker run over the recorded graph with symbolic values."""
    b = Budget(budget)
    reset_index_names()

    def build(s: Symbolized, leaf: Leaf):
        k = next(k for k, lf in s.leaves.items() if lf is leaf)
        g = adjoint(s, [k])[k]
        return adjoint_form(s, leaf, g)

    return tidy_indices(_first_working(y, x, build, b))


__all__ = ["grad", "ad_grad", "BudgetExceeded"]
