"""PyTorch's fractional max pooling (Graham, "Fractional Max-Pooling"): `F.fractional_max_pool2d/3d`
and `nn.FractionalMaxPool2d/3d`.

Each plane (sample, channel) draws one number u in [0, 1) per spatial dim (`_random_samples`,
(N, C, n), from dualgrad's generator when not given) and pools windows of `kernel_size` that
start, along a dim of size `in` pooled to `out`, at ATen's `generate_intervals`:
start_i = int((i + u) * alpha) - int(u * alpha) for i < out - 1 with alpha = (in - k) / (out - 1)
(computed in the input's dtype, as ATen's scalar_t), and the last window at in - k. As ATen, the
2-d op reads u for the width from sample 0 and for the height from sample 1; the 3-d op reads
time, height, width from samples 0, 1, 2.

The windows are a `take` of the flattened input at integer positions built by registry ops
from the samples, and each window gives one element, PyTorch's: the first maximum in row-major
window order, or the last NaN where the window has NaNs. So the gradient goes to that element
(adding where windows overlap), as PyTorch's backward, on every device and under `dg.compile`;
`return_indices=True` also gives its flat position in the plane (int64, `max_unpool` reads it).
"""
from __future__ import annotations

import math

import numpy as np

from .. import dtypes, ops
from ..eager.random_more import rand
from ..eager.tensor import Tensor
from ..errors import DualgradValueError, EagerDTypeError, EagerShapeError, user_line
from .module import Module
from .pooling import _tuple

_SAMPLE_OF_DIM = {2: (1, 0), 3: (0, 1, 2)}  # which of a plane's samples each spatial dim reads (ATen)
_DIM_NAMES = {2: ("height", "width"), 3: ("time", "height", "width")}


def _starts(u: Tensor, size: int, out: int, k: int, np_dtype) -> Tensor:
    """(..., out) int64 window starts from samples u (...): ATen's generate_intervals."""
    steps = np.arange(out, dtype=np_dtype)
    alpha = np_dtype(size - k) / np_dtype(out - 1) if out > 1 else np_dtype(0)
    u = ops.expand_dims(u, axis=-1)
    first = ops.cast(ops.trunc(ops.multiply(ops.add(u, steps), alpha)), dtype=dtypes.int64)
    starts = ops.subtract(first, ops.cast(ops.trunc(ops.multiply(u, alpha)), dtype=dtypes.int64))
    return ops.where(steps == out - 1, np.int64(size - k), starts)


def _output_size(op: str, n: int, input: Tensor, output_size, output_ratio) -> tuple[int, ...]:
    if output_size is not None:
        return _tuple("output_size", op, output_size, n)
    if output_ratio is None:
        raise DualgradValueError(f"{op} requires specifying either an output_size or an output_ratio "
                                 f"{user_line()}")
    ratio = (float(output_ratio),) * n if isinstance(output_ratio, (int, float)) else tuple(output_ratio)
    if len(ratio) > n:
        raise DualgradValueError(f"{op} requires output_ratio to either be a single Int or tuple of Ints. "
                                 f"{user_line()}")
    ratio = ratio * n if len(ratio) == 1 else ratio
    return tuple(int(input.shape[-n + d] * ratio[d]) for d in range(n))


def _check(op: str, n: int, input: Tensor, kernel: tuple, out: tuple, samples: Tensor, batch: int) -> None:
    """ATen's checks of a fractional_max_pool call, with its texts."""
    if input.ndim not in (n + 1, n + 2):
        raise EagerShapeError(f"{op}(): Expected {n + 1}D or {n + 2}D tensor, but got: {list(input.shape)} "
                              f"{user_line()}")
    for d in range(1, input.ndim):
        if input.shape[d] == 0:
            raise EagerShapeError(f"{op}(): Expected input to have non-zero size for non-batch dimensions, "
                                  f"but got {list(input.shape)} with dimension {d} being empty. "
                                  f"{user_line()}")
    if not input.dtype.is_floating_point:
        raise EagerDTypeError(f'"{op}" not implemented for {input.dtype.name} input {user_line()}')
    if min(kernel) <= 0:
        raise EagerShapeError(f"{op}(): kernel_size must be greater than zero, but got {list(kernel)} "
                              f"{user_line()}")
    for d, name in enumerate(_DIM_NAMES[n]):
        size = input.shape[input.ndim - n + d]
        if out[d] + kernel[d] - 1 > size - (n == 3):  # (ATen's 3-d check is strict: out <= in - k)
            where = op if n == 2 else f"{op}_out"
            raise EagerShapeError(f"{where}(): pool {name} {kernel[d]} too large relative to input {name} "
                                  f"{size} (input shape {tuple(input.shape)}, output_size {out}) "
                                  f"{user_line()}")
    if samples.ndim != 3:
        raise EagerShapeError(f"{op}(): Expect _random_samples to have 3 dimensions, got {samples.ndim} "
                              f"{user_line()}")
    if samples.dtype != input.dtype:
        raise EagerDTypeError(f"{op}(): Expect _random_samples to have the same dtype as input, got "
                              f"{samples.dtype.name} and {input.dtype.name} {user_line()}")
    channels = input.shape[-n - 1]
    if samples.shape[0] < batch:
        raise EagerShapeError(f"{op}(): Expect _random_samples.size(0) no less then input batch size, got "
                              f"{tuple(samples.shape)} for input {tuple(input.shape)} {user_line()}")
    if samples.shape[1] != channels:
        raise EagerShapeError(f"{op}(): Expect _random_samples.size(1) equals to input channel size, got "
                              f"{tuple(samples.shape)} for input {tuple(input.shape)} {user_line()}")
    if samples.shape[2] != n:
        raise EagerShapeError(f"{op}(): Expect _random_samples.size(2) equals to {n}; got "
                              f"{samples.shape[2]}. {user_line()}")


