"""PyTorch's refusals of arguments of the wrong kind, for functions that read attributes of
their tensors before any op runs (a list or a dict reached them as a raw AttributeError)."""
from __future__ import annotations

import numbers

from ..errors import DTypeError, DualgradTypeError, user_line
from .tensor import Tensor


def require_tensor(op: str, value, name: str = "input", position: int | None = 1) -> Tensor:
    """`value`, or PyTorch's TypeError ("argument 'input' (position 1) must be Tensor, not list";
    `position` None for a keyword-only argument, whose text names no position)."""
    if not isinstance(value, Tensor):
        where = "" if position is None else f" (position {position})"
        raise DTypeError(f"{op}(): argument '{name}'{where} must be Tensor, not {type(value).__name__} "
                         f"{user_line()}")
    return value


def require_number(op: str, value, name: str, position: int):
    """`value`, or PyTorch's TypeError ("argument 'alpha' (position 2) must be Number, not Tensor")."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise DualgradTypeError(f"{op}(): argument '{name}' (position {position}) must be Number, not "
                                f"{type(value).__name__} {user_line()}")
    return value
