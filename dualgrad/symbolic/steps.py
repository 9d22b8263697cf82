"""The flat view of a recorded computation that all of `dualgrad.symbolic` runs over: `Step`s
(leaves, constants, registry op calls, opaque custom `autograd.Function` calls) in topological
order, in a `Program`. `program.build` makes one from an eager or a static tensor.
"""
from __future__ import annotations

import numpy as np

from ..errors import GraphError

LEAF, CONST, OP, FUNCTION = "leaf", "const", "op", "function"



class Raw:
    """A constant that sits directly in an op's inputs (a Python number, a numpy array)."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


class Step:
    """One value-producing thing in the program; `inputs` holds `(step_index, output)` or Raw."""

    __slots__ = ("kind", "name", "shape", "dtype", "value", "op", "attrs", "inputs", "source",
                 "num_outputs", "function")

    def __init__(self, kind, *, name=None, shape=(), dtype=None, value=None, op=None, attrs=None,
                 inputs=(), source=None, num_outputs=1, function=None):
        self.kind = kind
        self.name = name
        self.shape = tuple(shape) if shape is not None else None
        self.dtype = dtype
        self.value = value
        self.op = op
        self.attrs = attrs or {}
        self.inputs = list(inputs)
        self.source = source
        self.num_outputs = num_outputs
        self.function = function  # the autograd.Function subclass of a FUNCTION step

    def __repr__(self) -> str:
        what = self.op.name if self.op is not None else (self.function.__name__ if self.function else "")
        return f"Step({self.kind}, {self.name or what}, shape={self.shape})"

    @property
    def floating(self) -> bool:
        dt = np.dtype(self.dtype) if self.dtype is not None else np.dtype(np.float64)
        return dt.kind in "fc"


class Program:
    """Steps in topological order; `root` is `(step_index, output)` of the tensor asked about."""

    def __init__(self, steps: list[Step], root: tuple[int, int], front_end: str, keys: dict):
        self.steps = steps
        self.root = root
        self.front_end = front_end
        self._keys = keys
        self.solved_sizes: dict | None = None  # sizes.sizes_of fills it once

    @property
    def root_shape(self) -> tuple:
        step = self.steps[self.root[0]]
        return step.shape if step.num_outputs == 1 else step.shape[self.root[1]]

    def leaves(self) -> list[int]:
        return [k for k, s in enumerate(self.steps) if s.kind == LEAF]

    def leaf_of(self, x) -> int:
        """The step index of leaf (or cut) `x`, given as a tensor or a name."""
        if isinstance(x, str):
            for k in self.leaves():
                if self.steps[k].name in (x, clean_name(x)):
                    return k
            raise GraphError(f"symbolic: no input named {x!r} in this computation "
                             f"(inputs: {', '.join(self.steps[k].name for k in self.leaves())})")
        key = key_of(x)
        k = self._keys.get(key)
        if k is None or self.steps[k].kind not in (LEAF, CONST):
            name = getattr(x, "name", None)
            raise GraphError(f"symbolic: {name or 'this tensor'} is not an input of the computation; "
                             "pass it in `xs` so the graph is cut there")
        return k

    def describe(self) -> str:
        return f"{len(self.steps)} steps ({sum(s.kind in (OP, FUNCTION) for s in self.steps)} ops)"


def depth(program: Program) -> int:
    """The longest chain of op calls in the program (one pass: steps are in topological order)."""
    level = [0] * len(program.steps)
    for k, step in enumerate(program.steps):
        if step.kind in (OP, FUNCTION):
            level[k] = 1 + max((level[r[0]] for r in step.inputs if not isinstance(r, Raw)), default=0)
    return level[program.root[0]] if level else 0


def clean_name(name: str) -> str:
    """'w:0' -> 'w'; every other name stays exactly as the user wrote it (sympy takes any
    string as a symbol name): `layer/w` and `layer_w` must stay two symbols (SPEC §4)."""
    name = str(name)
    return name[:-2] if name.endswith(":0") else name


def key_of(x):
    """What identifies a tensor in a program: an eager tensor by identity, a static one by
    (op, output index)."""
    grad_fn = getattr(x, "grad_fn", None)
    if hasattr(x, "_data"):  # eager tensor: identity, or the node output it is
        return ("t", id(x))
    if hasattr(x, "op") and hasattr(x, "value_index"):
        return ("s", id(x.op), x.value_index)
    return ("o", id(x), grad_fn)


def is_eager(t) -> bool:
    """Whether `t` is an eager `dg.Tensor`."""
    from ..eager.tensor import Tensor

    return isinstance(t, Tensor)


def is_static(t) -> bool:
    """Whether `t` is a static graph tensor (it has an op and an output index)."""
    return hasattr(t, "op") and hasattr(t, "value_index") and not hasattr(t, "_data")


def unique_name(name: str, used: set) -> str:
    """Two different inputs with one name get `x`, `x_1`, ... (one symbol would merge them)."""
    out, n = name, 0
    while out in used:
        n += 1
        out = f"{name}_{n}"
    used.add(out)
    return out
