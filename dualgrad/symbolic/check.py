"""`check(y, xs)`: prove or refute that dualgrad's gradients equal the closed form.

Two comparisons per input:
1. symbolic: `grad` (sympy.diff of the expression) minus `ad_grad` (the VJP rules run on
   symbols) simplified to zero, within the time budget;
2. numeric: the engine's numbers (the same rules run on numpy arrays by the same walker, or a
   custom Function's own backward) against the closed form evaluated at the recorded point
   (eager) and at random points; without a closed form, against central finite differences.

A mismatch is classified: a *non-differentiable point* (one-sided slopes differ and the engine
returned a value between them, e.g. relu at 0), *finite-difference noise* (within the
differences' own error estimate), or a *wrong rule*.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from ..ops.symarray import SymbolicUnsupported, exact_numbers, reset_index_names
from . import program as P
from .budget import Budget, BudgetExceeded
from .canonical import SYMPY_FAILURES, is_zero
from .derivative import adjoint, adjoint_form, closed_form, free_indices
from .expr import CONCRETE_SIZE, Leaf, Symbolized, dim_symbol, symbolized
from .lambdify import Lambdified
from .numeric import Replay, finite_difference
from .report import CheckReport, InputCheck
from .sizes import sizes_of
from .sympy_fixes import free_symbols, sym

OK_VERDICTS = ("exact", "numeric", "fd_noise", "nondifferentiable")
MAX_POSITIONS = 12


def _name(t, fallback: str) -> str:
    name = getattr(t, "name", None)
    return P.clean_name(name) if name else fallback


def _is_placeholder(op) -> bool:
    from ..static.kinds import FED, kind_of  # a static program: the static front end is loaded

    row = kind_of(op)
    return row is not None and row.step is FED


def _default_targets(program: P.Program) -> list[int]:
    leaves = program.leaves()
    wanted = []
    for k in leaves:
        src = program.steps[k].source
        if program.front_end == "eager" and getattr(src, "requires_grad", False):
            wanted.append(k)
        elif program.front_end == "static" and not _is_placeholder(src.op):
            wanted.append(k)
    return wanted or leaves


def check(y, xs=None, *, budget: float | None = None, points: int = 3, seed: int = 0,
          rtol: float = 1e-5, atol: float = 1e-7) -> CheckReport:
    """Check d y / d x for each x in `xs` (default: the inputs that require grad, or the static
    graph's variables). Returns a CheckReport; never raises for a wrong gradient."""
    start = time.monotonic()
    b = Budget(budget)
    xs = [] if xs is None else list(xs) if isinstance(xs, (list, tuple)) else [xs]
    program = P.build(y, cuts=[x for x in xs if not isinstance(x, str)])
    targets = [program.leaf_of(x) for x in xs] if xs else _default_targets(program)
    report = CheckReport(_name(y, "y"))
    for k in targets:
        report.inputs[program.steps[k].name] = InputCheck(program.steps[k].name)

    if sizes_of(program):
        report.notes.append("unknown sizes, from the graph's shapes: " + ", ".join(
            f"{dim_symbol(a)}={n}" for a, n in sizes_of(program).items()))
    # symbolic work gets at most half the budget, so the numbers are always compared; the
    # proof runs on exact numbers (a float constant is the Rational of its decimal)
    with exact_numbers():
        sym_state = _symbolic_stage(program, targets, Budget(b.left() * 0.5), report)
    _numeric_stage(program, targets, sym_state, b, report, points, seed, rtol, atol)
    for k in targets:
        c = report.inputs[program.steps[k].name]
        c.ok = c.verdict in OK_VERDICTS
    report.seconds = time.monotonic() - start
    return report


@dataclass
class _SymState:
    s: Symbolized | None = None
    closed: dict = field(default_factory=dict)   # step -> closed form
    exact: dict = field(default_factory=dict)    # step -> True / None


def _symbolic_stage(program, targets, b: Budget, report: CheckReport) -> _SymState:
    state = _SymState()
    reset_index_names()
    try:
        s = state.s = symbolized(program, b)
        report.mode = s.mode
        report.notes += [n.strip() for n in s.notes]
        if s.mode == "concrete" and s.sizes:
            report.notes.append("index notation did not evaluate; used the small concrete shape "
                                + ", ".join(f"{d}={n}" for d, n in s.sizes.items()))
    except (SymbolicUnsupported, BudgetExceeded) as e:
        report.notes.append(f"no closed form ({e}); compared with finite differences")
        return state
    try:
        _closed_forms(s, targets, b, report, state)
    except RecursionError:
        report.notes.append("the closed form nests too deeply for sympy; compared numerically")
        state.closed.clear()
        state.exact.clear()
    return state


def _why(error: Exception) -> str:
    """A note's reason: our own errors by their text, sympy's by type too (its texts, such as
    "integer division or modulo by zero", do not say where they came from)."""
    if isinstance(error, (SymbolicUnsupported, BudgetExceeded)):
        return str(error)
    return f"sympy raised {type(error).__name__}: {error}"


def _closed_forms(s, targets, b: Budget, report: CheckReport, state: _SymState) -> None:
    for k in targets:
        leaf = s.leaves.get(k)
        if leaf is None:
            continue
        try:
            with b.limit(0.5):
                state.closed[k] = closed_form(s, leaf, b)
        except (SymbolicUnsupported, BudgetExceeded, *SYMPY_FAILURES) as e:
            report.notes.append(f"{leaf.name}: sympy.diff unavailable ({_why(e)})")
    try:
        with b.limit(0.5):
            adj = adjoint(s, [k for k in targets if k in state.closed])
    except (SymbolicUnsupported, BudgetExceeded, *SYMPY_FAILURES) as e:
        report.notes.append(f"ad_grad unavailable ({_why(e)}); checked the engine's numbers instead")
        return
    for k in state.closed:
        leaf = s.leaves[k]
        try:
            with b.limit(0.5):
                ad = adjoint_form(s, leaf, adj.get(k))
            state.exact[k] = is_zero(state.closed[k] - ad, b, fraction=0.5 / max(len(targets), 1))
        except (SymbolicUnsupported, BudgetExceeded, *SYMPY_FAILURES) as e:
            report.notes.append(f"{leaf.name}: exact comparison failed ({_why(e)})")
            state.exact[k] = None
        if state.exact[k] is None and not b.expired():
            report.notes.append(f"{leaf.name}: simplification did not reach 0; compared numerically")


def _shape_of(step: P.Step, sizes: dict) -> tuple:
    """A leaf's shape with its unknown axes at the sizes the graph's shapes force."""
    return tuple(sizes.get(a, CONCRETE_SIZE) if d is None else d for a, d in enumerate(step.shape))


def _points(program, sizes, points: int, rng):
    """The recorded point first (eager), then random ones near it (or in [0.5, 1.5])."""
    leaves = program.leaves()
    base = {}
    for k in leaves:
        step = program.steps[k]
        if step.value is not None:
            base[k] = np.asarray(step.value, dtype=np.float64)
    out = []
    if len(base) == len(leaves):
        out.append(base)
    while len(out) < points:
        p = {}
        for k in leaves:
            step = program.steps[k]
            if k in base:
                v = base[k]
                p[k] = v * (1 + 0.1 * rng.standard_normal(v.shape)) + 0.1 * rng.standard_normal(v.shape)
            else:
                p[k] = rng.uniform(0.5, 1.5, size=_shape_of(step, sizes))
        out.append(p)
    return out


def _numeric_stage(program, targets, state: _SymState, b: Budget, report: CheckReport,
                   points: int, seed: int, rtol: float, atol: float) -> None:
    rng = np.random.default_rng(seed)
    sizes = sizes_of(program)
    compiled = {}
    for k, closed in state.closed.items():
        if closed.has(sym().Derivative):
            report.notes.append(f"{program.steps[k].name}: the closed form holds the derivative of "
                                "a custom Function without a sympy form; used finite differences")
            continue
        try:
            with b.limit(0.5):
                compiled[k] = Lambdified(closed)
        except Exception as e:  # noqa: BLE001 — a printer gap or the budget must not sink the check
            report.notes.append(f"{program.steps[k].name}: closed form not evaluable "
                                f"({type(e).__name__}: {str(e)[:200]}); used finite differences")
    value_fn = _value_form(program, state, b, report)
    done = 0
    for point in _points(program, sizes, points + 3, rng):
        # the first point is always compared (numpy work, no sympy), later ones within budget
        if done >= points or (done and b.expired()):
            break
        try:
            with np.errstate(all="ignore"):
                replay = Replay(program, point)
                if not np.all(np.isfinite(replay.root)):
                    continue
                engine = replay.gradients(targets)
        except (ValueError, FloatingPointError, ZeroDivisionError) as e:
            report.notes.append(f"numeric replay failed at a point ({e})")
            continue
        done += 1
        if value_fn is not None and not report.value_error:
            _compare_value(state, value_fn, point, replay, report, rtol, atol)
        for k in targets:
            _compare_at(program, state, compiled.get(k), k, point, replay, engine[k], report,
                        rtol, atol, rng, b)
    if done == 0:
        report.notes.append("no point with finite values was found; numbers not compared")
    for k in targets:
        c = report.inputs[program.steps[k].name]
        exact = state.exact.get(k)
        if c.verdict == "wrong_rule" and not (report.value_error and "closed form" in c.method):
            continue
        if report.value_error:  # a proof about (or a comparison with) a wrong form proves nothing
            c.verdict, c.detail = "wrong_form", report.value_error
            c.method = "the closed form's value vs the forward pass (the op kernels' numbers)"
            continue
        if exact is True:
            c.verdict = "exact"
            c.method = ("sympy.diff and the VJP rules simplify to the same expression; " +
                        (f"engine numbers match it at {c.points} point(s)"
                         if c.points and c.closed_form_points == c.points else
                         f"engine numbers match finite differences at {c.points} point(s) (the closed "
                         "form was not evaluated everywhere: see the notes)" if c.points else
                         "the engine's numbers could not be compared (see the notes)"))
        elif c.points and c.verdict == "unchecked":
            c.verdict = "numeric"
        elif c.verdict == "unchecked":
            c.method = "nothing could be compared (see the notes)"


def _value_form(program, state: _SymState, b: Budget, report: CheckReport):
    """The closed form of y itself, compiled, so its value can be held against the forward
    pass: a wrong sympy form (an op's, or a custom Function's) can have the right derivative
    (it is off by a constant) or make `grad` and `ad_grad` agree with each other, and only
    the value shows it. None when y has no closed form or it cannot be evaluated."""
    s = state.s
    if s is None or s.root_expr is None or not hasattr(s.root_expr, "has"):
        return None
    if s.root_expr.has(sym().Derivative) or (s.mode != "elementwise" and free_indices_of_root(s)):
        return None
    try:
        with b.limit(0.5):
            return Lambdified(s.root_expr)
    except Exception as e:  # noqa: BLE001 — a printer gap or the budget must not sink the check
        report.notes.append(f"the closed form of {report.y} is not evaluable ({type(e).__name__}: "
                            f"{str(e)[:200]}); its value was not compared")
        return None


def free_indices_of_root(s) -> bool:
    """Whether y's closed form still has free indices (a y that is not a scalar): integer
    symbols that are not sizes (sizes are positive, indices only nonnegative)."""
    return any(f.is_integer and not f.is_positive for f in free_symbols(s.root_expr)
               if f.name not in s.constants)


def _compare_value(state: _SymState, fn, point: dict, replay, report: CheckReport,
                   rtol: float, atol: float) -> None:
    """The closed form's value at `point` against the forward pass's (`Replay`: the registry
    kernels on numpy float64), where both are finite; a difference beyond the tolerance is
    recorded as `report.value_error`."""
    takes = set(fn.args) | set(fn._dim_order)
    env = {name: v for name, v in _env(state, point).items() if name in takes}
    engine = np.asarray(replay.root, dtype=np.float64)
    try:
        with np.errstate(all="ignore"):
            closed = np.broadcast_to(np.asarray(fn(**env), dtype=np.float64), engine.shape)
    except Exception as e:  # noqa: BLE001 — evaluation gaps are notes, not verdicts
        report.notes.append(f"the closed form of {report.y} did not evaluate ({type(e).__name__})")
        return
    both = np.isfinite(closed) & np.isfinite(engine)
    if not both.any():
        return
    report.value_points += 1
    diff = np.where(both, np.abs(closed - engine), 0.0)
    bad = diff > atol + rtol * np.abs(np.where(both, engine, 0.0))
    if bad.any():
        at = tuple(int(i) for i in np.argwhere(bad)[0])
        report.value_error = (f"the closed form of {report.y} is wrong: at point "
                              f"{report.value_points}{list(at) if at else ''} it gives "
                              f"{float(closed[at]):.6g}, the forward pass {float(engine[at]):.6g}")


def _env(state: _SymState, point: dict) -> dict:
    env = {}
    s = state.s
    if s is None:
        return env
    for k, leaf in s.leaves.items():
        v = point[k]
        env[leaf.name] = float(v.reshape(-1)[0]) if leaf.scalar and s.mode != "elementwise" else v
    env.update(s.constants)
    return env


def _sum_to(value, shape) -> np.ndarray:
    value = np.asarray(value, dtype=np.float64)
    lead = value.ndim - len(shape)
    if lead > 0:
        value = value.sum(axis=tuple(range(lead)))
    axes = tuple(a for a, d in enumerate(shape) if d == 1 and value.shape[a] != 1)
    if axes:
        value = value.sum(axis=axes, keepdims=True)
    return np.broadcast_to(value, shape)


def _reference(state, fn, k, point, replay, positions):
    """The closed form at `point`, as {position: value} over the leaf's full shape."""
    s = state.s
    leaf: Leaf = s.leaves[k]
    # only the names the closed form holds: a gradient that does not depend on some input (a
    # linear function's) takes fewer than the program has
    takes = set(fn.args) | set(fn._dim_order)
    env = {name: v for name, v in _env(state, point).items() if name in takes}
    shape = np.shape(point[k])
    if s.mode == "elementwise":
        full = np.broadcast_to(np.asarray(fn(**env), dtype=np.float64), replay.root.shape)
        full = _sum_to(full, shape)
        return {p: float(full[p]) for p in positions}
    if leaf.scalar:
        v = float(fn(**env))
        return {p: v for p in positions}
    if fn.is_array:
        arr = np.asarray(fn(**env), dtype=np.float64).reshape(shape)
        return {p: float(arr[p]) for p in positions}
    free = free_indices(leaf)
    out = {}
    for p in positions:
        idx = {str(f): int(p[a]) for f, a in zip(free, leaf.kept, strict=True) if str(f) in takes}
        out[p] = float(fn(**env, **idx))
    return out


def _positions(shape, rng) -> list:
    all_pos = list(np.ndindex(*shape))
    if len(all_pos) <= MAX_POSITIONS:
        return all_pos
    picks = rng.choice(len(all_pos), size=MAX_POSITIONS - 2, replace=False)
    return [all_pos[0], all_pos[-1]] + [all_pos[i] for i in sorted(picks)]


def _compare_at(program, state, fn, k, point, replay, engine, report, rtol, atol, rng,
                budget: Budget) -> None:
    c: InputCheck = report.inputs[program.steps[k].name]
    if c.verdict == "wrong_rule":  # keep the first counterexample
        return
    shape = np.shape(point[k])
    positions = _positions(shape, rng)
    reference = None
    if fn is not None and not budget.expired():
        try:
            with np.errstate(all="ignore"), budget.limit():
                reference = _reference(state, fn, k, point, replay, positions)
            method = "engine vs closed form at random points"
        except Exception as e:  # noqa: BLE001 — fall back to finite differences
            report.notes.append(f"{c.name}: closed form evaluation failed ({type(e).__name__}: "
                                f"{str(e)[:200]})")
    if reference is None:
        method = "engine vs central finite differences"
    else:
        c.closed_form_points += 1
    c.points += 1
    c.method = c.method or method
    engine = np.broadcast_to(np.asarray(engine, dtype=np.float64), shape)
    for p in positions:
        e = float(engine[p])
        direction = np.zeros(shape)
        direction[p] = 1.0
        scale = max(1.0, abs(float(point[k][p])))
        if reference is not None:
            r, noise = reference[p], 0.0
        else:
            # the spread over step sizes estimates the differences' own error (rounding
            # noise grows as h shrinks, truncation error as it grows)
            estimates = [finite_difference(program, point, k, direction, h * scale)[0]
                         for h in (1e-5, 1e-6, 1e-4)]
            r = estimates[0]
            noise = max(estimates) - min(estimates) + 1e-7 * (1 + abs(r))
        diff = abs(e - r) if np.isfinite(r) else 0.0
        c.max_diff = max(c.max_diff, diff)
        if not np.isfinite(r) or diff <= atol + rtol * abs(r):
            continue
        where = f"{c.name}{list(p) if p else ''} at point {c.points}"
        left, right, kink = _one_sided(program, point, k, direction, scale)
        lo, hi = min(left, right), max(left, right)
        if kink and lo - 1e-6 <= e <= hi + 1e-6:
            if c.verdict != "wrong_rule":
                c.verdict = "nondifferentiable"
                c.detail = (f"{where} is a non-differentiable point: one-sided slopes {left:.4g} "
                            f"and {right:.4g}, engine gives {e:.4g}")
            continue
        if reference is None and diff <= 100 * noise:
            if c.verdict not in ("wrong_rule", "nondifferentiable"):
                c.verdict = "fd_noise"
                c.detail = (f"{where}: engine {e:.6g} vs finite differences {r:.6g}, within their "
                            f"error estimate {noise:.2g}")
            continue
        c.verdict = "wrong_rule"
        c.method = method
        c.detail = (f"the gradient of {c.name} is wrong: {where} engine gives {e:.6g}, "
                    f"{'closed form' if reference is not None else 'finite differences'} {r:.6g}")
        return


def _one_sided(program, point, k, direction, scale):
    """One-sided slopes, and whether they jump: a kink's jump is the same at two step sizes,
    while a smooth function's (h * f'') and rounding noise are not."""
    _, left, right = finite_difference(program, point, k, direction, 1e-6 * scale)
    _, left2, right2 = finite_difference(program, point, k, direction, 1e-4 * scale)
    jump, jump2 = left - right, left2 - right2
    size = 1e-3 * (1 + abs(left) + abs(right))
    kink = abs(jump) > size and abs(jump2) > size and abs(jump - jump2) < 0.1 * abs(jump)
    return left, right, kink


__all__ = ["check"]
