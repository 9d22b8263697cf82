"""`vmap` (torch.func.vmap, also `dg.vmap`): `func` mapped over a batch dimension.

dualgrad has no batching rules: the mapped function runs once per slice of the batch, with
each batched argument's slice `x.select(in_dim, i)`, and the results are stacked at `out_dims`.
The numbers are what torch.func gives; the speed is a Python loop's. Because every slice runs
as ordinary eager code, anything composes (`vmap(grad(f))`, `grad` of a vmapped function,
nested vmaps), and gradients flow through the slicing and stacking."""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from ..eager.api import stack
from ..eager.tensor import Tensor
from ..errors import DualgradValueError, user_line
from .pytree import TreeSpec, broadcast_prefix, tree_flatten, tree_unflatten
from .randomness import check_mode, slices


def _name(func: Callable) -> str:
    if hasattr(func, "__name__"):
        return func.__name__
    if isinstance(func, functools.partial):
        return f"functools.partial({_name(func.func)}, ...)"
    return repr(func)


def _fail(text: str) -> DualgradValueError:
    return DualgradValueError(f"{text} {user_line()}")


def _batched_inputs(func: Callable, in_dims: Any, args: tuple) -> tuple[int, list, list, TreeSpec]:
    """(batch size, one in_dim per flat argument, the flat arguments, their spec), with
    torch's checks and texts."""
    head = f"vmap({_name(func)}, in_dims={in_dims}, ...)(<inputs>):"
    if not isinstance(in_dims, (int, tuple)):
        raise _fail(f"{head} expected `in_dims` to be int or a (potentially nested) tuple matching the "
                    f"structure of inputs, got: {type(in_dims)}.")
    if not args:
        raise _fail(f"vmap({_name(func)})(<inputs>): got no inputs. Maybe you forgot to add inputs, or you "
                    f"are trying to vmap over a function with no inputs. The latter is unsupported.")
    flat_args, spec = tree_flatten(args)
    dims = broadcast_prefix(in_dims, spec)
    if dims is None:
        raise _fail(f"{head} in_dims is not compatible with the structure of `inputs`. in_dims has structure "
                    f"{tree_flatten(in_dims, none_is_leaf=True)[1]} but inputs has structure {spec}.")
    for i, (arg, d) in enumerate(zip(flat_args, dims, strict=True)):
        if d is None:
            continue
        if not isinstance(d, int) or isinstance(d, bool):
            raise _fail(f"{head} Got in_dim={d} for an input but in_dim must be either an integer "
                        f"dimension or None.")
        if not isinstance(arg, Tensor):
            raise _fail(f"{head} Got in_dim={d} for an input but the input is of type {type(arg)}. We "
                        f"cannot vmap over non-Tensor arguments, please use None as the respective in_dim")
        if not -arg.dim() <= d < arg.dim():
            raise _fail(f"{head} Got in_dim={d} for some input, but that input is a Tensor of "
                        f"dimensionality {arg.dim()} so expected in_dim to satisfy "
                        f"-{arg.dim()} <= in_dim < {arg.dim()}.")
        dims[i] = d % arg.dim()
    sizes = [arg.shape[d] for arg, d in zip(flat_args, dims, strict=True) if d is not None]
    if not sizes:
        raise _fail("vmap: Expected at least one Tensor to vmap over")
    if any(s != sizes[0] for s in sizes):
        raise _fail(f"vmap: Expected all tensors to have the same size in the mapped dimension, got sizes "
                    f"{sizes} for the mapped dimension")
    if sizes[0] == 0:
        raise _fail(f"{head} the mapped dimension has size 0; dualgrad's vmap runs the function once per "
                    f"slice, so it needs at least one")
    return sizes[0], dims, flat_args, spec


def _check_out_dims(func: Callable, out_dims: Any) -> None:
    leaves, _ = tree_flatten(out_dims, none_is_leaf=True)
    if any(d is not None and (not isinstance(d, int) or isinstance(d, bool)) for d in leaves):
        raise _fail(f"vmap({_name(func)}, ..., out_dims={out_dims}): `out_dims` must be an int, None or a "
                    f"python collection of ints representing where in the outputs the vmapped dimension "
                    f"should appear.")


def _stacked(func: Callable, out_dims: Any, results: list) -> Any:
    """The per-slice results stacked at `out_dims` (an out_dim of None: the first slice's)."""
    flat, spec = tree_flatten(results[0])
    rows = [flat]
    for r in results[1:]:
        more, more_spec = tree_flatten(r)
        if more_spec != spec:
            raise _fail(f"vmap({_name(func)}, ...): `{_name(func)}` returned outputs of different structure "
                        f"for different slices ({spec} and {more_spec}); dualgrad's vmap stacks them")
        rows.append(more)
    if isinstance(results[0], Tensor) and isinstance(out_dims, tuple) and len(out_dims) == 1:
        dims = list(out_dims)
    else:
        dims = broadcast_prefix(out_dims, spec)
    if dims is None or len(dims) != len(flat):
        raise _fail(f"vmap({_name(func)}, ..., out_dims={out_dims})(<inputs>): out_dims is not compatible "
                    f"with the structure of `outputs`. out_dims has structure "
                    f"{tree_flatten(out_dims, none_is_leaf=True)[1]} but outputs has structure {spec}.")
    out = []
    for j, d in enumerate(dims):
        if d is None:
            out.append(flat[j])
            continue
        column = [row[j] for row in rows]
        if not isinstance(flat[j], Tensor):
            raise _fail(f"vmap({_name(func)}, ...): `{_name(func)}` must only return Tensors, got type "
                        f"{type(flat[j])}. Did you mean to set out_dims= to None for output?")
        out.append(stack(column, dim=d))
    return tree_unflatten(out, spec)


def vmap(func: Callable, in_dims: Any = 0, out_dims: Any = 0, randomness: str = "error", *,
         chunk_size: int | None = None) -> Callable:
    """`func` mapped over dimension `in_dims` of its arguments, results stacked at `out_dims`
    (torch.func.vmap); run as a loop over the slices, which `chunk_size` does not change."""
    check_mode(randomness)
    _check_out_dims(func, out_dims)
    if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size <= 0):
        raise _fail(f"vmap: chunk_size should be None or greater than 0. (got {chunk_size})")

    @functools.wraps(func)
    def wrapped(*args: Any, **kwargs: Any):
        size, dims, flat_args, spec = _batched_inputs(func, in_dims, args)
        results = []
        with slices(randomness, size) as numbers:
            for i in numbers:
                parts = [a if d is None else a.select(d, i) for a, d in zip(flat_args, dims, strict=True)]
                results.append(func(*tree_unflatten(parts, spec), **kwargs))
        return _stacked(func, out_dims, results)

    return wrapped
