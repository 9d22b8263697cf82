"""More of PyTorch's creation and index functions: `logspace`, `tril_indices`/`triu_indices`,
`nonzero`/`argwhere` (also as Tensor methods).

They make new integer or float data, none differentiable: `nonzero` reads its input's values
(its shape depends on them, as `masked_select`'s mask is read), so its result never requires
grad, as in PyTorch."""
from __future__ import annotations

import numpy as np

from .. import dtypes, ops
from ..errors import DTypeError, NotImplementedForDType, ShapeError, refusing, user_frame
from . import convert
from .bind import as_eager_error
from .creation import _allocate, _leaf, dtype_arg, linspace_values, spaced_args, spaced_leaf
from .devices import place
from .tensor import Tensor, wrap


def logspace(start, end, steps: int, base: float = 10.0, dtype=None, requires_grad: bool = False,
             device=None) -> Tensor:
    """`base ** linspace(start, end, steps)` (torch.logspace), computed in float64 and rounded
    once to `dtype`. An integer dtype follows PyTorch: `start` and `end` are truncated to
    integers first, then each power truncates (`logspace(0, 2, 5, dtype=int64)` is
    `[1, 3, 10, 31, 100]`); a value that does not fit the dtype raises where PyTorch wraps."""
    start, end, n, d = spaced_args("logspace", start, end, steps, dtype)
    base = float(convert.number(base, "logspace", "base"))
    if d.is_integer:
        start, end = (convert.int_value(v, d, "logspace") for v in (start, end))
    exponents = linspace_values(float(start), float(end), n, d)
    with np.errstate(over="ignore", invalid="ignore"):
        values = ops.power(base, exponents)  # the registry's power (C's pow at a 0.5 exponent)
    return spaced_leaf("logspace", values, d, requires_grad, device)


def _triangle_indices(op: str, row, col, offset, dtype, device, pick) -> Tensor:
    rows = convert.size_value(row, op, "row")
    cols = convert.size_value(col, op, "col")
    k = convert.size_value(offset, op, "offset")
    for name, v in (("row", rows), ("col", cols)):
        if v < 0:
            raise as_eager_error(ShapeError(f"{op}: {name} must be non-negative, got {v} "
                                            f"(at {user_frame()})"))
    d = dtype_arg(dtype, op) or dtypes.int64
    if d not in (dtypes.int32, dtypes.int64):
        raise NotImplementedForDType(f"{op}: \"{op}\" not implemented for '{convert.torch_type_name(d)}' "
                                     f"(dtype {d.name}; int32 and int64 only; at {user_frame()})")
    i, j = _allocate(lambda: pick(rows, k, cols), (2, rows * cols), d)
    return _leaf(np.stack([i, j]).astype(d.np).reshape(2, -1), False, device)


def tril_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None) -> Tensor:
    """The (2, N) row and column indices of the lower triangle of a row x col matrix, the
    triangle shifted by `offset` as in `tril(diagonal=offset)`, in row-major order
    (torch.tril_indices); int64 unless `dtype` is int32."""
    return _triangle_indices("tril_indices", row, col, offset, dtype, device, np.tril_indices)


def triu_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None) -> Tensor:
    """The (2, N) indices of the upper triangle (`triu(diagonal=offset)`), row-major
    (torch.triu_indices)."""
    return _triangle_indices("triu_indices", row, col, offset, dtype, device, np.triu_indices)


def _nonzero_positions(input, op: str) -> tuple[np.ndarray, ...]:
    if not isinstance(input, Tensor):
        raise DTypeError(f"{op}(): argument 'input' must be Tensor, not {type(input).__name__} "
                                 f"(at {user_frame()})")
    values = np.asarray(input._data)
    return np.nonzero(values.reshape(1) if values.ndim == 0 else values)  # (0-d reads as 1-d, as PyTorch)


def nonzero(input: Tensor, *, as_tuple: bool = False) -> Tensor | tuple[Tensor, ...]:
    """The indices of the elements that are not zero (NaN counts), row-major: a (count, ndim)
    int64 tensor, or with `as_tuple` one 1-D tensor per dim (torch.nonzero); a 0-d input
    reads as 1-d. Never requires grad."""
    positions = _nonzero_positions(input, "nonzero")
    if as_tuple:
        return tuple(wrap(place(p.astype(np.int64), input.device, owned=True)) for p in positions)
    stacked = np.stack(positions, axis=1) if input.ndim else np.zeros((len(positions[0]), 0), np.int64)
    return wrap(place(stacked.astype(np.int64), input.device, owned=True))


def argwhere(input: Tensor) -> Tensor:
    """`nonzero(input)`: the (count, ndim) int64 indices of the nonzero elements (torch.argwhere)."""
    return nonzero(input)


FUNCTIONS = {"logspace": logspace, "tril_indices": tril_indices, "triu_indices": triu_indices,
             "nonzero": nonzero, "argwhere": argwhere}
FUNCTIONS = {name: refusing(fn, name) for name, fn in FUNCTIONS.items()}
globals().update(FUNCTIONS)
for _name in ("nonzero", "argwhere"):
    setattr(Tensor, _name, FUNCTIONS[_name])
