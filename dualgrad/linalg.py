"""`dg.linalg`: PyTorch's `torch.linalg` names. `norm` and `vector_norm` are composites of
registry ops; matrix inverse, determinant and solve are not provided yet (see docs/eager.md)."""
from __future__ import annotations

from . import ops
from .eager.tensor import Tensor
from .errors import ShapeError, user_frame


def vector_norm(x: Tensor, ord=2, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """The vector p-norm over `dim` (all elements when None)."""
    p = "inf" if ord in (float("inf"), "inf") else ord
    if p == float("-inf") or p == 0:
        raise ShapeError(f"linalg.vector_norm: ord={ord} is not supported by dualgrad (at {user_frame()})")
    return ops.norm(x, p=p, axis=dim, keepdims=keepdim)


def norm(x: Tensor, ord=None, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """PyTorch's `linalg.norm`: the 2-norm of the flattened input (ord None), a vector norm
    over one dim, or the Frobenius norm over two dims ('fro'); other matrix norms are not
    provided."""
    if ord is None or (ord == "fro" and (dim is None or len(dim) == 2)):
        return ops.norm(x, p=2, axis=dim, keepdims=keepdim)
    if dim is None and x.ndim == 1 or isinstance(dim, int) or (isinstance(dim, tuple) and len(dim) == 1):
        return vector_norm(x, ord, dim, keepdim)
    raise ShapeError(f"linalg.norm: matrix norm ord={ord!r} is not supported by dualgrad (at {user_frame()})")


__all__ = ["norm", "vector_norm"]
