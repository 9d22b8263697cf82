"""`optim.LBFGS`: PyTorch's limited-memory BFGS (torch.optim.LBFGS), step for step.

One parameter group; all parameters are seen as one flat vector. `step(closure)` runs up to
`max_iter` iterations: the direction is -H g from the two-loop recursion over the last
`history_size` curvature pairs (`ops.updates_lbfgs`, registry ops on the parameters' arrays),
the step length is `lr` (the first iteration's min(1, 1 / |g|_1) lr) or, with
`line_search_fn="strong_wolfe"`, what the strong Wolfe search finds (`line_search.py`). The
run stops at `max_eval` closure calls, a gradient below `tolerance_grad`, or a change of loss,
step or directional derivative below `tolerance_change`, as PyTorch's.

The state (`func_evals`, `n_iter`, the direction `d`, step `t`, the memory `old_dirs` /
`old_stps` / `ro`, `H_diag`, `prev_flat_grad`, `prev_loss`, `al`) lives under the first
parameter, as PyTorch's, so `state_dict` / `load_state_dict` carry it and a loaded optimizer
continues with the same memory.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np

from ..backend import full_on
from ..eager.grad_mode import enable_grad, no_grad
from ..eager.tensor import Tensor, wrap
from ..errors import DualgradRuntimeError, DualgradTypeError, OptimizerError, user_line
from ..ops import clone
from ..ops import elementwise as ew
from ..ops import updates_lbfgs as lb
from .line_search import strong_wolfe
from .optimizer import Optimizer, check_lr, value_of, write

_MEMORY = ("d", "old_dirs", "old_stps", "ro", "H_diag", "prev_flat_grad", "al")


class LBFGS(Optimizer):
    """Limited-memory BFGS over all parameters as one vector, with an optional strong Wolfe
    line search; `step(closure)` re-evaluates the loss as often as it needs (torch.optim.LBFGS)."""

    def __init__(self, params, lr: float = 1, max_iter: int = 20, max_eval: int | None = None,
                 tolerance_grad: float = 1e-7, tolerance_change: float = 1e-9, history_size: int = 100,
                 line_search_fn: str | None = None) -> None:
        check_lr(lr)
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        super().__init__(params, dict(lr=lr, max_iter=max_iter, max_eval=max_eval,
                                      tolerance_grad=tolerance_grad, tolerance_change=tolerance_change,
                                      history_size=history_size, line_search_fn=line_search_fn))
        if len(self.param_groups) != 1:
            raise OptimizerError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]

    def add_param_group(self, param_group: dict) -> None:
        """Refused after construction: LBFGS has one parameter group (PyTorch's ValueError)."""
        if getattr(self, "_params", None) is not None:
            raise OptimizerError("LBFGS doesn't support per-parameter options (parameter groups)")
        super().add_param_group(param_group)

    # -- the flat view ---------------------------------------------------------------------
    def _gather_flat_grad(self):
        return lb.flat([p.grad._data if p.grad is not None else full_on(p._data, p._data.shape, 0)
                        for p in self._params])

    def _add_grad(self, t: float, d) -> None:
        for p, new in zip(self._params, lb.moved([p._data for p in self._params], t, d), strict=True):
            write(p, new)

    def _set_param(self, values: list) -> None:
        for p, value in zip(self._params, values, strict=True):
            write(p, value)

    def _evaluate(self, closure: Callable) -> tuple:
        """(the closure's loss as returned, as a Python float, the flat gradient)."""
        with enable_grad():
            loss = closure()
        return loss, float(loss), self._gather_flat_grad()

    def _directional_evaluate(self, closure: Callable, x: list, t: float, d) -> tuple:
        self._add_grad(t, d)
        _, loss, flat_grad = self._evaluate(closure)
        self._set_param(x)
        return loss, flat_grad

    # -- the step --------------------------------------------------------------------------
    def step(self, closure: Callable):  # type: ignore[override]
        """Up to `max_iter` L-BFGS iterations; `closure` (required) zeroes the gradients,
        computes the loss, calls `backward()` and returns the loss. Returns the first loss."""
        if not callable(closure):
            raise DualgradTypeError(f"LBFGS.step needs a closure that re-evaluates the loss, got "
                                    f"{type(closure).__name__} {user_line()}")
        group = self.param_groups[0]
        search = group["line_search_fn"]
        if search is not None and search != "strong_wolfe":
            raise DualgradRuntimeError(f"only 'strong_wolfe' is supported, got line_search_fn={search!r} "
                                       f"{user_line()}")
        self._check_lr(group)
        with no_grad():
            return self._run(closure, group, search)

    def _run(self, closure: Callable, group: dict, search: str | None):
        lr = float(value_of(group["lr"]))
        max_iter, max_eval = group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        orig_loss, loss, flat_grad = self._evaluate(closure)
        current_evals = 1
        state["func_evals"] += 1
        if lb.abs_max(flat_grad) <= tolerance_grad:  # optimal already
            return orig_loss

        mem, t, prev_loss = _unpacked(state), state.get("t"), state.get("prev_loss")
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:  # steepest descent, and a step of at most lr in |.|_1
                mem.update(d=ew.negative(flat_grad), old_dirs=[], old_stps=[], ro=[], H_diag=1)
                t = min(1.0, lb.value(ew.divide(1.0, lb.abs_sum(flat_grad)))) * lr
            else:
                mem["d"] = _direction(mem, flat_grad, t, group["history_size"])
                t = lr
            d, mem["prev_flat_grad"], prev_loss = mem["d"], flat_grad, loss
            gtd = lb.value(lb.dot(flat_grad, d))
            if gtd > -tolerance_change:  # not a descent direction (to tolerance)
                break
            if search is not None:
                evaluate = partial(self._directional_evaluate, closure)
                x_init = [clone(p._data) for p in self._params]
                loss, flat_grad, t, evals = strong_wolfe(evaluate, x_init, t, d, loss, flat_grad, gtd,
                                                         max_ls=max_eval - current_evals)
                self._add_grad(t, d)
                opt_cond = lb.abs_max(flat_grad) <= tolerance_grad
            else:
                self._add_grad(t, d)
                opt_cond, evals = False, 0
                if n_iter != max_iter:  # (no evaluation after the last step, as PyTorch's)
                    _, loss, flat_grad = self._evaluate(closure)
                    opt_cond, evals = lb.abs_max(flat_grad) <= tolerance_grad, 1
            current_evals += evals
            state["func_evals"] += evals
            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if lb.abs_max(ew.multiply(d, t)) <= tolerance_change or abs(loss - prev_loss) < tolerance_change:
                break  # no progress
        _packed(state, mem)
        state["t"], state["prev_loss"] = None if t is None else float(t), prev_loss
        return orig_loss


def _direction(mem: dict, flat_grad, t, history_size: int):
    """-H g: the last step's curvature pair joins the memory (when y . s > 1e-10, dropping the
    oldest past `history_size`), then the two-loop recursion."""
    y, s, ys = lb.curvature(flat_grad, mem["prev_flat_grad"], mem["d"], t)
    if lb.value(ys) > 1e-10:
        if len(mem["old_dirs"]) == history_size:
            del mem["old_dirs"][0], mem["old_stps"][0], mem["ro"][0]
        mem["old_dirs"].append(y)
        mem["old_stps"].append(s)
        ro, mem["H_diag"] = lb.remembered(y, ys)
        mem["ro"].append(ro)
    if mem["al"] is None:
        mem["al"] = [None] * history_size
    return lb.direction(flat_grad, mem["old_dirs"], mem["old_stps"], mem["ro"], mem["H_diag"], mem["al"])


def _unpacked(state: dict) -> dict:
    """The memory's arrays from the state's Tensors (lists copied: the step edits them)."""
    out = {}
    for key in _MEMORY:
        value = state.get(key)
        if isinstance(value, list):
            out[key] = [v._data if isinstance(v, Tensor) else v for v in value]
        else:
            out[key] = value._data if isinstance(value, Tensor) else value
    return out


def _packed(state: dict, memory: dict) -> None:
    """Store the memory as Tensors (what `state_dict` shows, as PyTorch's)."""
    for key, value in memory.items():
        if isinstance(value, list):
            state[key] = [None if v is None else _tensor(v) for v in value]
        elif value is None and key == "al":  # (PyTorch keeps no 'al' before a second iteration)
            continue
        elif value is None or type(value) in (int, float):  # (H_diag is 1 until a pair is kept)
            state[key] = value
        else:
            state[key] = _tensor(value)


def _tensor(value) -> Tensor:
    """A state Tensor around an array (a 0-d result on numpy may be a numpy scalar)."""
    return wrap(np.asarray(value) if isinstance(value, np.generic) else value)


__all__ = ["LBFGS"]
