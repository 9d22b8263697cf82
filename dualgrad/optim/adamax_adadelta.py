"""`optim.Adamax` and `optim.Adadelta`: PyTorch's single-tensor formulas, from
`ops.updates_more` (registry-op compositions, so eager and `dg.compile` run one step)."""
from __future__ import annotations

import numpy as np

from .. import dtypes
from ..backend import full_on
from ..ops import updates, updates_more
from .optimizer import (
    Optimizer,
    OptimizerError,
    check_adam_args,
    check_lr,
    lr_of,
    refuse_differentiable,
    state_tensor,
    value_of,
    write,
)


def _zeros(p) -> object:
    return state_tensor(full_on(p._data, p._data.shape, 0))


class Adamax(Optimizer):
    """Adam with the infinity norm: the step divides by a decayed running max of |g| instead
    of a root mean square, so one large gradient does not shrink later steps for long
    (torch.optim.Adamax)."""

    def __init__(self, params, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, foreach=None, *, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False) -> None:
        check_adam_args(lr, betas, eps, weight_decay)
        refuse_differentiable("Adamax", differentiable)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      maximize=maximize))

    def update(self, group: dict, params: list) -> None:
        """One Adamax step for `params` of `group`, as torch.optim.Adamax.step."""
        beta1, beta2 = (value_of(b) for b in group["betas"])  # (operands: dg.compile feeds them)
        for p in params:
            state = self.state[p]
            if not state:
                state["step"] = state_tensor(np.zeros((), dtypes.default_scalar_float().np))
                state["exp_avg"] = _zeros(p)
                state["exp_inf"] = _zeros(p)
            write(state["step"], updates.count(state["step"]._data))
            new, exp_avg, exp_inf = updates_more.adamax(
                p._data, p.grad._data, state["exp_avg"]._data, state["exp_inf"]._data, state["step"]._data,
                lr=lr_of(group), beta1=beta1, beta2=beta2, eps=group["eps"],
                weight_decay=group["weight_decay"], maximize=group["maximize"])
            write(p, new)
            write(state["exp_avg"], exp_avg)
            write(state["exp_inf"], exp_inf)


class Adadelta(Optimizer):
    """Adadelta: steps scaled by the ratio of running RMS of past updates to that of the
    gradients, so the step has the parameter's units and lr (default 1.0) only scales it
    (torch.optim.Adadelta)."""

    def __init__(self, params, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0.0, foreach=None, *, capturable: bool = False,
                 maximize: bool = False, differentiable: bool = False) -> None:
        check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise OptimizerError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise OptimizerError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= weight_decay:
            raise OptimizerError(f"Invalid weight_decay value: {weight_decay}")
        refuse_differentiable("Adadelta", differentiable)
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize))

    def update(self, group: dict, params: list) -> None:
        """One Adadelta step for `params` of `group`, as torch.optim.Adadelta.step."""
        for p in params:
            state = self.state[p]
            if not state:
                state["step"] = state_tensor(np.zeros((), dtypes.default_scalar_float().np))
                state["square_avg"] = _zeros(p)
                state["acc_delta"] = _zeros(p)
            write(state["step"], updates.count(state["step"]._data))
            new, square_avg, acc_delta = updates_more.adadelta(
                p._data, p.grad._data, state["square_avg"]._data, state["acc_delta"]._data, lr=lr_of(group),
                rho=group["rho"], eps=group["eps"], weight_decay=group["weight_decay"],
                maximize=group["maximize"])
            write(p, new)
            write(state["square_avg"], square_avg)
            write(state["acc_delta"], acc_delta)


__all__ = ["Adadelta", "Adamax"]
