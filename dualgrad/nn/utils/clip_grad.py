"""Gradient clipping (PyTorch's `clip_grad_norm_` / `clip_grad_value_`), in registry ops
under `no_grad`."""
from __future__ import annotations

import math
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


@no_grad()
def clip_grad_norm_(parameters: Iterable[Tensor] | Tensor, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach=None) -> Tensor:
    """Scale all gradients together so that their joint norm is at most max_norm; returns
    the joint norm before clipping."""
    grads = [p.grad for p in _with_grads(parameters)]
    p = _order(norm_type)
    if not grads:
        return tensor(0.0)
    norms = [api.norm(g.detach(), "inf" if p == float("inf") else p) for g in grads]
    total = api.norm(api.stack(norms), "inf" if p == float("inf") else p)
    if error_if_nonfinite and not math.isfinite(total.item()):
        raise GraphError(f"The total norm of order {float(norm_type)} for gradients from `parameters` is "
                         "non-finite, so it cannot be clipped. To disable this error and scale the gradients "
                         f"by the non-finite norm anyway, set `error_if_nonfinite=False` {user_line()}")
    coefficient = ops.clip(ops.divide(max_norm, ops.add(total, 1e-6)), max=1.0)
    for g in grads:
        g.mul_(api.to(coefficient, g.dtype))
    return total


@no_grad()
def clip_grad_value_(parameters: Iterable[Tensor] | Tensor, clip_value: float, foreach=None) -> None:
    """Clamp every gradient element to [-clip_value, clip_value] in place."""
    for p in _with_grads(parameters):
        p.grad.clamp_(-float(clip_value), float(clip_value))
