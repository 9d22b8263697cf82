"""`nn.Buffer` (PyTorch 2.5's): a tensor a Module registers as a buffer when assigned
(`self.running = nn.Buffer(torch.zeros(3), persistent=False)`), as `register_buffer` does.

As `Parameter`, it is a plain Tensor (the engine's hot path dispatches on `Tensor`): `Buffer(data)`
returns `data.detach()` (its storage, its requires_grad), remembered by identity with its
`persistent` flag, so `isinstance(b, nn.Buffer)` holds and `Module.__setattr__` reads the flag."""
from __future__ import annotations

import weakref

from ..eager.tensor import Tensor

_MARKED: dict[int, tuple[weakref.ref, bool]] = {}  # id(tensor) -> (weak reference, persistent)


def _forget(key: int, ref: weakref.ref) -> None:
    if _MARKED.get(key, (None,))[0] is ref:
        del _MARKED[key]


def buffer_persistence(obj) -> bool | None:
    """The `persistent` flag of a tensor made by `Buffer`, None for any other object."""
    marked = _MARKED.get(id(obj))
    return marked[1] if marked is not None and marked[0]() is obj else None


class _BufferType(type):
    def __instancecheck__(cls, obj) -> bool:
        return buffer_persistence(obj) is not None


class Buffer(metaclass=_BufferType):
    """`Buffer(data=None, *, persistent=True)`: data detached, marked to be registered as a
    buffer (in `state_dict` unless `persistent=False`) when assigned to a Module's attribute."""

    def __new__(cls, data: Tensor | None = None, *, persistent: bool = True) -> Tensor:
        if data is None:
            from ..eager.creation import empty

            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Buffer expects a Tensor, got {type(data).__name__}")
        t = data.detach().requires_grad_(data.requires_grad)
        key = id(t)
        _MARKED[key] = (weakref.ref(t, lambda r, key=key: _forget(key, r)), bool(persistent))
        return t
