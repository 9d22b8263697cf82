"""How `dualgrad.symbolic` reaches sympy: `sym()` (sympy, imported on first use, with the fix
below applied) and `free_symbols` (a cheaper walk than sympy's for sums), and one fix.

The fix: when a `Sum` is built, sympy "folds" every `Piecewise` in its body that mentions the
summation variable out to the top of the body — including a Piecewise that sits inside an inner
`Sum` and uses *that* Sum's variable, which moves it out of its binder. For example
`Sum(Sum(Piecewise((x[i], Eq(k, 0)), (x[i]**2, True)), (k, 0, 1))**2, (i, 0, 1))` becomes
`Sum(Piecewise((Sum(x[i], (k, 0, 1))**2, Eq(k, 0)), ...), (i, 0, 1))`, with `k` free. Stacked
arrays, `where` and `relu` inside nested reductions produce exactly these shapes.

`apply()` wraps sympy's `_common_new` so inner Sums/Products holding a Piecewise are masked
while the outer body is folded: folding is only an optimisation, skipping it is always sound.
It stays on for the process, not only during dualgrad's calls: sympy rebuilds the sums of a
returned closed form whenever the user differentiates or substitutes into it.
"""
from __future__ import annotations

_APPLIED = False


def sym():
    """sympy, with the fix below applied: every symbolic module reaches sympy through this, so
    sympy is imported only when a symbolic form is first built."""
    import sympy

    apply()
    return sympy


def apply() -> None:
    global _APPLIED
    if _APPLIED:
        return
    from sympy import Basic, Dummy, Piecewise
    from sympy.concrete import expr_with_limits as ewl

    original = ewl._common_new

    def common_new(cls, function, *symbols, **kwargs):
        reps = {}  # only sympy bodies are inspected; anything else goes to sympy unchanged
        if isinstance(function, Basic) and function.has(Piecewise):
            inner = [e for e in function.atoms(ewl.ExprWithLimits) if e.has(Piecewise)]
            outermost = [e for e in inner if not any(o is not e and o.has(e) for o in inner)]
            reps = {e: Dummy() for e in outermost}
            if function in reps:  # the body is itself a Sum: let sympy merge the limits
                reps = {}
        if not reps:
            return original(cls, function, *symbols, **kwargs)
        out, limits, orientation = original(cls, function.xreplace(reps), *symbols, **kwargs)
        return out.xreplace({d: e for e, d in reps.items()}), limits, orientation

    ewl._common_new = common_new
    _APPLIED = True


def free_symbols(e) -> set:
    """The plain symbols free in `e`, without sympy's cost: sympy's `Sum.free_symbols`
    rebuilds the body (an `xreplace` of each index by itself), which re-runs the evaluation and
    assumption queries of every node in it, nested sums again at each level. Here: one
    iterative walk, each Sum's/Product's indices bound in its body and later limits."""
    from sympy import Product, Sum, Symbol

    out: set = set()
    stack = [(e, frozenset())]
    while stack:
        node, bound = stack.pop()
        if isinstance(node, Symbol):
            if node not in bound:
                out.add(node)
        elif isinstance(node, (Sum, Product)):
            inner = bound
            for var, *ends in node.limits:
                stack.extend((end, inner) for end in ends)
                inner = inner | {var}
            stack.append((node.function, inner))
        else:
            stack.extend((a, bound) for a in getattr(node, "args", ()))
    return out


def double_repr(f) -> str | None:
    """Python's repr of a double-precision sympy Float (the shortest decimal that reads back
    as the same double: `0.30000000000000004`, `1e-08`), or None for any other precision.
    sympy prints a Float to 15 digits, which can name a different double (0.3)."""
    if getattr(f, "_prec", None) != 53:
        return None
    return repr(float(f))


_STR_PRINTER: list = []


def sstr(e) -> str:
    """sympy's `sstr`, except that a double-precision Float prints as its `double_repr`: a
    closed form's numbers read as the user wrote them (`0.123*x`) and are never rounded."""
    if not _STR_PRINTER:
        from sympy.printing.str import StrPrinter

        class _Printer(StrPrinter):
            def _print_Float(self, expr):
                text = double_repr(expr)
                return super()._print_Float(expr) if text is None else text

        _STR_PRINTER.append(_Printer())
    return _STR_PRINTER[0].doprint(e)
