"""PyTorch's order statistics beyond `median`/`kthvalue` (methods_stats.py): `quantile` and
`nanquantile` (interpolation 'linear', 'lower', 'higher', 'midpoint', 'nearest'),
`nanmedian` and `mode`. Each picks elements of a stable sort (NaN last) and gathers them
from the input, so the gradient goes to the picked elements, as PyTorch's: `quantile`'s
linear interpolation splits it (1 - w, w) between the two neighbours it reads. Attached to
`Tensor` at import.

`quantile` follows PyTorch's ranks to the bit: q * (n - 1) in the input's dtype (a float32
tensor's 0.9 quantile of 4 values reads rank 2.7000000477), `nearest` rounds half to even,
the interpolation is numpy's two-sided lerp; a slice holding NaN gives NaN (its gradient
goes to a NaN); `nanquantile` leaves the NaNs out (NaN where a slice has nothing else)."""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from .. import dtypes, ops
from ..errors import DTypeError, IndexShapeError, ShapeError, user_line
from .attach import install
from .bind import as_eager_error
from .devices import place
from .layout import spelled
from .methods_more import _axis, gather
from .methods_stats import _along
from .scalar_dims import one_element_dims
from .tensor import Tensor, wrap

nanmedian_result = namedtuple("nanmedian", ["values", "indices"])
mode_result = namedtuple("mode", ["values", "indices"])
_MODES = ("linear", "lower", "higher", "midpoint", "nearest")


def _q_values(name: str, q) -> tuple[np.ndarray, bool]:
    """q as a host float64 array (1-d) and whether it was a vector; checked as PyTorch."""
    values = np.asarray(q._data if isinstance(q, Tensor) else q, dtype=np.float64)
    if values.ndim > 1:
        raise as_eager_error(ShapeError(f"{name}() q must be a scalar or 1D tensor {user_line()}"))
    bad = values[~((values >= 0) & (values <= 1))]
    if bad.size:
        raise as_eager_error(ShapeError(f"{name}() q must be in the range [0, 1] but got {bad[0]} "
                                        f"{user_line()}"))
    return values.reshape(-1), values.ndim == 1


def _quantile(name: str, input: Tensor, q, dim, keepdim: bool, interpolation: str, skip_nan: bool) -> Tensor:
    if not input.dtype.is_floating_point:
        raise DTypeError(f"{name}() input tensor must be either float or double dtype (got {input.dtype}) "
                         f"{user_line()}")
    if interpolation not in _MODES:
        raise as_eager_error(ShapeError(f"{name}() interpolation must be one of linear, lower, higher, "
                                        f"midpoint or nearest, but got {interpolation} {user_line()}"))
    qs, vector = _q_values(name, q)
    if input.numel() == 0:
        raise as_eager_error(IndexShapeError(f"{name}() input tensor must be non-empty {user_line()}"))
    if dim is None:
        x, d = ops.reshape(input, shape=(-1,)), None
    else:
        d = _axis(name, input, dim) if input.ndim else 0
        x = input if input.ndim else ops.reshape(input, shape=(1,))
        x = ops.transpose(x, axes=tuple(i for i in range(x.ndim) if i != d) + (d,))
    n = x.shape[-1]
    ordered = gather(x, -1, ops.argsort(x, axis=-1))  # NaN last
    nans = ops.sum(ops.isnan(x), axis=-1, keepdims=True)
    qt = ops.cast(qs, dtype=x.dtype)  # (Q,): ranks in the input's dtype, as PyTorch's
    if isinstance(q, Tensor) and q.requires_grad:  # q's gradient flows through the linear weight
        qt = ops.cast(ops.reshape(q, shape=(-1,)), dtype=x.dtype)
    if skip_nan:
        ranks = ops.multiply(qt, ops.cast(ops.subtract(ops.subtract(n, nans), 1), dtype=x.dtype))
        ranks = ops.where(ops.less(ranks, 0), n - 1, ranks)  # all NaN: the last, a NaN
    else:
        ranks = ops.where(ops.greater(nans, 0), n - 1, ops.multiply(qt, n - 1))
    if interpolation == "lower":
        ranks = ops.floor(ranks)
    elif interpolation == "higher":
        ranks = ops.ceil(ranks)
    elif interpolation == "nearest":
        ranks = ops.round(ranks)  # half to even, as PyTorch's and numpy's
    below = ops.cast(ops.floor(ranks), dtype=dtypes.int64)
    out = gather(ordered, -1, below)
    if interpolation in ("linear", "midpoint"):
        above = gather(ordered, -1, ops.cast(ops.ceil(ranks), dtype=dtypes.int64))
        w = ops.subtract(ranks, ops.cast(below, dtype=x.dtype)) if interpolation == "linear" else 0.5
        step = ops.subtract(above, out)
        high = ops.subtract(above, ops.multiply(step, ops.subtract(1, w)))  # numpy's two-sided lerp
        out = ops.where(ops.greater_equal(w, 0.5), high, ops.add(out, ops.multiply(step, w)))
    out = ops.transpose(out, axes=(out.ndim - 1,) + tuple(range(out.ndim - 1)))  # (Q, reduced...)
    if keepdim:
        out = ops.reshape(out, shape=(len(qs),) + ((1,) * input.ndim if d is None else tuple(
            1 if i == d else s for i, s in enumerate(input.shape))))
    return out if vector else ops.squeeze(out, axis=0)


