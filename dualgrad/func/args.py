"""Which positional arguments a transform differentiates (`argnums`), with torch.func's
checks and texts."""
from __future__ import annotations

from typing import Any

from ..errors import DualgradRuntimeError, user_line


def _wrap_argnum(argnum: Any, num_args: int) -> int:
    if not isinstance(argnum, int) or isinstance(argnum, bool):
        raise DualgradRuntimeError(f"argnum must be int, got: {type(argnum)} {user_line()}")
    if 0 <= argnum < num_args:
        return argnum
    if -num_args <= argnum < 0:
        return argnum + num_args
    raise DualgradRuntimeError(f"Got argnum={argnum}, but only {num_args} positional inputs {user_line()}")


def wrap_argnums(argnums: Any, num_args: int) -> int | tuple[int, ...]:
    """`argnums` with negative positions resolved, checked as torch.func checks it."""
    if isinstance(argnums, tuple):
        if not argnums:
            raise DualgradRuntimeError(f"argnums must be non-empty {user_line()}")
        wrapped = tuple(_wrap_argnum(a, num_args) for a in argnums)
        if len(set(wrapped)) != len(wrapped):
            raise DualgradRuntimeError(f"argnums elements must be unique, got {argnums} {user_line()}")
        return wrapped
    if isinstance(argnums, int) and not isinstance(argnums, bool):
        return _wrap_argnum(argnums, num_args)
    raise DualgradRuntimeError(f"argnums must be int or Tuple[int, ...], got: {type(argnums)} {user_line()}")


def slice_argnums(args: tuple, argnums: int | tuple[int, ...]) -> Any:
    """The differentiated argument (an int `argnums`) or the tuple of them."""
    if isinstance(argnums, int):
        return args[argnums]
    return tuple(args[i] for i in argnums)


def replace_args(args: tuple, argnums: int | tuple[int, ...], new: Any) -> tuple:
    """`args` with the differentiated ones replaced by `new` (as `slice_argnums` gave them)."""
    if isinstance(argnums, int):
        return tuple(new if i == argnums else a for i, a in enumerate(args))
    put = dict(zip(argnums, new, strict=True))
    return tuple(put.get(i, a) for i, a in enumerate(args))


def split_aux(output: Any, has_aux: bool, api: str) -> tuple[Any, Any]:
    """(output, aux) of a function called with `has_aux`; (output, None) without it."""
    if not has_aux:
        return output, None
    if not (isinstance(output, tuple) and len(output) == 2):
        raise DualgradRuntimeError(f"{api}: output of function f should be a tuple: (output, aux) "
                                   f"if has_aux is True {user_line()}")
    return output
