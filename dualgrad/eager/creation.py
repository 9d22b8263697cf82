"""Creation functions with PyTorch's signatures and dtype defaults (float32 for Python floats,
int64 for Python ints)."""
from __future__ import annotations

import numpy as np

from .. import dtypes
from ..errors import DTypeError, DualgradError, ShapeError, user_frame
from .devices import get_default_device, place
from .tensor import Tensor, wrap

_rng = np.random.default_rng()


class AllocationError(DualgradError, RuntimeError):
    """A tensor larger than memory."""


def manual_seed(seed: int) -> None:
    """Seed dualgrad's random generator (rand, randn, normal, rand_like, randn_like)."""
    global _rng
    _rng = np.random.default_rng(seed)


def _leaf(data, dtype=None, requires_grad=False, device=None, name=None) -> Tensor:
    d = dtypes.as_dtype(dtype)
    if d is not None and data.dtype != d.np:
        data = data.astype(d.np)
    if device is not None or get_default_device().type != "cpu":
        data = place(data, device)
    t = wrap(data)
    t._where = user_frame()
    t._name = name
    if requires_grad:
        t.requires_grad_(True)
    return t


def as_array(data) -> np.ndarray:
    """Python data as an array with PyTorch's defaults: floats float32, ints int64."""
    if isinstance(data, Tensor):
        return np.array(data._data)
    if isinstance(data, np.ndarray) or np.isscalar(data) and isinstance(data, np.generic):
        return np.array(data)
    if isinstance(data, (list, tuple)):
        data = [np.asarray(d._data) if isinstance(d, Tensor) else d for d in data]
    try:
        a = np.array(data)
    except ValueError as e:
        raise ShapeError(f"tensor: expected a rectangular sequence of numbers ({e}; at "
                         f"{user_frame()})") from None
    if a.dtype.kind not in "biuf":
        raise DTypeError(f"tensor: could not infer dtype of {type(data).__name__}: expected numbers, "
                         f"got elements of dtype {a.dtype} (at {user_frame()})")
    if a.dtype.kind == "f":
        return a.astype(np.float32)
    if a.dtype.kind in "iu":
        return a.astype(np.int64)
    return a


def tensor(data, dtype=None, requires_grad: bool = False, device=None, name: str | None = None) -> Tensor:
    """A new leaf tensor holding a copy of `data`."""
    return _leaf(as_array(data), dtype, requires_grad, device, name)


def from_numpy(a: np.ndarray) -> Tensor:
    """A tensor that shares memory with the numpy array `a`."""
    if not isinstance(a, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(a).__name__})")
    t = wrap(a)
    t._where = user_frame()
    return t


def _sizes(size) -> tuple:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    return tuple(int(s) for s in size)


def _allocate(make, shape: tuple, dtype: dtypes.DType):
    """Allocate, turning numpy's MemoryError into a RuntimeError that names the size."""
    try:
        return make()
    except MemoryError:
        raise AllocationError(f"can't allocate memory: you tried to allocate a tensor of shape "
                              f"{shape} and dtype {dtype.name} (at {user_frame()})") from None


def _filled(fill, size, dtype, requires_grad, device, default=dtypes.DEFAULT_FLOAT) -> Tensor:
    d = dtypes.as_dtype(dtype) or default
    shape = _sizes(size)
    if any(s < 0 for s in shape):
        raise ValueError(f"Trying to create tensor with negative dimension: {shape}")
    data = _allocate(lambda: np.full(shape, fill, dtype=d.np), shape, d)
    return _leaf(data, None, requires_grad, device)


def zeros(*size, dtype=None, requires_grad=False, device=None) -> Tensor:
    return _filled(0, size, dtype, requires_grad, device)


def ones(*size, dtype=None, requires_grad=False, device=None) -> Tensor:
    return _filled(1, size, dtype, requires_grad, device)


def empty(*size, dtype=None, requires_grad=False, device=None) -> Tensor:
    """Zero-filled (PyTorch leaves it uninitialised; zeros are a safe reading of that)."""
    return _filled(0, size, dtype, requires_grad, device)


def full(size, fill_value, dtype=None, requires_grad=False, device=None) -> Tensor:
    default = dtypes.as_dtype(type(fill_value)) if isinstance(fill_value, (bool, int, float)) else None
    return _filled(fill_value, (size,), dtype, requires_grad, device, default or dtypes.DEFAULT_FLOAT)


