"""TF1's run-time assertions: `ds.Assert` and `ds.assert_equal`, `assert_less`,
`assert_greater`, `assert_non_negative`, `assert_positive`, `assert_rank` (also under
`ds.debugging`).

An assertion is a guard tensor under the graph's numerics checks (as `check_numerics`, and as
`ds.case` guards its predicates): NaN where the condition fails, so the run that computes it
raises `ds.errors.InvalidArgumentError` (TF1's class) before it commits anything, naming the
data and where the assertion was made. The returned Operation runs the guard: fetch it, or
make other ops wait on it with `ds.control_dependencies`, as in TF1.

The message holds the data's strings and constants as they are, and names each other tensor
(its name, dtype and shape): its values exist only inside the run.
"""

from __future__ import annotations

import math

import numpy as np

from .. import ops
from ..errors import DTypeError, InvalidArgumentError, ShapeError, user_line
from .api import _tensor, check_numerics, equal, greater, greater_equal, less
from .graph import Operation, Tensor, get_default_graph
from .tf_ops import rank as _rank
from .tf_ops import reduce_all

__all__ = [
    "Assert",
    "assert_equal",
    "assert_greater",
    "assert_less",
    "assert_non_negative",
    "assert_positive",
    "assert_rank",
]


class AssertMessage(str):
    """The numerics-check message of an assertion's guard: a failed run raises `failure()`
    (InvalidArgumentError with this text) instead of check_numerics' NumericsError."""

    def failure(self) -> InvalidArgumentError:
        return InvalidArgumentError(str(self))


def _render(item, summarize: int | None) -> str:
    """One entry of `data` in the message: a string as it is, a constant's values, else the
    tensor named."""
    if isinstance(item, (str, bytes)):
        return item.decode() if isinstance(item, bytes) else item
    if isinstance(item, Tensor):
        if item.op.type == "Const":
            item = item.op.attrs["value"]
        else:
            return f"<{item.name}: {item.dtype.name} of shape {item.shape}; its values exist only in the run>"
    values = np.asarray(item)
    limit = 3 if summarize is None else summarize
    flat = values.reshape(-1)
    shown = " ".join(str(v) for v in flat[:limit]) + (" ..." if flat.size > limit else "")
    return f"[{shown}]" if values.ndim else shown


def Assert(condition, data, summarize: int | None = None, name: str | None = None) -> Operation:  # noqa: N802
    """An op that fails the run (InvalidArgumentError, naming `data`) when any element of
    `condition` is False (tf.Assert). Fetch it or put it under `ds.control_dependencies`."""
    return _assert("Assert", condition, data, summarize, name)


def _assert(api: str, condition, data, summarize, name) -> Operation:
    cond = _tensor(condition)
    if not cond.dtype.is_bool:
        raise DTypeError(f"ds.{api}: condition must be a bool tensor, got {cond.dtype.name} {user_line()}")
    if isinstance(data, (str, bytes, Tensor)) or not isinstance(data, (list, tuple)):
        raise DTypeError(f"ds.{api}: data must be a list of tensors and strings, got {data!r} {user_line()}")
    if summarize is not None and (isinstance(summarize, bool) or not isinstance(summarize, int)):
        raise DTypeError(f"ds.{api}: summarize must be an int or None, got {summarize!r} {user_line()}")
    text = " ".join(f"[{_render(d, summarize)}]" for d in data)
    message = AssertMessage(f"assertion failed: {text} (ds.{api} made {user_line()[1:-1]})")
    graph = get_default_graph()
    with graph.name_scope(name or api):
        ok = reduce_all(cond) if cond.shape != () else cond
        guard = check_numerics(ops.where(ok, 0.0, math.nan), message)
        from .variables import group

        return group(guard, name="Assert")


def _binary(api: str, symbol: str, test, x, y, data, summarize, message, name) -> Operation:
    x, y = _tensor(x), _tensor(y)
    if data is None:
        data = [f"Condition x {symbol} y did not hold element-wise:", f"x ({x.name}) = ", x,
                f"y ({y.name}) = ", y]
    if message is not None:
        data = [message, *data]
    return _assert(api, test(x, y), data, summarize, name)


def _unary(api: str, symbol: str, test, x, data, summarize, message, name) -> Operation:
    x = _tensor(x)
    if data is None:
        data = [f"Condition x {symbol} did not hold element-wise:", f"x ({x.name}) = ", x]
    if message is not None:
        data = [message, *data]
    return _assert(api, test(x), data, summarize, name)


def assert_equal(x, y, data=None, summarize=None, message=None, name=None) -> Operation:
    """Fails the run unless x == y everywhere (broadcasting; tf.assert_equal)."""
    return _binary("assert_equal", "==", equal, x, y, data, summarize, message, name)


def assert_less(x, y, data=None, summarize=None, message=None, name=None) -> Operation:
    """Fails the run unless x < y everywhere (tf.assert_less)."""
    return _binary("assert_less", "<", less, x, y, data, summarize, message, name)


def assert_greater(x, y, data=None, summarize=None, message=None, name=None) -> Operation:
    """Fails the run unless x > y everywhere (tf.assert_greater)."""
    return _binary("assert_greater", ">", greater, x, y, data, summarize, message, name)


def assert_non_negative(x, data=None, summarize=None, message=None, name=None) -> Operation:
    """Fails the run unless x >= 0 everywhere (tf.assert_non_negative)."""
    return _unary("assert_non_negative", ">= 0", lambda v: greater_equal(v, 0), x, data, summarize,
                  message, name)


def assert_positive(x, data=None, summarize=None, message=None, name=None) -> Operation:
    """Fails the run unless x > 0 everywhere (tf.assert_positive)."""
    return _unary("assert_positive", "> 0", lambda v: greater(v, 0), x, data, summarize, message, name)


def assert_rank(x, rank, data=None, summarize=None, message=None, name=None) -> Operation:
    """x has rank `rank` (tf.assert_rank): checked now when x's rank is known (a ValueError
    at the user's line, as TF1), else when the graph runs."""
    api = "assert_rank"
    x = _tensor(x)
    if isinstance(rank, bool) or not isinstance(rank, (int, np.integer)):
        raise DTypeError(f"ds.{api}: rank must be an int (known when the graph is built), got {rank!r} "
                         f"{user_line()}")
    if x.shape is not None:
        if len(x.shape) != rank:
            prefix = f"{message} " if message else ""
            raise ShapeError(f"ds.{api}: {prefix}Tensor {x.name} must have rank {int(rank)}. Received rank "
                             f"{len(x.shape)}, shape {x.shape} {user_line()}")
        from .variables import no_op

        return no_op(name=name or api)
    if data is None:
        data = [f"Tensor {x.name} must have rank", int(rank)]
    if message is not None:
        data = [message, *data]
    return _assert(api, equal(_rank(x), np.int32(rank)), data, summarize, name)

