"""`dualgrad.utils`: PyTorch's `torch.utils` names (`utils.data`)."""
from __future__ import annotations

from . import data

__all__ = ["data"]
