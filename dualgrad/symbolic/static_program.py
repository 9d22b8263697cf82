"""The `Program` of a static graph tensor: its ops walked (iteratively, inputs before users)
into `Step`s. Placeholders and variables are the named inputs, `Const` ops constants, registry
ops their `Step`s; a `ds.cond` output is `where(pred, branches' outputs)` (a sympy
`Piecewise`) and a `ds.while_loop` is unrolled when its trip count is a constant (loops.py).
"""
from __future__ import annotations

from collections.abc import MutableMapping, Sequence

import numpy as np

from ..errors import GraphError
from ..traversal import postorder
from .loops import unroll
from .steps import CONST, LEAF, OP, Program, Raw, Step, clean_name, is_static, key_of, unique_name

KNOWN_SIZE = 10_000  # constants computed ahead (a loop's trip count) have at most this many elements


class StaticWalk:
    """Steps for static graph tensors. `emit(roots, keys)` adds what `roots` need and `keys`
    (tensor key -> step index) does not hold yet; an unrolled loop calls it once per iteration
    with its loop variables mapped. `known` holds the values computable without the data."""

    def __init__(self, cuts: Sequence):
        from ..static.control_flow import is_control_flow, symbolic_form
        from ..static.kinds import CONST as STATIC_CONST
        from ..static.kinds import kind_of

        self._is_control_flow, self._symbolic_form = is_control_flow, symbolic_form
        self._kind_of, self._static_const = kind_of, STATIC_CONST
        self.cut_keys = {key_of(c) for c in cuts}
        self.steps: list[Step] = []
        self.known: dict[int, np.ndarray] = {}   # step index -> value known without the data
        self.constants: dict = {}                # Const op key -> its step (one per Const op)
        self.used_names: set = set()

    def inputs_of(self, t) -> list:
        """The tensors `t`'s step reads (none for a named input or a constant)."""
        op = t.op
        row = self._kind_of(op)
        if key_of(t) in self.cut_keys or row is not None and (row.symbol or
                                                                row.step is self._static_const):
            return []
        if op.type != "While" and self._is_control_flow(t):
            return [a for a in self._symbolic_form(t)[1] if is_static(a)]
        return [a for a in op.inputs if is_static(a)]

    def emit(self, roots: Sequence, keys: MutableMapping) -> None:
        """Add the steps `roots` need, inputs first, mapping each tensor in `keys`."""
        order = postorder(roots, lambda t: [c for c in self.inputs_of(t) if key_of(c) not in keys],
                          key=key_of)
        for t in order:
            if key_of(t) not in keys:  # a loop maps all its outputs at once
                self._emit_one(t, keys)

    def ref(self, a, keys) -> tuple | Raw:
        """A step input: `(step index, 0)` for a graph tensor, `Raw` for a Python value."""
        return (keys[key_of(a)], 0) if is_static(a) else Raw(a)

    def _emit_one(self, t, keys: MutableMapping) -> None:
        op, key = t.op, key_of(t)
        dtype = _np_dtype(getattr(t, "dtype", None))
        row = self._kind_of(op)
        if key in self.cut_keys or row is not None and row.symbol:
            kind = LEAF if dtype.kind in "fc" else CONST
            # an op's name as written (an op named 'w:0' is not a tensor name); a tensor's
            # name without its ':0'
            name = op.name if key not in self.cut_keys or t.value_index == 0 else clean_name(t.name)
            step = Step(kind, name=unique_name(name, self.used_names),
                        shape=_static_shape(t), dtype=dtype, source=t)
        elif row is not None and row.step is self._static_const:
            if key in self.constants:  # a constant inside a loop body: one step for all iterations
                keys[key] = self.constants[key]
                return
            value = np.asarray(op.attrs.get("value"))
            step = Step(CONST, name=unique_name(op.name, self.used_names), shape=value.shape,
                        dtype=value.dtype, value=value, source=t)
            self.constants[key] = len(self.steps)
        elif row is not None and row.passes:
            if not is_static(op.inputs[0]):
                raise GraphError(f"symbolic: cannot follow {op.type} op {op.name!r}")
            keys[key] = keys[key_of(op.inputs[0])]
            return
        elif op.type == "While":
            unroll(self, op, keys)
            return
        elif self._is_control_flow(t):  # ds.cond: where(pred, branches' outputs)
            rop, ins = self._symbolic_form(t)
            step = Step(OP, op=rop, attrs={}, shape=_static_shape(t), dtype=dtype,
                        inputs=[self.ref(a, keys) for a in ins], source=t)
        elif getattr(op, "registry_op", None) is not None:
            step = Step(OP, op=op.registry_op, attrs=dict(op.attrs or {}), shape=_static_shape(t),
                        dtype=dtype, inputs=[self.ref(a, keys) for a in op.inputs], source=t)
        else:
            raise GraphError(f"symbolic: op {op.name!r} of type {op.type!r} has no registry op, "
                             "so it has no sympy form")
        keys[key] = self.append(step)

    def append(self, step: Step) -> int:
        """Add a step; note its value when it is computable without the data."""
        k = len(self.steps)
        self.steps.append(step)
        if step.kind == CONST and step.value is not None:
            self.known[k] = np.asarray(step.value)
        elif step.kind == OP:
            args = [r.value if isinstance(r, Raw) else self.known.get(r[0]) for r in step.inputs]
            if all(a is not None and np.size(a) <= KNOWN_SIZE for a in args):
                try:
                    with np.errstate(all="ignore"):
                        self.known[k] = np.asarray(step.op.compute(args, step.attrs))
                except (ValueError, TypeError, ArithmeticError):
                    pass  # not folded: the value stays unknown, the step is kept as it is
        return k


def build_static(y, cuts: Sequence) -> Program:
    """The program that computes static tensor `y`, with `cuts` treated as named inputs."""
    walk = StaticWalk(cuts)
    keys: dict = {}
    walk.emit([y], keys)
    return Program(walk.steps, (keys[key_of(y)], 0), "static", keys)


def _static_shape(t) -> tuple:
    shape = getattr(t, "shape", ())
    if hasattr(shape, "as_list"):
        shape = shape.as_list()
    return tuple(None if d is None else int(d) for d in shape)


def _np_dtype(dtype) -> np.dtype:
    if dtype is None:
        return np.dtype(np.float32)
    np_attr = getattr(dtype, "np", None)
    if np_attr is not None:
        return np.dtype(np_attr)
    try:
        return np.dtype(dtype)
    except TypeError:
        name = getattr(dtype, "name", str(dtype))
        return np.dtype(name)
