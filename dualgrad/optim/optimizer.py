"""`optim.Optimizer`: PyTorch's base class — parameter groups with per-group hyperparameters,
per-parameter state, `zero_grad`, `state_dict` / `load_state_dict`.

Subclasses give `update(group, params)`, which computes new values with the update rules of
`dualgrad.ops.updates` on the parameters' storage (no graph is recorded: `step` runs under
`no_grad`) and writes them back in place, one version later, as PyTorch's in-place updates do.
"""
from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Callable

import numpy as np

from .. import dtypes
from ..backend import is_jax_array
from ..eager import storage_writes, views
from ..eager.grad_mode import enable_grad, no_grad
from ..eager.grads import clear_grads
from ..eager.tensor import Tensor, wrap
from ..errors import DualgradNotImplementedError, OptimizerError, user_line


class _Required:
    def __repr__(self) -> str:
        return "<required parameter>"


required = _Required()


def write(t: Tensor, value) -> None:
    """Store `value` (an array) into t in place and count a new version (jax arrays are
    immutable, and so are the graph values of a step dg.compile traces: the tensor takes the
    new value)."""
    data = t._data
    if isinstance(data, np.ndarray) and data.flags.writeable and isinstance(value, _NUMPY):
        data[...] = value
        if storage_writes.watched:
            storage_writes.wrote(data)
    else:
        t._data = value.astype(data.dtype) if value.dtype != data.dtype else value
        views.after_write(t)  # (a jax tensor's views and `.data` aliases see the new value)
    t._version[0] += 1


_NUMPY = (np.ndarray, np.generic)


def lr_of(group: dict) -> object:
    """A group's learning rate as the update ops take it (an operand, `ops.updates`), see
    `value_of`."""
    return value_of(group["lr"])


def value_of(value) -> object:
    """A hyperparameter as the update ops take it (an operand, `ops.updates`: a learning
    rate, a momentum, a beta): a number as it is; a Tensor's value, read now (a scheduler
    `fill_`s a Tensor lr in place), as a Python float on numpy (exact, the arithmetic of a
    float), else its 0-d data (a jax array, or the graph value a `dg.compile` trace gave it)."""
    if not isinstance(value, Tensor):
        return value
    data = value._data
    if type(data) is np.ndarray:
        return float(data.reshape(()))
    return data if not data.shape else data.reshape(())


def refuse_differentiable(optimizer: str, differentiable: bool) -> None:
    """PyTorch's `differentiable=True` records the update in the graph (for gradients through
    a step); dualgrad's steps are fused registry ops that are not differentiable, so the flag
    is refused rather than accepted and ignored."""
    if differentiable:
        raise DualgradNotImplementedError(f"{optimizer}(differentiable=True): dualgrad's optimizer steps are "
                                          f"not differentiable (they run under no_grad) {user_line()}")


def check_lr(lr) -> None:
    """PyTorch's checks of a learning rate (a number, or a Tensor of one element)."""
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise OptimizerError("Tensor lr must be 1-element")
    if not 0.0 <= lr:
        raise OptimizerError(f"Invalid learning rate: {lr}")


def check_adam_args(lr, betas, eps: float, weight_decay: float) -> None:
    """The argument checks the Adam family shares, with PyTorch's messages."""
    check_lr(lr)
    if not 0.0 <= eps:
        raise OptimizerError(f"Invalid epsilon value: {eps}")
    for i, beta in enumerate(betas):
        if not 0.0 <= beta < 1.0:
            raise OptimizerError(f"Invalid beta parameter at index {i}: {beta}")
    if not 0.0 <= weight_decay:
        raise OptimizerError(f"Invalid weight_decay value: {weight_decay}")


def state_tensor(value) -> Tensor:
    """An optimizer state entry as a Tensor (what `state_dict` shows)."""
    return wrap(value)


