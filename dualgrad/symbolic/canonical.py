"""Rewrites that keep index notation readable and comparable.

- `eliminate_deltas`: `Sum(f*KroneckerDelta(i, j), (i, ...))` -> `f(i=j)`, without letting
  sympy's `doit` write every concrete sum out;
- `tidy`: sums over one value (`(i, 0, 0)`, from size-1 axes) and `Mod`/`floor` of an index by
  a size it cannot reach (from reshapes) go away;
- `canonical`: summation indices renamed by position, so equal sums compare equal;
- `is_zero`: exact simplification within a time budget (None when it cannot tell).
"""
from __future__ import annotations

from .budget import Budget, BudgetExceeded
from .expr import sym

MAX_SIMPLIFY_OPS = 300
MERGE_SECONDS = 1.0      # at most this long expanding merged sums
SIMPLIFY_SECONDS = 3.0   # and this long in sympy.simplify, per input


def eliminate_deltas(e):
    sp = sym()
    if not e.has(sp.KroneckerDelta):
        return e
    if isinstance(e, sp.Sum):
        if len(e.limits) > 1:  # Sum(f, l1, l2) is Sum(Sum(f, l1), l2)
            nested = e.function
            for lim in e.limits:
                nested = sp.Sum(nested, lim)
            return eliminate_deltas(nested)
        body = eliminate_deltas(e.function)
        (var, lo, hi), = e.limits
        kept, done = [], []
        for term in sp.Add.make_args(sp.expand_mul(body) if body.has(sp.KroneckerDelta) else body):
            target = _delta_partner(term, var)
            if target is None:
                kept.append(term)
            else:
                delta, other = target
                done.append(term.xreplace({delta: sp.Integer(1)}).xreplace({var: other}))
        return sp.Add(*done) + (sp.Sum(sp.Add(*kept), (var, lo, hi)) if kept else 0)
    if not e.args:
        return e
    return e.func(*(eliminate_deltas(a) for a in e.args))


def _delta_partner(term, var):
    sp = sym()
    for factor in sp.Mul.make_args(term):
        if isinstance(factor, sp.KroneckerDelta):
            a, b = factor.args
            if a == var and not b.has(var):
                return factor, b
            if b == var and not a.has(var):
                return factor, a
    return None


def tidy(e, bounds: dict | None = None):
    """Drop one-value sums and index arithmetic that cannot wrap; `bounds` gives the size of
    free indices (summation indices carry theirs)."""
    sp = sym()
    bounds = dict(bounds or {})
    return _tidy(e, bounds, sp)


def _tidy(e, bounds, sp):
    if not e.args:
        return e
    if isinstance(e, sp.Sum):
        body, limits = e.function, []
        inner = dict(bounds)
        for var, lo, hi in e.limits:
            if lo == hi:
                body = body.xreplace({var: lo})
            else:
                limits.append((var, lo, hi))
                if lo == 0:
                    inner[var] = hi + 1
        body = _tidy(body, inner, sp)
        return sp.Sum(body, *limits) if limits else body
    args = [_tidy(a, bounds, sp) for a in e.args]
    e = e.func(*args) if any(a is not b for a, b in zip(args, e.args, strict=True)) else e
    if isinstance(e, sp.Mod):
        i, n = e.args
        if i in bounds and (bounds[i] - n).is_nonpositive:
            return i
    if isinstance(e, sp.floor):
        arg = e.args[0]
        num, den = arg.as_numer_denom()
        if num in bounds and (bounds[num] - den).is_nonpositive:
            return sp.Integer(0)
    return e


def rename_sum_indices(e, name_for):
    """Rename each Sum's indices to `name_for(depth, position)`, depth counting the indices of
    the enclosing Sums: a stable naming, whatever names the indices had."""
    sp = sym()

    def walk(e, depth):
        if not e.args:
            return e
        if isinstance(e, sp.Sum):
            reps, limits = {}, []
            for n, (var, lo, hi) in enumerate(e.limits):
                new = sp.Symbol(name_for(depth, n), integer=True, nonnegative=True)
                reps[var] = new
                limits.append((new, lo, hi))
            return sp.Sum(walk(e.function.xreplace(reps), depth + len(e.limits)), *limits)
        return e.func(*(walk(a, depth) for a in e.args))

    return walk(e, 0)


def canonical(e):
    """Rename summation indices `_s0_0, _s1_0, ...` by nesting depth, so `Sum(f(i), (i, ..))`
    and `Sum(f(k), (k, ..))` are the same object."""
    return rename_sum_indices(e, lambda depth, n: f"_s{depth}_{n}")


def merged_is_zero(e) -> bool:
    """Cheap proof: distribute constant factors, merge sums with the same (canonical) limits,
    and expand each merged body; zero when everything cancels. Avoids sympy.simplify, which
    takes seconds on nested transcendental bodies that cancel term by term."""
    sp = sym()
    groups: dict = {}
    rest = []
    for term in sp.Add.make_args(sp.expand(e, deep=False)):
        coeff, found = sp.Integer(1), None
        for factor in sp.Mul.make_args(term):
            if isinstance(factor, sp.Sum) and found is None:
                found = factor
            else:
                coeff *= factor
        if found is None or coeff.free_symbols & {lim[0] for lim in found.limits}:
            rest.append(term)
            continue
        groups.setdefault(found.limits, []).append(coeff * found.function)
    if rest and sp.expand(sp.Add(*rest)) != 0:
        return False
    for bodies in groups.values():
        body = sp.Add(*bodies)
        if body != 0 and not (body.has(sp.Sum) and merged_is_zero(body)) and sp.expand(body) != 0:
            return False
    return True


def is_zero(e, budget: Budget, fraction: float = 0.5) -> bool | None:
    """True when `e` simplifies to 0 within the budget; None when that could not be shown."""
    sp = sym()
    if isinstance(e, sp.NDimArray):
        for x in e:  # stop at the first entry that cannot be shown zero
            if is_zero(x, budget, fraction) is not True:
                return None
        return True
    try:
        e = canonical(tidy(e))
        if e == 0:
            return True
        try:
            with budget.limit(fraction, cap=MERGE_SECONDS):
                if merged_is_zero(e):
                    return True
        except BudgetExceeded:  # the bodies swell when expanded: try simplify, then numbers
            pass
        if sp.count_ops(e) > MAX_SIMPLIFY_OPS:  # simplify would take long: leave it to numbers
            return None
        with budget.limit(fraction, cap=SIMPLIFY_SECONDS):
            e = sp.expand(e)
            if e == 0:
                return True
            e = sp.simplify(e)
            if e == 0:
                return True
            if e.has(sp.Sum):
                e = sp.simplify(canonical(e).doit())
                return True if e == 0 else None
    except BudgetExceeded:
        return None
    except (TypeError, ValueError, RecursionError, NotImplementedError, AttributeError):
        return None
    return None
