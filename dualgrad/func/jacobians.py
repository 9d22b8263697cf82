"""`jacrev`, `jacfwd` and `hessian` (torch.func's), built as torch builds them: a vjp (or jvp)
mapped with `vmap` over the rows of an identity basis. Jacobians are shaped
`output.shape + input.shape`, nested as output structure outside, argnums/input structure
inside."""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from ..eager.creation import eye
from ..eager.tensor import Tensor
from ..errors import DualgradValueError, user_line
from .args import replace_args, slice_argnums, wrap_argnums
from .pytree import tree_flatten, tree_unflatten
from .vjp_jvp import jvp, tensor_outputs, vjp
from .vmap import vmap


def _basis(like: list) -> list:
    """Rows of one identity over all the tensors in `like`: tensor k gets (total, *shape_k)."""
    sizes = [t.numel() for t in like]
    total, out, start = sum(sizes), [], 0
    for t, n in zip(like, sizes, strict=True):
        rows = eye(total, dtype=t.dtype, device=t.device)[:, start:start + n]
        out.append(rows.reshape((total, *tuple(t.shape))))
        start += n
    return out


def _blocks(stacked: Tensor, like: list) -> list:
    """`stacked` (total, *rest) cut along its first dim into one block per tensor of `like`,
    each (*like_k.shape, *rest)."""
    out, start = [], 0
    for t in like:
        n = t.numel()
        out.append(stacked[start:start + n].reshape((*tuple(t.shape), *tuple(stacked.shape[1:]))))
        start += n
    return out


def _check_chunk(api: str, chunk_size: int | None) -> None:
    if chunk_size is not None and chunk_size <= 0:
        raise DualgradValueError(f"{api}: `chunk_size` should be greater than 0. {user_line()}")


def _with_argnums(func: Callable, argnums, args: tuple) -> tuple[Callable, tuple, bool]:
    """(func of the differentiated args only, those args as a tuple, whether argnums is one int)."""
    nums = wrap_argnums(argnums, len(args))
    single = isinstance(nums, int)
    diff = slice_argnums(args, nums)

    def partial(*d: Any):
        return func(*replace_args(args, nums, d[0] if single else d))

    return partial, (diff,) if single else diff, single


def jacrev(func: Callable, argnums: int | tuple[int, ...] = 0, *, has_aux: bool = False,
           chunk_size: int | None = None, _preallocate_and_copy: bool = False) -> Callable:
    """A function returning d func / d args[argnums] by reverse mode, one vjp per output
    element (torch.func.jacrev); `chunk_size` changes nothing here."""
    _check_chunk("jacrev", chunk_size)

    @functools.wraps(func)
    def wrapper(*args: Any):
        partial, diff, single = _with_argnums(func, argnums, args)
        out, vjp_fn, *aux = vjp(partial, *diff, has_aux=has_aux)
        flat_out, out_spec = tensor_outputs(out, "jacrev")
        rows = vmap(vjp_fn)(tree_unflatten(_basis(flat_out), out_spec))  # a tuple, one per arg
        flat_rows, in_spec = tree_flatten(rows)
        per_out = [[] for _ in flat_out]
        for r in flat_rows:
            for k, block in enumerate(_blocks(r, flat_out)):
                per_out[k].append(block)
        jac = [tree_unflatten(cols, in_spec) for cols in per_out]
        jac = tree_unflatten([j[0] if single else j for j in jac], out_spec)
        return (jac, aux[0]) if has_aux else jac

    return wrapper


def jacfwd(func: Callable, argnums: int | tuple[int, ...] = 0, has_aux: bool = False, *,
           randomness: str = "error") -> Callable:
    """A function returning d func / d args[argnums] by forward mode, one jvp per input
    element (torch.func.jacfwd)."""
    @functools.wraps(func)
    def wrapper(*args: Any):
        partial, diff, single = _with_argnums(func, argnums, args)
        flat_in, in_spec = tree_flatten(diff)

        def push(*tangents: Tensor):
            return jvp(partial, diff, tree_unflatten(list(tangents), in_spec), has_aux=has_aux)

        dims = (None, 0, None) if has_aux else (None, 0)
        out, columns, *aux = vmap(push, out_dims=dims, randomness=randomness)(*_basis(flat_in))
        flat_out, out_spec = tensor_outputs(out, "jacfwd")
        flat_cols = tree_flatten(columns)[0]
        jac = []
        for o, col in zip(flat_out, flat_cols, strict=True):
            od = o.dim()
            blocks = [b.movedim(tuple(range(x.dim())), tuple(range(od, od + x.dim())))
                      for b, x in zip(_blocks(col, flat_in), flat_in, strict=True)]
            inner = tree_unflatten(blocks, in_spec)
            jac.append(inner[0] if single else inner)
        jac = tree_unflatten(jac, out_spec)
        return (jac, aux[0]) if has_aux else jac

    return wrapper


def hessian(func: Callable, argnums: int | tuple[int, ...] = 0) -> Callable:
    """The Hessian of scalar `func` at args[argnums]: jacfwd of jacrev, as torch.func.hessian."""
    return jacfwd(jacrev(func, argnums), argnums)
