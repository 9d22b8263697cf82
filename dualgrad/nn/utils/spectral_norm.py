"""`nn.utils.spectral_norm` / `remove_spectral_norm`: PyTorch's legacy hook-based spectral
normalization, W / sigma(W) with sigma estimated by power iteration
(https://arxiv.org/abs/1802.05957).

As PyTorch's: the parameter becomes `<name>_orig`, the singular-vector estimates `u` and `v` are
the buffers `<name>_u` / `<name>_v` (so `state_dict` holds `<name>_orig`, `<name>_u`,
`<name>_v`), `<name>` itself is a plain attribute set by a forward pre-hook. In training mode
each forward first runs `n_power_iterations` steps under `no_grad` and writes u and v back into
the buffers in place; in eval mode it reuses them. sigma = u . (W v) is a composition of
registry ops, so the gradient of W / sigma reaches `<name>_orig` through sigma too (u and v
are constants to it, as in PyTorch). Not carried over: the load hook that converts state dicts
saved by PyTorch before 1.0 (a `<name>` entry and no `<name>_v`); current ones load as they are.
"""
from __future__ import annotations

from typing import Any, TypeVar

from ...eager import api
from ...eager.grad_mode import no_grad
from ...eager.tensor import Tensor
from ...errors import DualgradRuntimeError, DualgradValueError, user_line
from ..conv_layers import ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from ..distance import normalize
from ..module import Module
from ..parameter import Parameter
from .weight_norm import _wrap_dim, remove_hook

__all__ = ["SpectralNorm", "remove_spectral_norm", "spectral_norm"]


class SpectralNorm:
    """The forward pre-hook that sets `module.<name>` to `<name>_orig / sigma`."""

    _version: int = 1
    name: str
    dim: int
    n_power_iterations: int
    eps: float

    def __init__(self, name: str = "weight", n_power_iterations: int = 1, dim: int = 0,
                 eps: float = 1e-12) -> None:
        self.name = name
        self.dim = dim
        if n_power_iterations <= 0:
            raise DualgradValueError("Expected n_power_iterations to be positive, but "
                                     f"got n_power_iterations={n_power_iterations} {user_line()}")
        self.n_power_iterations = n_power_iterations
        self.eps = eps

    def reshape_weight_to_matrix(self, weight: Tensor) -> Tensor:
        """The weight with `dim` moved first, flattened to (size of dim, rest)."""
        mat = weight
        if self.dim != 0:
            d = _wrap_dim(self.dim, weight.ndim, "spectral_norm")
            mat = mat.permute(d, *[i for i in range(weight.ndim) if i != d])
        return mat.reshape(mat.shape[0], -1)

    def compute_weight(self, module: Module, do_power_iteration: bool) -> Tensor:
        """W / (u . W v), after updating u and v in place when `do_power_iteration`."""
        weight = getattr(module, self.name + "_orig")
        u = getattr(module, self.name + "_u")
        v = getattr(module, self.name + "_v")
        mat = self.reshape_weight_to_matrix(weight)
        if do_power_iteration:
            with no_grad():
                u, v = power_iteration(mat, u, v, self.n_power_iterations, self.eps)
                getattr(module, self.name + "_u").copy_(u)  # the buffers themselves, as PyTorch's out=
                getattr(module, self.name + "_v").copy_(v)
        sigma = api.dot(u, api.mv(mat, v))
        return api.div(weight, sigma)

    def remove(self, module: Module) -> None:
        """Puts back a plain parameter holding W / sigma from the stored u and v."""
        with no_grad():
            weight = self.compute_weight(module, do_power_iteration=False)
        delattr(module, self.name)
        delattr(module, self.name + "_u")
        delattr(module, self.name + "_v")
        delattr(module, self.name + "_orig")
        module.register_parameter(self.name, Parameter(weight.detach()))

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self.name, self.compute_weight(module, do_power_iteration=module.training))

    @staticmethod
    def apply(module: Module, name: str, n_power_iterations: int, dim: int, eps: float) -> SpectralNorm:
        """Moves parameter `name` to `name_orig`, draws u and v, and registers the hook."""
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, SpectralNorm) and hook.name == name:
                raise DualgradRuntimeError(f"Cannot register two spectral_norm hooks on the same parameter "
                                           f"{name} {user_line()}")
        fn = SpectralNorm(name, n_power_iterations, dim, eps)
        weight = module._parameters[name]
        if weight is None:
            raise DualgradValueError(f"`SpectralNorm` cannot be applied as parameter `{name}` is None "
                                     f"{user_line()}")
        with no_grad():
            h, w = fn.reshape_weight_to_matrix(weight).shape
            u = normalize(weight.new_empty(h).normal_(0, 1), dim=0, eps=fn.eps)
            v = normalize(weight.new_empty(w).normal_(0, 1), dim=0, eps=fn.eps)
        delattr(module, fn.name)
        module.register_parameter(fn.name + "_orig", weight)
        setattr(module, fn.name, weight.detach())  # a plain attribute until the first forward
        module.register_buffer(fn.name + "_u", u)
        module.register_buffer(fn.name + "_v", v)
        module.register_forward_pre_hook(fn)
        return fn


def power_iteration(mat: Tensor, u: Tensor, v: Tensor, steps: int, eps: float) -> tuple[Tensor, Tensor]:
    """`steps` rounds of v = normalize(W^T u), u = normalize(W v) (new tensors, not u or v)."""
    for _ in range(steps):
        v = normalize(api.mv(mat.t(), u), dim=0, eps=eps)
        u = normalize(api.mv(mat, v), dim=0, eps=eps)
    return u, v


T_module = TypeVar("T_module", bound=Module)


def spectral_norm(module: T_module, name: str = "weight", n_power_iterations: int = 1, eps: float = 1e-12,
                  dim: int | None = None) -> T_module:
    """Rescales parameter `name` by its largest singular value, estimated by power iteration
    before every forward (torch.nn.utils.spectral_norm); dim defaults to 1 for ConvTranspose."""
    if dim is None:
        dim = 1 if isinstance(module, (ConvTranspose1d, ConvTranspose2d, ConvTranspose3d)) else 0
    SpectralNorm.apply(module, name, n_power_iterations, dim, eps)
    return module


def remove_spectral_norm(module: T_module, name: str = "weight") -> T_module:
    """Undoes `spectral_norm`: `name` is a plain parameter again, W / sigma from the stored u, v."""
    return remove_hook(module, name, SpectralNorm, "spectral_norm")
