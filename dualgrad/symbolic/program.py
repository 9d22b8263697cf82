"""One flat view of a recorded computation, whichever front end recorded it.

`build(y, cuts)` walks an eager tensor's `grad_fn` graph or a static graph tensor's ops
(iteratively, inputs before users) into a list of `Step`s: leaves (named inputs), constants,
registry op calls and opaque custom `autograd.Function` calls. Everything symbolic and numeric
in `dualgrad.symbolic` runs over this list, so neither front end is special-cased elsewhere.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..errors import GraphError, user_line
from ..traversal import postorder
from .static_program import build_static
from .steps import (
    CONST,
    FUNCTION,
    LEAF,
    OP,
    Program,
    Raw,
    Step,
    clean_name,
    depth,
    is_eager,
    is_static,
    key_of,
    unique_name,
)

FREED = ("symbolic: the graph of this tensor was freed by backward(); call the symbolic function "
         "before backward(), or call backward(retain_graph=True)")

__all__ = ["CONST", "FUNCTION", "LEAF", "OP", "Program", "Raw", "Step", "build", "clean_name",
           "depth", "is_eager", "is_static", "key_of"]


def build(y, cuts: Sequence = ()) -> Program:
    """The program that computes `y`, with `cuts` (tensors) treated as named inputs."""
    if is_eager(y):
        return _build_eager(y, cuts)
    if is_static(y):
        return build_static(y, cuts)
    raise TypeError(f"symbolic: expected a dualgrad tensor (eager or static), got {type(y).__name__}")


# -- eager -----------------------------------------------------------------------------------------


def _build_eager(y, cuts: Sequence) -> Program:
    from ..eager.function import _NODE_TYPES, FunctionCtx
    from ..eager.moves import ToCopy
    from ..eager.tensor import Tensor

    cut_ids = {id(c) for c in cuts}
    cut_outputs = {(id(c.grad_fn), c._output_nr): c for c in cuts if is_eager(c) and c.grad_fn is not None}
    functions = {node_type: cls for cls, node_type in _NODE_TYPES.items()}
    steps: list[Step] = []
    keys: dict = {}
    moved: dict = {}  # the key of a tensor moved to another device -> its source's reference
    move_node = _NODE_TYPES[ToCopy]
    used_names: set = set()

    def ref_key(t) -> tuple:
        if id(t) in cut_ids:
            return ("t", id(t))
        if t.grad_fn is None:
            return ("o", id(t)) if _origin(t) is not None else ("t", id(t))
        cut = cut_outputs.get((id(t.grad_fn), t._output_nr))
        if cut is not None:
            return ("t", id(cut))
        return ("n", id(t.grad_fn))

    def children(t) -> list:
        key = ref_key(t)
        if key[0] == "t":
            return []
        if key[0] == "o":
            return [a for a in _origin(t)[2] if isinstance(a, Tensor)]
        node = t.grad_fn
        inputs = node.inputs
        if inputs is None or (isinstance(node, FunctionCtx) and node._saved is None):
            raise GraphError(FREED)
        if getattr(node, "packed", None) is not None:  # (eager/saved_hooks.py)
            raise GraphError(f"symbolic: {type(node).__name__} was recorded under saved_tensors_hooks, "
                             f"so the graph keeps only what pack_hook returned; record it without "
                             f"the hooks to read it symbolically {user_line()}")
        return [a for a in inputs if isinstance(a, Tensor)]

    # iterative post-order over tensors
    order = postorder([y], children, key=ref_key)

    def ref(a):
        if isinstance(a, Tensor):
            key = ref_key(a)
            if key in moved:
                return moved[key]
            return (keys[key], a._output_nr if key[0] == "n" else 0)
        return Raw(a)

    pending_names = []
    for t in order:
        key = ref_key(t)
        if key[0] == "t":
            leaf = t if id(t) in cut_ids else _cut_of(t, cut_outputs)
            data = np.asarray(leaf._data)
            floating = data.dtype.kind in "fc"
            step = Step(LEAF if floating else CONST, name=leaf.name and str(leaf.name),
                        shape=data.shape, dtype=data.dtype, value=data, source=leaf)
            if step.kind == LEAF:
                if step.name is None:
                    pending_names.append(step)
                else:
                    step.name = unique_name(step.name, used_names)
        elif key[0] == "o":  # data computed from named data: its op, not a new input
            op, attrs, args = _origin(t)[:3]
            step = Step(OP, op=op, attrs=attrs, shape=np.shape(t._data),
                        dtype=np.asarray(t._data).dtype, inputs=[ref(a) for a in args], source=t)
        else:
            node = t.grad_fn
            if type(node) is move_node:  # a device move: the same value (no step of its own)
                moved[key] = ref(node.inputs[0])
                continue
            if isinstance(node, FunctionCtx):
                cls = functions.get(type(node))
                shapes = tuple(tuple(s) for s in node.output_shapes)
                step = Step(FUNCTION, shape=shapes if node.num_outputs > 1 else shapes[0],
                            dtype=np.asarray(t._data).dtype, inputs=[ref(a) for a in node.inputs],
                            source=node, num_outputs=node.num_outputs, function=cls)
            else:
                out = node.out
                shape = np.shape(out) if out is not None else tuple(t.shape)
                step = Step(OP, op=node.op, attrs=node.attrs, shape=shape,
                            dtype=np.asarray(t._data).dtype, inputs=[ref(a) for a in node.inputs],
                            source=node)
        keys[key] = len(steps)
        steps.append(step)
    # unnamed leaves get stable names, in the order the program reads them (and keep them)
    counter = 0
    for step in pending_names:
        while f"t{counter}" in used_names:
            counter += 1
        step.name = f"t{counter}"
        used_names.add(step.name)
        step.source.name = step.name
    return Program(steps, ref(y), "eager", keys)


def _origin(t):
    """The op that computed data tensor `t` from named data (eager `keep_origin`), or None when
    there is none or `t` or one of its inputs changed in place since."""
    origin = getattr(t, "_origin", None)
    if origin is None or t._name is not None:  # a tensor the user named is an input by that name
        return None
    _, _, args, _, counter, version, versions = origin
    if counter[0] != version or any(v is not None and a._version[0] != v
                                    for a, v in zip(args, versions, strict=True)):
        return None
    return origin


def _cut_of(t, cut_outputs):
    if t.grad_fn is not None:
        return cut_outputs.get((id(t.grad_fn), t._output_nr), t)
    return t
