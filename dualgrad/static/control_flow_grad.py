"""Gradient rules of the control-flow ops, built from graph ops (see `control_flow.py`).

- **Cond**: the gradient is another `Cond` on the same predicate whose branches are the
  gradients of the two branches (w.r.t. everything they capture). Each gradient branch
  re-runs its forward branch's ops (they are owned by it too), so only the taken branch's
  forward and backward ops run, and nothing forward is stored; the re-run commits no assign.
- **While**: the gradient is a `WhileGrad` op. Its per-iteration vector-Jacobian product is a
  traced function of graph ops (the gradient of the body, w.r.t. the loop variables and what
  the body captures, with the cotangents as parameters). The backends run the loop again,
  recording each iteration's loop variables, then apply that function from the last iteration
  to the first: the numpy backend keeps a Python list of the values of the actual trip count;
  jax with `maximum_iterations` records them in a `lax.scan` of that length and masks the
  iterations past the real trip count; jax without a bound counts the trips with
  `lax.while_loop` and recomputes iteration k's values from the start (O(n^2) body runs, no
  storage). Gradients of a `WhileGrad` (second order through a loop) are in
  `control_flow_second.py`. The walker reaches these rules through `GRADIENTS`
  (`control_flow_trace.py`).
"""
from __future__ import annotations

import numpy as np

from ..errors import GraphError
from ..ops import Spec
from .control_flow import _cond_op, _merge_branches
from .control_flow_loop import loop_programs
from .control_flow_trace import GRADIENTS, KINDS, declare, inner_checks, is_numpy, trace
from .creation import zeros_like
from .gradients import branch_gradients
from .graph import Operation
from .subprogram import SubProgram


def incoming(op: Operation, grads: list) -> list:
    """Incoming gradients, zeros where an output got none (None for non-float outputs)."""
    return [None if not o.dtype.is_floating_point else g if g is not None else zeros_like(o)
            for o, g in zip(op.outputs, grads, strict=True)]


def _cond_grad(op: Operation, grads: list, needed: list) -> list:
    pred, captures = op.inputs[0], op.inputs[1:]
    wanted = [c for c, want in zip(captures, needed[1:], strict=True) if want]
    result: list = [None] * len(op.inputs)
    if not wanted:
        return result
    graph = op.graph
    seeds = incoming(op, grads)

    def gradient_of(sub):
        def fn():
            gs = branch_gradients(sub.outputs, wanted, seeds)
            return [g if g is not None else zeros_like(c) for g, c in zip(gs, wanted, strict=True)]
        return fn

    with graph.as_default(), graph.name_scope(op.name.rsplit("/", 1)[0] + "_grad"):
        subs = [trace(graph, gradient_of(sub), (), "gradient of ds.cond", op.where,
                      extra_owned=sub.owned, convert=False) for sub in op.attrs["branches"]]
        clash = [v for sub in subs for v in sub.captures if v in op.attrs["writes"]]
        if clash:  # the gradient would read the value the cond wrote, not the one it used
            raise GraphError(f"ds.gradients through the ds.cond {op.name} (created at {op.where}) needs "
                             f"variable {clash[0].op.name}, which the cond assigns; gradients through a "
                             "cond that assigns what its gradient reads are not supported")
        specs = _merge_branches(subs[0], subs[1], op.where)
        outs = _cond_op(graph, pred, subs[0], subs[1], specs, strict=True, after=_checking(op))
    it = iter(outs)
    for i, want in enumerate(needed):
        if i and want:
            result[i] = next(it)
    return result


def _checking(op: Operation) -> tuple:
    """The forward op, when it holds checks: the gradient runs after it, so that fetching only
    a gradient still checks (and prints) once, as TF1's forward pass does; the gradient's own
    re-run of the forward ops checks nothing."""
    return (op,) if inner_checks(op) or any(sub.prints for sub in KINDS[op.type].checked(op)) else ()


def _while_grad(op: Operation, grads: list, needed: list) -> list:
    n = op.attrs["n_vars"]
    inits, captures = op.inputs[:n], op.inputs[n:]
    body = op.attrs["body"]
    float_vars = [i for i in range(n) if op.outputs[i].dtype.is_floating_point]
    wanted = [j for j in range(len(captures)) if needed[n + j]]
    result: list = [None] * len(op.inputs)
    if not wanted and not any(needed[:n]):
        return result
    graph = op.graph
    seeds = [s for s in incoming(op, grads) if s is not None]
    with graph.as_default(), graph.name_scope(op.name.rsplit("/", 1)[0] + "_grad"):
        cots = [graph.create_op("LoopVar", (), {"dtype": op.outputs[i].dtype, "shape": op.outputs[i].shape},
                                [Spec(op.outputs[i].shape, op.outputs[i].dtype)], name="Cotangent").outputs[0]
                for i in float_vars]
        xs = [body.params[i] for i in float_vars] + [captures[j] for j in wanted]

        def vjp():
            gs = branch_gradients([body.outputs[i] for i in float_vars], xs, cots)
            return [g if g is not None else zeros_like(x) for g, x in zip(gs, xs, strict=True)]

        sub = trace(graph, vjp, tuple(body.params) + tuple(cots), "gradient of ds.while_loop", op.where,
                    extra_owned=body.owned, convert=False)
        caps = tuple(dict.fromkeys(tuple(captures) + sub.captures))
        specs = [Spec(op.outputs[i].shape, op.outputs[i].dtype) for i in float_vars] + [
            Spec(captures[j].shape, captures[j].dtype) for j in wanted]
        grad_op = graph.create_op("WhileGrad", (*inits, *seeds, *caps),
                                  {"forward": op, "vjp": sub, "n_float": len(float_vars), "writes": (),
                                   "wanted": tuple(captures[j] for j in wanted)},
                                  specs, name="WhileGrad", control_inputs=_checking(op))
    for k, i in enumerate(float_vars):
        result[i] = grad_op.outputs[k] if needed[i] else None
    for k, j in enumerate(wanted):
        result[n + j] = grad_op.outputs[len(float_vars) + k]
    return result


