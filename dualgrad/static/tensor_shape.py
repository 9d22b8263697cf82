"""TF1's `tf.TensorShape` and `tf.Dimension` (`ds.TensorShape`, `ds.Dimension`).

A graph tensor's `get_shape()`, and its `.shape` read by a user's code, is a `TensorShape`, a
tuple subclass whose indexing and iteration give TF1's `Dimension` objects, so
`x.shape[1].value`, `[d.value for d in x.get_shape()]`, `.as_list()`, `.ndims` and
`.merge_with()` work as in TF1 (the v1 TensorShape, `tf.compat.v1.disable_v2_tensorshape()`);
dualgrad's own code reads `.shape` as the plain tuple of ints and None (graph.py,
`Tensor.shape`). Every shape argument of `ds` reads a TensorShape, and a known Dimension
wherever an int is (`plain` converts them).

A Dimension never silently becomes another number: an unknown one refuses `int()`, `bool()`
and use as an index or a tensor value; arithmetic and comparisons with it give unknown results
(Dimension(None), or None for a comparison, as TF1).
"""

from __future__ import annotations

import math
import numbers
import operator

from ..errors import DualgradTypeError, DualgradValueError, ShapeError, user_line

__all__ = ["Dimension", "TensorShape", "as_dimension", "as_shape", "known", "plain", "unknown_shape"]


def _index(value, what: str):
    if isinstance(value, bool) or not hasattr(type(value), "__index__"):
        raise DualgradTypeError(f"{what} value must be integer or None or have an __index__ "
                                f"method, got value {value!r} with type {type(value).__name__!r}")
    return operator.index(value)


class Dimension:
    """One dim of a shape: `value` an int, or None when unknown (tf.compat.v1.Dimension)."""

    __slots__ = ("_value",)

    def __init__(self, value) -> None:
        if isinstance(value, Dimension):
            value = value.value
        if value is not None:
            value = _index(value, "Dimension")
            if value < 0:
                raise DualgradValueError(f"Dimension {value} must be >= 0 (a dim must be a "
                                         f"non-negative int or None)")
        self._value = value

    @property
    def value(self) -> int | None:
        """The size, or None when unknown."""
        return self._value

    def _known(self, what: str) -> int:
        if self._value is None:
            raise DualgradTypeError(f"Dimension(None): {what} of an unknown Dimension is undefined "
                                    f"(test `.value is None` first) {user_line()}")
        return self._value

    def __int__(self) -> int:
        return self._known("the int value")

    def __index__(self) -> int:
        return self._known("the index value")

    def __float__(self) -> float:
        return float(self._known("the float value"))

    def __bool__(self) -> bool:
        # TF1 makes bool(Dimension(None)) False, as if it were 0; refused here (docs/static.md)
        return self._known("the truth value") != 0

    __hash__ = None  # (as TF: == with an unknown Dimension is None, not a bool)

    def __eq__(self, other):
        try:
            other = as_dimension(other)
        except (TypeError, ValueError):
            return NotImplemented
        if self._value is None or other.value is None:
            return None  # TF1: unknown dims compare as unknown
        return self._value == other.value

    def __ne__(self, other):
        equal = self.__eq__(other)
        return equal if equal is None or equal is NotImplemented else not equal

    def _compare(self, other, cmp):
        try:
            other = as_dimension(other)
        except (TypeError, ValueError):
            return NotImplemented
        if self._value is None or other.value is None:
            return None
        return cmp(self._value, other.value)

    def __lt__(self, other):
        return self._compare(other, operator.lt)

    def __le__(self, other):
        return self._compare(other, operator.le)

    def __gt__(self, other):
        return self._compare(other, operator.gt)

    def __ge__(self, other):
        return self._compare(other, operator.ge)

    def _arith(self, other, fn, reverse: bool = False):
        try:
            other = as_dimension(other)
        except (TypeError, ValueError):
            return NotImplemented
        if self._value is None or other.value is None:
            return Dimension(None)
        a, b = (other.value, self._value) if reverse else (self._value, other.value)
        return Dimension(fn(a, b))

    def __add__(self, other):
        return self._arith(other, operator.add)

    def __radd__(self, other):
        return self._arith(other, operator.add, True)

    def __sub__(self, other):
        return self._arith(other, operator.sub)

    def __rsub__(self, other):
        return self._arith(other, operator.sub, True)

    def __mul__(self, other):
        return self._arith(other, operator.mul)

    def __rmul__(self, other):
        return self._arith(other, operator.mul, True)

    def __floordiv__(self, other):
        return self._arith(other, operator.floordiv)

    def __rfloordiv__(self, other):
        return self._arith(other, operator.floordiv, True)

    def __mod__(self, other):
        return self._arith(other, operator.mod)

    def __rmod__(self, other):
        return self._arith(other, operator.mod, True)

    def __truediv__(self, other):
        raise DualgradTypeError(f"unsupported operand type(s) for /: 'Dimension' and "
                                f"{type(other).__name__!r}, please use // instead")

    def __rtruediv__(self, other):
        raise DualgradTypeError(f"unsupported operand type(s) for /: {type(other).__name__!r} and "
                                f"'Dimension', please use // instead")

    def is_compatible_with(self, other) -> bool:
        """Whether the two may be the same size (either unknown, or equal)."""
        other = as_dimension(other)
        return self._value is None or other.value is None or self._value == other.value

    def assert_is_compatible_with(self, other) -> None:
        """Raise ValueError unless `is_compatible_with(other)`."""
        if not self.is_compatible_with(other):
            raise DualgradValueError(f"Dimensions {self} and {as_dimension(other)} are not "
                                     f"compatible")

    def merge_with(self, other) -> Dimension:
        """The known one of two compatible dims (ValueError when both are known and differ)."""
        other = as_dimension(other)
        self.assert_is_compatible_with(other)
        return Dimension(self._value if self._value is not None else other.value)

    def __reduce__(self):
        return Dimension, (self._value,)

    def __repr__(self) -> str:
        return f"Dimension({self._value!r})"

    def __str__(self) -> str:
        return "?" if self._value is None else str(self._value)


