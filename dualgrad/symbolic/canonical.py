"""Rewrites that keep index notation readable and comparable.

- `eliminate_deltas`: `Sum(f*KroneckerDelta(i, j), (i, ...))` -> `f(i=j)`, without letting
  sympy's `doit` write every concrete sum out;
- `tidy`: sums over one value (`(i, 0, 0)`, from size-1 axes) and `Mod`/`floor` of an index by
  a size it cannot reach (from reshapes) go away;
- `canonical`: summation indices renamed by position, so equal sums compare equal;
- `is_zero`: exact simplification within a time budget (None when it cannot tell).
"""
from __future__ import annotations

import itertools

from .budget import Budget, BudgetExceeded
from .sympy_fixes import free_symbols, sym

# what sympy itself raises on a form it mishandles (`primitive()` dividing by a zero gcd,
# `sum_simplify` finding no Sum in a product it took for one, an unevaluable relational): the
# proof is then unavailable, and `check` still compares the numbers
SYMPY_FAILURES = (TypeError, ValueError, ArithmeticError, NotImplementedError, StopIteration)
MAX_SIMPLIFY_OPS = 300
MERGE_SECONDS = 1.0      # at most this long expanding merged sums
SIMPLIFY_SECONDS = 3.0   # and this long in sympy.simplify, per input


def eliminate_deltas(e, bounds: dict | None = None):
    """`Sum(f*KroneckerDelta(i, a), (i, lo, hi))` -> `f(i=a)`, guarded by `lo <= a <= hi` unless
    `bounds` (index -> size, for free indices; enclosing sums add theirs) show it always holds.

    One pass over the expression tree (recursion depth = the tree's depth, not the data's size);
    each Sum's indices are resolved one at a time by a loop."""
    sp = sym()
    if not e.has(sp.KroneckerDelta):
        return e
    bounds = {k: (sp.Integer(0), n - 1) for k, n in (bounds or {}).items()}
    return _eliminate(e, bounds, sp)


def _eliminate(e, ranges: dict, sp):
    if not e.args or not e.has(sp.KroneckerDelta):
        return e
    if isinstance(e, sp.Sum):
        limits = [tuple(lim) for lim in e.limits]
        inner = dict(ranges)
        inner.update({var: (lo, hi) for var, lo, hi in limits})
        body = _eliminate(e.function, inner, sp)
        return sp.Add(*(_sum_term(term, limits, ranges, sp) for term in _terms(body, limits, sp)))
    args = [_eliminate(a, ranges, sp) for a in e.args]
    return e.func(*args) if any(a is not b for a, b in zip(args, e.args, strict=True)) else e


def _terms(body, limits, sp) -> list:
    """The body's additive terms; a term that holds a delta of a summation index inside a
    non-factor position (`(a + b*delta)*c`) is expanded so the delta becomes a factor."""
    variables = {lim[0] for lim in limits}
    out = []
    for term in sp.Add.make_args(body):
        if any(_delta_of(term, v, sp) is None and _mentions_delta(term, v, sp) for v in variables):
            out.extend(sp.Add.make_args(sp.expand_mul(term)))
        else:
            out.append(term)
    return out


def _mentions_delta(term, var, sp) -> bool:
    return any(var in d.free_symbols for d in term.atoms(sp.KroneckerDelta))


def _factors(term, sp):
    """The multiplicative factors of a term, looking through the bodies of nested Sums whose
    limits do not depend on the outer index (a factor of their body is a factor of the term)."""
    stack = [term]
    while stack:
        t = stack.pop()
        for f in sp.Mul.make_args(t):
            if isinstance(f, sp.Sum):
                stack.append(f.function)
            elif f.is_Pow and isinstance(f.base, sp.KroneckerDelta) and f.exp.is_positive:
                yield f.base  # delta**n is delta
            else:
                yield f


