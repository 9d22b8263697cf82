"""The eager front end: PyTorch-style tensors that record how they were made."""
from . import methods  # noqa: F401  (binds Tensor methods and operators)
from .tensor import Size, Tensor

__all__ = ["Size", "Tensor"]
