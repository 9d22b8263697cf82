"""`nn.utils.parametrizations`: PyTorch's `weight_norm` and `spectral_norm` written as
parametrizations (`parametrize.register_parametrization`), with PyTorch's state_dict keys
(`parametrizations.weight.original0` / `original1` for weight_norm's g and v;
`parametrizations.weight.original` and the buffers `parametrizations.weight.0._u` / `_v` for
spectral_norm), and `orthogonal` (in `orthogonal.py`)."""
from __future__ import annotations

from ...eager import api
from ...eager.grad_mode import no_grad
from ...eager.tensor import Tensor
from ...errors import DualgradIndexError, DualgradValueError, user_line
from ..conv_layers import ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from ..distance import normalize
from ..module import Module
from . import parametrize
from .orthogonal import orthogonal
from .weight_norm import _weight_norm, norm_except_dim

__all__ = ["orthogonal", "spectral_norm", "weight_norm"]


class _WeightNorm(Module):
    """(g, v) -> g * v / ||v||; right_inverse splits a weight into its norm and itself."""

    def __init__(self, dim: int | None = 0) -> None:
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g: Tensor, weight_v: Tensor) -> Tensor:
        """The weight, g * v / ||v|| (norm_except_dim's dims)."""
        return _weight_norm(weight_v, weight_g, self.dim)

    def right_inverse(self, weight: Tensor) -> tuple[Tensor, Tensor]:
        """(||weight||, weight): the originals that give back `weight`."""
        return norm_except_dim(weight, 2, self.dim), weight


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """Parametrizes `name` as g * v / ||v||, g and v kept as `original0` and `original1`
    (torch.nn.utils.parametrizations.weight_norm)."""
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)
    return module


class _SpectralNorm(Module):
    """W -> W / sigma(W), sigma by power iteration on the buffers `_u`, `_v` (updated in place
    in training mode); a 1-D weight is normalized instead."""

    def __init__(self, weight: Tensor, n_power_iterations: int = 1, dim: int = 0, eps: float = 1e-12) -> None:
        super().__init__()
        ndim = weight.ndim
        if dim >= ndim or dim < -ndim:
            raise DualgradIndexError(f"Dimension out of range (expected to be in range of [-{ndim}, "
                                     f"{ndim - 1}] but got {dim}) {user_line()}")
        if n_power_iterations <= 0:
            raise DualgradValueError("Expected n_power_iterations to be positive, but "
                                     f"got n_power_iterations={n_power_iterations} {user_line()}")
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            with no_grad():
                mat = self._reshape_weight_to_matrix(weight.detach())
                h, w = mat.shape
                u = mat.new_empty(h).normal_(0, 1)
                v = mat.new_empty(w).normal_(0, 1)
                self.register_buffer("_u", normalize(u, dim=0, eps=self.eps))
                self.register_buffer("_v", normalize(v, dim=0, eps=self.eps))
            self._power_method(mat, 15)

    def _reshape_weight_to_matrix(self, weight: Tensor) -> Tensor:
        if self.dim != 0:
            weight = weight.permute(self.dim, *(d for d in range(weight.ndim) if d != self.dim))
        return weight.reshape(weight.shape[0], -1)

    def _power_method(self, mat: Tensor, n_power_iterations: int) -> None:
        """u = normalize(W v), v = normalize(W^T u), n times, written into the buffers."""
        with no_grad():
            mat = mat.detach()
            for _ in range(n_power_iterations):
                self._u.copy_(normalize(api.mv(mat, self._v), dim=0, eps=self.eps))
                self._v.copy_(normalize(api.mv(mat.t(), self._u), dim=0, eps=self.eps))

    def forward(self, weight: Tensor) -> Tensor:
        """weight / (u . W v), after a power-iteration update in training mode."""
        if weight.ndim == 1:
            return normalize(weight, dim=0, eps=self.eps)
        mat = self._reshape_weight_to_matrix(weight)
        if self.training:
            self._power_method(mat, self.n_power_iterations)
        u, v = self._u.clone(), self._v.clone()  # later in-place updates must not reach this graph
        return api.div(weight, api.dot(u, api.mv(mat, v)))

    def right_inverse(self, value: Tensor) -> Tensor:
        """The original is the weight itself (assigning a weight stores it as given)."""
        return value


def spectral_norm(module: Module, name: str = "weight", n_power_iterations: int = 1, eps: float = 1e-12,
                  dim: int | None = None) -> Module:
    """Parametrizes `name` as W / sigma(W), sigma by power iteration (15 steps at registration,
    `n_power_iterations` per read in training mode; torch.nn.utils.parametrizations.spectral_norm)."""
    weight = parametrize._named_tensor(module, name)
    if dim is None:
        dim = 1 if isinstance(module, (ConvTranspose1d, ConvTranspose2d, ConvTranspose3d)) else 0
    parametrize.register_parametrization(module, name, _SpectralNorm(weight, n_power_iterations, dim, eps))
    return module
