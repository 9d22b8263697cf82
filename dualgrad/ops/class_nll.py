"""PyTorch's `nll_loss` kernel for integer class labels: -logp at each example's class, as
one op and its adjoint (`nll_at_labels`, `nll_at_labels_grad`), where the mask path
(`losses.nll_loss`) takes seven registry ops and a class mask built from the labels.

Classes sit on axis 1 of `logp` (axis 0 for one unbatched example); `labels` holds one class
per example (logp's shape without the class axis). An example whose label is `ignore_index`
counts for nothing: loss 0, gradient 0, and 'mean' divides by the examples kept (NaN where
none is, as PyTorch). Any other label outside 0..C-1 is PyTorch's "Target ... is out of
bounds" IndexError: the numpy kernels raise it; a jitted jax kernel cannot, so `LabelBounds`
flags it for the front ends. The numbers are the mask path's bit for bit (a kept example's
row of where-then-sum holds one value and zeros), which tests/nn/test_cross_entropy_fast_path.py
checks on both eager devices.
"""
from __future__ import annotations

import numpy as np

from ..errors import user_frame
from . import reductions as rd
from .labels import BoundsCheck, any_out_of_bounds, bounds_error, out_of_bounds
from .lazy import sympy as sp
from .registry import Spec, declare, dtype_error, shape_error
from .symarray import SymArray, SymbolicUnsupported, is_concrete


def _class_axis(logp) -> int:
    return 1 if len(logp.shape) >= 2 else 0


def _kept(xp, labels, ignore_index: int, classes: int):
    """The examples that count, as a bool array; None where all do (numpy only: a jax
    kernel is traced, so it always masks). The numpy kernels raise on a bad label here."""
    if xp is not np:
        return labels != ignore_index
    wide = labels.dtype.kind == "i" and labels.dtype.itemsize == 8 and labels.size
    if wide and not 0 <= ignore_index < classes:  # one pass: all in 0..C-1 (a negative int read
        if np.maximum.reduce(labels.view(np.uint64), axis=None) < classes:  # as unsigned is past
            return None  # any class count)
    if any_out_of_bounds(labels, ignore_index, classes):
        bad = out_of_bounds(np, labels, ignore_index, classes)
        raise bounds_error("nll_at_labels", int(labels[bad].flat[0]), classes, user_frame())
    kept = labels != ignore_index
    return None if kept.all() else kept


def _positions(xp, labels, kept):
    """The index key of each example's class in logp (class 0 for an ignored example)."""
    safe = labels if kept is None else xp.where(kept, labels, 0)
    if labels.ndim == 0:
        return (safe,)
    if labels.ndim == 1:
        return (np.arange(labels.shape[0]), safe)
    grids = np.indices(labels.shape, sparse=True)
    return (grids[0], safe, *grids[1:])


def _mean_of(xp, total, labels, kept):
    """total / -(the examples kept): NaN where none is, as PyTorch. On numpy a Python int
    divides (as the mask path's weak number: the same rounding), a numpy scalar by the
    operator (a ufunc call on a scalar costs ~1 us more)."""
    if xp is not np:
        return total / -xp.sum(kept).astype(total.dtype)
    count = labels.size if kept is None else int(np.count_nonzero(kept))
    if count and type(total) is not np.ndarray:
        return total / -count
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.divide(total, -count)


def _nll_kernel(xp, logp, labels, ignore_index=-100, mean=True):
    kept = _kept(xp, labels, ignore_index, logp.shape[_class_axis(logp)])
    picked = logp[_positions(xp, labels, kept)]
    if kept is not None:
        picked = xp.where(kept, picked, 0)
    if not mean:
        return xp.negative(picked)
    return _mean_of(xp, rd.sum_kernel(xp, picked), labels, kept)


def _nll_grad_kernel(xp, g, like, labels, ignore_index=-100, mean=True):
    kept = _kept(xp, labels, ignore_index, like.shape[_class_axis(like)])
    scale = _mean_of(xp, g, labels, kept) if mean else xp.negative(g)
    if kept is not None:
        scale = xp.where(kept, scale, 0)
    key = _positions(xp, labels, kept)
    if xp is np:
        out = np.zeros(like.shape, g.dtype)
        out[key] = scale
        return out
    return xp.zeros(like.shape, g.dtype).at[key].set(xp.broadcast_to(scale, labels.shape))


