"""`optim.Adam` and `optim.AdamW` (amsgrad, maximize): PyTorch's formulas, from
`ops.updates.adam` (AdamW, or Adam with `decoupled_weight_decay=True`, decays the weights
directly)."""
from __future__ import annotations

import numpy as np

from .. import dtypes
from ..backend import full_on
from ..eager.tensor import Tensor
from ..ops import updates
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


class Adam(Optimizer):
    """Adam with bias correction, optional amsgrad, and L2 weight decay or, with
    `decoupled_weight_decay`, AdamW's (torch.optim.Adam)."""

    def __init__(self, params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, amsgrad: bool = False, *,
                 foreach=None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False, fused=None, decoupled_weight_decay: bool = False) -> None:
        if isinstance(lr, Tensor) and foreach and not capturable:  # PyTorch's refusal
            raise OptimizerError("lr as a Tensor is not supported for capturable=False and foreach=True")
        check_adam_args(lr, betas, eps, weight_decay)
        refuse_differentiable(type(self).__name__, differentiable)
        # a group key, as PyTorch's: a loaded checkpoint of Adam(decoupled_weight_decay=True)
        # keeps decaying the weights directly
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad, maximize=maximize,
                                      decoupled_weight_decay=decoupled_weight_decay))

    def update(self, group: dict, params: list) -> None:
        """One Adam (or AdamW) step for `params` of `group`, as torch.optim.Adam.step."""
        beta1, beta2 = (value_of(b) for b in group["betas"])  # (operands: dg.compile feeds them)
        for p in params:
            state = self.state[p]
            if not state:
                state["step"] = state_tensor(np.zeros((), dtypes.default_scalar_float().np))
                state["exp_avg"] = state_tensor(full_on(p._data, p._data.shape, 0))
                state["exp_avg_sq"] = state_tensor(full_on(p._data, p._data.shape, 0))
                if group["amsgrad"]:
                    state["max_exp_avg_sq"] = state_tensor(full_on(p._data, p._data.shape, 0))
            write(state["step"], updates.count(state["step"]._data))
            most = state.get("max_exp_avg_sq")
            new, exp_avg, exp_avg_sq, new_most = updates.adam(
                p._data, p.grad._data, state["exp_avg"]._data, state["exp_avg_sq"]._data,
                None if most is None else most._data, state["step"]._data, lr=lr_of(group), beta1=beta1,
                beta2=beta2, eps=group["eps"], weight_decay=group["weight_decay"], amsgrad=group["amsgrad"],
                maximize=group["maximize"], decoupled=group["decoupled_weight_decay"])
            write(p, new)
            write(state["exp_avg"], exp_avg)
            write(state["exp_avg_sq"], exp_avg_sq)
            if most is not None:
                write(most, new_most)


class AdamW(Adam):
    """Adam with decoupled weight decay (default 1e-2, as in PyTorch)."""

    def __init__(self, params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False, foreach=None, capturable: bool = False,
                 differentiable: bool = False, fused=None) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)