def as_dimension(value) -> Dimension:
    """`value` as a Dimension (a Dimension is returned as it is)."""
    return value if isinstance(value, Dimension) else Dimension(value)


def _entry(d) -> int | None:
    return as_dimension(d).value


class TensorShape(tuple):
    """A static shape (TF1's v1 `tf.TensorShape`): a tuple of ints and None underneath, whose
    indexing and iteration give `Dimension`s; `TensorShape(None)` is a shape of unknown rank
    (an empty tuple whose `ndims` is None)."""

    def __new__(cls, dims=None):
        if isinstance(dims, TensorShape) and dims.ndims is None:
            dims = None
        if dims is None:
            out = super().__new__(cls, ())
            out._known = False
            return out
        if isinstance(dims, (Dimension, numbers.Integral)) and not isinstance(dims, bool):
            dims = (dims,)  # (an int is a 1-d shape, as TF1's)
        if isinstance(dims, TensorShape):
            entries = tuple.__iter__(dims)
        else:
            try:
                entries = iter(dims)
            except TypeError:
                raise DualgradTypeError(f"TensorShape: dims must be None, an int or a list of "
                                        f"ints and None, got {dims!r}") from None
        out = super().__new__(cls, tuple(_entry(d) for d in entries))
        out._known = True
        return out

    def __reduce__(self):
        return TensorShape, (list(tuple.__iter__(self)) if self._known else None,)

    def _plain(self) -> tuple | None:
        """The dims as a plain tuple of ints and None (None for an unknown rank)."""
        return tuple(tuple.__iter__(self)) if self._known else None

    def __len__(self) -> int:
        if not self._known:
            raise DualgradValueError("Cannot take the length of shape with unknown rank.")
        return super().__len__()

    def __iter__(self):
        if not self._known:
            raise DualgradValueError("Cannot iterate over a shape with unknown rank.")
        return iter([Dimension(d) for d in tuple.__iter__(self)])

    def __getitem__(self, key):
        if isinstance(key, slice):
            if not self._known:
                return TensorShape(None)
            return TensorShape(tuple.__getitem__(self, key))
        if not self._known:
            return Dimension(None)  # (TF1: any dim of an unknown rank is unknown)
        return Dimension(tuple.__getitem__(self, operator.index(key)))

    def __contains__(self, item) -> bool:
        return any(d == item for d in self)

    def __eq__(self, other):
        try:
            other = as_shape(other)
        except (TypeError, ValueError):
            return NotImplemented
        return self._plain() == other._plain()

    def __ne__(self, other):
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __hash__(self) -> int:
        return tuple.__hash__(self)

    def __bool__(self) -> bool:
        return self._known  # (TF1: TensorShape([]) is true, TensorShape(None) false)

    def __add__(self, other):
        return self.concatenate(other)

    def __radd__(self, other):
        return as_shape(other).concatenate(self)

    def __mul__(self, other):
        return NotImplemented

    __rmul__ = __mul__

    def count(self, value):
        """Refused: tuple's method, absent from TF1's TensorShape (its dims compare as None)."""
        raise AttributeError("'TensorShape' object has no attribute 'count'")

    def index(self, value, *args):
        """Refused: tuple's method, absent from TF1's TensorShape (its dims compare as None)."""
        raise AttributeError("'TensorShape' object has no attribute 'index'")

    @property
    def ndims(self) -> int | None:
        """The rank, or None when unknown."""
        return super().__len__() if self._known else None

    rank = ndims

    @property
    def dims(self) -> list | None:
        """The dims as TF1's `Dimension` objects (None for an unknown rank)."""
        return [Dimension(d) for d in tuple.__iter__(self)] if self._known else None

    def as_list(self) -> list:
        """The dims as a list of ints and None (TF1 refuses an unknown rank)."""
        if not self._known:
            raise DualgradValueError("as_list() is not defined on an unknown TensorShape.")
        return list(tuple.__iter__(self))

    def is_fully_defined(self) -> bool:
        """Whether the rank and every dim are known."""
        return self._known and all(d is not None for d in tuple.__iter__(self))

    def assert_is_fully_defined(self) -> None:
        """Raise ValueError unless the rank and every dim are known."""
        if not self.is_fully_defined():
            raise DualgradValueError(f"Shape {self} is not fully defined")

    def num_elements(self) -> int | None:
        """The number of elements, None unless fully defined."""
        return math.prod(tuple.__iter__(self)) if self.is_fully_defined() else None

    def is_compatible_with(self, other) -> bool:
        """Whether a tensor of shape `other` could have this shape."""
        other = as_shape(other)
        if self.ndims is None or other.ndims is None:
            return True
        return self.ndims == other.ndims and all(
            a.is_compatible_with(b) for a, b in zip(self, other, strict=True))

    def assert_is_compatible_with(self, other) -> None:
        """Raise ValueError unless `is_compatible_with(other)`."""
        if not self.is_compatible_with(other):
            raise DualgradValueError(f"Shapes {self} and {as_shape(other)} are incompatible")

    def merge_with(self, other) -> TensorShape:
        """The most specific shape compatible with both (ValueError if they are not)."""
        other = as_shape(other)
        if self.ndims is None:
            return other
        if other.ndims is None:
            return self
        if not self.is_compatible_with(other):
            raise DualgradValueError(f"Shapes {self} and {other} are not compatible")
        return TensorShape([a.merge_with(b) for a, b in zip(self, other, strict=True)])

    def most_specific_compatible_shape(self, other) -> TensorShape:
        """The most specific shape that both this shape and `other` are compatible with."""
        other = as_shape(other)
        if self.ndims is None or other.ndims is None or self.ndims != other.ndims:
            return TensorShape(None)
        return TensorShape([a.value if a == b else None for a, b in zip(self, other, strict=True)])

    def concatenate(self, other) -> TensorShape:
        """This shape followed by `other`'s dims."""
        other = as_shape(other)
        if self.ndims is None or other.ndims is None:
            return TensorShape(None)
        return TensorShape(tuple(tuple.__iter__(self)) + tuple(tuple.__iter__(other)))

    def assert_same_rank(self, other) -> None:
        """Raise ValueError unless both ranks are known-equal or one is unknown."""
        other = as_shape(other)
        if self.ndims is not None and other.ndims is not None and self.ndims != other.ndims:
            raise DualgradValueError(f"Shapes {self} and {other} must have the same rank")

    def assert_has_rank(self, rank) -> None:
        """Raise ValueError unless the rank is unknown or `rank`."""
        if self.ndims not in (None, _index(rank, "rank")):
            raise DualgradValueError(f"Shape {self} must have rank {rank}")

    def with_rank(self, rank) -> TensorShape:
        """This shape, with an unknown rank made `rank` (ValueError for another known rank)."""
        rank = _index(rank, "rank")
        return self.merge_with(unknown_shape(rank)) if self.ndims in (None, rank) else \
            self._rank_error(f"must have rank {rank}")

    def with_rank_at_least(self, rank) -> TensorShape:
        """This shape, ValueError when its known rank is below `rank`."""
        rank = _index(rank, "rank")
        if self.ndims is not None and self.ndims < rank:
            self._rank_error(f"must have rank at least {rank}")
        return self

    def with_rank_at_most(self, rank) -> TensorShape:
        """This shape, ValueError when its known rank is above `rank`."""
        rank = _index(rank, "rank")
        if self.ndims is not None and self.ndims > rank:
            self._rank_error(f"must have rank at most {rank}")
        return self

    def _rank_error(self, text: str):
        raise DualgradValueError(f"Shape {self} {text}")

    def __repr__(self) -> str:
        if not self._known:
            return "TensorShape(None)"
        return f"TensorShape({[Dimension(d) for d in tuple.__iter__(self)]!r})"

    def __str__(self) -> str:
        if not self._known:
            return "<unknown>"
        dims = ", ".join("?" if d is None else str(d) for d in tuple.__iter__(self))
        return f"({dims},)" if super().__len__() == 1 else f"({dims})"