def _delta_of(term, var, sp):
    """(delta, solution) for a factor KroneckerDelta(a, b) with `a - b` linear in `var`
    (coefficient +-1), so summing over var sets var = solution; None when there is none."""
    inner_vars = {lim[0] for s in term.atoms(sp.Sum) for lim in s.limits}
    for f in _factors(term, sp):
        if not isinstance(f, sp.KroneckerDelta) or var not in f.free_symbols:
            continue
        a, b = f.args
        d = a - b
        c = d.diff(var)
        rest = sp.expand(d - c * var)
        if c not in (1, -1) or rest.has(var):
            continue
        solution = -rest / c
        if solution.free_symbols & inner_vars:
            continue
        return f, solution
    return None


def _within(value, lo, hi, ranges: dict, sp):
    """The condition lo <= value <= hi, with each side dropped when the ranges of the indices
    in `value` imply it (value is linear in one index, so its ends decide)."""
    sides = []
    for rel in (sp.Ge(value, lo), sp.Le(value, hi)):
        syms = rel.free_symbols & set(ranges)
        if len(syms) == 1 and rel not in (sp.true, sp.false):
            (s,) = syms
            ends = [rel.xreplace({s: end}) for end in ranges[s]]
            if all(end is sp.true for end in ends):
                continue
        sides.append(rel)
    return sp.And(*sides)


def _sum_term(term, limits: list, ranges: dict, sp):
    """Sum of one term over `limits`, resolving every index a delta fixes."""
    remaining = list(limits)
    conditions = []
    progress = True
    while progress:
        progress = False
        for n, (var, lo, hi) in enumerate(remaining):
            found = _delta_of(term, var, sp)
            if found is None:
                continue
            delta, solution = found
            others = {lim[0]: lim for lim in remaining if lim[0] != var}
            if solution.free_symbols & set(others):
                # a delta between two summation indices: only when they run over one range
                lim = others.get(solution)
                if lim is None or (lim[1], lim[2]) != (lo, hi):
                    continue
                cond = sp.true
            else:
                cond = _within(solution, lo, hi, ranges, sp)
            # one rebuild: xreplace matches the delta itself before the index inside it
            term = term.xreplace({delta: sp.Integer(1), var: solution})
            conditions.append(cond)
            del remaining[n]
            progress = True
            break
    body = sp.Sum(term, *remaining) if remaining else term
    cond = sp.And(*conditions)
    if cond is sp.true:
        return body
    if cond is sp.false:
        return sp.Integer(0)
    return sp.Piecewise((body, cond), (0, True))


def tidy(e, bounds: dict | None = None):
    """Drop one-value sums and index arithmetic that cannot wrap; `bounds` gives the size of
    free indices (summation indices carry theirs)."""
    sp = sym()
    bounds = dict(bounds or {})
    return _tidy(e, bounds, sp)


def _one_value_sums_dropped(body, limits: list):
    """A sum over one value (`(c, r, r)`, from a size-1 axis) is its term at that value: the
    index is replaced in the body and in the bounds of the other sums (a cumulative sum's
    `(c, 0, r)` under `(r, 0, 0)`), one at a time, inner first, so a replaced bound that
    becomes one value is dropped in turn."""
    while True:
        one = next((lim for lim in limits if lim[1] == lim[2]), None)
        if one is None:
            return body, limits
        rep = {one[0]: one[1]}
        body = body.xreplace(rep)
        limits = [(var, lo.xreplace(rep), hi.xreplace(rep)) for var, lo, hi in limits
                  if var != one[0]]


def _sums_equal_terms(limit, body, limits: list) -> bool:
    """Whether the sum over `limit` adds equal terms (a count times the body): its index is
    in neither the body nor another sum's bounds, and its own bounds hold no other index of
    the same Sum (the count then moves outside it)."""
    var, lo, hi = limit
    others = [lim for lim in limits if lim is not limit]
    if body.has(var) or any(lo_.has(var) or hi_.has(var) for _, lo_, hi_ in others):
        return False
    return not ((free_symbols(lo) | free_symbols(hi)) & {v for v, _, _ in others})


