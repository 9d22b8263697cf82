"""`ds.while_loop`: TF1's loop as a `While` graph op over traced `cond` and `body` functions.

On jax it becomes `lax.while_loop` (bounded by `maximum_iterations` through the carried
counter), on numpy a Python `while`. The gradient rule is in `control_flow_grad.py`.
"""
from __future__ import annotations

import numpy as np

from ..errors import DTypeError, GraphError, ShapeError, user_frame
from ..ops import Spec
from .api import stop_gradient
from .control_flow_trace import (
    SubGraph,
    as_flag,
    check_pred,
    declare,
    failed,
    first_failure,
    is_numpy,
    passing,
    registry_checked,
    trace,
)
from .creation import convert_to_tensor
from .graph import Operation, Tensor, get_default_graph
from .nest import flatten, flatten_up_to, pack, same_nesting
from .subprogram import SubProgram


def while_loop(cond, body, loop_vars, shape_invariants=None, parallel_iterations: int = 10,
               back_prop: bool = True, swap_memory: bool = False, name: str | None = None,
               maximum_iterations=None, return_same_structure: bool = False):
    """TF1's `tf.while_loop`: repeat `loop_vars = body(*loop_vars)` while `cond(*loop_vars)`
    (and fewer than `maximum_iterations` times). `cond` and `body` are traced once, now; the
    loop variables keep their dtypes and shapes (or `shape_invariants`, where `None` dims may
    change between iterations on the numpy backend). `back_prop=False` stops gradients at the
    loop's outputs, as TF1's."""
    where = user_frame()
    if not callable(cond) or not callable(body):
        raise DTypeError(f"ds.while_loop: cond and body must be callable (at {where})")
    if not isinstance(loop_vars, (list, tuple)) or not loop_vars:
        raise DTypeError(f"ds.while_loop: loop_vars must be a non-empty list or tuple (at {where})")
    if isinstance(maximum_iterations, Tensor) and maximum_iterations.op.type == "Const":
        maximum_iterations = np.asarray(maximum_iterations.op.attrs["value"]).item()
    if maximum_iterations is not None and (isinstance(maximum_iterations, bool) or not isinstance(
            maximum_iterations, (int, np.integer)) or maximum_iterations < 0):
        raise DTypeError(f"ds.while_loop: maximum_iterations must be an int >= 0 (a Python int or a "
                         f"constant tensor), got "
                         f"{maximum_iterations!r} (at {where})")
    leaves, structure = flatten(loop_vars)
    graph = next((t.graph for t in leaves if isinstance(t, Tensor)), None) or get_default_graph()
    with graph.as_default(), graph.name_scope(name or "while"):
        inits = [convert_to_tensor(t) for t in leaves]
        shapes = _invariants(inits, shape_invariants, structure, where)
        params = [graph.create_op("LoopVar", (), {"dtype": t.dtype, "shape": s}, [Spec(s, t.dtype)],
                                  name="LoopVar").outputs[0] for t, s in zip(inits, shapes, strict=True)]
        args = pack(structure, params)
        cond_sg = trace(graph, lambda: cond(*args), params, "ds.while_loop: cond", where)
        if len(cond_sg.outputs) != 1:
            raise DTypeError(f"ds.while_loop: cond must return one bool scalar (at {where})")
        check_pred(cond_sg.outputs[0], "ds.while_loop: cond", where)
        body_sg = trace(graph, lambda: _as_structure(body(*args), structure), params,
                        "ds.while_loop: body", where)
        _check_body(body_sg, structure, params, where)
        for sub in (cond_sg, body_sg):
            if sub.writes:
                raise GraphError(f"ds.while_loop: assigning variables inside the loop is not supported "
                                 f"({', '.join(v.op.name for v in sub.writes)}; at {where})")
        captures = tuple(dict.fromkeys(cond_sg.captures + body_sg.captures))
        control = tuple(dict.fromkeys(cond_sg.control + body_sg.control))
        op = graph.create_op("While", (*inits, *captures),
                             {"cond": cond_sg, "body": body_sg, "n_vars": len(inits),
                              "maximum_iterations": None if maximum_iterations is None
                              else int(maximum_iterations),
                              "writes": ()},
                             [Spec(s, t.dtype) for t, s in zip(inits, shapes, strict=True)],
                             name="Exit", control_inputs=control)
        outputs = op.outputs
        if not back_prop:  # TF1: no gradient flows back through the loop (ds.gradients: None)
            outputs = [stop_gradient(t) for t in outputs]
    out = pack(structure, outputs)
    if not return_same_structure and len(outputs) == 1:
        return outputs[0]
    return out