def unknown_shape(rank: int | None = None) -> TensorShape:
    """A shape of unknown rank, or of `rank` unknown dims (tf.TensorShape's helper)."""
    return TensorShape(None) if rank is None else TensorShape([None] * rank)


def as_shape(shape) -> TensorShape:
    """`shape` as a TensorShape (a TensorShape is returned as it is)."""
    return shape if isinstance(shape, TensorShape) else TensorShape(shape)


def plain(value):
    """`value` with TF1's shape objects made plain Python: a Dimension its int or None, a
    TensorShape a tuple of ints and None (None for an unknown rank), and lists/tuples holding
    them rebuilt; anything else is returned as it is (so the shape parsers read them)."""
    if isinstance(value, Dimension):
        return value.value
    if isinstance(value, TensorShape):
        return value._plain()
    if isinstance(value, (list, tuple)):
        out = [plain(v) for v in value]
        if all(a is b for a, b in zip(out, value, strict=True)):
            return value
        return out if isinstance(value, list) else tuple(out)
    return value


def _has_unknown(value) -> bool:
    if isinstance(value, Dimension):
        return value.value is None
    if isinstance(value, TensorShape):
        return not value.is_fully_defined()
    return isinstance(value, (list, tuple)) and any(_has_unknown(v) for v in value)


def known(value, where: str):
    """`plain(value)` for an argument with no unknown dims (an axis, a count, a size): an
    unknown Dimension or TensorShape is refused, naming `where`, never read as None."""
    if _has_unknown(value):
        raise ShapeError(f"{where}: got {value!r}, which has an unknown dim; only dims known when "
                         f"the graph is built can be used as values here (ds.shape(x) gives sizes "
                         f"known only at run time) {user_line()}")
    return plain(value)
