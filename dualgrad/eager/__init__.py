"""The eager front end: PyTorch-style tensors that record how they were made."""
from . import interop, methods, methods_inplace_more  # noqa: F401  (DLPack, numpy's protocol, methods)
from .tensor import Size, Tensor

__all__ = ["Size", "Tensor"]
