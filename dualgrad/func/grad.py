"""`grad` and `grad_and_value` (torch.func's): the gradient of a scalar function as a
function, nestable (`grad(grad(f))`) and mappable (`vmap(grad(f))`)."""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from ..eager.functional import gradients
from ..eager.grad_mode import enable_grad
from ..eager.tensor import Tensor
from ..errors import DualgradRuntimeError, user_line
from .args import replace_args, slice_argnums, split_aux, wrap_argnums
from .levels import Level
from .pytree import tree_flatten, tree_unflatten

_API = "grad_and_value(f)(*args)"


def _grad_and_value(func: Callable, argnums, has_aux: bool, args: tuple, kwargs: dict) -> tuple:
    level = Level()
    with enable_grad():
        nums = wrap_argnums(argnums, len(args))
        diff = level.enter_tree(slice_argnums(args, nums))
        output, aux = split_aux(func(*replace_args(args, nums, diff), **kwargs), has_aux, _API)
        if not isinstance(output, Tensor):
            raise DualgradRuntimeError(f"{_API}: Expected f(*args) to return a Tensor, got {type(output)} "
                                       f"{user_line()}")
        if output.dim() != 0:
            raise DualgradRuntimeError(f"{_API}: Expected f(*args) to return a scalar Tensor, got tensor "
                                       f"with {output.dim()} dims. Maybe you wanted to use the vjp or "
                                       f"jacrev APIs instead? {user_line()}")
        flat, spec = tree_flatten(diff)
        grads = gradients(output, tuple(flat), strict=False, create_graph=level.reaches_outside([output]))
    grads = level.settle(tree_unflatten(list(grads), spec))
    output = level.settle(output)
    return (grads, (output, level.settle(aux))) if has_aux else (grads, output)


def grad_and_value(func: Callable, argnums: int | tuple[int, ...] = 0, has_aux: bool = False) -> Callable:
    """A function returning (gradient, value) of scalar `func` at its `argnums` arguments
    (torch.func.grad_and_value); with `has_aux`, (gradient, (value, aux))."""
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any):
        return _grad_and_value(func, argnums, has_aux, args, kwargs)

    return wrapper


def grad(func: Callable, argnums: int | tuple[int, ...] = 0, has_aux: bool = False) -> Callable:
    """A function returning the gradient of scalar `func` with respect to its `argnums`
    arguments, shaped as they are (torch.func.grad); with `has_aux`, (gradient, aux)."""
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any):
        grads, value = _grad_and_value(func, argnums, has_aux, args, kwargs)
        return (grads, value[1]) if has_aux else grads

    return wrapper
