"""Which pruned programs jax traces to the same XLA program with its 64-bit mode on or off.

A jax Session runs its programs inside jax's 64-bit mode (thread-local), so dualgrad's
float64 stays float64 while the user's jax keeps its own setting. The swap costs about
0.2 us of a ~9 us call; a program that cannot meet a 64-bit type skips it. That is decided
from the plan alone, conservatively: only elementwise single-ufunc registry ops (`Op.ufunc`,
no attrs) on float16/float32 tensors and Python numbers that every mode reads alike (floats;
ints in int32's range: outside it, jax refuses a Python int when 64-bit mode is off), fed by
placeholders. For such a program jax emits the same operations in both modes (checked
against the lowered text of both in tests/static/test_narrow_programs.py); anything else
keeps the swap.
"""
from __future__ import annotations

from .. import dtypes
from .compile import Plan
from .graph import Tensor

_NARROW = frozenset((dtypes.float16, dtypes.float32))
_INT32 = (-(2 ** 31), 2 ** 31)


def traced_alike(plan: Plan) -> bool:
    """True when `plan`'s program is the same XLA program in and out of jax's 64-bit mode:
    no state, random draws or checks, and only narrow float elementwise ufunc ops."""
    if plan.state_in or plan.writes or plan.randoms or plan.checks:
        return False
    fed = set(plan.feeds)
    for t in fed:
        if t.dtype not in _NARROW:
            return False
    for op in plan.order:
        if op.outputs and all(t in fed for t in op.outputs):
            continue  # a fed tensor's op (a placeholder) does not run
        rop = op.registry_op
        if rop is None or rop.ufunc is None or op.attrs:
            return False
        for a in op.inputs:
            if isinstance(a, Tensor):
                if a.dtype not in _NARROW:
                    return False
            elif type(a) is int:
                if not _INT32[0] <= a < _INT32[1]:
                    return False
            elif type(a) is not float:
                return False
        for t in op.outputs:
            if t.dtype not in _NARROW:
                return False
    return True
