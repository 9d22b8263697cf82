"""PyTorch's vector similarities: `F.normalize`, `F.cosine_similarity`,
`F.pairwise_distance`, `F.pdist` and the modules `nn.CosineSimilarity`, `nn.PairwiseDistance`.

Compositions of registry ops (norms, clamps, sums), so their gradients are those ops'; where
PyTorch's kernels differentiate something other than the value they return, the composition
says so.
"""
from __future__ import annotations

import numpy as np

from .. import ops
from ..eager import api
from ..eager.arguments import require_tensor
from ..eager.bind import as_eager_error
from ..eager.tensor import Tensor
from ..errors import DualgradTypeError, ShapeError, user_line
from ..ops.registry import promoted
from .module import Module


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out=None) -> Tensor:
    """input / max(||input||_p, eps) along `dim` (F.normalize): a zero row stays zero."""
    if out is not None:
        raise TypeError("normalize: out= is not supported; assign the result instead")
    norm = api.norm(input, p=p, dim=dim, keepdim=True)
    return api.div(input, api.clamp(norm, min=eps))


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """sum(x1 / max(||x1||, eps) * x2 / max(||x2||, eps)) along `dim`, broadcasting
    (F.cosine_similarity). As PyTorch's kernel, the clamp of each norm is taken apart from the
    gradient: below eps the value uses eps, the gradient the norm itself."""
    try:  # broadcast first: a dim broadcast along `dim` counts in the norms, as in PyTorch
        shape = np.broadcast_shapes(tuple(x1.shape), tuple(x2.shape))
    except ValueError:
        raise ShapeError(f"cosine_similarity: the shapes of x1 {tuple(x1.shape)} and x2 {tuple(x2.shape)} "
                         f"do not broadcast {user_line()}") from None
    # in their result dtype first: a float32 x2's norm beside a float64 x1 kept float32's digits
    x1, x2 = promoted(api.broadcast_to(x1, shape), api.broadcast_to(x2, shape), floating=True)
    return api.sum(api.mul(_unit(x1, dim, eps), _unit(x2, dim, eps)), dim=dim)


def _unit(x: Tensor, dim: int, eps: float) -> Tensor:
    norm = api.norm(x, p=2, dim=dim, keepdim=True)
    clamped = api.add(norm, api.sub(api.clamp(norm, min=eps), norm).detach())  # the value, clamped
    return api.div(x, clamped)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Tensor:
    """||x1 - x2 + eps||_p along the last dim (F.pairwise_distance)."""
    return api.norm(ops.add(api.sub(x1, x2), eps), p=p, dim=-1, keepdim=keepdim)


def pdist(input: Tensor, p: float = 2.0) -> Tensor:
    """The p-norm distances between the rows of a 2-D input, for each pair i < j in row-major
    order (F.pdist, torch.pdist): a gather of the pairs and `norm` over the columns, so the
    gradient at a zero distance is 0, as PyTorch's."""
    require_tensor("pdist", input)
    if isinstance(p, Tensor) or not isinstance(p, (int, float, np.integer, np.floating)):
        raise DualgradTypeError(f"pdist(): argument 'p' must be a number, not {type(p).__name__} "
                                f"{user_line()}")
    if input.ndim != 2:
        raise as_eager_error(ShapeError(f"pdist: pdist only supports 2D tensors, got: {input.ndim}D "
                                        f"(shape {tuple(input.shape)}) {user_line()}"))
    if not p >= 0:
        raise as_eager_error(ShapeError(f"pdist: pdist only supports non-negative p values, got {p} "
                                        f"{user_line()}"))
    i, j = np.triu_indices(input.shape[0], k=1)
    return api.norm(ops.subtract(ops.getitem(input, key=i), ops.getitem(input, key=j)), p, 1)


class CosineSimilarity(Module):
    """`cosine_similarity(x1, x2, dim, eps)` as a module (torch.nn.CosineSimilarity)."""

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim = dim
        self.eps = eps

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        """`cosine_similarity(x1, x2)` along the module's dim."""
        return cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """`pairwise_distance(x1, x2, p, eps, keepdim)` as a module (torch.nn.PairwiseDistance)."""

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm = p
        self.eps = eps
        self.keepdim = keepdim

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        """`pairwise_distance(x1, x2)` with the module's p, eps and keepdim."""
        return pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)
