"""`optim.Rprop` and `optim.ASGD`: PyTorch's single-tensor formulas, from `ops.updates_more`
(registry-op compositions, so eager and `dg.compile` run one step)."""
from __future__ import annotations

import numpy as np

from .. import dtypes
from ..backend import full_on
from ..ops import updates, updates_more
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


def _scalar(value: float) -> object:
    """A 0-d state entry in PyTorch's scalar dtype (`_get_scalar_dtype`: float32, or float64
    under a float64 default)."""
    return state_tensor(np.full((), value, dtypes.default_scalar_float().np))


class Rprop(Optimizer):
    """Resilient backpropagation: each element keeps its own step size, grown by etaplus while
    its gradient keeps its sign and cut by etaminus when it flips; only the gradient's sign
    moves the parameter (torch.optim.Rprop)."""

    def __init__(self, params, lr: float = 1e-2, etas: tuple[float, float] = (0.5, 1.2),
                 step_sizes: tuple[float, float] = (1e-6, 50), *, capturable: bool = False,
                 foreach=None, maximize: bool = False, differentiable: bool = False) -> None:
        check_lr(lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise OptimizerError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        refuse_differentiable("Rprop", differentiable)
        super().__init__(params, dict(lr=lr, etas=tuple(etas), step_sizes=tuple(step_sizes),
                                      maximize=maximize))

    def update(self, group: dict, params: list) -> None:
        """One Rprop step for `params` of `group`, as torch.optim.Rprop.step."""
        etaminus, etaplus = group["etas"]
        step_size_min, step_size_max = group["step_sizes"]
        for p in params:
            state = self.state[p]
            if not state:  # (the step sizes start at the lr of the first step, as PyTorch's)
                state["step"] = _scalar(0.0)
                state["prev"] = state_tensor(full_on(p._data, p._data.shape, 0))
                lr = float(value_of(group["lr"]))
                state["step_size"] = state_tensor(full_on(p._data, p._data.shape, lr))
            write(state["step"], updates.count(state["step"]._data))
            new, prev, step_size = updates_more.rprop(
                p._data, p.grad._data, state["prev"]._data, state["step_size"]._data, etaminus=etaminus,
                etaplus=etaplus, step_size_min=step_size_min, step_size_max=step_size_max,
                maximize=group["maximize"])
            write(p, new)
            write(state["prev"], prev)
            write(state["step_size"], step_size)


class ASGD(Optimizer):
    """Averaged SGD: SGD with a decaying step size eta and decay term lambd, keeping in `ax` the
    running average of the iterates from step t0 on (torch.optim.ASGD)."""

    def __init__(self, params, lr: float = 1e-2, lambd: float = 1e-4, alpha: float = 0.75,
                 t0: float = 1e6, weight_decay: float = 0.0, foreach=None, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False) -> None:
        check_lr(lr)
        if not 0.0 <= weight_decay:
            raise OptimizerError(f"Invalid weight_decay value: {weight_decay}")
        refuse_differentiable("ASGD", differentiable)
        super().__init__(params, dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
                                      maximize=maximize))

    def update(self, group: dict, params: list) -> None:
        """One ASGD step for `params` of `group`, as torch.optim.ASGD.step."""
        for p in params:
            state = self.state[p]
            if not state:
                state["step"] = _scalar(0.0)
                state["eta"] = _scalar(float(value_of(group["lr"])))
                state["mu"] = _scalar(1.0)
                state["ax"] = state_tensor(full_on(p._data, p._data.shape, 0))
            write(state["step"], updates.count(state["step"]._data))
            new, ax, eta, mu = updates_more.asgd(
                p._data, p.grad._data, state["ax"]._data, state["eta"]._data, state["mu"]._data,
                state["step"]._data, lr=lr_of(group), lambd=group["lambd"], alpha=group["alpha"],
                t0=group["t0"], weight_decay=group["weight_decay"], maximize=group["maximize"])
            write(p, new)
            write(state["ax"], ax)
            write(state["eta"], eta)
            write(state["mu"], mu)


__all__ = ["ASGD", "Rprop"]
