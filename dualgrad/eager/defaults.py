"""PyTorch's process-wide settings (`torch.set_default_dtype`, `torch.set_printoptions`) and its
small top-level predicates (`torch.is_tensor`, `torch.is_floating_point`, `torch.numel`).

The default dtype is one module variable, `dtypes.DEFAULT_FLOAT`, that every path choosing a
float reads when it runs (creation, Python-number promotion, int-to-float lifting, nn
parameters, optimizer step counters, printing), so changing it costs the hot path nothing.
"""
from __future__ import annotations

import numbers

from .. import dtypes
from ..errors import DTypeError, DualgradValueError, user_frame
from . import printing
from .arguments import require_tensor
from .tensor import Tensor

# the dtypes PyTorch accepts as the default (bfloat16 too; dualgrad has no bfloat16 dtype)
_FLOATS = (dtypes.float16, dtypes.float32, dtypes.float64)


def set_default_dtype(d: dtypes.DType) -> None:
    """Make `d` the default floating dtype (torch.set_default_dtype): Python floats, float
    creation (`zeros`, `rand`, `linspace`, ...), nn parameters and integer-to-float results
    (`int_tensor / 2`, `int_tensor.sqrt()`) take it. Scientific scripts call
    `dg.set_default_dtype(dg.float64)` first. Process-wide, as in PyTorch."""
    if not isinstance(d, dtypes.DType):
        raise DTypeError(f"invalid dtype object: only floating-point types are supported as the default "
                         f"type (set_default_dtype got {d!r}; at {user_frame()})")
    if d not in _FLOATS:
        raise DTypeError(f"only floating-point types are supported as the default type (set_default_dtype "
                         f"got {d!r}; at {user_frame()})")
    dtypes.set_default_float(d)


def get_default_dtype() -> dtypes.DType:
    """The default floating dtype (torch.get_default_dtype): float32 unless set."""
    return dtypes.DEFAULT_FLOAT


def is_tensor(obj) -> bool:
    """Whether `obj` is a dualgrad Tensor (nn.Parameter included), as torch.is_tensor."""
    return isinstance(obj, Tensor)


def is_floating_point(input: Tensor) -> bool:
    """Whether `input`'s dtype is a float (torch.is_floating_point); a non-tensor is a TypeError."""
    return require_tensor("is_floating_point", input).dtype.is_floating_point


def numel(input: Tensor) -> int:
    """The number of elements of `input` (torch.numel); a non-tensor is a TypeError."""
    return require_tensor("numel", input).numel()


_PROFILES = {"default": (4, 1000, 3, 80), "short": (2, 1000, 2, 80), "full": (4, float("inf"), 3, 80)}


def set_printoptions(precision: int | None = None, threshold: float | None = None,
                     edgeitems: int | None = None, linewidth: int | None = None, profile: str | None = None,
                     sci_mode: bool | None = None) -> None:
    """PyTorch's printing options (torch.set_printoptions): `profile` ('default', 'short',
    'full') first, then each option given; `sci_mode=None` chooses per tensor as PyTorch."""
    if profile is not None and (not isinstance(profile, str) or profile not in _PROFILES):
        raise DualgradValueError(f"set_printoptions: profile must be one of {sorted(_PROFILES)}, got "
                                 f"{profile!r} (at {user_frame()})")
    given = {"precision": precision, "threshold": threshold, "edgeitems": edgeitems, "linewidth": linewidth}
    for name, value in given.items():  # checked first: a bad value would break every later print
        kind = numbers.Real if name == "threshold" else numbers.Integral
        if value is not None and (isinstance(value, bool) or not isinstance(value, kind) or not value >= 0):
            raise DTypeError(f"set_printoptions: {name} must be a non-negative "
                             f"{'number' if name == 'threshold' else 'int'}, got {value!r} "
                             f"(at {user_frame()})")
    if sci_mode is not None and not isinstance(sci_mode, bool):
        raise DTypeError(f"set_printoptions: sci_mode must be True, False or None, got {sci_mode!r} "
                         f"(at {user_frame()})")
    if profile is not None:
        printing.PRECISION, printing.THRESHOLD, printing.EDGEITEMS, printing.LINEWIDTH = _PROFILES[profile]
    for name, value in given.items():
        if value is not None:
            setattr(printing, name.upper(), value if name == "threshold" else int(value))
    printing.SCI_MODE = sci_mode
