"""`optim.NAdam` and `optim.RAdam`: PyTorch's formulas, from `ops.updates_more` (each with
L2 weight decay or, with `decoupled_weight_decay=True`, AdamW's)."""
from __future__ import annotations

import numpy as np

from .. import dtypes
from ..backend import full_on
from ..ops import updates, updates_more
from .optimizer import (
    Optimizer,
    OptimizerError,
    check_adam_args,
    lr_of,
    refuse_differentiable,
    state_tensor,
    value_of,
    write,
)


def _moments(state: dict, p) -> None:
    state["step"] = state_tensor(np.zeros((), dtypes.default_scalar_float().np))
    state["exp_avg"] = state_tensor(full_on(p._data, p._data.shape, 0))
    state["exp_avg_sq"] = state_tensor(full_on(p._data, p._data.shape, 0))


class NAdam(Optimizer):
    """Adam with Nesterov momentum and Dozat's momentum schedule (torch.optim.NAdam)."""

    def __init__(self, params, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach=None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False) -> None:
        check_adam_args(lr, betas, eps, weight_decay)
        if not 0.0 <= momentum_decay:
            raise OptimizerError(f"Invalid momentum_decay value: {momentum_decay}")
        refuse_differentiable("NAdam", differentiable)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      momentum_decay=momentum_decay,
                                      decoupled_weight_decay=decoupled_weight_decay, maximize=maximize))

    def update(self, group: dict, params: list) -> None:
        """One NAdam step for `params` of `group`, as torch.optim.NAdam.step."""
        beta1, beta2 = (value_of(b) for b in group["betas"])  # (operands: dg.compile feeds them)
        for p in params:
            state = self.state[p]
            if not state:
                _moments(state, p)
                state["mu_product"] = state_tensor(np.ones((), dtypes.default_scalar_float().np))
            write(state["step"], updates.count(state["step"]._data))
            new, exp_avg, exp_avg_sq, mu_product = updates_more.nadam(
                p._data, p.grad._data, state["exp_avg"]._data, state["exp_avg_sq"]._data,
                state["mu_product"]._data, state["step"]._data, lr=lr_of(group), beta1=beta1, beta2=beta2,
                eps=group["eps"], weight_decay=group["weight_decay"], momentum_decay=group["momentum_decay"],
                decoupled=group["decoupled_weight_decay"], maximize=group["maximize"])
            write(p, new)
            write(state["exp_avg"], exp_avg)
            write(state["exp_avg_sq"], exp_avg_sq)
            write(state["mu_product"], mu_product)


class RAdam(Optimizer):
    """Adam with the variance of its adaptive rate rectified (torch.optim.RAdam): plain
    bias-corrected momentum SGD for the first steps, while that variance is undefined."""

    def __init__(self, params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, decoupled_weight_decay: bool = False, *,
                 foreach=None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        check_adam_args(lr, betas, eps, weight_decay)
        refuse_differentiable("RAdam", differentiable)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      decoupled_weight_decay=decoupled_weight_decay, maximize=maximize))

    def update(self, group: dict, params: list) -> None:
        """One RAdam step for `params` of `group`, as torch.optim.RAdam.step."""
        beta1, beta2 = (value_of(b) for b in group["betas"])  # (operands: dg.compile feeds them)
        for p in params:
            state = self.state[p]
            if not state:
                _moments(state, p)
            write(state["step"], updates.count(state["step"]._data))
            new, exp_avg, exp_avg_sq = updates_more.radam(
                p._data, p.grad._data, state["exp_avg"]._data, state["exp_avg_sq"]._data,
                state["step"]._data, lr=lr_of(group), beta1=beta1, beta2=beta2, eps=group["eps"],
                weight_decay=group["weight_decay"], decoupled=group["decoupled_weight_decay"],
                maximize=group["maximize"])
            write(p, new)
            write(state["exp_avg"], exp_avg)
            write(state["exp_avg_sq"], exp_avg_sq)
