"""PyTorch's `asarray` and `frombuffer`: tensors that share memory with what they are given
where they can (a tensor, a CPU numpy array of the dtype asked for, a buffer), as PyTorch's.

`asarray(obj, *, dtype, device, copy, requires_grad)` follows torch 2.x: `copy=None` shares
when it can and copies otherwise, `copy=True` always copies (a tensor by `clone`, so the copy
stays in the graph), `copy=False` refuses where sharing is impossible; `requires_grad=None`
keeps a tensor's own flag (PyTorch's default since 2.x, which it announces with a warning) and
a given one is set on the tensor returned, the input itself when that is what is returned, as
PyTorch does. An object with the buffer protocol (bytes, bytearray, memoryview, array.array)
is read as raw memory of `dtype` (default dg.get_default_dtype()), as `frombuffer`; a numpy
array is an array, never a buffer."""
from __future__ import annotations

import numpy as np

from .. import dtypes
from ..errors import DualgradValueError, refusing, user_line
from .creation import as_tensor, dtype_arg, tensor
from .devices import Device, get_default_device
from .tensor import Tensor, wrap


def asarray(obj, *, dtype=None, device=None, copy: bool | None = None,
            requires_grad: bool | None = None) -> Tensor:
    """`obj` as a tensor, sharing its memory where it can (torch.asarray)."""
    d = dtype_arg(dtype, "asarray")
    if isinstance(obj, Tensor):
        converts = d is not None and d != obj.dtype or device is not None and Device(device) != obj.device
        if converts and copy is False:
            raise DualgradValueError(f"asarray: can't alias tensor with dtype '{obj.dtype.name}' into dtype "
                                     f"'{(d or obj.dtype).name}' on {device or obj.device} {user_line()}")
        out = as_tensor(obj, d, device) if converts else obj.clone() if copy else obj
    elif _is_buffer(obj):
        out = _from_buffer("asarray", obj, d or dtypes.DEFAULT_FLOAT, -1, 0)
        out = out.clone() if copy else out
        target = Device(device) if device is not None else get_default_device()
        if target.type != "cpu":
            out = out.to(target)
    else:
        target = Device(device) if device is not None else get_default_device()
        shared = isinstance(obj, np.ndarray) and (d is None or d.np == obj.dtype) and obj.dtype.isnative \
            and target.type == "cpu"
        if copy is False and not shared:
            array = isinstance(obj, np.ndarray)
            what = f"NumPy array with dtype '{obj.dtype}'" if array else "arbitrary sequence"
            into = f" of dtype {d.name}" if d else ""
            raise DualgradValueError(f"asarray: can't alias {what} into a tensor{into} {user_line()}")
        out = tensor(obj, dtype=d, device=device) if copy or not shared else as_tensor(obj, d, device)
    if requires_grad is not None and out.requires_grad != requires_grad:
        out.requires_grad_(requires_grad)
    return out


def frombuffer(buffer, *, dtype, count: int = -1, offset: int = 0, requires_grad: bool = False) -> Tensor:
    """A 1-d tensor of `count` elements of `dtype` read from `buffer`'s memory after `offset`
    bytes, sharing it (torch.frombuffer); a read-only buffer (bytes) gives a read-only tensor."""
    d = dtype_arg(dtype, "frombuffer")
    if d is None:
        raise DualgradValueError(f"frombuffer: dtype is required {user_line()}")
    out = _from_buffer("frombuffer", buffer, d, count, offset)
    return out.requires_grad_() if requires_grad else out


def _is_buffer(obj) -> bool:
    if isinstance(obj, (np.ndarray, np.generic, Tensor)):
        return False
    try:
        memoryview(obj)
    except TypeError:
        return False
    return True


def _from_buffer(op: str, buffer, d: dtypes.DType, count: int, offset: int) -> Tensor:
    """PyTorch's checks of length, count and offset, then numpy's view of the memory."""
    if not _is_buffer(buffer):
        raise DualgradValueError(f"{op}: object does not implement Python buffer protocol. {user_line()}")
    size, item = memoryview(buffer).nbytes, d.np.itemsize
    if size == 0 or count == 0:
        raise DualgradValueError(f"{op}: both buffer length ({size}) and count ({count}) must not be 0 "
                                 f"{user_line()}")
    if not 0 <= offset < size:
        raise DualgradValueError(f"{op}: offset ({offset} bytes) must be non-negative and no greater than "
                                 f"buffer length ({size} bytes) minus 1 {user_line()}")
    if count < 0:
        if (size - offset) % item:
            raise DualgradValueError(f"{op}: buffer length ({size - offset} bytes) after offset ({offset} "
                                     f"bytes) must be a multiple of element size ({item}) {user_line()}")
        count = (size - offset) // item
    elif offset + count * item > size:
        raise DualgradValueError(f"{op}: requested buffer length ({count} * {item} bytes) after offset "
                                 f"({offset} bytes) must not be greater than actual buffer length ({size} "
                                 f"bytes) {user_line()}")
    return wrap(np.frombuffer(buffer, dtype=d.np, count=count, offset=offset))


asarray = refusing(asarray)
frombuffer = refusing(frombuffer)