def _tidy(e, bounds, sp):
    if not e.args:
        return e
    if isinstance(e, sp.Sum):
        body, limits = _one_value_sums_dropped(e.function, list(e.limits))
        inner = dict(bounds)
        for var, lo, hi in limits:
            if lo == 0:
                inner[var] = hi + 1
        body = _tidy(body, inner, sp)
        constant = [lim for lim in limits if _sums_equal_terms(lim, body, limits)]
        if body is e.function and not constant and len(limits) == len(e.limits):
            return e  # unchanged: rebuilding would re-run sympy's evaluation of every node
        count = sp.Mul(*(hi - lo + 1 for _, lo, hi in constant))
        limits = [lim for lim in limits if lim not in constant]
        return count * (sp.Sum(body, *limits) if limits else body)
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
    the enclosing Sums: a stable naming, whatever names the indices had. One pass: a node is
    rebuilt (and so re-evaluated by sympy) only when something below it was renamed."""
    sp = sym()

    def walk(e, depth, reps):
        if isinstance(e, sp.Sum):
            names = [sp.Symbol(name_for(depth, n), integer=True, nonnegative=True)
                     for n in range(len(e.limits))]
            limits = []
            for n, (_, lo, hi) in enumerate(e.limits):
                # a limit's bounds see the indices of the limits after it (sympy lists the
                # innermost first: `(c, 0, r), (r, 0, 1)` sums c up to each r)
                outer = dict(reps)
                outer.update((v, names[m]) for m, (v, *_) in enumerate(e.limits) if m > n)
                limits.append((names[n], walk(lo, depth, outer), walk(hi, depth, outer)))
            inner = dict(reps)
            inner.update((v, names[m]) for m, (v, *_) in enumerate(e.limits))
            body = walk(e.function, depth + len(e.limits), inner)
            if body is e.function and all(a == b for a, b in zip(limits, e.limits, strict=True)):
                return e
            return sp.Sum(body, *limits)
        if not e.args:
            return reps.get(e, e)
        args = [walk(a, depth, reps) for a in e.args]
        if all(a is b for a, b in zip(args, e.args, strict=True)):
            return e
        return e.func(*args)

    return walk(e, 0, {})


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
    for term in _distributed_terms(e, sp):
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
    if rest and not rational_is_zero(sp.Add(*rest)):
        return False
    for bodies in groups.values():
        body = sp.Add(*bodies)
        if body != 0 and not (body.has(sp.Sum) and merged_is_zero(body)) and \
                not rational_is_zero(body):
            return False
    return True


def _distributed_terms(e, sp) -> list:
    """The additive terms of `e` with constant factors distributed over sums of sums:
    `(S1 + S2)/(2*N) - S3` -> `[S1/(2*N), S2/(2*N), -S3]` (`expand(deep=False)` stops at the top
    level, so a factor over a parenthesised sum stayed outside it)."""
    terms = []
    for term in sp.Add.make_args(sp.expand(e, deep=False)):
        if term.is_Mul and any(f.is_Add for f in term.args):
            terms.extend(sp.Add.make_args(sp.expand_mul(term, deep=False)))
        else:
            terms.append(term)
    return terms


def factor_sums(e):
    """`Sum(c*f(i), (i, ..))` -> `c*Sum(f(i), (i, ..))` for every factor `c` free of the
    summation indices, innermost sums first, so two ways of writing one sum compare equal. A
    sum over several independent indices is nested first, the index in the most factors
    outermost, on a tie the first (sympy.diff writes `Sum(f, (i, ..), (c, ..))` where the rules
    nest the sum over `c` inside the one over `i`)."""
    sp = sym()
    if not e.args:
        return e
    args = [factor_sums(a) for a in e.args]
    if isinstance(e, sp.Sum):
        body, limits = args[0], list(e.limits)
        variables = {lim[0] for lim in limits}
        if len(limits) > 1 and body.is_Mul and not any(
                free_symbols(lo) & variables or free_symbols(hi) & variables
                for _, lo, hi in limits):
            factors = [free_symbols(f) for f in body.args]
            order = {lim: n for n, lim in enumerate(limits)}  # ties: the first limit outermost
            limits.sort(key=lambda lim: (sum(lim[0] in fs for fs in factors), -order[lim]))
            for lim in limits:
                body = _factor_out(sp.Sum(body, lim), sp)
            return body
        return _factor_out(e if body is e.function else sp.Sum(body, *limits), sp)
    if all(a is b for a, b in zip(args, e.args, strict=True)):
        return e
    return e.func(*args)


def _factor_out(s, sp):
    """`Sum(c*f(i), ..)` -> `c*Sum(f(i), ..)` for the factors `c` free of the sum's indices,
    numbers inside a factor's terms included (`(a/4 + b/4)` is `(a + b)/4`)."""
    if not isinstance(s, sp.Sum):
        return s
    variables = {lim[0] for lim in s.limits}
    outside, inside = [], []
    for f in sp.Mul.make_args(s.function):
        content, f = f.as_content_primitive() if f.is_Add else (sp.Integer(1), f)
        outside.append(content)
        (inside if free_symbols(f) & variables else outside).append(f)
    if all(f == 1 for f in outside):
        return s
    return sp.Mul(*outside) * sp.Sum(sp.Mul(*inside), *s.limits)


