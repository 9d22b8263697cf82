"""`optim.Adagrad` (lr decay, weight decay, initial accumulator, maximize): PyTorch's
formulas, from `ops.updates.adagrad`."""
from __future__ import annotations

import numpy as np

from .. import dtypes
from ..backend import full_on
from ..ops import updates
from .optimizer import Optimizer, OptimizerError, check_lr, lr_of, refuse_differentiable, state_tensor, write


class Adagrad(Optimizer):
    """Adagrad: each step scaled by 1/sqrt(sum of squared gradients) (torch.optim.Adagrad)."""

    def __init__(self, params, lr: float = 1e-2, lr_decay: float = 0.0, weight_decay: float = 0.0,
                 initial_accumulator_value: float = 0.0, eps: float = 1e-10, foreach=None, *,
                 maximize: bool = False, differentiable: bool = False, fused=None) -> None:
        check_lr(lr)
        for name, value in (("lr_decay value", lr_decay),
                            ("weight_decay value", weight_decay),
                            ("initial_accumulator_value value", initial_accumulator_value),
                            ("epsilon value", eps)):
            if value < 0.0:
                raise OptimizerError(f"Invalid {name}: {value}")
        refuse_differentiable("Adagrad", differentiable)
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, maximize=maximize))

    def _init_state(self, group: dict, p) -> None:
        state = self.state[p]
        if not state:
            state["step"] = state_tensor(np.zeros((), dtypes.default_scalar_float().np))
            state["sum"] = state_tensor(full_on(p._data, p._data.shape, group["initial_accumulator_value"]))

    def add_param_group(self, param_group: dict) -> None:
        """PyTorch makes Adagrad's state when a group is added, not at the first step."""
        super().add_param_group(param_group)
        group = self.param_groups[-1]
        for p in group["params"]:
            self._init_state(group, p)

    def update(self, group: dict, params: list) -> None:
        """One Adagrad step for `params` of `group`, as torch.optim.Adagrad.step."""
        for p in params:
            state = self.state[p]
            write(state["step"], updates.count(state["step"]._data))
            new, total = updates.adagrad(p._data, p.grad._data, state["sum"]._data, state["step"]._data,
                                         lr=lr_of(group),
                                         lr_decay=group["lr_decay"], weight_decay=group["weight_decay"],
                                         eps=group["eps"], maximize=group["maximize"])
            write(p, new)
            write(state["sum"], total)
