"""`vjp` and `jvp` (torch.func's) over pytrees of tensors. The vjp keeps its graph so the
returned `vjp_fn` can be called many times (jacrev calls it once per output element); the jvp
is the double-vjp trick of `autograd.functional.jvp` (J v = d/du <u^T J, v>), made nestable."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..eager.creation import zeros_like
from ..eager.engine import grad as autograd_grad
from ..eager.functional import gradients
from ..eager.grad_mode import enable_grad
from ..eager.tensor import Tensor
from ..errors import DualgradRuntimeError, user_line
from .args import split_aux
from .levels import Level
from .pytree import tree_flatten, tree_unflatten

_JVP = "jvp(f, primals, tangents)"


def tensor_outputs(output: Any, api: str) -> tuple[list, Any]:
    """(flat outputs, spec) of f's output, refusing an empty one or one holding a non-tensor."""
    flat, spec = tree_flatten(output)
    if not flat:
        raise DualgradRuntimeError(f"{api}: Expected f to be a function that has non-empty output (got "
                                   f"output = {output}) {user_line()}")
    for o in flat:
        if not isinstance(o, Tensor):
            raise DualgradRuntimeError(f"{api}: expected f(*primals) to return only tensors, got "
                                       f"unsupported type {type(o)} {user_line()}")
    return flat, spec


def _tensors_only(flat: list, api: str, argname: str) -> None:
    if not flat:
        raise DualgradRuntimeError(f"{api}: Expected {argname} to contain at least one Tensor. {user_line()}")
    for t in flat:
        if not isinstance(t, Tensor):
            raise DualgradRuntimeError(f"{api}: Expected {argname} to only contain Tensors, got {type(t)} "
                                       f"{user_line()}")


def _needs_grad(level: Level, flat: list) -> bool:
    return level.enabled and any(isinstance(t, Tensor) and t.requires_grad for t in flat)


def vjp(func: Callable, *primals: Any, has_aux: bool = False) -> tuple:
    """(func(*primals), vjp_fn) where vjp_fn(cotangents) is the tuple of cotangents^T J, one per
    primal (torch.func.vjp); with `has_aux`, (output, vjp_fn, aux)."""
    level = Level()
    with enable_grad():
        diff = level.enter_tree(primals)
        out, aux = split_aux(func(*diff), has_aux, "vjp(f, *primals)")
        flat_out, out_spec = tensor_outputs(out, "vjp(f, *primals)")
        for o in flat_out:
            if not o.dtype.is_floating_point:
                raise DualgradRuntimeError(f"vjp(f, ...): All outputs of f must be floating-point or complex "
                                           f"Tensors, got Tensor with dtype {o.dtype} {user_line()}")
    flat_in, in_spec = tree_flatten(diff)

    def vjp_fn(cotangents: Any, retain_graph: bool = True, create_graph: bool | None = None) -> tuple:
        """cotangents^T J for each primal; `cotangents` is shaped as func's output."""
        flat_ct, ct_spec = tree_flatten(cotangents)
        if ct_spec != out_spec:
            raise DualgradRuntimeError(
                f"Expected pytree structure of cotangents to be the same as pytree structure of outputs "
                f"to the function. cotangents: {ct_spec}, primal output: {out_spec} {user_line()}")
        with enable_grad():
            keep = level.reaches_outside(flat_out) or _needs_grad(level, flat_ct)
            grads = gradients(tuple(flat_out), tuple(flat_in), tuple(flat_ct), strict=False,
                              create_graph=keep)
        return level.settle(tree_unflatten(list(grads), in_spec))

    result = (level.settle(out), vjp_fn)
    return (*result, level.settle(aux)) if has_aux else result


def jvp(func: Callable, primals: Any, tangents: Any, *, strict: bool = False, has_aux: bool = False) -> tuple:
    """(func(*primals), J tangents), the forward derivative along `tangents`
    (torch.func.jvp); with `has_aux`, (output, jvp_out, aux)."""
    if not isinstance(primals, tuple):
        raise DualgradRuntimeError(f"{_JVP}: Expected primals to be a tuple. E.g. it should be valid to "
                                   f"call f(*primals). {user_line()}")
    flat_p, p_spec = tree_flatten(primals)
    flat_t, t_spec = tree_flatten(tangents)
    if p_spec != t_spec:
        raise DualgradRuntimeError(
            f"{_JVP}: Expected primals and tangents to have the same python structure. For example, if "
            f"primals is a tuple of 3 tensors, tangents also must be. Got primals with structure {p_spec} "
            f"and tangents with structure {t_spec} {user_line()}")
    _tensors_only(flat_p, _JVP, "primals")
    _tensors_only(flat_t, _JVP, "tangents")
    for p, t in zip(flat_p, flat_t, strict=True):
        if tuple(p.shape) != tuple(t.shape):
            raise DualgradRuntimeError(f"{_JVP}: Expected primals and tangents to have the same shapes, got "
                                       f"{tuple(p.shape)} and {tuple(t.shape)} {user_line()}")
    level = Level()
    with enable_grad():
        diff = level.enter_tree(primals)
        out, aux = split_aux(func(*diff), has_aux, _JVP)
        flat_out, out_spec = tensor_outputs(out, _JVP)
        if strict and not all(o.requires_grad for o in flat_out):
            raise DualgradRuntimeError(f"{_JVP[:-1]}, strict=True): The output of f is independent of the "
                                       f"inputs. This is not allowed with strict=True. {user_line()}")
        seeds = [level.zeros_for(o) if o.dtype.is_floating_point else zeros_like(o) for o in flat_out]
        g = gradients(tuple(flat_out), tuple(tree_flatten(diff)[0]), tuple(seeds), strict=False,
                      create_graph=True)
        keep = level.reaches_outside(flat_out) or _needs_grad(level, flat_t)
        live = [(gi, ti) for gi, ti in zip(g, flat_t, strict=True) if gi.requires_grad]
        wanted = [u for u in seeds if u.requires_grad]
        found = iter(autograd_grad([gi for gi, _ in live], wanted, grad_outputs=[ti for _, ti in live],
                                   create_graph=keep, allow_unused=True, materialize_grads=True)
                     if live and wanted else [zeros_like(u) for u in wanted])
        jv = [next(found) if u.requires_grad else zeros_like(u) for u in seeds]
    result = (level.settle(out), level.settle(tree_unflatten(jv, out_spec)))
    return (*result, level.settle(aux)) if has_aux else result