class Optimizer:
    """Base of all optimizers: `Optimizer(params, defaults)`; `params` is an iterable of
    tensors or of dicts (parameter groups with their own hyperparameters)."""

    def __init__(self, params, defaults: dict) -> None:
        self.defaults = defaults
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list[dict] = []
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or "
                            f"dicts, but got {type(params).__name__}")
        groups = list(params)
        if not groups:
            raise OptimizerError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def __repr__(self) -> str:
        text = type(self).__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}"
            for key in sorted(group):
                if key != "params":
                    text += f"\n    {key}: {group[key]}"
        return text + "\n)"

    def add_param_group(self, param_group: dict) -> None:
        """Adds a parameter group with its own hyperparameters (Optimizer.add_param_group)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the "
                            "ordering of tensors in sets will change between runs. Please use a list "
                            "instead.")
        else:
            params = list(params)
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params is "
                                f"{type(p).__name__}")
            if not p.is_leaf:
                raise OptimizerError(f"can't optimize a non-leaf Tensor {user_line()}")
        group = dict(param_group, params=params)
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise OptimizerError(f"parameter group didn't specify a value of required optimization "
                                     f"parameter {name}")
            group.setdefault(name, default)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if seen & {id(p) for p in params} or len({id(p) for p in params}) != len(params):
            raise OptimizerError("some parameters appear in more than one parameter group")
        self._check_lr(group)
        self.param_groups.append(group)

    def _check_lr(self, group: dict) -> None:
        """A Tensor lr (PyTorch's, for torch.compile and capturable steps) must hold one
        element, PyTorch's ValueError; its value is read at each step (`lr_of`)."""
        lr = group.get("lr")
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise OptimizerError("Tensor lr must be 1-element")

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clears the parameters' `.grad` (to None by default) (Optimizer.zero_grad)."""
        clear_grads((p for group in self.param_groups for p in group["params"]), set_to_none)

    def step(self, closure: Callable | None = None):
        """One update of every parameter that has a gradient; `closure` re-evaluates the
        loss (with grad mode on) and its value is returned."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                live = [p for p in group["params"] if p.grad is not None]
                if live:
                    self._check_lr(group)  # (the user may have set it since)
                    self.update(group, live)
        return loss

    def update(self, group: dict, params: list[Tensor]) -> None:
        """The algorithm's step for one group's live parameters; each optimizer defines it."""
        raise NotImplementedError

    # -- state -------------------------------------------------------------------------------
    def state_dict(self) -> dict:
        """{'state': {index: {...}}, 'param_groups': [{..., 'params': [indices]}]} — PyTorch's
        layout, parameters numbered in group order. State tensors are references."""
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            ids = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                ids.append(index[id(p)])
            groups.append({**{k: v for k, v in group.items() if k != "params"}, "params": ids})
        state = {index[id(p)]: dict(s) for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Take hyperparameters and state from `state_dict` (checked before anything changes;
        state tensors are copied, floating ones cast to their parameter's dtype)."""
        groups, saved = self.param_groups, state_dict["param_groups"]
        if len(groups) != len(saved):
            raise OptimizerError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved, strict=True)):
            raise OptimizerError("loaded state dict contains a parameter group that doesn't match the size "
                                 "of optimizer's group")
        by_index = {i: p for g, s in zip(groups, saved, strict=True)
                    for i, p in zip(s["params"], g["params"], strict=True)}
        state: defaultdict = defaultdict(dict)
        for i, entries in state_dict["state"].items():
            if i not in by_index:
                continue
            param = by_index[i]
            state[param] = {k: _copied(v, param, k) for k, v in entries.items()}
        self.state = state
        self.param_groups = [dict(copy.deepcopy({k: v for k, v in s.items() if k != "params"}),
                                  params=g["params"]) for g, s in zip(groups, saved, strict=True)]
        for group in self.param_groups:  # a checkpoint older than an option: its default
            for name, default in self.defaults.items():
                group.setdefault(name, default)


def _copied(value, param: Tensor, key: str):
    if key == "step" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return wrap(np.asarray(value, dtypes.default_scalar_float().np))  # a number, as PyTorch takes it
    if not isinstance(value, Tensor):
        return copy.deepcopy(value)
    data = np.array(value._data) if not is_jax_array(value._data) else value._data
    if key != "step" and value.dtype.is_floating_point and data.dtype != param._data.dtype:
        data = data.astype(param._data.dtype)
    return wrap(data)


__all__ = ["Optimizer", "OptimizerError", "lr_of", "required", "value_of"]
