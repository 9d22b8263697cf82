"""`dualgrad.utils`: PyTorch's `torch.utils` names (`utils.data`, `utils.checkpoint`)."""
from __future__ import annotations

from . import checkpoint, data

__all__ = ["checkpoint", "data"]
