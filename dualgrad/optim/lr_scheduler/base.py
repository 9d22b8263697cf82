"""The base of every schedule (PyTorch's `LRScheduler`) and the helpers that read and
write a parameter group's hyperparameters (a Tensor lr is filled in place, as PyTorch's)."""
from __future__ import annotations

from ...eager import bind as eager_bind
from ...eager.grad_mode import no_grad
from ...eager.tensor import Tensor
from ...errors import Untraceable
from ..optimizer import Optimizer


class LRScheduler:
    """Base: `step()` once per epoch after `optimizer.step()`; `get_last_lr()`."""

    _is_initial = False  # True during the constructor's step (PyTorch's _initial_mode)

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", _copy(group["lr"]))
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(f"param 'initial_lr' is not specified in param_groups[{i}] when "
                                   "resuming an optimizer")
        self.base_lrs = _values(optimizer, "initial_lr")
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self) -> None:
        """The constructor's step: a schedule resumed with last_epoch >= 0 keeps the
        optimizer's lr (already that epoch's) instead of moving it one epoch ahead, as
        PyTorch's (SequentialLR repeats it for the schedule that starts at epoch 0)."""
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self) -> list[float]:
        """The learning rates for the current epoch (LRScheduler.get_lr); subclasses define it."""
        raise NotImplementedError

    def get_last_lr(self) -> list[float]:
        """The learning rates the last `step` set (LRScheduler.get_last_lr)."""
        return self._last_lr

    def step(self, epoch: int | None = None) -> None:
        """Advances one epoch (or to `epoch`) and sets each group's lr (LRScheduler.step)."""
        _refuse_in_trace()
        self._step_count += 1
        self._update_lr(epoch)

    def _update_lr(self, epoch: int | None = None) -> None:
        """The step without counting it (SequentialLR restarts a schedule at a milestone
        with `_update_lr(0)`, as PyTorch's)."""
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            self.last_epoch = epoch
            values = self._closed_form() if hasattr(self, "_closed_form") else self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values, strict=True):
            _set(group, "lr", lr)
        self._last_lr = _values(self.optimizer, "lr")

    def state_dict(self) -> dict:
        """The scheduler's state, without the optimizer (LRScheduler.state_dict)."""
        return {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "lr_lambdas")}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restores state from `state_dict` (LRScheduler.load_state_dict)."""
        self.__dict__.update(state_dict)

    def _lrs(self) -> list:
        return _values(self.optimizer, "lr")


def _refuse_in_trace() -> None:
    """A schedule's step inside a dg.compile trace is refused before anything changes (a
    rerun is exact)."""
    if eager_bind.tracing.hook is not None:
        raise Untraceable("an lr scheduler steps inside the step: a compiled call would not "
                          "repeat its Python; step it outside (the lr, momentum and betas it "
                          "sets are fed to the program each call)")


def _copy(value):
    """A Tensor hyperparameter's copy (PyTorch clones, so a schedule's base never aliases
    the lr it writes), anything else as it is."""
    return value.clone() if isinstance(value, Tensor) else value


def _values(optimizer: Optimizer, key: str) -> list:
    """group[key] of each group, Tensors copied (PyTorch's `_param_groups_val_list`)."""
    return [_copy(group[key]) for group in optimizer.param_groups]


def _set(group: dict, key: str, value) -> None:
    """Sets group[key]; a Tensor there is filled in place (PyTorch's
    `_update_param_group_val`), so whatever holds it (a compiled step) sees the new value."""
    held = group[key]
    if isinstance(held, Tensor):
        if isinstance(value, Tensor) and value.ndim:
            value = value.squeeze()
        with no_grad():
            held.fill_(value)
    else:
        group[key] = value
