"""Compiled steps whose tensors live on the jax device stay there, call after call.

An eager step on jax-device tensors (`device='jax'`, `'cuda'`) compiles to one program like
a numpy-backed one, but its values never visit the host: a parameter the step updated is
rebound to the Session's new array (jax arrays are immutable; an eager in-place update on
jax rebinds too), a tensor changed outside the step is loaded as the array it holds, and the
step's outputs and new `.grad`s are assigned to Variables and read from the Session instead
of fetched (a fetch converts to numpy). Such a Session does not donate buffers: an eager
tensor, or an alias made with `.detach()`, may still hold an array that donation would
delete.
"""
from __future__ import annotations

import numpy as np

from ..backend import is_jax_array, to_numpy
from ..errors import Untraceable
from ..static.graph import Tensor as GraphTensor
from ..static.variables import Variable


def on_device(tensors) -> bool:
    """Whether any of the eager tensors holds a jax array."""
    return any(is_jax_array(t._data) for t in tensors)


def load(session, values: dict) -> None:
    """Set variables' values; a jax array of the variable's dtype and shape is kept as it is
    (no trip through the host), anything else goes through `set_values`' conversion."""
    staged, host = {}, {}
    for var, value in values.items():
        if is_jax_array(value) and value.dtype == var.dtype.np and tuple(value.shape) == tuple(var.shape):
            staged[var] = value
        else:
            host[var] = value
    if host:
        session.set_values(host)
    if staged:
        with session._lock:
            session._values.update(staged)


def kept_on_device(session, fetches: list) -> list:
    """Replace each graph tensor among `fetches` by the op assigning it to a fresh Variable;
    returns, per fetch, the Variable to read its value from afterwards (None: not a tensor)."""
    reads, initial = [], {}
    with session.graph.as_default():
        for i, f in enumerate(fetches):
            if not isinstance(f, GraphTensor):
                reads.append(None)
                continue
            if f.shape is None or any(d is None for d in f.shape):
                raise Untraceable(f"a result of the step has no static shape ({f.shape})")
            out = Variable(np.zeros(f.shape, f.dtype.np), trainable=False)
            initial[out] = np.zeros(f.shape, f.dtype.np)
            fetches[i] = out.assign(f).op
            reads.append(out)
    session.set_values(initial)
    return reads


def read(session, reads: list, values: list) -> list:
    """The call's results: each kept one read from its Variable (the Session's jax array)."""
    with session._lock:
        return [v if var is None else session._values[var] for var, v in zip(reads, values, strict=True)]


def like_tensor(t, value, waits: bool):
    """`value` for the eager tensor `t`: the jax array itself for a jax-device `t`, else a
    numpy view (the sync then copies it into `t`'s storage). `waits`: the run may not have
    finished (an asynchronous Session), so the value is waited for first: converting a
    buffer that failed for memory would abort the process, waiting raises."""
    if is_jax_array(t._data):
        return value
    return to_numpy(value) if waits else np.asarray(value)
