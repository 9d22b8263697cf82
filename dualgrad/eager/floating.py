"""PyTorch's refusal of integer and bool input to what is defined only in floating point
(statistics, norms): one check for `eager/api.py` and `dualgrad/linalg.py`."""
from __future__ import annotations

from ..errors import EagerDTypeError, user_line
from .tensor import Tensor


def floating_only(input, name: str, message: str) -> None:
    """Raise PyTorch's refusal of an integer or bool `input` to `name` (dualgrad computed such
    statistics in the default float)."""
    if isinstance(input, Tensor) and not input.dtype.is_floating_point:
        raise EagerDTypeError(f"{name}: {message}. Got {input.dtype.name} (convert with .float()) "
                              f"{user_line()}")
