"""Which registry ops are exactly one numpy ufunc call, found by running the kernel once.

An eager in-place update outside grad mode (`p -= lr * p.grad` in an SGD step) would compute
a new array and copy it into the tensor; when the op's kernel is a single ufunc call on its
arguments, the same ufunc can write into the tensor's memory instead (`out=`), the in-place
kernel PyTorch runs. The kernel is not read or re-written here: it is called once on a
stand-in namespace that records what it does, so the answer follows the registry's kernel.
"""
from __future__ import annotations

import numpy as np

from .registry import Op

_FOUND: dict = {}  # op -> its numpy ufunc, or None


class _Recorder:
    """A stand-in for the array namespace: records the one function a kernel calls."""

    def __init__(self):
        self.calls = []

    def __getattr__(self, name: str):
        def call(*args, **kwargs):
            self.calls.append((name, args, kwargs))
            return self

        return call


def ufunc_of(op: Op):
    """The numpy ufunc that `op`'s kernel is, applied to its arguments as given, or None; only
    ufuncs whose float loops return their inputs' dtype (not comparisons), so writing the
    result into a float operand casts nothing."""
    try:
        return _FOUND[op]
    except KeyError:
        pass
    found = None
    if op.elementwise and op.nin:
        xp = _Recorder()
        args = tuple(object() for _ in range(op.nin))
        try:
            result = op.kernel(xp, *args)
        except Exception:  # noqa: BLE001 - a kernel that looks at its arguments: not one ufunc
            result = None
        if result is xp and len(xp.calls) == 1:
            name, called_with, kwargs = xp.calls[0]
            fn = getattr(np, name, None)
            if isinstance(fn, np.ufunc) and fn.nout == 1 and not kwargs and called_with == args \
                    and _keeps_float(fn):
                found = fn
    _FOUND[op] = found
    return found


def _keeps_float(fn: np.ufunc) -> bool:
    loops = [t.split("->") for t in fn.types]  # e.g. "ff->f"; "dm->m" mixes types: not ours
    return all(out == ins[0] for ins, out in loops if ins[0] in "efdg" and ins == ins[0] * len(ins))