def _as_structure(result, structure):
    """The body of a one-variable loop may return that variable bare (TF1 takes a bare tensor;
    a lone namedtuple or dict is taken the same way, rather than as a mismatch)."""
    if len(structure[1]) == 1:
        (_, only), = structure[1]
        if not isinstance(result, (list, tuple, dict)) or (
                only is not None and same_nesting(flatten(result)[1], only)):
            return structure[0]([result])
    return result


def _invariants(inits: list, shape_invariants, structure, where: str) -> list:
    if shape_invariants is None:
        return [t.shape for t in inits]
    given = _shapes_like(structure, shape_invariants, where)
    if len(given) != len(inits):
        raise ShapeError(f"ds.while_loop: {len(given)} shape_invariants for {len(inits)} loop variables "
                         f"(at {where})")
    shapes = []
    for i, (t, s) in enumerate(zip(inits, given, strict=True)):
        s = None if s is None else tuple(None if d is None or d == -1 else int(d) for d in s)
        if s is not None and t.shape is not None and (len(s) != len(t.shape) or any(
                a is not None and a != b for a, b in zip(s, t.shape, strict=True))):
            raise ShapeError(f"ds.while_loop: loop variable {i} has shape {t.shape}, not compatible "
                             f"with its shape invariant {s} (at {where})")
        shapes.append(s)
    return shapes


def _shapes_like(structure, nest, where: str) -> list:
    """The shape invariants, one per loop variable: `nest` follows loop_vars' nesting with a
    shape (a list or tuple of dims, or None) where each loop variable is."""
    shapes = flatten_up_to(structure, nest)
    if shapes is None:
        raise ShapeError(f"ds.while_loop: shape_invariants must follow the nesting of loop_vars "
                         f"(at {where})")
    return shapes


def _check_body(body_sg: SubGraph, structure, params: list, where: str) -> None:
    if not same_nesting(body_sg.structure, structure):
        raise ShapeError(f"ds.while_loop: body must return the same structure as loop_vars: "
                         f"{len(params)} loop variables, got {len(body_sg.outputs)} tensors in "
                         f"{'a different' if len(body_sg.outputs) == len(params) else 'another'} nesting "
                         f"(at {where})")
    for i, (p, out) in enumerate(zip(params, body_sg.outputs, strict=True)):
        if out.dtype is not p.dtype:
            raise DTypeError(f"ds.while_loop: loop variable {i} enters as {p.dtype.name} but the body "
                             f"returns {out.dtype.name} (at {where})")
        inv, got = p.shape, out.shape
        if inv is None:
            continue
        if got is None or len(got) != len(inv) or any(
                a is not None and a != b for a, b in zip(inv, got, strict=True)):
            raise ShapeError(f"ds.while_loop: loop variable {i} enters with shape {inv} but has shape "
                             f"{got} after one iteration; pass shape_invariants to allow it (at {where})")


def loop_programs(op: Operation, xp, checked: bool = True):
    """(step, keep_going) functions of a While op's body and cond over (vars, captures), each
    also returning the flags of its checks (none unless `checked`: a gradient's re-run)."""
    n = op.attrs["n_vars"]
    captures = op.inputs[n:]
    cond_sg, body_sg = op.attrs["cond"], op.attrs["body"]
    cond_p = SubProgram(cond_sg, xp, captures, checked)
    body_p = SubProgram(body_sg, xp, captures, checked)
    dtypes_ = [t.dtype.np for t in op.outputs]

    def flags(sub, ok) -> tuple:
        return tuple(as_flag(xp, m, f) for (_, m), f in zip(sub.checks, ok, strict=True)) if checked else ()

    def keep_going(vals, caps):
        outs, _, ok = cond_p.call(vals, caps)
        return xp.asarray(outs[0], dtype=bool), flags(cond_sg, ok)

    def step(vals, caps):
        outs, _, ok = body_p.call(vals, caps)
        return tuple(xp.asarray(o, dtype=d) for o, d in zip(outs, dtypes_, strict=True)), flags(body_sg, ok)
    return step, keep_going