def quantile(input: Tensor, q, dim: int | None = None, keepdim: bool = False, *,
             interpolation: str = "linear") -> Tensor:
    """The q-th quantiles (q a number or a 1-d tensor in [0, 1], its dim first in the result)
    of all elements or along `dim`, interpolating between the two nearest ranks as
    `interpolation` says; NaN where a slice holds NaN (torch.quantile, np.quantile's methods)."""
    return _quantile("quantile", input, q, dim, keepdim, interpolation, False)


def nanquantile(input: Tensor, q, dim: int | None = None, keepdim: bool = False, *,
                interpolation: str = "linear") -> Tensor:
    """`quantile` of the elements that are not NaN (NaN where a slice has none;
    torch.nanquantile, np.nanquantile)."""
    return _quantile("nanquantile", input, q, dim, keepdim, interpolation, True)


@one_element_dims("dim")
def nanmedian(input: Tensor, dim=None, keepdim: bool = False):
    """The lower median of the elements that are not NaN (NaN where there are none); with
    `dim`, (values, indices) along it (torch.nanmedian). The gradient goes to the selected
    element."""
    if dim is None:
        flat = ops.reshape(input, shape=(-1,))
        if flat.shape[0] == 0:
            return spelled(ops.add(ops.sum(flat), float("nan")), "NanmedianBackward0")
        return _nan_lower_median(flat, 0, False, "NanmedianBackward0").values
    d = _axis("nanmedian", input, dim)
    if input.shape[d] == 0:
        raise IndexShapeError(f"nanmedian(): Expected reduction dim {d} to have non-zero size (input shape "
                              f"{tuple(input.shape)}) {user_line()}")
    return _nan_lower_median(input, d, keepdim, "NanmedianBackward1")


def _nan_lower_median(input: Tensor, d: int, keepdim: bool, grad_fn_name: str) -> nanmedian_result:
    """Position (k - 1) // 2 of the stable order, k the count of non-NaN (0 when k is 0: a
    NaN; PyTorch's index there is whichever NaN its sort put first)."""
    order = ops.argsort(input, axis=d)  # stable, NaN last
    count = ops.subtract(input.shape[d], ops.sum(ops.isnan(input), axis=d, keepdims=True))
    position = ops.where(ops.greater(count, 0), ops.floor_divide(ops.subtract(count, 1), 2), 0)
    return _along(input, d, gather(order, d, position), keepdim, nanmedian_result, grad_fn_name)


@one_element_dims("dim", always=True)  # (dim -1 by default)
def mode(input: Tensor, dim: int = -1, keepdim: bool = False) -> mode_result:
    """(values, indices) of the most frequent value along `dim` (the smallest among equally
    frequent ones; NaNs never equal) and the index of its last occurrence, as PyTorch's CPU
    kernel (torch.mode). The gradient goes to that element."""
    d = _axis("mode", input, dim)
    n = input.shape[d]
    if n == 0:
        raise as_eager_error(IndexShapeError(
            f"mode(): Expected reduction dim {d} to have non-zero size (input shape {tuple(input.shape)}) "
            f"{user_line()}"), RuntimeError)
    x = np.moveaxis(np.asarray(input._data), d, -1)
    rows = x.reshape(-1, n)
    order = np.argsort(rows, axis=-1, kind="stable")  # NaN last
    s = np.take_along_axis(rows, order, axis=-1)
    new = np.ones(s.shape, bool)
    new[:, 1:] = s[:, 1:] != s[:, :-1]  # (NaN != NaN: each NaN its own run)
    run = np.cumsum(new.reshape(-1)) - 1
    length = np.bincount(run)[run].reshape(s.shape)
    first = np.argmax(length, axis=-1)  # the first (smallest) of the longest runs
    end = first + length[np.arange(len(rows)), first] - 1  # its last element: the last occurrence
    index = order[np.arange(len(rows)), end].reshape(x.shape[:-1] + (1,)).astype(np.int64)
    index = wrap(place(np.ascontiguousarray(np.moveaxis(index, -1, d)), input.device, owned=True))
    return _along(input, d, index, keepdim, mode_result, "ModeBackward0")


FUNCTIONS = install(globals(), {"quantile": quantile, "nanquantile": nanquantile, "nanmedian": nanmedian,
                                "mode": mode})
