"""`stack_module_state` (torch.func's): the parameters and buffers of several models of one
class stacked along a new first dimension, ready for `vmap(functional_call ...)` ensembling."""
from __future__ import annotations

from ..eager.api import stack
from ..eager.tensor import Tensor
from ..errors import DualgradRuntimeError, user_line


def _stacked_leaf(tensors: tuple, name: str) -> Tensor:
    wants = [t.requires_grad for t in tensors]
    if any(wants) and not all(wants):
        raise DualgradRuntimeError(f"Expected {name} from each model to have the same .requires_grad "
                                   f"{user_line()}")
    result = stack(tensors)
    return result.detach().requires_grad_() if all(wants) else result


def stack_module_state(models) -> tuple[dict, dict]:
    """({name: stacked parameter}, {name: stacked buffer}) over `models`, the stacked parameters
    new leaves that require grad (torch.func.stack_module_state)."""
    models = list(models)
    if not models:
        raise DualgradRuntimeError(f"stack_module_state: Expected at least one model, got 0. {user_line()}")
    if len({m.training for m in models}) != 1:
        raise DualgradRuntimeError(f"stack_module_state: Expected all models to have the same training/eval "
                                   f"mode. {user_line()}")
    if any(type(m) is not type(models[0]) for m in models):
        raise DualgradRuntimeError(f"stack_module_state: Expected all models to be of the same class. "
                                   f"{user_line()}")
    out = []
    for named in ("named_parameters", "named_buffers"):
        each = [dict(getattr(m, named)()) for m in models]
        out.append({k: _stacked_leaf(tuple(d[k] for d in each), k) for k in each[0]})
    return out[0], out[1]