def _fractional_max_pool(n: int, input: Tensor, kernel_size, output_size=None, output_ratio=None,
                         return_indices: bool = False, _random_samples: Tensor | None = None):
    op = f"fractional_max_pool{n}d"
    kernel = _tuple("kernel_size", op, kernel_size, n)
    out = _output_size(op, n, input, output_size, output_ratio)
    batched = input.ndim == n + 2
    batch = input.shape[0] if batched else 1
    channels = input.shape[-n - 1] if input.ndim in (n + 1, n + 2) else 0
    samples = _random_samples
    if samples is None:
        samples = rand(batch, channels, n, dtype=input.dtype, device=input.device)
    _check(op, n, input, kernel, out, samples, batch)
    sizes = tuple(input.shape[-n:])
    np_dtype = np.dtype(input.dtype.name).type
    # slot s of window (o_1..o_n) sits at sum_d (start_d[o_d] + off_d[s]) * stride_d in its plane
    offsets = np.stack(np.unravel_index(np.arange(math.prod(kernel)), kernel))  # (n, K)
    samples = samples[:batch]
    local = None
    for d in range(n):
        starts = _starts(samples[:, :, _SAMPLE_OF_DIM[n][d]], sizes[d], out[d], kernel[d], np_dtype)
        shape = (batch, channels) + tuple(out[d] if e == d else 1 for e in range(n)) + (1,)
        term = ops.multiply(ops.add(ops.reshape(starts, shape=shape), offsets[d]), math.prod(sizes[d + 1:]))
        local = term if local is None else ops.add(local, term)
    plane = math.prod(sizes)
    base = (np.arange(batch * channels, dtype=np.int64) * plane).reshape((batch, channels) + (1,) * (n + 1))
    windows = ops.take(ops.reshape(input, shape=(-1,)), ops.add(local, base), axis=0)  # (N, C, *out, K)
    nan = ops.isnan(windows)
    score = ops.where(nan, np.arange(offsets.shape[1]), -1)  # the last NaN scores highest
    has_nan = ops.greater_equal(ops.amax(score, axis=-1, keepdims=True), 0)
    pick = ops.where(has_nan, ops.first_max_mask(score, axis=-1), ops.first_max_mask(windows, axis=-1))
    values = ops.sum(ops.where(pick, windows, 0), axis=-1)
    if not batched:
        values = ops.squeeze(values, axis=0)
    if not return_indices:
        return values
    indices = ops.sum(ops.where(pick, local, 0), axis=-1)
    return values, indices if batched else ops.squeeze(indices, axis=0)


def fractional_max_pool2d(input: Tensor, kernel_size, output_size=None, output_ratio=None,
                          return_indices: bool = False, _random_samples: Tensor | None = None):
    """The max of each pseudo-random kernel_size window of (N, C, H, W) or (C, H, W) input, the
    windows spread to give `output_size` (or input size * `output_ratio`) (F.fractional_max_pool2d)."""
    return _fractional_max_pool(2, input, kernel_size, output_size, output_ratio, return_indices,
                                _random_samples)


def fractional_max_pool3d(input: Tensor, kernel_size, output_size=None, output_ratio=None,
                          return_indices: bool = False, _random_samples: Tensor | None = None):
    """The max of each pseudo-random kernel_size window of (N, C, T, H, W) or (C, T, H, W) input
    (F.fractional_max_pool3d)."""
    return _fractional_max_pool(3, input, kernel_size, output_size, output_ratio, return_indices,
                                _random_samples)


class FractionalMaxPool2d(Module):
    """`fractional_max_pool2d` with the module's settings (torch.nn.FractionalMaxPool2d);
    `_random_samples`, when given, is a buffer used on every call."""

    _n = 2

    def __init__(self, kernel_size, output_size=None, output_ratio=None, return_indices: bool = False,
                 _random_samples=None) -> None:
        super().__init__()
        name, n = type(self).__name__, self._n
        self.kernel_size = _tuple("kernel_size", name, kernel_size, n)
        self.return_indices = return_indices
        self.register_buffer("_random_samples", _random_samples)
        self.output_size = _tuple("output_size", name, output_size, n) if output_size is not None else None
        self.output_ratio = None
        if output_ratio is not None:
            ratio = (output_ratio,) * n if isinstance(output_ratio, (int, float)) else tuple(output_ratio)
            self.output_ratio = ratio * n if len(ratio) == 1 else ratio
        if output_size is None and output_ratio is None:
            raise DualgradValueError(f"{name} requires specifying either an output size, or a pooling ratio "
                                     f"{user_line()}")
        if output_size is not None and output_ratio is not None:
            raise DualgradValueError(f"only one of output_size and output_ratio may be specified "
                                     f"{user_line()}")
        if self.output_ratio is not None and not all(0 < r < 1 for r in self.output_ratio):
            raise DualgradValueError(f"output_ratio must be between 0 and 1 (got {output_ratio}) "
                                     f"{user_line()}")

    def forward(self, input: Tensor):
        """`fractional_max_pool{n}d(input, ...)` with the module's samples (fresh ones when None)."""
        return _fractional_max_pool(self._n, input, self.kernel_size, self.output_size, self.output_ratio,
                                    self.return_indices, self._random_samples)


class FractionalMaxPool3d(FractionalMaxPool2d):
    """`fractional_max_pool3d` with the module's settings (torch.nn.FractionalMaxPool3d)."""

    _n = 3
