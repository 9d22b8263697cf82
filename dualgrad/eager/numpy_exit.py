"""The ways out of a tensor to numpy: `numpy()` and `__array__` with numpy 2's copy protocol.

PyTorch's rules: a tensor that requires grad (outside `no_grad`) refuses both, since an array
cut from the graph loses its gradient silently; `numpy()` and `np.asarray(t)` share a CPU
tensor's memory; `np.array(t)` copies. numpy 2 passes `copy=True` (a fresh array is
required), `None` (share if possible) or `False` (a copy is an error). jax arrays are
immutable device buffers: what comes out of them is a read-only snapshot or a fresh copy,
never a writable alias that would silently stop matching the tensor.
"""
from __future__ import annotations

import numpy as np

from ..backend import to_numpy
from ..errors import CopyRequiredError, GraphError, user_line
from . import grad_mode
from .storage_writes import expose

NUMPY_REQUIRES_GRAD = ("Can't call numpy() on Tensor that requires grad. "
                       "Use tensor.detach().numpy() instead.")


def check_no_grad(t, force: bool = False) -> None:
    if t._requires_grad and grad_mode.state.enabled and not force:
        raise GraphError(NUMPY_REQUIRES_GRAD)  # SPEC §2 fixes this text (PyTorch's)


def _snapshot(data) -> np.ndarray:
    """A read-only host array of a jax array (writing into it would change nothing)."""
    a = to_numpy(data)  # waits first: a failed (out of memory) buffer must not reach numpy
    if a.flags.writeable:
        a.flags.writeable = False
    return a


def host_array(data) -> np.ndarray:
    """`t.numpy()`: the numpy array itself (shared memory), or a jax array's read-only snapshot."""
    if isinstance(data, np.ndarray):
        expose(data)
        return data
    if isinstance(data, np.generic):
        return np.asarray(data)
    return _snapshot(data)


def array_protocol(data, dtype=None, copy: bool | None = None) -> np.ndarray:
    """`__array__(dtype, copy)` by numpy 2's protocol."""
    want = None if dtype is None else np.dtype(dtype)
    on_host = isinstance(data, np.ndarray)
    if copy:
        return np.array(data if on_host else to_numpy(data), dtype=want, copy=True)
    if copy is False:
        if not on_host:
            raise CopyRequiredError(f"Unable to avoid copy while creating an array as requested: the "
                                    f"tensor is on a jax device, not in host memory {user_line()}")
        if want is not None and want != data.dtype:
            raise CopyRequiredError(f"Unable to avoid copy while creating an array as requested: the "
                                    f"tensor is {data.dtype}, not {want} {user_line()}")
        expose(data)
        return data
    a = data if on_host else _snapshot(data)
    if want is None or want == a.dtype:
        if on_host:
            expose(a)
        return a
    return a.astype(want)
