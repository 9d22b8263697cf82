"""Gradient clipping (PyTorch's `clip_grad_norm_`, its two halves `get_total_norm` and
`clip_grads_with_norm_`, its deprecated name `clip_grad_norm`, and `clip_grad_value_`), in
registry ops under `no_grad`."""
from __future__ import annotations

import math
import warnings
from collections.abc import Iterable

from ... import ops
from ...eager import api
from ...eager.creation import tensor
from ...eager.grad_mode import no_grad
from ...eager.tensor import Tensor
from ...errors import GraphError, user_line


def _with_grads(parameters) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p for p in parameters if p.grad is not None]


def _order(norm_type) -> float:
    return float("inf") if norm_type in ("inf", float("inf")) else float(norm_type)


def get_total_norm(tensors: Iterable[Tensor] | Tensor, norm_type: float = 2.0,
                   error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """The `norm_type`-norm of all `tensors` together, as one vector: the norm of their norms
    (nn.utils.get_total_norm, the first half of clip_grad_norm_)."""
    tensors = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    p = _order(norm_type)
    if not tensors:
        return tensor(0.0)
    order = "inf" if p == float("inf") else p
    norms = [api.norm(t.detach(), order) for t in tensors]
    total = api.norm(api.stack(norms), order)
    if error_if_nonfinite and not math.isfinite(total.item()):
        raise GraphError(f"The total norm of order {float(norm_type)} for gradients from `parameters` is "
                         "non-finite, so it cannot be clipped. To disable this error and scale the gradients "
                         f"by the non-finite norm anyway, set `error_if_nonfinite=False` {user_line()}")
    return total


@no_grad()
def clip_grads_with_norm_(parameters: Iterable[Tensor] | Tensor, max_norm: float, total_norm,
                          foreach: bool | None = None) -> None:
    """Scale every gradient by min(max_norm / (total_norm + 1e-6), 1) in place, given their total
    norm (nn.utils.clip_grads_with_norm_, the second half of clip_grad_norm_)."""
    grads = [p.grad for p in _with_grads(parameters)]
    if not grads:
        return
    total = total_norm if isinstance(total_norm, Tensor) else tensor(float(total_norm))
    coefficient = ops.clip(ops.divide(float(max_norm), ops.add(total, 1e-6)), max=1.0)
    for g in grads:
        g.mul_(api.to(coefficient, g.dtype))


@no_grad()
def clip_grad_norm_(parameters: Iterable[Tensor] | Tensor, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach=None) -> Tensor:
    """Scale all gradients together so that their joint norm is at most max_norm; returns
    the joint norm before clipping (get_total_norm, then clip_grads_with_norm_, as PyTorch)."""
    parameters = _with_grads(parameters)
    total = get_total_norm([p.grad for p in parameters], norm_type, error_if_nonfinite)
    clip_grads_with_norm_(parameters, max_norm, total)
    return total


def clip_grad_norm(parameters: Iterable[Tensor] | Tensor, max_norm: float, norm_type: float = 2.0,
                   error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """`clip_grad_norm_`, under its deprecated name (nn.utils.clip_grad_norm), with PyTorch's
    FutureWarning."""
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
                  "`torch.nn.utils.clip_grad_norm_`.", FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


@no_grad()
def clip_grad_value_(parameters: Iterable[Tensor] | Tensor, clip_value: float, foreach=None) -> None:
    """Clamp every gradient element to [-clip_value, clip_value] in place."""
    for p in _with_grads(parameters):
        p.grad.clamp_(-float(clip_value), float(clip_value))
