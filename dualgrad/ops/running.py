"""Where the running maximum / minimum along an axis was found: the indices of PyTorch's
`cummax` / `cummin`. The values are then a gather of x at these indices, so their gradient
goes to the element each running extreme came from, as PyTorch's does.

PyTorch's rule, kept by both kernels: a later element equal to the running extreme takes
over (the LAST index among ties), and a NaN takes over and stays (every NaN after it takes
over again), so `cummax([1, nan, 0, nan])` has indices [0, 1, 1, 3]."""
from __future__ import annotations

import numpy as np

from .lazy import sympy as sp
from .registry import Spec, declare
from .specs import dtypes, normalize_axes
from .symarray import SymArray, SymbolicUnsupported, is_concrete


def _index_kernel(largest: bool):
    def kernel(xp, x, axis):
        extreme = xp.maximum if largest else xp.minimum
        run = extreme.accumulate(x, axis=axis)
        takes_over = (x == run) | xp.isnan(x) if x.dtype.kind == "f" else x == run
        axis = axis % x.ndim
        positions = xp.arange(x.shape[axis], dtype=np.int64).reshape((-1,) + (1,) * (x.ndim - axis - 1))
        return xp.maximum.accumulate(xp.where(takes_over, positions, 0), axis=axis)

    return kernel


def _index_form(largest: bool):
    """out[i] = the largest j <= i with x[j] beating or equal to every x[k], k <= i (concrete
    sizes and indices only; NaN has no sympy form)."""
    beats = (lambda a, b: a >= b) if largest else (lambda a, b: a <= b)

    def form(x: SymArray, axis: int) -> SymArray:
        axis = axis % x.ndim

        def at(*idx):
            if not is_concrete(idx[axis:axis + 1]):
                raise SymbolicUnsupported("cummax/cummin index with a symbolic position")
            i = int(idx[axis])
            pick = lambda k: x.at(*idx[:axis], k, *idx[axis + 1:])  # noqa: E731
            cases = [(j, sp.And(*(beats(pick(j), pick(k)) for k in range(i + 1) if k != j)))
                     for j in range(i, 0, -1)]
            return sp.Piecewise(*cases, (0, True))

        return SymArray(x.shape, at)

    return form


def _index_shape(op, x: Spec, axis) -> Spec:
    normalize_axes(op, axis, len(x.shape), [x])
    return Spec(tuple(x.shape), dtypes.int64)


cummax_index = declare("cummax_index", _index_kernel(True), sympy=_index_form(True), shape=_index_shape,
                       differentiable=False,
                       doc="index of the running maximum along axis (the last of ties; NaN takes over)")
cummin_index = declare("cummin_index", _index_kernel(False), sympy=_index_form(False), shape=_index_shape,
                       differentiable=False,
                       doc="index of the running minimum along axis (the last of ties; NaN takes over)")
