"""float16 computed in float32 and rounded once, as PyTorch computes float16 reductions that
square (its accumulate type): the registry's variances and norms and nn's normalisations."""
from __future__ import annotations

import functools
import inspect

from ..dtypes import float16, float32
from . import elementwise as ew


def float32_for_half(fn):
    """fn computed in float32 for a float16 x, its result rounded to float16 once, as PyTorch
    computes float16 variances, norms and normalisations (in its accumulate type): a float16
    square overflows past 255.9, so the norm of [300, 0] was inf (PyTorch: 300) and the
    variance, std, and what is built on them (normalize, layer_norm, batch_norm) inf or 0."""

    first = next(iter(inspect.signature(fn).parameters))  # x may come by its name too

    @functools.wraps(fn)
    def in_float32(*args, **kwargs):
        if args:
            x, args = args[0], args[1:]
        elif first in kwargs:
            x = kwargs.pop(first)
        else:  # no x: fn's own error names what is missing or unknown
            return fn(*args, **kwargs)
        if ew.dtype_of(x) is not float16:
            return fn(x, *args, **kwargs)
        return ew.cast(fn(ew.cast(x, dtype=float32), *args, **kwargs), dtype=float16)

    return in_float32
