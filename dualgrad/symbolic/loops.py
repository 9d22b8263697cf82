"""`ds.while_loop` in a closed form: unrolled, when its trip count is a constant.

The condition is evaluated with numpy on the values known without the data (constants, and
loop variables that start constant and are updated from constants: a counter `i < 3`, or a
constant condition with `maximum_iterations`); while it holds, one copy of the body's steps is
added, reading the previous copy's loop variables. A condition that reads the data (a value
computed from a placeholder or variable) has no closed form: its trip count is known only when
the loop runs, and `NotClosedForm` says which loop and what its condition reads.
"""
from __future__ import annotations

from collections import ChainMap

import numpy as np

from ..errors import NotClosedForm
from .steps import LEAF, is_static, key_of

MAX_UNROLL = 1000  # iterations; a longer loop is refused (its closed form would be that long)


def unroll(walk, op, keys) -> None:
    """Add the steps of `op` (a While) unrolled, and map each of its outputs in `keys` to the
    step of its final value."""
    n, limit = op.attrs["n_vars"], op.attrs["maximum_iterations"]
    cond_sg, body_sg = op.attrs["cond"], op.attrs["body"]
    current = [keys[key_of(t)] for t in op.inputs[:n]]
    count = 0
    while limit is None or count < limit:
        scope = ChainMap({key_of(p): k for p, k in zip(cond_sg.params, current, strict=True)}, keys)
        go = _value(walk, cond_sg.outputs[0], scope, {})
        if go is None:
            raise NotClosedForm(f"symbolic: ds.while_loop {op.name!r} (created at {op.where}) is not "
                                f"closed form: its condition reads {_data_read(walk, cond_sg, scope)}, "
                                "so its trip count is known only when it runs; fix the trip count "
                                "(a counter against a constant) or compare numbers instead")
        if not bool(go):
            break
        if count == MAX_UNROLL:
            raise NotClosedForm(f"symbolic: ds.while_loop {op.name!r} (created at {op.where}) runs "
                                f"more than {MAX_UNROLL} iterations; symbolic unrolls at most "
                                f"{MAX_UNROLL}")
        body = ChainMap({key_of(p): k for p, k in zip(body_sg.params, current, strict=True)}, keys)
        walk.emit(list(body_sg.outputs), body)
        current = [body[key_of(t)] for t in body_sg.outputs]
        count += 1
    for t, k in zip(op.outputs, current, strict=True):
        keys[key_of(t)] = k


def _value(walk, t, scope, memo: dict):
    """`t`'s value when it is computable without the data, else None (numpy, like a run)."""
    key = key_of(t)
    if key in scope:
        return walk.known.get(scope[key])
    if key in memo:
        return memo[key]
    op, value = t.op, None
    row = walk._kind_of(op)
    if row is not None and row.step is walk._static_const:
        value = np.asarray(op.attrs.get("value"))
    elif row is not None and row.passes and is_static(op.inputs[0]):
        value = _value(walk, op.inputs[0], scope, memo)
    elif getattr(op, "registry_op", None) is not None:
        args = [_value(walk, a, scope, memo) if is_static(a) else a for a in op.inputs]
        if all(a is not None for a in args):
            with np.errstate(all="ignore"):
                value = np.asarray(op.registry_op.compute(args, dict(op.attrs or {})))
    memo[key] = value
    return value


def _data_read(walk, cond_sg, scope) -> str:
    """What makes the condition unknown: the loop variables and inputs it reads."""
    reads, stack, seen = [], list(cond_sg.outputs), set()
    while stack:
        t = stack.pop()
        key = key_of(t)
        if key in seen:
            continue
        seen.add(key)
        if key in scope:
            k = scope[key]
            if k not in walk.known:
                params = [key_of(p) for p in cond_sg.params]
                reads.append(f"loop variable {params.index(key)} (from the data)" if key in params else
                             f"{walk.steps[k].name!r}" if walk.steps[k].kind == LEAF else
                             f"{t.op.name!r} (computed from the data)")
            continue
        stack.extend(a for a in t.op.inputs if is_static(a))
    return ", ".join(sorted(set(reads))) or "a value it cannot compute ahead"
