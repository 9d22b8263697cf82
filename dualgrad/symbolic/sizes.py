"""Sizes for the unknown (`None`) axes of a static graph's inputs, solved from the graph itself.

Every unknown axis `a` of every input shares one size symbol (`N` for axis 0, ...). Numbers
need a value for it: the one the graph's shapes force when they force one (a `(None, 4)`
placeholder broadcast against a `(2, 4)` variable must have 2 rows), else a small default.

1. *unification*: the dims the graph recorded are joined through the shape rules that tie them
   (broadcasting ties aligned axes whose size is not 1, matmul its inner axes); a class that
   holds an unknown input axis and a known size fixes that size;
2. *validation*: the forward pass is replayed at the candidate sizes; the first assignment under
   which every kernel accepts its inputs and every step has the shape the graph recorded wins.
"""
from __future__ import annotations

import itertools

import numpy as np

from . import program as P
from .numeric import Replay

DEFAULT_SIZE = 3
MAX_TRIALS = 32


def unknown_axes(program: P.Program) -> list[int]:
    """The axes that are unknown in some input of the program."""
    return sorted({a for k in program.leaves() for a, d in enumerate(program.steps[k].shape or ())
                   if d is None})


def sizes_of(program: P.Program) -> dict[int, int]:
    """axis -> size for every unknown input axis, solved once per program."""
    if program.solved_sizes is None:
        program.solved_sizes = solve(program)
    return program.solved_sizes


def solve(program: P.Program) -> dict[int, int]:
    """axis -> size for every unknown input axis (see the module docstring)."""
    axes = unknown_axes(program)
    if not axes:
        return {}
    hints = _unified(program, axes)
    known = sorted({d for s in program.steps for d in _shapes(s) if isinstance(d, int) and d > 1})
    options = []
    for a in axes:
        opts = list(hints.get(a, ())) + [DEFAULT_SIZE] + known
        options.append(list(dict.fromkeys(opts)))
    for choice in itertools.islice(itertools.product(*options), MAX_TRIALS):
        sizes = dict(zip(axes, choice, strict=True))
        if _consistent(program, sizes):
            return sizes
    return {a: opts[0] for a, opts in zip(axes, options, strict=True)}


def _shapes(step: P.Step):
    shape = step.shape or ()
    if step.num_outputs > 1 and shape and isinstance(shape[0], tuple):
        return [d for s in shape for d in s]
    return list(shape)


class _Classes:
    """Union-find over `(step, axis)` dims and `("axis", a)` size symbols."""

    def __init__(self):
        self.parent: dict = {}

    def find(self, x):
        root = x
        while self.parent.get(root, root) != root:
            root = self.parent[root]
        while x != root:  # path compression
            self.parent[x], x = root, self.parent.get(x, x)
        return root

    def join(self, a, b) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[ra] = rb


def _unified(program: P.Program, axes: list[int]) -> dict[int, list[int]]:
    classes = _Classes()
    known: dict = {}
    steps = program.steps
    for k, step in enumerate(steps):
        if step.num_outputs != 1:
            continue
        shape = step.shape or ()
        for a, d in enumerate(shape):
            if d is not None:
                known[(k, a)] = d
            elif step.kind == P.LEAF:
                classes.join((k, a), ("axis", a))
        if step.kind != P.OP:
            continue
        refs = [r for r in step.inputs if not isinstance(r, P.Raw)]
        if step.op.elementwise:
            for r in refs:
                ishape = steps[r[0]].shape or ()
                lead = len(shape) - len(ishape)
                for a, d in enumerate(ishape):
                    if d != 1 and lead + a >= 0:
                        classes.join((r[0], a), (k, lead + a))
        elif step.op.name == "matmul" and len(refs) == 2:
            (x, _), (y, _) = refs
            xs, ys = steps[x].shape or (), steps[y].shape or ()
            if len(xs) >= 1 and len(ys) >= 2:
                classes.join((x, len(xs) - 1), (y, len(ys) - 2))
    values: dict = {}
    for node, d in known.items():
        if d != 1:
            values.setdefault(classes.find(node), set()).add(d)
    return {a: sorted(values.get(classes.find(("axis", a)), ())) for a in axes}


def _consistent(program: P.Program, sizes: dict[int, int]) -> bool:
    """Whether the forward pass runs at these sizes and gives every step its recorded shape."""
    rng = np.random.default_rng(0)
    inputs = {}
    for k in program.leaves():
        shape = tuple(sizes[a] if d is None else d for a, d in enumerate(program.steps[k].shape))
        inputs[k] = rng.uniform(0.5, 1.5, size=shape)
    try:
        with np.errstate(all="ignore"):
            replay = Replay(program, inputs)
    except Exception:  # noqa: BLE001 — any kernel refusing its inputs rules these sizes out
        return False
    for k, step in enumerate(program.steps):
        if step.num_outputs != 1 or step.shape is None:
            continue
        got = np.shape(replay.values[k])
        if len(got) != len(step.shape) or any(d is not None and d != g
                                              for d, g in zip(step.shape, got, strict=True)):
            return False
    return True
