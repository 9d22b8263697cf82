"""`Session.make_callable`: TF1's prepared call, whose fetch structure and feed keys are fixed
when it is made, so a call finds its compiled call shape by its values' shapes and dtypes
alone - first by checking numpy values against the last new call shape (as `Session.run`
checks its feeds), then by a key of (shape, dtype) pairs; a new shape goes through the
Session's own checks (`_runner_for`)."""
from __future__ import annotations

import numpy as np

from ..errors import DTypeError, user_line
from .feeds import feed_array
from .graph import Operation, Tensor
from .sparse_tensor import SparseTensor
from .variables import Variable

LEAVES = frozenset({Tensor, Variable, Operation, str})  # exact types: the hot-path key test


def prepared_callable(session, fetches, feed_list=()):
    """A function `f(*feed_values)` equivalent to `run(fetches, dict(zip(feed_list,
    feed_values)))` (TF1's `Session.make_callable`). It finds its compiled call shape by
    the values' shapes and dtypes alone (the fetch structure and feed keys are fixed),
    first by checking numpy values against the last new call shape: cheaper per call
    than `run`, with the same checks when a shape is first seen."""
    if isinstance(feed_list, (str, Tensor)) or not isinstance(feed_list, (list, tuple)):
        raise DTypeError(f"Session.make_callable: feed_list must be a list of tensors, got "
                         f"{type(feed_list).__name__} {user_line()}")
    feed_list = list(feed_list)
    n = len(feed_list)
    flat = type(fetches) in (list, tuple) and all(type(f) in LEAVES for f in fetches)
    if not (flat or type(fetches) in LEAVES) or len({id(k) for k in feed_list}) < n \
            or any(isinstance(k, SparseTensor) for k in feed_list):
        return _generic_callable(session, fetches, feed_list)  # nested fetches, a key fed twice, sparse
    if flat:  # fixed now, as TF1's (a later edit of the user's list is not seen)
        fetches = type(fetches)(fetches)
    runners: dict = {}  # the values' (shape, dtype) pairs -> Runner
    # the last new call shape: (its runner, then each value's shape and dtype), checked
    # against the values before any key is built (as `run`'s `_hot_entry`)
    hot: list = [None]

    def call(*values):
        entry = hot[0]
        if entry is not None and len(values) == n:
            for v, shape, dtype in zip(values, entry[1], entry[2], strict=True):
                if type(v) is not np.ndarray or v.dtype is not dtype or v.shape != shape:
                    break
            else:
                return entry[0].call(session, values)
        return general(values)

    def call1(*values):  # one value, unrolled (a loop costs more than the key it saves)
        entry = hot[0]
        if entry is not None and len(values) == 1:
            v = values[0]
            if type(v) is np.ndarray and v.dtype is entry[2][0] and v.shape == entry[1][0]:
                return entry[0].call(session, values)
        return general(values)

    def general(values):
        if len(values) != n:
            raise DTypeError(f"expected {n} feed values, got {len(values)}")
        if n == 1:  # the common case, unrolled
            v = values[0]
            if type(v) is not np.ndarray:
                v = feed_array(v)
            vals = (v,)
            key = (v.shape, v.dtype)
        else:
            vals = [v if type(v) is np.ndarray else feed_array(v) for v in values]
            key = tuple([(v.shape, v.dtype) for v in vals])
        runner = runners.get(key)
        if runner is None:
            runner = session._runner_for(fetches, dict(zip(feed_list, vals, strict=True)), vals, None)
            runners[key] = runner
            if all(type(v) is np.ndarray for v in values):
                hot[0] = (runner, tuple(v.shape for v in vals), tuple(v.dtype for v in vals))
        return runner.call(session, vals)

    return call1 if n == 1 else call

def _generic_callable(session, fetches, feed_list: list):
    def call(*values):
        if len(values) != len(feed_list):
            raise DTypeError(f"expected {len(feed_list)} feed values, got {len(values)}")
        return session.run(fetches, dict(zip(feed_list, values, strict=True)) if feed_list else None)

    return call