@declare("While", checked=lambda op: (op.attrs["cond"], op.attrs["body"]))
def _run_while(op: Operation, xp):
    n = op.attrs["n_vars"]
    limit = op.attrs["maximum_iterations"]
    step, keep_going = loop_programs(op, xp)
    cond_checks = tuple(m for _, m in op.attrs["cond"].checks)
    body_checks = tuple(m for _, m in op.attrs["body"].checks)
    checks = cond_checks + body_checks

    if is_numpy(xp):
        def run(values):  # (a failed check ends the loop: the run fails after it)
            vals, caps = tuple(values[:n]), values[n:]
            ok = [passing(xp, m) for m in checks]
            i = 0
            while limit is None or i < limit:
                go, flags = keep_going(vals, caps)
                ok = _first_failures(xp, checks, ok, flags, 0)
                if not (bool(go) and _passed(xp, checks, ok)):
                    break
                vals, flags = step(vals, caps)
                ok = _first_failures(xp, checks, ok, flags, len(cond_checks))
                if not _passed(xp, checks, ok):
                    break
                i += 1
            return list(vals), [], ok
        return run

    import jax

    if checks or op.attrs["cond"].prints:  # (a print in cond: not past the limit)
        return _checked_loop_jax(op, xp, step, keep_going, cond_checks, body_checks)

    def run_jax(values):
        caps = values[n:]
        init = (xp.asarray(0), tuple(xp.asarray(v, dtype=t.dtype.np)
                                     for v, t in zip(values[:n], op.outputs, strict=True)))

        def go(carry):
            i, vals = carry
            ok = keep_going(vals, caps)[0]
            return ok if limit is None else xp.logical_and(i < limit, ok)

        try:
            _, vals = jax.lax.while_loop(go, lambda c: (c[0] + 1, step(c[1], caps)[0]), init)
        except TypeError as e:
            raise _changing_shape(op, e) from None
        return list(vals), [], []
    return run_jax


def _first_failures(xp, checks: tuple, ok, flags: tuple, at: int) -> list:
    """The loop's flags so far `ok` (one per check of cond and body) with the flags of one run
    of cond (`at` 0) or body (`at`: after cond's) kept where no earlier iteration failed."""
    ok = list(ok)
    for i, f in enumerate(flags, start=at):
        ok[i] = first_failure(xp, checks[i], ok[i], f)
    return ok


def _passed(xp, checks: tuple, ok) -> object:
    """Did every check pass so far? (a Python bool on numpy, a traced bool on jax)"""
    if is_numpy(xp):
        return not any(bool(failed(xp, m, f)) for m, f in zip(checks, ok, strict=True))
    return xp.logical_not(xp.any(xp.stack([failed(xp, m, f) for m, f in zip(checks, ok, strict=True)])))


def _changing_shape(op: Operation, e: Exception) -> ShapeError:
    return ShapeError(f"ds.while_loop {op.name} (created at {op.where}): a loop variable changes shape "
                      f"between iterations, which the jax backend cannot compile; run it with "
                      f"backend='numpy' ({e})")


def _checked_loop_jax(op: Operation, xp, step, keep_going, cond_checks: tuple, body_checks: tuple):
    """A loop with checks inside, on jax: the flags ANDed over the iterations (a registry
    check's: the failing iteration's) ride in the carry, and the loop stops after the
    iteration where one fails (the run then fails). `cond` is evaluated at the end of each
    iteration, so each of its runs (and flags) is carried; past `maximum_iterations` it is not
    run, as on numpy."""
    import jax

    lax = jax.lax
    n = op.attrs["n_vars"]
    limit = op.attrs["maximum_iterations"]
    checks = cond_checks + body_checks

    def run_jax(values):
        caps = values[n:]
        vals = tuple(xp.asarray(v, dtype=t.dtype.np) for v, t in zip(values[:n], op.outputs, strict=True))
        # (a registry check's flags have its op's shapes: jax.eval_shape gives the passing
        # value's shape, for the carry before the first iteration and past the limit)
        registry = any(registry_checked(m) for m in checks)
        likes = jax.eval_shape(lambda v: keep_going(v, caps)[1] + step(v, caps)[1], vals) if registry else (
            (None,) * len(checks))
        passed = tuple(passing(xp, m, like) for m, like in zip(checks, likes, strict=True))

        def test(i, vals):  # (go on?, cond's flags)
            if limit is None:
                return keep_going(vals, caps)
            return lax.cond(i < limit, lambda v: keep_going(v, caps),
                            lambda v: (xp.asarray(False), passed[:len(cond_checks)]), vals)

        go, ok_cond = test(0, vals)
        init = (xp.asarray(0), vals, go, ok_cond + passed[len(cond_checks):])

        def more(carry):
            _, _, go, ok = carry
            return xp.logical_and(go, _passed(xp, checks, ok))

        def body(carry):
            i, vals, _, ok = carry
            vals, ok_body = step(vals, caps)
            go, ok_cond = test(i + 1, vals)
            return i + 1, vals, go, tuple(_first_failures(xp, checks, ok, ok_cond + ok_body, 0))

        try:
            _, vals, _, ok = lax.while_loop(more, body, init)
        except TypeError as e:
            raise _changing_shape(op, e) from None
        return list(vals), [], list(ok)
    return run_jax
