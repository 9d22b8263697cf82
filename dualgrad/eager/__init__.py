"""The eager front end: PyTorch-style tensors that record how they were made."""
from . import interop, methods, methods_inplace_more, methods_inplace_views, methods_shortcuts  # noqa: F401
from .tensor import Size, Tensor

__all__ = ["Size", "Tensor"]
