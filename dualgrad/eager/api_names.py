"""PyTorch's remaining top-level names that training scripts call: the comparisons' other
spellings (`torch.greater`...), `rsub`, the `is_*` predicates, `unravel_index`, `scalar_tensor`,
`detach`, `empty_like` and the determinism switches. Compositions of existing functions; no math
of their own."""
from __future__ import annotations

import numpy as np

from .. import dtypes
from ..errors import DTypeError, IndexShapeError, ShapeError, refusing, user_line
from . import api, creation
from .attach import install
from .tensor import Tensor

_deterministic = {"mode": False, "warn_only": False}


def _spelling(name: str, short: str):
    """PyTorch's other name `name` of the comparison `short` (torch.greater is torch.gt)."""
    fn = getattr(api, short)

    def compare(input, other) -> Tensor:
        return fn(input, other)

    compare.__name__ = compare.__qualname__ = name
    compare.__doc__ = f"`{short}` under PyTorch's other name (torch.{name})."
    return compare


greater, greater_equal = _spelling("greater", "gt"), _spelling("greater_equal", "ge")
less, less_equal = _spelling("less", "lt"), _spelling("less_equal", "le")
not_equal = _spelling("not_equal", "ne")


def rsub(input, other, *, alpha=1) -> Tensor:
    """other - alpha * input (torch.rsub: `sub` with its operands swapped)."""
    return api.sub(other, input, alpha=alpha)


def is_nonzero(input: Tensor) -> bool:
    """Whether a one-element tensor is not 0 (torch.is_nonzero); more or fewer elements are
    PyTorch's "ambiguous" errors."""
    count = int(np.prod(input.shape))
    if count != 1:
        what = "no values" if count == 0 else "more than one value"
        raise ShapeError(f"is_nonzero: Boolean value of Tensor with {what} is ambiguous (shape "
                         f"{tuple(input.shape)}) {user_line()}")
    return bool(input.item() != 0)


def is_same_size(input: Tensor, other: Tensor) -> bool:
    """Whether the two tensors have one shape (torch.is_same_size)."""
    return tuple(input.shape) == tuple(other.shape)


def is_signed(input: Tensor) -> bool:
    """Whether input's dtype holds negative numbers: floats and signed ints (torch.is_signed)."""
    return not (input.dtype.is_bool or input.dtype is dtypes.uint8)


def unravel_index(indices, shape) -> tuple[Tensor, ...]:
    """Flat indices into `shape` as one int64 tensor per dim, each of indices' shape
    (torch.unravel_index); a negative index counts from the end, as PyTorch's, and one outside
    [-size, size) is refused (PyTorch 2.13 wraps it around without a word)."""
    shape = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(s) for s in shape)
    flat = np.asarray(indices._data if isinstance(indices, Tensor) else indices)
    if flat.dtype.kind not in "iu":
        raise DTypeError(f"unravel_index: expected 'indices' to be an integer tensor, got {flat.dtype} "
                         f"{user_line()}")
    size = int(np.prod(shape))
    outside = (flat < -size) | (flat >= size)
    if outside.any():
        raise IndexShapeError(f"unravel_index: index {int(flat[outside].ravel()[0])} is out of bounds for "
                              f"shape {shape} (size {size}) {user_line()}")
    if not shape:  # (one element, no dims: no coordinates)
        return ()
    coords = np.unravel_index(np.where(flat < 0, flat + size, flat), shape)
    device = indices.device if isinstance(indices, Tensor) else None
    return tuple(creation.tensor(np.asarray(c, dtype=np.int64), device=device) for c in coords)


def scalar_tensor(s, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A 0-d tensor of `s`, in the default float dtype unless `dtype` is given, even for an int
    (torch.scalar_tensor)."""
    dtype = creation.dtype_arg(dtype, "scalar_tensor") or dtypes.DEFAULT_FLOAT
    return creation.full((), s, dtype=dtype, device=device, requires_grad=requires_grad)


def detach(input: Tensor) -> Tensor:
    """input.detach() (torch.detach)."""
    return input.detach()


def empty_like(input: Tensor, dtype=None, requires_grad: bool = False, device=None) -> Tensor:
    """A tensor of input's shape, dtype and device, zero-filled as `empty` is (torch.empty_like
    leaves it uninitialised)."""
    return creation.zeros_like(input, dtype=dtype, requires_grad=requires_grad, device=device)


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """PyTorch's switch to deterministic kernels, recorded for `are_deterministic_algorithms_enabled`.
    dualgrad's numpy kernels are deterministic either way; on the jax device XLA's CPU kernels are
    too, and its GPU scatter-adds may sum in another order run to run (docs/eager.md)."""
    if not isinstance(mode, bool):
        raise DTypeError(f"use_deterministic_algorithms expects a bool, but got {type(mode).__name__} "
                         f"{user_line()}")
    _deterministic.update(mode=mode, warn_only=bool(warn_only))


def are_deterministic_algorithms_enabled() -> bool:
    """The last `use_deterministic_algorithms` mode (torch.are_deterministic_algorithms_enabled)."""
    return _deterministic["mode"]


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    """The last `use_deterministic_algorithms` warn_only (PyTorch's same-named getter)."""
    return _deterministic["warn_only"]


_COMPARISONS = {"greater": greater, "greater_equal": greater_equal, "less": less, "less_equal": less_equal,
                "not_equal": not_equal}
METHODS = install(globals(), {**_COMPARISONS, "rsub": rsub, "is_nonzero": is_nonzero,
                              "is_same_size": is_same_size})
FUNCTIONS = {**METHODS, **{name: refusing(fn, name) for name, fn in (
    ("is_signed", is_signed), ("unravel_index", unravel_index), ("scalar_tensor", scalar_tensor),
    ("detach", detach), ("empty_like", empty_like),
    ("use_deterministic_algorithms", use_deterministic_algorithms),
    ("are_deterministic_algorithms_enabled", are_deterministic_algorithms_enabled),
    ("is_deterministic_algorithms_warn_only_enabled", is_deterministic_algorithms_warn_only_enabled))}}
globals().update(FUNCTIONS)
