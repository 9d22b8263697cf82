"""TF1's shape promises: `ds.ensure_shape(x, shape)` and `Tensor.set_shape(shape)`.

Both merge `shape` into the tensor's static shape (TF1's `TensorShape.merge_with`: a ValueError
at the user's line when a known dim or the rank disagrees). A shape is only a promise about the
values the run will compute, so dualgrad also checks it there: the tensor is registered with
the graph's run-time checks (as `check_numerics` is) under a `ShapeCheck`, a flag computed from
the value's shape, and a run whose value does not fit raises `InvalidArgumentError` (TF1's
words for `ensure_shape`) before it commits anything. TF1 checks `ensure_shape` so, and
leaves a `set_shape` that lies unchecked (its static shape then disagrees with the values);
a fed tensor is checked against its new shape when it is fed, in both.
"""
from __future__ import annotations

from ..errors import InvalidArgumentError, ShapeError, user_frame, user_line
from .graph import Tensor
from .tensor_shape import TensorShape, as_shape, plain


class ShapeCheck(str):
    """The check message of a shape promise: `flag(value)` is whether the value's shape fits
    `shape` (known while jax traces, so no program work); a failed run raises `failure()`."""

    shape: tuple

    def flag(self, value) -> bool:
        got = tuple(getattr(value, "shape", ()))
        fits = len(got) == len(self.shape)
        return fits and all(d in (None, g) for d, g in zip(self.shape, got, strict=True))

    def failure(self) -> InvalidArgumentError:
        return InvalidArgumentError(str(self))


def merged(api: str, t: Tensor, shape) -> tuple | None:
    """`t`'s static shape merged with `shape` (TF1's merge_with), or a ShapeError in TF1's
    words naming `api` and the user's line."""
    want = as_shape(plain(shape) if not isinstance(shape, TensorShape) else shape)
    have = TensorShape(t.shape)
    if want.ndims is not None and have.ndims is not None:
        if want.ndims != have.ndims:
            raise ShapeError(f"{api}: Shapes must be equal rank, but are {have.ndims} and {want.ndims} "
                             f"(tensor {t.name}) {user_line()}")
        for i, (a, b) in enumerate(zip(have._plain(), want._plain(), strict=True)):
            if a is not None and b is not None and a != b:
                raise ShapeError(f"{api}: Dimension {i} in both shapes must be equal, but are {a} and {b}. "
                                 f"Shapes are {_tf(have._plain())} and {_tf(want._plain())} (tensor "
                                 f"{t.name}) {user_line()}")
    return have.merge_with(want)._plain()


def _tf(shape: tuple) -> str:
    """A shape as TF prints it: [3,?]."""
    return "[" + ",".join("?" if d is None else str(d) for d in shape) + "]"


def promise(t: Tensor, shape: tuple, api: str, where: str) -> None:
    """Register `t`'s run-time shape check (unless it already has a check: one per tensor)."""
    graph = t.graph
    if shape is None or t in graph.numeric_checks:
        return
    check = ShapeCheck(f"{api}: Shape of tensor {t.name} is not compatible with expected shape {_tf(shape)} "
                       f"({api} made at {where})")
    check.shape = shape
    graph.numeric_checks[t] = check


def ensure_shape(x, shape, name=None) -> Tensor:
    """`x`, with `shape` merged into its static shape, and a run where x's value does not have
    that shape fails (InvalidArgumentError) (tf.ensure_shape). Gradients pass through."""
    from .api import _tensor, identity

    t = _tensor(x)
    new = merged("ds.ensure_shape", t, shape)
    y = identity(t, name=name or "EnsureShape")
    y.graph.indexed_slices.pop(y, None)
    y.shape = new
    promise(y, new, "ds.ensure_shape", user_frame())
    return y


def set_shape(t: Tensor, shape) -> None:
    """Merge `shape` into `t`'s static shape in place (tf.Tensor.set_shape): ValueError when
    they disagree; a run that computes `t` with another shape fails (InvalidArgumentError)."""
    new = merged("Tensor.set_shape", t, shape)
    if new == t.shape:
        return
    t.shape = new
    promise(t, new, "Tensor.set_shape", user_frame())


def _set_shape_method(self, shape) -> None:
    """Merge `shape` into the static shape (tf.Tensor.set_shape): ValueError where they
    disagree; a run computing another shape fails (static/shape_checks.py)."""
    set_shape(self, shape)


_set_shape_method.__name__ = "set_shape"
Tensor.set_shape = _set_shape_method
