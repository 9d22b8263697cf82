"""Tensors meet other array libraries: DLPack both ways, and numpy's functions on tensors.

* `t.__dlpack__()` / `dg.from_dlpack(x)` exchange memory with torch, jax, numpy, cupy, ...
  without a copy where the devices allow (a CPU tensor shares its numpy buffer; a GPU array
  becomes a 'cuda' tensor holding the jax array). As in PyTorch, a tensor that requires grad
  is not exported: the other library could change it behind autograd's back.
* `np.sum(t)`, `np.mean(t, axis=0)`, `np.std(t)` ... run as registry ops through numpy's
  `__array_function__` protocol, so they return tensors and stay differentiable (numpy's own
  defaults kept: `np.std` has `ddof=0`). Arguments dualgrad cannot honour (`out=`, `where=`,
  `initial=`) raise a TypeError naming the dualgrad call to use. Any other numpy function
  sees the tensor as an array, exactly as without the protocol (`np.asarray(t)`).
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..errors import DTypeError, user_line
from . import api
from .storage_writes import expose
from .tensor import Tensor, wrap

KDL_CPU = 1


def __dlpack__(self: Tensor, *, stream=None, max_version=None, dl_device=None, copy=None):
    """The DLPack capsule of the tensor's buffer (PyTorch's rule: not for a tensor that
    requires grad)."""
    if self._requires_grad:
        raise RuntimeError("Can't export tensors that require gradient, use tensor.detach()")
    data = self._data if hasattr(self._data, "__dlpack__") else np.asarray(self._data)
    if not copy:
        expose(data)  # the consumer may write into the shared memory
    options = {"stream": stream, "max_version": max_version, "dl_device": dl_device, "copy": copy}
    return data.__dlpack__(**{key: value for key, value in options.items() if value is not None})


def __dlpack_device__(self: Tensor) -> tuple[int, int]:
    data = self._data if hasattr(self._data, "__dlpack_device__") else np.asarray(self._data)
    return data.__dlpack_device__()


def from_dlpack(ext) -> Tensor:
    """A tensor sharing memory with `ext` (anything with `__dlpack__`, e.g. a torch tensor or
    a jax array): CPU buffers become 'cpu' tensors, others jax-backed tensors on their device."""
    if isinstance(ext, Tensor):
        return ext
    if not hasattr(ext, "__dlpack__"):
        raise DTypeError(f"from_dlpack: {type(ext).__name__} does not support DLPack (no __dlpack__) "
                         f"{user_line()}")
    device_type, _ = ext.__dlpack_device__()
    if device_type == KDL_CPU:
        data = np.from_dlpack(ext)
        expose(data)  # its producer may write into it
    else:
        import jax.numpy as jnp

        data = jnp.from_dlpack(ext)
    t = wrap(data)
    return t


# -- numpy's functions on tensors ---------------------------------------------------------

def _refuse(name: str, kwargs: dict, allowed: tuple[str, ...]) -> None:
    for key, value in kwargs.items():
        if key in allowed or (key == "out" and value is None):
            continue
        raise TypeError(f"np.{name}(tensor, {key}=...) is not supported on dualgrad tensors: call "
                        f"dg.{name}(tensor, dim=..., keepdim=...) or np.{name}(tensor.detach().numpy(), "
                        f"...) {user_line()}")


def _reduction(name: str, dg_name: str | None = None,
               allowed: tuple[str, ...] = ("axis", "keepdims", "dtype")) -> Callable:
    """`np.<name>(t, axis=, keepdims=, dtype=)` as `dg.<dg_name>(t, dim=, keepdim=)`."""

    def call(a, axis=None, *args, **kwargs):
        if args:
            raise TypeError(f"np.{name}(tensor, ...) on dualgrad tensors takes axis and keywords only "
                            f"{user_line()}")
        _refuse(name, kwargs, allowed)
        dtype = kwargs.get("dtype")
        x = a if dtype is None else a.to(np.dtype(dtype))
        axis = tuple(axis) if isinstance(axis, list) else axis
        return getattr(api, dg_name or name)(x, dim=axis, keepdim=bool(kwargs.get("keepdims", False)))

    return call


NUMPY_FUNCTIONS: dict[Callable, Callable] = {
    np.sum: _reduction("sum"),
    np.mean: _reduction("mean"),
    np.prod: _reduction("prod"),
    np.max: _reduction("max", "amax", allowed=("axis", "keepdims")),
    np.amax: _reduction("amax", allowed=("axis", "keepdims")),
    np.min: _reduction("min", "amin", allowed=("axis", "keepdims")),
    np.amin: _reduction("amin", allowed=("axis", "keepdims")),
    np.argmax: _reduction("argmax", allowed=("axis", "keepdims")),
    np.argmin: _reduction("argmin", allowed=("axis", "keepdims")),
}


def _std_like(name: str) -> Callable:
    """std/var with numpy's `ddof` (default 0, not PyTorch's 1)."""

    def call(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, **kwargs):
        _refuse(name, {"out": out, **kwargs}, ())
        x = a if dtype is None else a.to(np.dtype(dtype))
        axis = tuple(axis) if isinstance(axis, list) else axis
        return getattr(api, name)(x, dim=axis, keepdim=bool(keepdims), correction=ddof)

    return call


NUMPY_FUNCTIONS.update({np.std: _std_like("std"), np.var: _std_like("var")})


def __array_function__(self: Tensor, func, types, args, kwargs):
    """numpy's dispatch hook: registry ops for the functions above, numpy itself (on the
    tensor as an array) for the rest; foreign array types get their own say."""
    if not all(issubclass(t, (Tensor, np.ndarray)) for t in types):
        return NotImplemented
    mapped = NUMPY_FUNCTIONS.get(func)
    if mapped is not None and args and isinstance(args[0], Tensor):
        return mapped(*args, **kwargs)
    return func._implementation(*args, **kwargs)


Tensor.__dlpack__ = __dlpack__
Tensor.__dlpack_device__ = __dlpack_device__
Tensor.__array_function__ = __array_function__
