"""Integer class labels as the boolean mask the class losses take (`cross_entropy`, `nll_loss`).

`class_mask(labels, ignore_index, classes=C)` is each label's one-hot row over C classes (a
row of False where the label is `ignore_index`). A label outside 0..C-1 is PyTorch's
"Target ... is out of bounds" IndexError: numpy's kernel raises it; a jitted jax kernel
cannot, so the op's `LabelCheck` flags it for the front ends to raise once the result is
concrete (eager jax) or before a static run commits anything (ds.Session, dg.compile) — so a
compiled step with a bad label raises the eager error class and changes no state.
"""
from __future__ import annotations

import numpy as np

from ..backend import jax_numpy, x64
from ..errors import IndexShapeError, user_frame
from .lazy import sympy as sp
from .registry import Spec, declare, shape_error
from .symarray import SymArray


def out_of_bounds(xp, labels, ignore, classes: int):
    """True where a label is neither `ignore` nor a class in 0..classes-1."""
    return (labels != ignore) & ((labels < 0) | (labels >= classes))


def bounds_error(name: str, label: int, classes: int, where: str) -> IndexShapeError:
    return IndexShapeError(f"{name}: Target {label} is out of bounds (classes 0..{classes - 1}; "
                           f"at {where})")


def _axis(labels) -> int:
    """Where the class axis goes: after the batch dim (labels (N, d...) -> mask (N, C, d...))."""
    return min(1, len(labels.shape))


def all_classes(labels: np.ndarray, classes: int) -> bool:
    """Whether every numpy int64 label is a class in 0..classes-1, by one maximum reduction of
    their unsigned view (a negative int read as unsigned is past any class count; ~1 us less
    than a comparison and `any`); False for other dtypes, where it cannot tell."""
    return labels.dtype.kind == "i" and labels.dtype.itemsize == 8 and (
        not labels.size or np.maximum.reduce(labels.view(np.uint64), axis=None) < classes)


def any_out_of_bounds(labels: np.ndarray, ignore, classes: int) -> bool:
    """`out_of_bounds(...).any()` on numpy: one pass where no label is below 0 or past the
    classes."""
    if type(ignore) is int and all_classes(labels, classes):
        return False
    return bool(out_of_bounds(np, labels, ignore, classes).any())


def raise_out_of_bounds(name: str, labels: np.ndarray, ignore, classes: int) -> None:
    """PyTorch's "Target ... is out of bounds" IndexError, naming `name`, for the first numpy
    label outside 0..classes-1 (`ignore` aside); the full check, for where `all_classes` or
    `any_out_of_bounds` could not tell."""
    bad = out_of_bounds(np, labels, ignore, classes)
    if bad.any():
        raise bounds_error(name, int(np.asarray(labels)[bad].flat[0]), classes, user_frame())


def label_flags(xp, labels, ignore, classes: int):
    """A label check's flags (`BoundsCheck`): the labels out of 0..classes-1 (`ignore` aside)."""
    bad = out_of_bounds(xp, labels, ignore, classes).astype(labels.dtype)
    return xp.concatenate([bad.reshape(-1), labels.reshape(-1), xp.full((1,), classes, labels.dtype)])


def _kernel(xp, labels, ignore, *, classes: int):
    if xp is np:
        if any_out_of_bounds(labels, ignore, classes):
            raise_out_of_bounds("class_mask", labels, ignore, classes)
        if type(ignore) is int and not 0 <= ignore < classes and type(labels) is np.ndarray:
            # no label equals an ignore_index outside the classes: its rows are already all False
            axis = _axis(labels)
            ids = np.arange(classes).reshape((-1,) + (1,) * max(labels.ndim - 1, 0))
            return labels.reshape(labels.shape[:axis] + (1,) + labels.shape[axis:]) == ids
    axis = _axis(labels)
    ids = xp.arange(classes).reshape((-1,) + (1,) * max(labels.ndim - 1, 0))
    return (xp.expand_dims(labels, axis) == ids) & xp.expand_dims(labels != ignore, axis)


def _form(labels: SymArray, ignore: SymArray, *, classes: int) -> SymArray:
    axis = _axis(labels)

    def at(*index):
        label = labels.at(*index[:axis], *index[axis + 1:])
        return sp.And(sp.Eq(label, index[axis]), sp.Ne(label, ignore.at()))

    return SymArray(labels.shape[:axis] + (classes,) + labels.shape[axis:], at)


def _shape(op, labels: Spec, ignore: Spec, *, classes: int) -> Spec:
    if labels.dtype is not None and labels.dtype.is_floating_point:
        raise shape_error(op, [labels, ignore], "class labels must be integers")
    axis = _axis(labels)
    from .. import dtypes

    return Spec(tuple(labels.shape[:axis]) + (classes,) + tuple(labels.shape[axis:]), dtypes.bool_)


class BoundsCheck:
    """A jax kernel's bounds check, for the front ends to raise: `flags` (traced into a static
    program) is one int array, [out of range? per value..., value per value..., bound]; `error`
    is the error for the first flagged value (`message`), if any."""

    @staticmethod
    def message(name: str, value: int, bound: int, where: str) -> IndexShapeError:
        raise NotImplementedError

    @classmethod
    def error(cls, name: str, flags, shape: tuple, where: str) -> IndexShapeError | None:
        flags = np.asarray(flags)
        n = (flags.size - 1) // 2
        bad = flags[:n] != 0
        if not bad.any():
            return None
        return cls.message(name, int(flags[n:2 * n][bad][0]), int(flags[-1]), where)

    def raise_flagged(self, name: str, flags, where: str) -> None:
        error = self.error(name, flags, (), where)
        if error is not None:
            raise error


class LabelCheck(BoundsCheck):
    """class_mask's check: the labels out of 0..classes-1 (ignore_index aside)."""

    message = staticmethod(bounds_error)

    def __init__(self) -> None:
        self._jitted = None

    def flags(self, xp, out, labels, ignore, **attrs):
        return label_flags(xp, labels, ignore, out.shape[_axis(labels)])

    def verify(self, name: str, out, args, where, attrs: dict) -> None:
        if self._jitted is None:
            import jax

            self._jitted = jax.jit(lambda *v: self.flags(jax_numpy(), *v))
        with x64():
            flags = self._jitted(out, *args)
        self.raise_flagged(name, flags, where())


class_mask = declare(
    "class_mask", _kernel, sympy=_form, shape=_shape, nin=2, differentiable=False, check=LabelCheck(),
    domain=((0, 3), (-1, 3)),
    doc="labels (ints) -> their one-hot rows over `classes` (False where a label is "
        "ignore_index); a label outside 0..classes-1 raises IndexError (PyTorch's 'Target ... "
        "is out of bounds')")