def eye(n: int, m: int | None = None, dtype=None, requires_grad=False, device=None) -> Tensor:
    d = dtypes.as_dtype(dtype) or dtypes.DEFAULT_FLOAT
    return _leaf(np.eye(n, m, dtype=d.np), None, requires_grad, device)


def arange(start, end=None, step=1, dtype=None, requires_grad=False, device=None) -> Tensor:
    if end is None:
        start, end = 0, start
    floats = any(isinstance(v, float) for v in (start, end, step))
    d = dtypes.as_dtype(dtype) or (dtypes.DEFAULT_FLOAT if floats else dtypes.int64)
    return _leaf(np.arange(start, end, step).astype(d.np), None, requires_grad, device)


def linspace(start, end, steps: int, dtype=None, requires_grad=False, device=None) -> Tensor:
    d = dtypes.as_dtype(dtype) or dtypes.DEFAULT_FLOAT
    return _leaf(np.linspace(start, end, steps).astype(d.np), None, requires_grad, device)


def _like(t: Tensor, fill, dtype, requires_grad) -> Tensor:
    d = dtypes.as_dtype(dtype) or t.dtype
    return _leaf(np.full(t._data.shape, fill, dtype=d.np), None, requires_grad, t.device)


def zeros_like(t: Tensor, dtype=None, requires_grad=False) -> Tensor:
    return _like(t, 0, dtype, requires_grad)


def ones_like(t: Tensor, dtype=None, requires_grad=False) -> Tensor:
    return _like(t, 1, dtype, requires_grad)


def full_like(t: Tensor, fill_value, dtype=None, requires_grad=False) -> Tensor:
    return _like(t, fill_value, dtype, requires_grad)


def _random(draw, size, dtype, requires_grad, device) -> Tensor:
    d = dtypes.as_dtype(dtype) or dtypes.DEFAULT_FLOAT
    shape = _sizes(size)
    data = _allocate(lambda: np.asarray(draw(shape)).astype(d.np), shape, d)
    return _leaf(data, None, requires_grad, device)


def rand(*size, dtype=None, requires_grad=False, device=None) -> Tensor:
    """Uniform on [0, 1)."""
    return _random(lambda s: _rng.random(s), size, dtype, requires_grad, device)


def randn(*size, dtype=None, requires_grad=False, device=None) -> Tensor:
    """Standard normal."""
    return _random(lambda s: _rng.standard_normal(s), size, dtype, requires_grad, device)


def normal(mean=0.0, std=1.0, size=None, dtype=None, requires_grad=False, device=None) -> Tensor:
    size = () if size is None else size
    return _random(lambda s: _rng.normal(mean, std, s), (size,), dtype, requires_grad, device)


def rand_like(t: Tensor, dtype=None, requires_grad=False) -> Tensor:
    return _random(lambda s: _rng.random(s), (t.shape,), dtype or t.dtype, requires_grad, t.device)


def randn_like(t: Tensor, dtype=None, requires_grad=False) -> Tensor:
    return _random(lambda s: _rng.standard_normal(s), (t.shape,), dtype or t.dtype, requires_grad, t.device)


def legacy_tensor(*args, dtype=dtypes.DEFAULT_FLOAT, device=None) -> Tensor:
    """`Tensor(2, 3)` (zeros of that size) or `Tensor([1, 2])` (float data): PyTorch's legacy
    constructor, which always makes float32 unless it is FloatTensor's sibling."""
    if len(args) == 1 and not isinstance(args[0], (int, np.integer)):
        return tensor(args[0], dtype=dtype, device=device)
    return zeros(*args, dtype=dtype, device=device)


def FloatTensor(*args, device=None) -> Tensor:  # noqa: N802 (PyTorch's name)
    return legacy_tensor(*args, dtype=dtypes.float32, device=device)


def DoubleTensor(*args, device=None) -> Tensor:  # noqa: N802
    return legacy_tensor(*args, dtype=dtypes.float64, device=device)


def LongTensor(*args, device=None) -> Tensor:  # noqa: N802
    return legacy_tensor(*args, dtype=dtypes.int64, device=device)