GRADIENTS.update({"Cond": _cond_grad, "While": _while_grad})


@declare("WhileGrad")
def _run_while_grad(op: Operation, xp):
    fwd = op.attrs["forward"]
    n, nf = fwd.attrs["n_vars"], op.attrs["n_float"]
    limit = fwd.attrs["maximum_iterations"]
    caps = op.inputs[n + nf:]
    slot = {t: i for i, t in enumerate(caps)}
    fwd_slots = [slot[c] for c in fwd.inputs[n:]]
    step_checked, going_checked = loop_programs(fwd, xp, checked=False)  # (the forward op checks)
    vjp = SubProgram(op.attrs["vjp"], xp, caps, checked=False)
    out_dtypes = [t.dtype.np for t in op.outputs]

    def step(vals, fcaps):
        return step_checked(vals, fcaps)[0]

    def keep_going(vals, fcaps):
        return going_checked(vals, fcaps)[0]

    def vjp_step(vals, g, cap_vals):
        outs, _, _ = vjp.call(list(vals) + list(g), cap_vals)
        outs = [xp.asarray(o, dtype=d) for o, d in zip(outs, out_dtypes, strict=True)]
        return outs[:nf], outs[nf:]

    def split(values):
        cap_vals = list(values[n + nf:])
        seeds = [xp.asarray(s, dtype=d) for s, d in zip(values[n:n + nf], out_dtypes, strict=False)]
        vals = tuple(xp.asarray(v, dtype=t.dtype.np) for v, t in zip(values[:n], fwd.outputs, strict=True))
        return vals, seeds, cap_vals, [cap_vals[i] for i in fwd_slots]

    def zero_caps(cap_vals):
        shapes = [cap_vals[slot[c]] for c in op.attrs["wanted"]]
        return [xp.zeros(np.shape(v), dtype=d) for v, d in zip(shapes, out_dtypes[nf:], strict=True)]

    if is_numpy(xp):
        def run(values):
            vals, g, cap_vals, fcaps = split(values)
            history = []
            while (limit is None or len(history) < limit) and bool(keep_going(vals, fcaps)):
                history.append(vals)
                vals = step(vals, fcaps)
            gc = zero_caps(cap_vals)
            for vals in reversed(history):
                g, gk = vjp_step(vals, g, cap_vals)
                gc = [a + b for a, b in zip(gc, gk, strict=True)]
            return list(g) + gc, [], []
        return run

    import jax

    lax = jax.lax

    def accumulate(vals, carry, cap_vals):
        g, gc = carry
        g2, gk = vjp_step(vals, g, cap_vals)
        return g2, [a + b for a, b in zip(gc, gk, strict=True)]

    def run_bounded(values):
        vals, g, cap_vals, fcaps = split(values)

        def forward(carry, _):
            v, active = carry
            go = xp.logical_and(active, keep_going(v, fcaps))
            new = lax.cond(go, lambda a: step(a, fcaps), lambda a: tuple(a), v)
            return (new, go), (v, go)

        _, (hist, gos) = lax.scan(forward, (vals, xp.asarray(True)), None, length=limit)

        def backward(carry, rec):
            v, go = rec
            return lax.cond(go, lambda c: accumulate(v, c, cap_vals), lambda c: c, carry), None

        (g, gc), _ = lax.scan(backward, (g, zero_caps(cap_vals)), (hist, gos), reverse=True)
        return list(g) + list(gc), [], []

    def run_unbounded(values):
        vals, g, cap_vals, fcaps = split(values)
        trips, _ = lax.while_loop(lambda c: keep_going(c[1], fcaps),
                                  lambda c: (c[0] + 1, step(c[1], fcaps)), (xp.asarray(0), vals))

        def values_at(k):  # iteration k's loop variables, recomputed from the start
            return lax.fori_loop(0, k, lambda _, v: step(v, fcaps), vals)

        def backward(c):
            k, carry = c
            return k - 1, accumulate(values_at(k - 1), carry, cap_vals)

        _, (g, gc) = lax.while_loop(lambda c: c[0] > 0, backward, (trips, (g, zero_caps(cap_vals))))
        return list(g) + list(gc), [], []

    return run_bounded if limit is not None else run_unbounded

