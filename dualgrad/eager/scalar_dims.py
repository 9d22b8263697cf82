"""PyTorch's rule for a dim of a 0-d tensor: 0 and -1 name its one element.

`torch.tensor(2.).sum(0)`, `.softmax(-1)`, `.cumsum(0)`, `.sort(0)` and `.transpose(0, -1)` all
work in PyTorch and give a 0-d result. numpy, jax and TF1 refuse any axis on a 0-d array, and
the registry's shape rules follow them (a static graph refuses at build time, as TF1 does). So
the eager functions that PyTorch runs on 0-d tensors take it here: the function runs on the
tensor as shape (1,), and its results get shape () back. Every kernel and both backends then
see only dims that exist, and the gradient flows through the two reshapes. (PyTorch refuses a
dim of a 0-d tensor in unbind, narrow, roll, split, chunk, diff and repeat_interleave; those
raise here too.)
"""
from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from types import SimpleNamespace

from .. import ops
from ..errors import IndexShapeError
from ..ops import Spec, specs
from ..ops.registry import shape_error
from .bind import as_eager_error
from .tensor import Tensor, stored


def one_element_dims(*names: str, always: bool = False) -> Callable:
    """Decorate an eager function whose parameters `names` are dims of its first argument.

    On a 0-d tensor with a dim given (or always, with `always=True`: softmax's dim defaults
    to the last), the dims are checked against one dim (0 or -1, each once) and the function
    runs on the tensor as shape (1,). Any other call goes straight through."""

    def decorate(fn: Callable) -> Callable:
        params = list(inspect.signature(fn).parameters)
        first = params[0]
        where = [(params.index(n), n) for n in names]
        label = SimpleNamespace(name=fn.__name__)  # the errors name the user's function

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            input = args[0] if args else kwargs.get(first)
            if type(input) is Tensor:  # (the hot path; a lazy tensor's ndim is known uncomputed)
                if input._data.ndim:
                    return fn(*args, **kwargs)
            elif not isinstance(input, Tensor) or stored(input).ndim:
                return fn(*args, **kwargs)
            dims = [args[i] if i < len(args) else kwargs.get(n) for i, n in where]
            given = [d for d in dims if d is not None and not isinstance(d, Tensor)]
            if not (given or always):
                return fn(*args, **kwargs)
            for d in given:
                _check(label, d)
            one = ops.reshape(input, shape=(1,))
            if args:
                args = (one, *args[1:])
            else:
                kwargs = {**kwargs, first: one}
            return _as_scalar(fn(*args, **kwargs))

        return wrapper

    return decorate


def _check(label, dim) -> None:
    """A dim of a 0-d tensor: 0 or -1 (a sequence names each at most once), as in PyTorch."""
    where = [Spec((), None)]
    items = specs.axis_tuple(label, dim, where)
    bad = [a for a in items if a not in (0, -1)]
    if bad:
        raise shape_error(label, where, f"Dimension out of range (expected to be in range of [-1, 0], "
                          f"but got {bad[0]})", IndexShapeError)
    if len(items) > 1:
        raise as_eager_error(shape_error(label, where, f"dim 0 appears multiple times in the list of "
                                         f"dims {items}"))


def _as_scalar(out):
    """The results of a one-element run back in shape () (tuples such as (values, indices)
    element by element; an empty result, as `topk(0)`, keeps its shape)."""
    if isinstance(out, tuple):
        return type(out)(*map(_as_scalar, out)) if hasattr(out, "_fields") else tuple(map(_as_scalar, out))
    if isinstance(out, Tensor) and tuple(out.shape) == (1,):
        return ops.reshape(out, shape=())
    return out
