"""`nn.Parameter`: a leaf Tensor that requires grad and that a Module registers when assigned.

The eager engine dispatches on `isinstance(t, Tensor)` in its hot path, so a Parameter is a plain
`Tensor` (not a subclass): `Parameter(data)` returns a Tensor sharing `data`'s storage and
version counter, remembered by identity. `isinstance(p, Parameter)` and the printed form
("Parameter containing:") read that mark, as they do in PyTorch.
"""
from __future__ import annotations

import weakref

from ..eager.tensor import Tensor, wrap

_MARKED: dict[int, weakref.ref] = {}  # id(tensor) -> weak reference to it


def _forget(key: int, ref: weakref.ref) -> None:
    if _MARKED.get(key) is ref:
        del _MARKED[key]


def mark_parameter(t: Tensor) -> Tensor:
    key = id(t)
    _MARKED[key] = weakref.ref(t, lambda r, key=key: _forget(key, r))
    return t


def is_parameter(obj) -> bool:
    ref = _MARKED.get(id(obj))
    return ref is not None and ref() is obj


class _ParameterType(type):
    def __instancecheck__(cls, obj) -> bool:
        return is_parameter(obj)


class Parameter(metaclass=_ParameterType):
    """`Parameter(data=None, requires_grad=True)`: a leaf sharing data's storage."""

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True) -> Tensor:
        if data is None:
            from ..eager.creation import empty

            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter expects a Tensor, got {type(data).__name__}")
        t = wrap(data._data)
        t._version = data._version
        if requires_grad:
            t.requires_grad_(True)
        return mark_parameter(t)


def _parameter_repr(tensor_repr):
    def __repr__(self) -> str:  # noqa: N807 (installed as Tensor.__repr__)
        text = tensor_repr(self)
        return f"Parameter containing:\n{text}" if is_parameter(self) else text

    return __repr__


def install_repr() -> None:
    """Tensors marked as parameters print as PyTorch prints them."""
    wrapped = _parameter_repr(Tensor.__repr__)
    Tensor.__repr__ = wrapped
    Tensor.__str__ = wrapped


install_repr()
