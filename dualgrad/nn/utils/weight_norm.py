"""`nn.utils.weight_norm` / `remove_weight_norm`: PyTorch's legacy hook-based weight
normalization, w = g * v / ||v||, with `weight_g` and `weight_v` as the parameters and the
weight recomputed by a forward pre-hook (https://arxiv.org/abs/1602.07868).

The norm is `torch.norm_except_dim`'s: over every dim but `dim`, or over the whole tensor for
`dim=None` (stored as -1, which therefore means "whole tensor", not "last dim", as in PyTorch).
The math is a composition of registry ops, so gradients reach g and v."""
from __future__ import annotations

import warnings
from typing import Any, TypeVar

from ...eager import api
from ...eager.tensor import Tensor
from ...errors import DualgradIndexError, DualgradRuntimeError, DualgradValueError, user_line, user_stacklevel
from ..module import Module
from ..parameter import Parameter

__all__ = ["WeightNorm", "remove_weight_norm", "weight_norm"]

_DEPRECATED = ("`torch.nn.utils.weight_norm` is deprecated in favor of "
               "`torch.nn.utils.parametrizations.weight_norm`.")


def _wrap_dim(dim: int, ndim: int, op: str) -> int:
    """`dim` in [0, ndim), refusing one out of range with PyTorch's text."""
    low, high = -max(ndim, 1), max(ndim, 1) - 1
    if not low <= dim <= high:
        raise DualgradIndexError(f"{op}: Dimension out of range (expected to be in range of [{low}, {high}], "
                                 f"but got {dim}) {user_line()}")
    return dim % max(ndim, 1)


def norm_except_dim(v: Tensor, pow: float = 2, dim: int = 0) -> Tensor:
    """The p-norm of v over all dims but `dim`, shaped to broadcast against v; dim=-1 is the
    norm of the whole tensor (torch.norm_except_dim)."""
    if dim == -1:
        return api.norm(v, pow)
    d = _wrap_dim(dim, v.ndim, "norm_except_dim")
    if v.ndim == 0:
        return api.norm(v, pow)
    rows = v.permute(d, *[i for i in range(v.ndim) if i != d]).reshape(v.shape[d], -1)
    shape = [1] * v.ndim
    shape[d] = v.shape[d]
    return api.norm(rows, pow, dim=1).reshape(shape)


def _weight_norm(v: Tensor, g: Tensor, dim: int = 0) -> Tensor:
    """v * (g / ||v||), the norm taken by `norm_except_dim(v, 2, dim)` (torch._weight_norm)."""
    return api.mul(v, api.div(g, norm_except_dim(v, 2, dim)))


class WeightNorm:
    """The forward pre-hook that recomputes `module.<name>` from `<name>_g` and `<name>_v`."""

    name: str
    dim: int

    def __init__(self, name: str, dim: int | None) -> None:
        self.name = name
        self.dim = -1 if dim is None else dim

    def compute_weight(self, module: Module) -> Tensor:
        """g * v / ||v|| from the module's current parameters."""
        return _weight_norm(getattr(module, self.name + "_v"), getattr(module, self.name + "_g"), self.dim)

    @staticmethod
    def apply(module: Module, name: str, dim: int | None) -> WeightNorm:
        """Replaces parameter `name` by `name_g` and `name_v` and registers the hook."""
        warnings.warn(_DEPRECATED, FutureWarning, stacklevel=user_stacklevel())
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, WeightNorm) and hook.name == name:
                raise DualgradRuntimeError(f"Cannot register two weight_norm hooks on the same parameter "
                                           f"{name} {user_line()}")
        fn = WeightNorm(name, dim)
        weight = getattr(module, name)
        g = Parameter(norm_except_dim(weight, 2, fn.dim).detach())  # checks dim before any change
        del module._parameters[name]
        module.register_parameter(name + "_g", g)
        module.register_parameter(name + "_v", Parameter(weight.detach()))
        setattr(module, name, fn.compute_weight(module))
        module.register_forward_pre_hook(fn)
        return fn

    def remove(self, module: Module) -> None:
        """Puts back a plain parameter holding the current weight."""
        weight = self.compute_weight(module)
        delattr(module, self.name)
        del module._parameters[self.name + "_g"]
        del module._parameters[self.name + "_v"]
        setattr(module, self.name, Parameter(weight.detach()))

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self.name, self.compute_weight(module))


T_module = TypeVar("T_module", bound=Module)


def weight_norm(module: T_module, name: str = "weight", dim: int | None = 0) -> T_module:
    """Splits parameter `name` into magnitude `name_g` and direction `name_v`, recomputed before
    every forward (torch.nn.utils.weight_norm, deprecated there with this FutureWarning)."""
    WeightNorm.apply(module, name, dim)
    return module


def remove_weight_norm(module: T_module, name: str = "weight") -> T_module:
    """Undoes `weight_norm`: `name` is a plain parameter again, with the current weight's value."""
    return remove_hook(module, name, WeightNorm, "weight_norm")


def remove_hook(module: T_module, name: str, kind: type, label: str) -> T_module:
    """Undo the reparametrization hook of type `kind` on parameter `name` (remove_weight_norm's
    and remove_spectral_norm's walk); PyTorch's ValueError when there is none."""
    for key, hook in module._forward_pre_hooks.items():
        if isinstance(hook, kind) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[key]
            return module
    raise DualgradValueError(f"{label} of '{name}' not found in {module} {user_line()}")
