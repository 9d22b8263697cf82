"""The eager front end: PyTorch-style tensors that record how they were made."""
from . import interop, methods  # noqa: F401  (bind DLPack, numpy's protocol, methods, operators)
from .tensor import Size, Tensor

__all__ = ["Size", "Tensor"]
