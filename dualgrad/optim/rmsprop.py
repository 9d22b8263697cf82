"""`optim.RMSprop` (momentum, centered, weight decay, maximize): PyTorch's formulas, from
`ops.updates.rmsprop`."""
from __future__ import annotations

import numpy as np

from .. import dtypes
from ..backend import full_on
from ..ops import updates
from .optimizer import (
    Optimizer,
    OptimizerError,
    check_lr,
    lr_of,
    refuse_differentiable,
    state_tensor,
    value_of,
    write,
)


class RMSprop(Optimizer):
    """RMSprop: steps scaled by a running RMS of gradients, optionally centred (torch.optim.RMSprop)."""

    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum: float = 0.0, centered: bool = False,
                 capturable: bool = False, foreach=None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        check_lr(lr)
        for name, value in (("epsilon value", eps), ("momentum value", momentum),
                            ("weight_decay value", weight_decay), ("alpha value", alpha)):
            if value < 0.0:
                raise OptimizerError(f"Invalid {name}: {value}")
        refuse_differentiable("RMSprop", differentiable)
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered, maximize=maximize))

    def update(self, group: dict, params: list) -> None:
        """One RMSprop step for `params` of `group`, as torch.optim.RMSprop.step."""
        momentum = value_of(group["momentum"])  # (an operand: dg.compile feeds it)
        for p in params:
            state = self.state[p]
            if not state:
                state["step"] = state_tensor(np.zeros((), dtypes.default_scalar_float().np))
                state["square_avg"] = state_tensor(full_on(p._data, p._data.shape, 0))
                if updates.takes_part(momentum, positive=True):
                    state["momentum_buffer"] = state_tensor(full_on(p._data, p._data.shape, 0))
                if group["centered"]:
                    state["grad_avg"] = state_tensor(full_on(p._data, p._data.shape, 0))
            write(state["step"], updates.count(state["step"]._data))
            grad_avg, buf = state.get("grad_avg"), state.get("momentum_buffer")
            new, square_avg, new_grad_avg, new_buf = updates.rmsprop(
                p._data, p.grad._data, state["square_avg"]._data,
                None if grad_avg is None else grad_avg._data, None if buf is None else buf._data,
                state["step"]._data,
                lr=lr_of(group), alpha=group["alpha"], eps=group["eps"], weight_decay=group["weight_decay"],
                momentum=momentum, centered=group["centered"], maximize=group["maximize"])
            write(p, new)
            write(state["square_avg"], square_avg)
            if grad_avg is not None:
                write(grad_avg, new_grad_avg)
            if buf is not None:
                write(buf, new_buf)