class LabelBounds(BoundsCheck):
    """The labels outside 0..C-1 (ignore_index aside), flagged in a jax program."""

    message = staticmethod(bounds_error)

    @staticmethod
    def flags(xp, out, *args, ignore_index=-100, mean=True):
        like, labels = args[-2:]  # (logp, labels) or (g, like, labels)
        classes = like.shape[_class_axis(like)]
        bad = out_of_bounds(xp, labels, ignore_index, classes).astype(labels.dtype)
        return xp.concatenate([bad.reshape(-1), labels.reshape(-1), xp.full((1,), classes, labels.dtype)])

    def verify(self, name: str, out, args, where, attrs: dict) -> None:
        like = np.broadcast_to(np.empty((), np.int8), args[-2].shape)  # (its shape only: no copy)
        self.raise_flagged(name, self.flags(np, None, like, np.asarray(args[-1]), **attrs), where())


# -- sympy forms (concrete labels) ------------------------------------------------------------
def _label(labels: SymArray, example: tuple) -> int:
    v = labels.at(*example)
    if not (is_concrete(example) and getattr(v, "is_Integer", False) or isinstance(v, (int, np.integer))):
        raise SymbolicUnsupported("nll_at_labels with symbolic labels")
    return int(v)


def _at_class(example: tuple, label: int, axis: int) -> tuple:
    return (*example[:axis], label, *example[axis:])


def _nll_form(logp: SymArray, labels: SymArray, ignore_index=-100, mean=True) -> SymArray:
    axis = _class_axis(logp)

    def loss(*example):
        label = _label(labels, example)
        return sp.Integer(0) if label == ignore_index else -logp.at(*_at_class(example, label, axis))

    if not mean:
        return SymArray(labels.shape, loss)
    examples = [e for e in np.ndindex(*labels.shape) if _label(labels, e) != ignore_index]
    return SymArray((), lambda: sum((loss(*e) for e in examples), sp.Integer(0)) / len(examples)
                    if examples else sp.nan)


def _nll_grad_form(g: SymArray, like: SymArray, labels: SymArray, ignore_index=-100, mean=True) -> SymArray:
    axis = _class_axis(like)
    count = sum(1 for e in np.ndindex(*labels.shape) if _label(labels, e) != ignore_index)

    def at(*i):
        if not is_concrete(i):
            raise SymbolicUnsupported("nll_at_labels_grad at a symbolic index")
        example = (*i[:axis], *i[axis + 1:])
        label = _label(labels, example)
        if label == ignore_index or label != int(i[axis]):
            return sp.Integer(0)
        return -g.at() / count if mean else -g.at(*example)

    return SymArray(like.shape, at)


# -- shape rules --------------------------------------------------------------------------------
def _examples(op, like: Spec, labels: Spec) -> tuple:
    """The labels' shape, checked against logp's without its class axis."""
    if labels.dtype is not None and not labels.dtype.is_integer:
        raise dtype_error(op, [like, labels], "labels must be integer class indices")
    if not like.shape:
        raise shape_error(op, [like, labels], "logp needs a class axis")
    axis = _class_axis(like)
    expected = (*like.shape[:axis], *like.shape[axis + 1:])
    if labels.shape is None:  # (a graph's labels of unknown rank: the kernel reads them)
        return expected
    if len(labels.shape) != len(expected) or any(
            a is not None and b is not None and a != b for a, b in zip(labels.shape, expected, strict=True)):
        raise shape_error(op, [like, labels], f"labels must be shaped like logp without its class axis "
                                              f"{tuple(expected)}")
    return tuple(labels.shape)


def _nll_shape(op, logp: Spec, labels: Spec, ignore_index=-100, mean=True) -> Spec:
    examples = _examples(op, logp, labels)
    return Spec(() if mean else examples, logp.dtype)


def _nll_grad_shape(op, g: Spec, like: Spec, labels: Spec, ignore_index=-100, mean=True) -> Spec:
    _examples(op, like, labels)
    return Spec(tuple(like.shape), g.dtype)


nll_at_labels = declare(
    "nll_at_labels", _nll_kernel,
    vjp=(lambda g, out, logp, labels, **attrs: nll_at_labels_grad(g, logp, labels, **attrs), None),
    sympy=_nll_form, shape=_nll_shape, nin=2, grad_name="NllLoss", reads=((1,), ()), check=LabelBounds(),
    domain=((-3.0, 3.0), (0, 3)),
    doc="-logp at each example's class label (0 where the label is ignore_index); with `mean`, "
        "their mean over the examples kept (PyTorch's nll_loss kernel, no weight)")
nll_at_labels_grad = declare(
    "nll_at_labels_grad", _nll_grad_kernel,
    vjp=(lambda gg, out, g, like, labels, **attrs: nll_at_labels(gg, labels, **attrs), None, None),
    sympy=_nll_grad_form, shape=_nll_grad_shape, nin=3, grad_name="NllLossBackward", reads=((2,), (), ()),
    check=LabelBounds(), domain=((-3.0, 3.0), (-3.0, 3.0), (0, 3)),
    doc="zeros shaped like logp with nll_at_labels' gradient at the labels' classes: its adjoint")
