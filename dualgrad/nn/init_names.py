"""`nn.init.eye_`, `dirac_` and `sparse_` (PyTorch's fills for identity-preserving Linear and conv
layers, and Martens' sparse init), and PyTorch's deprecated names without the underscore
(`nn.init.normal`, `xavier_uniform`...), each warning as PyTorch's does."""
from __future__ import annotations

import math
import warnings

import numpy as np

from ..eager.creation import tensor as as_tensor
from ..eager.grad_mode import no_grad
from ..eager.tensor import Tensor
from ..errors import ShapeError, user_line
from ..random import numpy_rng
from .init_fill import fill_drawn


def _write(tensor: Tensor, values: np.ndarray) -> Tensor:
    with no_grad():
        tensor.copy_(as_tensor(values, dtype=tensor.dtype, device=tensor.device))
    return tensor


def eye_(tensor: Tensor) -> Tensor:
    """Fills the 2-d `tensor` with the identity matrix (ones on the main diagonal)
    (torch.nn.init.eye_)."""
    if tensor.ndim != 2:
        raise ShapeError(f"eye_: Only tensors with 2 dimensions are supported {user_line()}")
    return _write(tensor, np.eye(*tuple(tensor.shape)))


def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """Fills the 3, 4 or 5-d `tensor` with the Dirac delta: a convolution with it passes as
    many input channels through as it can, per group (torch.nn.init.dirac_)."""
    if tensor.ndim not in (3, 4, 5):
        raise ShapeError(f"dirac_: Only tensors with 3, 4, or 5 dimensions are supported {user_line()}")
    shape = tuple(tensor.shape)
    if shape[0] % groups != 0:
        raise ShapeError(f"dirac_: dim 0 must be divisible by groups {user_line()}")
    values = np.zeros(shape)
    per_group = shape[0] // groups
    centre = tuple(n // 2 for n in shape[2:])
    for g in range(groups):
        for d in range(min(per_group, shape[1])):
            values[(g * per_group + d, d, *centre)] = 1
    return _write(tensor, values)


def sparse_(tensor: Tensor, sparsity: float, std: float = 0.01, generator=None) -> Tensor:
    """Fills the 2-d `tensor` from N(0, std^2) with ceil(sparsity * rows) random entries of each
    column set to zero (Martens 2010; torch.nn.init.sparse_)."""
    if tensor.ndim != 2:
        raise ShapeError(f"sparse_: Only tensors with 2 dimensions are supported {user_line()}")
    rows, cols = tuple(tensor.shape)
    zeros = math.ceil(sparsity * rows)
    rng = numpy_rng(generator)
    values = rng.normal(0.0, std, (rows, cols))
    for col in range(cols):
        values[rng.permutation(rows)[:zeros], col] = 0.0
    return fill_drawn(tensor, values, "normal_kernel_cpu", "sparse_")


def deprecated(new) -> object:
    """PyTorch's deprecated name of the initialiser `new` (its name without the underscore):
    `new` itself, after PyTorch's FutureWarning."""
    new_name = new.__name__
    old_name = new_name[:-1]

    def deprecated_init(*args, **kwargs):
        warnings.warn(f"`nn.init.{old_name}` is now deprecated in favor of `nn.init.{new_name}`.",
                      FutureWarning, stacklevel=2)
        return new(*args, **kwargs)

    deprecated_init.__name__ = deprecated_init.__qualname__ = old_name
    deprecated_init.__doc__ = f"`nn.init.{new_name}` under its deprecated name (torch.nn.init.{old_name})."
    return deprecated_init
