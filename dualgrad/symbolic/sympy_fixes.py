"""How `dualgrad.symbolic` reaches sympy: `sym()` (sympy, imported on first use, with the fix
below applied) and `free_symbols` (a cheaper walk than sympy's for sums), and one fix.

The fix: sympy's `piecewise_fold` pulls every `Piecewise` up to the top of an expression,
through the `Sum`s and `Product`s in it — also a Piecewise whose condition tests that Sum's or
Product's own index, which moves the condition out of its binder. sympy folds when a Sum is
built, when a Piecewise is built with such a condition (`where(stack(...).prod(1) > 1, ...)`),
and in `simplify`. For example `Sum(Product(Piecewise((x[j], Eq(p, 0)), (y[j], True)), (p, 0,
1)), (j, 0, 1))` (a stacked array's product) became `Sum(Piecewise((Product(x[j], (p, 0, 1)),
Eq(p, 0)), ...), (j, 0, 1))`, with `p` free: a wrong value and a wrong gradient. `apply()`
masks each such Sum or Product while sympy folds around it: folding is only a rewrite, so
skipping it is always sound. It stays on for the process, not only during dualgrad's calls:
sympy rebuilds the sums of a returned closed form whenever the user differentiates or
substitutes into it.
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
    from importlib import import_module

    from sympy import ITE, Basic, Dummy, Piecewise
    from sympy.concrete.expr_with_limits import ExprWithLimits
    from sympy.logic.boolalg import Boolean

    # every module that took sympy's function by name (the rest call it through its module;
    # `sympy.simplify` the attribute is the function, so the modules are imported by name)
    modules = [import_module(f"sympy.{name}") for name in (
        "functions.elementary.piecewise", "concrete.expr_with_limits", "concrete.delta",
        "simplify.simplify")]
    original = modules[0].piecewise_fold

    def binds_a_condition(e) -> bool:
        """Whether a Piecewise inside the Sum/Product `e` tests one of `e`'s own indices."""
        bound = {var for var, *_ in e.limits}
        return any(c.has(*bound) for p in e.atoms(Piecewise) for _, c in p.args)

    def piecewise_fold(expr, evaluate=True):
        if not isinstance(expr, Basic) or not expr.has(Piecewise):
            return original(expr, evaluate)
        unsafe = [e for e in expr.atoms(ExprWithLimits) if binds_a_condition(e)]
        if isinstance(expr, ExprWithLimits) and binds_a_condition(expr):
            unsafe.append(expr)
        outermost = [e for e in unsafe if not any(o is not e and o.has(e) for o in unsafe)]
        if not outermost:
            return original(expr, evaluate)
        reps = {e: Dummy() for e in outermost}
        folded = original(expr.xreplace(reps), evaluate)
        if isinstance(folded, Piecewise) and all(isinstance(v, Boolean) for v, _ in folded.args):
            # a folded condition: sympy rewrites it as an ITE, through every node, masked
            # ones included (whose Piecewise of numbers is no ITE): rewritten while masked
            folded = folded.rewrite(ITE)
        return folded.xreplace({d: e for e, d in reps.items()})

    for module in modules:
        module.piecewise_fold = piecewise_fold
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
