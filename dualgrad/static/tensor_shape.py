"""TF1's `tf.TensorShape` and `tf.Dimension` (`ds.TensorShape`, `ds.Dimension`).

A graph tensor's `.shape` is a plain tuple (None for an unknown dim); `get_shape()` returns
the same entries as a `TensorShape`, a tuple subclass, so `x.get_shape().as_list()`,
`.ndims` and `.is_fully_defined()` work as in TF1 and it is still accepted wherever a shape is
(`ds.placeholder(shape=...)`, comparisons with tuples). Indexing gives ints and None (TF2's
behaviour; TF1's `Dimension` objects are available as `.dims`).
"""

from __future__ import annotations

import math

from ..errors import DualgradValueError

__all__ = ["Dimension", "TensorShape"]


class Dimension:
    """One dim of a shape: `value` an int, or None when unknown (tf.Dimension)."""

    __slots__ = ("_value",)

    def __init__(self, value) -> None:
        if isinstance(value, Dimension):
            value = value.value
        if value is not None:
            if isinstance(value, bool) or int(value) != value or int(value) < 0:
                raise DualgradValueError(f"Dimension: a dim must be a non-negative int or None, got "
                                         f"{value!r}")
            value = int(value)
        self._value = value

    @property
    def value(self) -> int | None:
        """The size, or None when unknown."""
        return self._value

    def __int__(self) -> int:
        if self._value is None:
            raise DualgradValueError("Dimension: cannot convert an unknown Dimension to an int")
        return self._value

    __index__ = __int__

    def __eq__(self, other) -> bool | None:
        other = other.value if isinstance(other, Dimension) else other
        if self._value is None or other is None:
            return None  # TF1: unknown dims compare as unknown
        return self._value == other

    def __ne__(self, other) -> bool | None:
        equal = self.__eq__(other)
        return None if equal is None else not equal

    def __hash__(self) -> int:
        return hash(self._value)

    def is_compatible_with(self, other) -> bool:
        """Whether the two may be the same size (either unknown, or equal)."""
        other = Dimension(other)
        return self._value is None or other.value is None or self._value == other.value

    def __repr__(self) -> str:
        return f"Dimension({self._value!r})"

    def __str__(self) -> str:
        return "?" if self._value is None else str(self._value)


def _entry(d) -> int | None:
    return Dimension(d).value


class TensorShape(tuple):
    """A static shape: a tuple of ints and None (TF1's `tf.TensorShape`); `TensorShape(None)`
    is a shape of unknown rank (an empty tuple whose `ndims` is None)."""

    def __new__(cls, dims=None):
        if isinstance(dims, TensorShape) and dims.ndims is None:
            dims = None
        if dims is None:
            out = super().__new__(cls, ())
            out._known = False
            return out
        if isinstance(dims, (int, Dimension)) and not isinstance(dims, bool):
            dims = (dims,)
        out = super().__new__(cls, tuple(_entry(d) for d in dims))
        out._known = True
        return out

    def __len__(self) -> int:
        if not self._known:
            raise DualgradValueError("Cannot take the length of shape with unknown rank.")
        return super().__len__()

    def __iter__(self):
        if not self._known:
            raise DualgradValueError("Cannot iterate over a shape with unknown rank.")
        return super().__iter__()

    @property
    def ndims(self) -> int | None:
        """The rank, or None when unknown."""
        return super().__len__() if self._known else None

    rank = ndims

    @property
    def dims(self) -> list | None:
        """The dims as TF1's `Dimension` objects (None for an unknown rank)."""
        return [Dimension(d) for d in self] if self._known else None

    def as_list(self) -> list:
        """The dims as a list of ints and None (TF1 refuses an unknown rank)."""
        if not self._known:
            raise DualgradValueError("as_list() is not defined on an unknown TensorShape.")
        return list(self)

    def is_fully_defined(self) -> bool:
        """Whether the rank and every dim are known."""
        return self._known and all(d is not None for d in self)

    def num_elements(self) -> int | None:
        """The number of elements, None unless fully defined."""
        return math.prod(self) if self.is_fully_defined() else None

    def is_compatible_with(self, other) -> bool:
        """Whether a tensor of shape `other` could have this shape."""
        other = other if isinstance(other, TensorShape) else TensorShape(other)
        if self.ndims is None or other.ndims is None:
            return True
        return len(self) == len(other) and all(
            a is None or b is None or a == b for a, b in zip(self, other, strict=True))

    def concatenate(self, other) -> TensorShape:
        """This shape followed by `other`'s dims."""
        other = other if isinstance(other, TensorShape) else TensorShape(other)
        if self.ndims is None or other.ndims is None:
            return TensorShape(None)
        return TensorShape(tuple(self) + tuple(other))

    def __repr__(self) -> str:
        return "TensorShape(None)" if not self._known else f"TensorShape({list(self)!r})"

    def __str__(self) -> str:
        if not self._known:
            return "<unknown>"
        dims = ", ".join("?" if d is None else str(d) for d in self)
        return f"({dims},)" if len(self) == 1 else f"({dims})"
