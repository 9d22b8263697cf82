"""PyTorch's two halves of `clip_grad_norm_` (`get_total_norm`, `clip_grads_with_norm_`), its
deprecated name `clip_grad_norm`, and `skip_init`; each in registry ops under `no_grad`."""
from __future__ import annotations

import inspect
import math
import warnings
from collections.abc import Iterable

from ... import ops
from ...eager import api
from ...eager.creation import tensor
from ...eager.grad_mode import no_grad
from ...eager.random_more import get_rng_state, set_rng_state
from ...eager.tensor import Tensor
from ...errors import DualgradRuntimeError, GraphError, user_line
from ...linalg import vector_norm
from .clip_grad import clip_grad_norm_


def _listed(tensors) -> list:
    return [tensors] if isinstance(tensors, Tensor) else list(tensors)


@no_grad()
def get_total_norm(tensors: Iterable[Tensor] | Tensor, norm_type: float = 2.0,
                   error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """The `norm_type`-norm of all `tensors` together, as one vector (nn.utils.get_total_norm)."""
    tensors = _listed(tensors)
    p = float(norm_type)
    if not tensors:
        return tensor(0.0)
    norms = [api.to(vector_norm(t.detach(), p), tensors[0].dtype) for t in tensors]
    total = vector_norm(api.stack(norms), p)
    if error_if_nonfinite and not math.isfinite(total.item()):
        raise GraphError(f"The total norm of order {p} for gradients from `parameters` is non-finite, so it "
                         "cannot be clipped. To disable this error and scale the gradients by the non-finite "
                         f"norm anyway, set `error_if_nonfinite=False` {user_line()}")
    return total


@no_grad()
def clip_grads_with_norm_(parameters: Iterable[Tensor] | Tensor, max_norm: float, total_norm,
                          foreach: bool | None = None) -> None:
    """Scale every gradient by min(max_norm / (total_norm + 1e-6), 1) in place, given their total
    norm (nn.utils.clip_grads_with_norm_)."""
    grads = [p.grad for p in _listed(parameters) if p.grad is not None]
    if not grads:
        return
    total = total_norm if isinstance(total_norm, Tensor) else tensor(float(total_norm))
    coefficient = ops.clip(ops.divide(float(max_norm), ops.add(total, 1e-6)), max=1.0)
    for g in grads:
        g.mul_(api.to(coefficient, g.dtype))


def clip_grad_norm(parameters: Iterable[Tensor] | Tensor, max_norm: float, norm_type: float = 2.0,
                   error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """`clip_grad_norm_`, under its deprecated name (nn.utils.clip_grad_norm), with PyTorch's
    FutureWarning."""
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
                  "`torch.nn.utils.clip_grad_norm_`.", FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def skip_init(module_cls, *args, **kwargs):
    """`module_cls(*args, **kwargs)` whose parameters and buffers are left for the caller to set
    (nn.utils.skip_init). PyTorch builds it on the meta device and allocates it empty; dualgrad
    has no meta device, so the module's own initialisation runs (its values are some values, as
    `empty`'s are), but the random generator is left as it was, as PyTorch's meta build draws
    nothing from it."""
    from ..module import Module

    if not (isinstance(module_cls, type) and issubclass(module_cls, Module)):
        raise DualgradRuntimeError(f"skip_init: Expected a Module; got {module_cls} {user_line()}")
    if "device" not in inspect.signature(module_cls).parameters:
        raise DualgradRuntimeError(f"skip_init: Module must support a 'device' arg to skip initialization "
                                   f"{user_line()}")
    state = get_rng_state()
    try:
        return module_cls(*args, **kwargs)
    finally:
        set_rng_state(state)
