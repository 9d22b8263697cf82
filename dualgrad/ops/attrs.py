"""An op call's keyword attributes, hashable once: made where the call is bound.

Caches key on attrs: the jit cache (`ops.jit`), the compiled eager backward
(`eager.compiled`) and the static plan signature (`static.compile`). `Attrs` is a dict, so
kernels still receive `**attrs` with the values exactly as given; its key is computed the
first time it is hashed and kept (attrs are never changed after binding).

Two keys are equal exactly when the values are the same value of the same kind:
- lists, tuples, dicts and slices by kind and contents (`[0, 1]` and `(0, 1)` index
  differently, so their keys differ);
- numpy arrays and numpy scalars by (dtype, shape, bytes);
- Python floats by their 8 bytes: -0.0 is not 0.0, and a NaN equals only a NaN with the
  same bits (a NaN attr stays cacheable);
- `True`, `1` and `1.0` by type as well as value;
- anything else hashable by its own equality; object-dtype arrays only as themselves.
An unhashable value (a jax array, a set) leaves the attrs without a key: `cacheable` is
False and hashing raises TypeError.
"""
from __future__ import annotations

import struct
from typing import Any

import numpy as np

_pack_double = struct.Struct("<d").pack
_PLAIN = frozenset({int, bool, str, type(None)})  # a key part as (type, value)
_UNSET = object()


class _Same:
    """A key part equal only to a key part of the very same object (object-dtype arrays)."""

    __slots__ = ("obj",)

    def __init__(self, obj: Any) -> None:
        self.obj = obj

    def __hash__(self) -> int:
        return id(self.obj)

    def __eq__(self, other: object) -> bool:
        return type(other) is _Same and other.obj is self.obj


def value_key(value: Any, arrays: list | None = None) -> Any:
    """A hashable key of `value`, equal to another's exactly when the values are the same
    (the rules in this module's docstring); raises TypeError for an unhashable value. Each
    numpy array met is appended to `arrays` when given."""
    kind = type(value)
    if kind is str or value is None:
        return value
    if kind is float:
        return (float, _pack_double(value))
    if kind is int or kind is bool:
        return (kind, value)
    if kind is tuple or kind is list:
        return (kind, tuple([value_key(v, arrays) for v in value]))
    if kind is slice:
        return (slice, value_key(value.start, arrays), value_key(value.stop, arrays),
                value_key(value.step, arrays))
    if isinstance(value, np.ndarray):
        if arrays is not None:
            arrays.append(value)
        if value.dtype.hasobject:
            return (np.ndarray, _Same(value))
        return (np.ndarray, value.dtype.str, value.shape, value.tobytes())
    if isinstance(value, np.generic):
        return (np.generic, value.dtype.str, value.tobytes())
    if isinstance(value, dict):
        return (dict, _items_key(value, arrays))
    hash(value)  # TypeError for what cannot be a key
    return (kind, value)


def _items_key(mapping: dict, arrays: list | None) -> tuple:
    return tuple(sorted([(k, value_key(v, arrays)) for k, v in mapping.items()]))


class Attrs(dict):
    """Keyword attributes of one bound op call: a dict whose hash and equality use a key
    computed once (see the module docstring). Treat it as read-only."""

    _key: Any = _UNSET  # set on the first hash (instances get their own)
    _hash: int | None = None
    _arrays = False

    def _make_key(self) -> None:
        arrays: list = []
        parts = []
        try:
            for name, v in self.items():
                kind = type(v)
                parts.append((name, (kind, v) if kind in _PLAIN else value_key(v, arrays)))
            parts.sort()  # `f(a=1, b=2)` and `f(b=2, a=1)` are one call
            key: tuple | None = tuple(parts)
            self._hash = hash(key)
        except TypeError:
            key = None
        self._key = key
        self._arrays = bool(arrays)

    @property
    def key(self) -> tuple | None:
        """The hashable key (None when a value cannot be hashed)."""
        if self._key is _UNSET:
            self._make_key()
        return self._key

    @property
    def cacheable(self) -> bool:
        """True when the attrs have a key and hold no numpy array. Programs are not cached
        per index array: a new index each step would compile a program each step."""
        return self.key is not None and not self._arrays

    def __hash__(self) -> int:  # type: ignore[override]
        h = self._hash
        if h is None:
            if self.key is None:
                raise TypeError(f"attrs {dict(self)!r} hold a value that cannot be hashed")
            h = self._hash
        return h

    def __eq__(self, other: object) -> bool:
        """Between two Attrs with keys: equal keys; otherwise a dict's equality."""
        if type(other) is Attrs:
            mine, theirs = self.key, other.key
            if mine is not None and theirs is not None:
                return self._hash == other._hash and mine == theirs
        return dict.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal


def as_attrs(attrs: dict) -> Attrs:
    """`attrs` as an Attrs (itself when it is one): for callers that did not come through a
    bind (testing helpers, symbolic replays)."""
    return attrs if type(attrs) is Attrs else Attrs(attrs)