def rational_is_zero(e) -> bool:
    """Whether `e` is zero as a rational function of its sums and function calls taken as
    independent symbols (`exp(-s)`, `tanh(s)`, an inner `Sum`): a sufficient proof, and fast
    where the rules write a derivative in another form (`out*(1 - out)` for sympy's
    `exp(-z)/(1 + exp(-z))**2`). The atoms are replaced without sympy's evaluation (which
    would ask its assumptions about every rebuilt power of a sum, the slowest part of the
    proof); `together` and `expand` then evaluate the rational function of plain symbols."""
    sp = sym()
    with sp.evaluate(False):
        e = e.xreplace({s: sp.Dummy() for s in e.atoms(sp.Sum)})
        e = e.xreplace({f: sp.Dummy() for f in e.atoms(sp.Function)})
    numerator, _ = sp.together(e).as_numer_denom()
    return sp.expand(numerator) == 0


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
        # the rules may keep a factor inside a sum that sympy.diff left outside (softmax's
        # normaliser, a hidden layer's weight): the second try pulls such factors out
        for attempt in (lambda: e, lambda: canonical(factor_sums(e))):
            try:
                with budget.limit(fraction, cap=MERGE_SECONDS):
                    if merged_is_zero(attempt()):
                        return True
            except BudgetExceeded:  # the bodies swell when expanded: next, simplify, numbers
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
    except (*SYMPY_FAILURES, RecursionError, AttributeError):
        return None
    return None


DUMMY_NAMES = ("i", "p", "q", "r", "s", "u", "v")


def tidy_indices(e):
    """Summation indices renamed by nesting depth to i, p, q, ... (avoiding names in use)."""
    sp = sym()
    if isinstance(e, sp.NDimArray):
        return e.applyfunc(tidy_indices)
    taken = {s.name for s in free_symbols(e)} | {
        var.name for p in e.atoms(sp.Product) for var, *_ in p.limits}  # a Product's: not renamed
    names = (n for n in itertools.chain(DUMMY_NAMES, (f"i{k}" for k in itertools.count()))
             if n not in taken)
    pool: list = []

    def name_for(depth: int, n: int) -> str:
        while len(pool) <= depth + n:  # one name per nesting level, never two levels alike
            pool.append(next(names))
        return pool[depth + n]

    return rename_sum_indices(e, name_for)
