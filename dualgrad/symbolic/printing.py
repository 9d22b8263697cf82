"""Readable output: `format_grad` / `pprint_grad` (`d(loss)/d(w) = ...`, in matrix notation
when there is one, else index notation with common subexpressions named),
`latex`, and index renaming (`i0, i7` -> `i, p`) so printed formulas are stable."""
from __future__ import annotations

import sys
from typing import TextIO

from .canonical import tidy_indices
from .derivative import grad
from .expr import expr
from .matrix import matrix_form
from .program import build
from .steps import clean_name
from .sympy_fixes import sstr, sym


class Formula(str):
    """The text of a printed derivative (a str), with the sympy expression at `.expr` and
    LaTeX for notebooks."""

    expr = None      # the index-notation closed form (sympy)
    matrix = None    # the matrix-notation form, when there is one
    latex_text = ""

    def __repr__(self) -> str:
        return str(self)

    def _repr_latex_(self) -> str:
        return f"${self.latex_text}$"


def _cse(e, min_ops: int = 3):
    """sympy.cse, keeping only subexpressions worth a name: at least `min_ops` operations and
    no summation index (a name outside its Sum would read wrong)."""
    sp = sym()
    if isinstance(e, sp.NDimArray):
        return [], e
    bound = set()
    for s in e.atoms(sp.Sum):
        bound |= {lim[0] for lim in s.limits}
    replacements, (reduced,) = sp.cse(e, symbols=sp.numbered_symbols("x", start=0, real=True),
                                      order="none")
    kept, inline = [], {}
    for name, sub in replacements:
        sub = sub.xreplace(inline)
        if sp.count_ops(sub) < min_ops or sub.free_symbols & bound:
            inline[name] = sub
        else:
            kept.append((name, sub))
    reduced = reduced.xreplace(inline)
    if not kept:
        return [], e
    # renumber the kept names x0, x1, ... in order
    taken = {s.name for s in e.free_symbols}
    names = [n for n in (f"x{k}" for k in range(100)) if n not in taken]
    renum = {old: sp.Symbol(new, real=True) for (old, _), new in zip(kept, names, strict=False)}
    kept = [(renum[n], s.xreplace(renum)) for n, s in kept]
    return kept, reduced.xreplace(renum)


def _label(t, fallback: str) -> str:
    name = getattr(t, "name", None) if not isinstance(t, str) else t
    return clean_name(name) if name else fallback


NOTATIONS = ("matrix", "index")


def format_grad(y, x, *, notation: str = "matrix", cse: bool = True,
                budget: float | None = None) -> Formula:
    """`d(loss)/d(w) = <closed form>` as a Formula: a str (that line, and `where` lines naming
    repeated subexpressions `x0, x1, ...` when `cse` is on) with the sympy expression at
    `.expr` and LaTeX for notebooks. `notation="matrix"` writes the gradient with matrix
    products, transposes and elementwise functions when it can (see symbolic/matrix.py), else
    in index notation; `notation="index"` always uses index notation."""
    sp = sym()
    if notation not in NOTATIONS:
        raise ValueError(f"format_grad: notation must be one of {NOTATIONS}, got {notation!r}")
    g = tidy_indices(grad(y, x, budget=budget))
    num, den = _label(y, "y"), _label(x, "x")
    lhs = f"d({num})/d({den})"
    lhs_latex = (f"\\frac{{\\partial {sp.latex(sp.Symbol(num))}}}{{\\partial "
                 f"{sp.latex(sp.Symbol(den))}}}")
    matrix = _matrix_form(y, x, g) if notation == "matrix" else None
    if matrix is not None:
        out = Formula(f"{lhs} = {matrix.text}")
        out.latex_text = f"{lhs_latex} = {matrix.latex}"
    else:
        replacements, reduced = _cse(g) if cse else ([], g)
        lines = [f"{lhs} = {sstr(reduced)}"]
        lines += [f"  where {sstr(n)} = {sstr(s)}" for n, s in replacements]
        out = Formula("\n".join(lines))
        out.latex_text = f"{lhs_latex} = {sp.latex(g)}"
    out.expr = g
    out.matrix = matrix
    return out


def _matrix_form(y, x, g):
    """The gradient in matrix notation, or None when it has none (symbolic/matrix.py)."""
    sp = sym()
    if isinstance(g, sp.NDimArray) or not g.has(sp.Indexed):
        return None
    free = tuple(sorted((s for s in g.free_symbols
                         if isinstance(s, sp.Symbol) and s.is_integer and s.is_nonnegative
                         and not s.is_positive),  # indices j, k; sizes N are positive
                        key=lambda s: s.name))
    shape = getattr(x, "shape", None)
    if isinstance(x, str) or shape is None:
        return None
    shape = shape.as_list() if hasattr(shape, "as_list") else list(shape)
    sizes = tuple(3 if d is None else int(d) for d in shape if d != 1)
    if not free or len(sizes) != len(free):  # a scalar input's gradient reads best as it is
        return None
    program = build(y, cuts=[x])
    columns = frozenset(s.name for s in program.steps  # (n, 1) inputs are column vectors
                        if s.name and s.shape and len(s.shape) == 2 and s.shape[1] == 1
                        and s.shape[0] != 1)
    return matrix_form(g, free, sizes, columns, column_result=len(shape) == 2 and shape[1] == 1)


def pprint_grad(y, x, *, notation: str = "matrix", cse: bool = True, budget: float | None = None,
                file: TextIO | None = None) -> None:
    """Print `d(loss)/d(w) = <closed form>` to stdout (or `file`), as sympy's `pprint` does;
    `format_grad` returns the same formula as an object."""
    print(format_grad(y, x, notation=notation, cse=cse, budget=budget),
          file=sys.stdout if file is None else file)


def latex(obj, **settings) -> str:
    """LaTeX of a closed form, a tensor's expression, a Formula or a check report."""
    sp = sym()
    if isinstance(obj, Formula):
        return obj.latex_text
    if hasattr(obj, "_repr_latex_") and not isinstance(obj, (sp.Basic, sp.NDimArray)):
        return obj._repr_latex_().strip("$")
    if not isinstance(obj, (sp.Basic, sp.NDimArray)):
        obj = expr(obj)
    return sp.latex(tidy_indices(obj), **settings)
