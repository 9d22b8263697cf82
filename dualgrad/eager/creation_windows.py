"""PyTorch's window functions (`hann_window`, `hamming_window`, `blackman_window`,
`bartlett_window`, `kaiser_window`): constant tensors, as `linspace` is, for spectral and
audio code.

Each is numpy's window of the same name computed in float64 and rounded once to the dtype
asked for (default dg.get_default_dtype()); `periodic=True` (PyTorch's default, the window an
FFT frame wants) is the symmetric window one longer with its last value dropped, as PyTorch
defines it. PyTorch computes in the target dtype, so its float32 windows differ in the last
bit or two (its blackman gives -3e-8 at the ends, this one the float64 value's rounding)."""
from __future__ import annotations

import numpy as np

from .. import dtypes
from ..errors import EagerDTypeError, EagerShapeError, refusing, user_line
from . import convert
from .creation import _leaf, dtype_arg
from .tensor import Tensor


def _window(op: str, window_length, periodic: bool, symmetric, dtype, device, requires_grad) -> Tensor:
    """`symmetric(m)`: the float64 window of m points; the checks and the periodic form here."""
    n = convert.size_value(window_length, op, "window_length")
    if n < 0:
        raise EagerShapeError(f"{op} requires non-negative window_length, got window_length={n} "
                              f"{user_line()}")
    d = dtype_arg(dtype, op) or dtypes.DEFAULT_FLOAT
    if not d.is_floating_point:
        raise EagerDTypeError(f"{op} expects floating point dtypes, got: {d.name} {user_line()}")
    if n <= 1:  # (PyTorch: empty, or the one value 1, periodic or not)
        values = np.ones(n)
    else:
        values = symmetric(n + 1)[:-1] if periodic else symmetric(n)
    return _leaf(values.astype(d.np), requires_grad, device)


def hann_window(window_length: int, periodic: bool = True, *, dtype=None, device=None,
                requires_grad: bool = False) -> Tensor:
    """0.5 - 0.5 cos(2 pi n / (N - 1)) (torch.hann_window)."""
    return _window("hann_window", window_length, periodic, np.hanning, dtype, device, requires_grad)


def hamming_window(window_length: int, periodic: bool = True, alpha: float = 0.54, beta: float = 0.46, *,
                   dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """alpha - beta cos(2 pi n / (N - 1)) (torch.hamming_window): numpy's Hann window
    0.5 - 0.5 cos(...) rescaled, (alpha - beta) + 2 beta hann."""
    alpha = convert.number(alpha, "hamming_window", "alpha")
    beta = convert.number(beta, "hamming_window", "beta")

    def symmetric(m: int) -> np.ndarray:
        return (alpha - beta) + 2.0 * beta * np.hanning(m)

    return _window("hamming_window", window_length, periodic, symmetric, dtype, device, requires_grad)


def blackman_window(window_length: int, periodic: bool = True, *, dtype=None, device=None,
                    requires_grad: bool = False) -> Tensor:
    """0.42 - 0.5 cos(2 pi n / (N - 1)) + 0.08 cos(4 pi n / (N - 1)) (torch.blackman_window)."""
    return _window("blackman_window", window_length, periodic, np.blackman, dtype, device, requires_grad)


def bartlett_window(window_length: int, periodic: bool = True, *, dtype=None, device=None,
                    requires_grad: bool = False) -> Tensor:
    """The triangle 1 - |2n / (N - 1) - 1| (torch.bartlett_window)."""
    return _window("bartlett_window", window_length, periodic, np.bartlett, dtype, device, requires_grad)


def kaiser_window(window_length: int, periodic: bool = True, beta: float = 12.0, *, dtype=None,
                  device=None, requires_grad: bool = False) -> Tensor:
    """I0(beta sqrt(1 - (2n / (N - 1) - 1)^2)) / I0(beta) (torch.kaiser_window)."""
    beta = convert.number(beta, "kaiser_window", "beta")
    return _window("kaiser_window", window_length, periodic, lambda m: np.kaiser(m, beta), dtype, device,
                   requires_grad)


# a raw numpy or Python error from a bad argument raised as the dualgrad error of its type,
# naming the function and the user's line (errors.refusing)
for _fn in (hann_window, hamming_window, blackman_window, bartlett_window, kaiser_window):
    globals()[_fn.__name__] = refusing(_fn)
