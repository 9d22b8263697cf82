"""The pending graph of lazy jax tensors, and the one program that computes it.

A `LazyValue` is a jax array not computed yet: the registry op, its attrs and its inputs
(arrays, baked numbers, other LazyValues), with the shape and dtype `jax.eval_shape` gave
when it was recorded (`eager/lazy.py`). `force` computes one and everything pending behind it
as ONE `jax.jit` program, cached by the graph's structure as `eager/compiled.py` caches a
backward: a training loop's forward is one dispatch from its second step. The program returns
only the values something outside the graph still holds (a tensor, a saved output, the value
asked for); the others stay inside XLA's fusion and are never written out.
"""
from __future__ import annotations

import sys
import threading

from .. import dtypes
from ..backend import jax_numpy, x64_state
from ..ops.jit import is_array_arg
from ..stand_in import ArrayStandIn

_CACHE_LIMIT = 512
_programs: dict = {}  # structure key -> jitted program
dtypes.DEFAULT_FLOAT_CACHES.append(_programs)  # (kernels promote by the default float)
_lock = threading.RLock()  # one walk at a time: a walk frees the inputs it computed


class Counts:
    """Ops recorded since the last computation (any thread's: a bound, not a ledger)."""

    recorded = 0


class LazyValue(ArrayStandIn):
    """A jax array to be: what computes it (op, attrs, inputs, and each input's part of the
    recorded key), and what it will be (shape, dtype, weak type, sharding); `value` once
    computed, after which `inputs` is None."""

    __slots__ = ("op", "attrs", "inputs", "keys", "shape", "dtype", "weak_type", "sharding", "depth", "value")

    def devices(self) -> set:
        return self.sharding.device_set


def force(v: LazyValue):
    """`v`'s array, computing it and every pending value behind it in one cached program."""
    if v.value is not None:
        return v.value
    with _lock:
        if v.value is None:
            _compute(v)
    return v.value


def _compute(v: LazyValue) -> None:
    Counts.recorded = 0
    order = _pending_order(v)
    parts, leaves, inside = _structure(order)
    wanted = tuple(i for i in range(len(order)) if order[i] is v or _held_outside(order[i], inside))
    key = (parts, wanted, tuple((a.shape, a.dtype, getattr(a, "weak_type", False)) for a in leaves))
    program = _programs.get(key)
    if program is None:
        if len(_programs) >= _CACHE_LIMIT:
            _programs.clear()
        program = _programs[key] = _jit(parts, wanted)
    st = x64_state()
    prev = st.swap_local(True)
    try:
        values = program(*leaves)
    finally:
        st.set_local(prev)
    for i, value in zip(wanted, values, strict=True):
        done = order[i]
        done.value = value
        done.inputs = None  # (a value left out keeps its inputs: it can still be computed)


def _structure(order: list) -> tuple:
    """(the program's parts: (op, attrs, refs) per pending value, a ref being the position of a
    pending input, ("leaf", slot) of a computed array, or a baked number's `static_key`; the
    leaf arrays; how often each pending value is an input inside the graph)."""
    index = {id(node): i for i, node in enumerate(order)}
    inside: dict = {}
    leaves: list = []
    leaf_slot: dict = {}
    parts = []
    for node in order:
        refs = []
        for d, known in zip(node.inputs, node.keys, strict=True):
            if type(d) is LazyValue and d.value is None:
                inside[id(d)] = inside.get(id(d), 0) + 1
                refs.append(index[id(d)])
            elif is_array_arg(d):  # (a computed LazyValue, an array)
                a = d.value if type(d) is LazyValue else d
                slot = leaf_slot.get(id(a))
                if slot is None:
                    slot = leaf_slot[id(a)] = len(leaves)
                    leaves.append(a)
                refs.append(("leaf", slot))
            else:
                refs.append(known)  # (a baked number's static_key, made when it was recorded)
        parts.append((node.op, node.attrs or (), tuple(refs)))
    return tuple(parts), leaves, inside


def _pending_order(v: LazyValue) -> list:
    """The pending values `v` depends on, `v` last, each after its inputs (an iterative walk:
    a long chain must not hit Python's recursion limit)."""
    order: list = []
    placed: set = set()
    stack = [(v, False)]
    while stack:
        node, expanded = stack.pop()
        if id(node) in placed:
            continue
        if expanded:
            placed.add(id(node))
            order.append(node)
            continue
        stack.append((node, True))
        for d in node.inputs:
            if type(d) is LazyValue and d.value is None and id(d) not in placed:
                stack.append((d, False))
    return order


_OWN_REFERENCES = 3  # getrefcount's argument, `_held_outside`'s parameter, the walk's `order`


def _held_outside(node: LazyValue, inside: dict) -> bool:
    """Whether anything besides the pending graph holds `node` (a tensor, an autograd node's
    saved output, a caller's local): then the program must return it."""
    return sys.getrefcount(node) - _OWN_REFERENCES - inside.get(id(node), 0) > 0


def _jit(parts: list, wanted: tuple):
    import jax

    jnp = jax_numpy()

    def program(*leaves):
        values: list = []
        for op, attrs, refs in parts:
            args = [values[r] if type(r) is int else leaves[r[1]] if r[0] == "leaf" else r[1] for r in refs]
            values.append(op.run_kernel(jnp, args, attrs or {}))
        return [values[i] for i in wanted]

    return jax.jit(program)
