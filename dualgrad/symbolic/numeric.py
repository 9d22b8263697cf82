"""Numbers for `check`: replay a program at chosen input values, run the registry's VJP rules
on numpy arrays through the same walker (what the engine computes), and take finite
differences of the replayed forward."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from . import program as P
from . import walk


class Replay:
    """The forward values of a program at one point (float64 inputs)."""

    def __init__(self, program: P.Program, inputs: dict):
        self.program = program
        self.inputs = inputs            # step index -> array, for every LEAF step
        self.values: list = [None] * len(program.steps)
        self.operands: dict = {}
        self.contexts: dict = {}        # FUNCTION step -> its ctx (for the user's backward)
        for k, step in enumerate(program.steps):
            if step.kind == P.LEAF:
                self.values[k] = inputs[k]
            elif step.kind == P.CONST:
                self.values[k] = inputs.get(k, step.value)
            elif step.kind == P.OP:
                args = self.operands[k] = [self._value(r) for r in step.inputs]
                self.values[k] = np.asarray(step.op.compute(args, step.attrs))
            else:
                self.values[k] = self._function(k, step)

    def _value(self, ref):
        if isinstance(ref, P.Raw):
            return ref.value
        v = self.values[ref[0]]
        return v[ref[1]] if isinstance(v, tuple) else v

    def _function(self, k: int, step: P.Step):
        from ..eager import grad_mode
        from ..eager.tensor import Tensor, wrap

        args = []
        for r in step.inputs:
            v = self._value(r)
            if isinstance(r, P.Raw) and not isinstance(v, Tensor):
                args.append(v)
            else:
                t = wrap(np.asarray(v))
                t._requires_grad = np.asarray(v).dtype.kind in "fc"
                args.append(t)
        self.operands[k] = [a._data if isinstance(a, Tensor) else a for a in args]
        ctx = type(step.source)(tuple(args))
        with grad_mode.no_grad():
            raw = step.function.forward(ctx, *args)
        outs = raw if isinstance(raw, tuple) else (raw,)
        ctx.num_outputs = len(outs)
        ctx.output_shapes = [tuple(np.shape(getattr(o, "_data", o))) for o in outs]
        self.contexts[k] = ctx
        arrays = tuple(np.asarray(getattr(o, "_data", o)) for o in outs)
        return arrays if len(arrays) > 1 else arrays[0]

    @property
    def root(self) -> np.ndarray:
        return np.asarray(self._value(self.program.root))

    def gradients(self, targets: Sequence[int]) -> dict:
        """The engine's gradient of sum(root) for each target leaf (zeros if unconnected)."""
        backward = {k: (lambda grads, needed, ctx=ctx: ctx.apply(list(grads), needed))
                    for k, ctx in self.contexts.items()}
        seed = np.ones_like(self.root, dtype=np.float64)
        got = walk.backward(self.program, self.values, self.operands, list(targets), seed, backward)
        return {k: (np.zeros(np.shape(self.inputs[k])) if g is None else np.asarray(g, dtype=np.float64))
                for k, g in got.items()}


def total(program: P.Program, inputs: dict) -> float:
    return float(np.sum(Replay(program, inputs).root))


def finite_difference(program: P.Program, inputs: dict, k: int, direction: np.ndarray, h: float):
    """Central difference of sum(root) along `direction` in leaf k, with one-sided slopes."""
    x = inputs[k]
    plus = total(program, {**inputs, k: x + h * direction})
    minus = total(program, {**inputs, k: x - h * direction})
    mid = total(program, inputs)
    return (plus - minus) / (2 * h), (mid - minus) / h, (plus - mid) / h
