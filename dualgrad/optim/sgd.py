"""`optim.SGD` (momentum, dampening, nesterov, weight decay, maximize): PyTorch's formulas,
from `ops.updates.sgd`."""
from __future__ import annotations

from ..ops import updates
from .optimizer import (
    Optimizer,
    OptimizerError,
    check_lr,
    lr_of,
    refuse_differentiable,
    required,
    state_tensor,
    value_of,
    write,
)


class SGD(Optimizer):
    """Stochastic gradient descent with momentum, dampening, Nesterov, weight decay (torch.optim.SGD)."""

    def __init__(self, params, lr: float = 1e-3, momentum: float = 0.0, dampening: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False, *, maximize: bool = False,
                 foreach=None, differentiable: bool = False, fused=None) -> None:
        if lr is not required:
            check_lr(lr)
        if momentum < 0.0:
            raise OptimizerError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise OptimizerError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise OptimizerError("Nesterov momentum requires a momentum and zero dampening")
        refuse_differentiable("SGD", differentiable)
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov, maximize=maximize))

    def update(self, group: dict, params: list) -> None:
        """One SGD step for `params` of `group`, as torch.optim.SGD.step."""
        hyper = {k: group[k] for k in ("dampening", "nesterov", "weight_decay", "maximize")}
        hyper["lr"] = lr_of(group)
        hyper["momentum"] = value_of(group["momentum"])  # (an operand: dg.compile feeds it)
        for p in params:
            buf = self.state.get(p, {}).get("momentum_buffer")  # no entry without momentum, as PyTorch
            new, new_buf = updates.sgd(p._data, p.grad._data, None if buf is None else buf._data, **hyper)
            write(p, new)
            if new_buf is not None:
                if buf is None:
                    self.state[p]["momentum_buffer"] = state_tensor(new_buf.copy())
                else:
                    write(buf, new_buf)
