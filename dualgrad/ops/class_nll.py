"""PyTorch's `nll_loss` kernel for integer class labels: -logp * weight at each example's
class, as one op and its adjoint (`nll_at_labels`, `nll_at_labels_grad`), where the mask path
(`losses.nll_loss`) takes seven to eleven registry ops and a class mask built from the labels.

Classes sit on axis 1 of `logp` (axis 0 for one unbatched example); `labels` holds one class
per example (logp's shape without the class axis); `weight` is one per class, or the number 1
for none (it gets no gradient: PyTorch's nll_loss has none for it). An example whose label is
`ignore_index` counts for nothing: loss 0, gradient 0, and 'mean' divides by the kept
examples' total weight (NaN where none is kept, as PyTorch). Any other label outside 0..C-1
is PyTorch's "Target ... is out of bounds" IndexError: the numpy kernels raise it; a jitted
jax kernel cannot, so `LabelBounds` flags it for the front ends. The numbers are the mask
path's bit for bit (a kept example's row of where-then-sum holds one value and zeros), which
tests/nn/test_cross_entropy_fast_path.py checks on both eager devices.
"""
from __future__ import annotations

import numpy as np

from ..errors import DTypeError, user_frame
from . import reductions as rd
from .labels import BoundsCheck, all_classes, bounds_error, label_flags, raise_out_of_bounds
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
    inside = all_classes(labels, classes)  # (one pass, the common case)
    if inside and not 0 <= ignore_index < classes:
        return None  # nothing ignored, nothing out of bounds
    if not inside:
        raise_out_of_bounds("nll_at_labels", labels, ignore_index, classes)
    kept = labels != ignore_index
    return None if kept.all() else kept


def _positions(xp, labels, kept) -> tuple:
    """(the index key of each example's class in logp, the labels it reads: class 0 for an
    ignored example)."""
    safe = labels if kept is None else xp.where(kept, labels, 0)
    if labels.ndim == 0:
        return (safe,), safe
    if labels.ndim == 1:
        return (np.arange(labels.shape[0]), safe), safe
    grids = np.indices(labels.shape, sparse=True)
    return (grids[0], safe, *grids[1:]), safe


def _same_dtype(name: str, what: str, a, dtype) -> None:
    """Refuse `a` (the weight, the incoming gradient) in another dtype than logp's, as the
    shape rule does on a graph and PyTorch's nll kernels do: a float16 weight's total summed
    in float16 beside a float64 loss gave a mean of 3.0012 for 3."""
    if a.dtype != dtype:
        raise DTypeError(f"{name}: {what} must have logp's dtype {np.dtype(dtype).name}, got "
                         f"{np.dtype(a.dtype).name} (at {user_frame()})")


def _example_weights(xp, weight, safe, dtype, name: str):
    """Each example's class weight; None for the number 1 (no weight: nothing to multiply)."""
    if type(weight) in (int, float):
        return None if weight == 1 else xp.full(safe.shape, weight, dtype)
    _same_dtype(name, "weight", weight, dtype)
    return weight[safe] if weight.ndim else xp.broadcast_to(weight, safe.shape)


def _divided(xp, total, denominator):
    """total / -denominator: NaN where it is 0 (no example kept), as PyTorch. On numpy a
    numpy scalar divides by the operator (a ufunc call on a scalar costs ~1 us more)."""
    if xp is np and denominator and type(total) is not np.ndarray:
        return total / -denominator
    with np.errstate(divide="ignore", invalid="ignore"):
        return xp.divide(total, -denominator)


def _denominator(xp, labels, kept, weights, dtype):
    """What 'mean' divides by: the examples kept, or the sum of their weights (PyTorch's)."""
    if weights is not None:
        return rd.sum_kernel(xp, weights if kept is None else xp.where(kept, weights, 0))
    if xp is not np:
        return xp.sum(kept).astype(dtype)
    return labels.size if kept is None else int(np.count_nonzero(kept))


def _nll_kernel(xp, logp, labels, weight, ignore_index=-100, mean=True):
    kept = _kept(xp, labels, ignore_index, logp.shape[_class_axis(logp)])
    key, safe = _positions(xp, labels, kept)
    picked = logp[key]
    weights = _example_weights(xp, weight, safe, logp.dtype, "nll_at_labels")
    if weights is not None:
        picked = picked * weights  # (the mask path's product logp * w, read at the label)
    if kept is not None:
        picked = xp.where(kept, picked, 0)
    if not mean:
        return xp.negative(picked)
    return _divided(xp, rd.sum_kernel(xp, picked), _denominator(xp, labels, kept, weights, logp.dtype))


def _nll_grad_kernel(xp, g, like, labels, weight, ignore_index=-100, mean=True):
    _same_dtype("nll_at_labels_grad", "the gradient", g, like.dtype)
    kept = _kept(xp, labels, ignore_index, like.shape[_class_axis(like)])
    key, safe = _positions(xp, labels, kept)
    weights = _example_weights(xp, weight, safe, g.dtype, "nll_at_labels_grad")
    scale = _divided(xp, g, _denominator(xp, labels, kept, weights, g.dtype)) if mean else xp.negative(g)
    if weights is not None:
        scale = scale * weights
    if kept is not None:
        scale = xp.where(kept, scale, 0)
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
        like, labels = args[-3:-1]  # (logp, labels, weight) or (g, like, labels, weight)
        return label_flags(xp, labels, ignore_index, like.shape[_class_axis(like)])

    def verify(self, name: str, out, args, where, attrs: dict) -> None:
        like = np.broadcast_to(np.empty((), np.int8), args[-3].shape)  # (its shape only: no copy)
        self.raise_flagged(name, self.flags(np, None, like, np.asarray(args[-2]), None, **attrs), where())


# -- sympy forms (concrete labels) ------------------------------------------------------------
def _label(labels: SymArray, example: tuple) -> int:
    v = labels.at(*example)
    if not (is_concrete(example) and getattr(v, "is_Integer", False) or isinstance(v, (int, np.integer))):
        raise SymbolicUnsupported("nll_at_labels with symbolic labels")
    return int(v)


def _at_class(example: tuple, label: int, axis: int) -> tuple:
    return (*example[:axis], label, *example[axis:])


def _weight_at(weight: SymArray, label: int):
    return weight.at(label) if weight.ndim else weight.at()


def _nll_form(logp: SymArray, labels: SymArray, weight: SymArray, ignore_index=-100, mean=True) -> SymArray:
    axis = _class_axis(logp)

    def loss(*example):
        label = _label(labels, example)
        if label == ignore_index:
            return sp.Integer(0)
        return -logp.at(*_at_class(example, label, axis)) * _weight_at(weight, label)

    if not mean:
        return SymArray(labels.shape, loss)
    kept = [e for e in np.ndindex(*labels.shape) if _label(labels, e) != ignore_index]
    total = sum((_weight_at(weight, _label(labels, e)) for e in kept), sp.Integer(0))
    return SymArray((), lambda: sum((loss(*e) for e in kept), sp.Integer(0)) / total if kept else sp.nan)


def _nll_grad_form(g: SymArray, like: SymArray, labels: SymArray, weight: SymArray, ignore_index=-100,
                   mean=True) -> SymArray:
    axis = _class_axis(like)
    kept = [e for e in np.ndindex(*labels.shape) if _label(labels, e) != ignore_index]
    total = sum((_weight_at(weight, _label(labels, e)) for e in kept), sp.Integer(0))

    def at(*i):
        if not is_concrete(i):
            raise SymbolicUnsupported("nll_at_labels_grad at a symbolic index")
        example = (*i[:axis], *i[axis + 1:])
        label = _label(labels, example)
        if label == ignore_index or label != int(i[axis]):
            return sp.Integer(0)
        return (-g.at() / total if mean else -g.at(*example)) * _weight_at(weight, label)

    return SymArray(like.shape, at)


# -- shape rules --------------------------------------------------------------------------------
def _examples(op, like: Spec, labels: Spec, weight: Spec) -> tuple:
    """The labels' shape, checked against logp's without its class axis; the weight's, one
    number or one per class, in logp's dtype."""
    specs = [like, labels, weight]
    if labels.dtype is not None and not labels.dtype.is_integer:
        raise dtype_error(op, specs, "labels must be integer class indices")
    if not like.shape:
        raise shape_error(op, specs, "logp needs a class axis")
    axis = _class_axis(like)
    if weight.shape is not None and tuple(weight.shape) not in ((), (like.shape[axis],)):
        raise shape_error(op, specs, f"weight must be one number or one per class ({like.shape[axis]})")
    if not weight.weak and weight.dtype is not None and like.dtype is not None and weight.dtype != like.dtype:
        raise dtype_error(op, specs, "weight must have logp's dtype")
    expected = (*like.shape[:axis], *like.shape[axis + 1:])
    if labels.shape is None:  # (a graph's labels of unknown rank: the kernel reads them)
        return expected
    if len(labels.shape) != len(expected) or any(
            a is not None and b is not None and a != b for a, b in zip(labels.shape, expected, strict=True)):
        raise shape_error(op, specs, f"labels must be shaped like logp without its class axis "
                                     f"{tuple(expected)}")
    return tuple(labels.shape)


def _nll_shape(op, logp: Spec, labels: Spec, weight: Spec, ignore_index=-100, mean=True) -> Spec:
    examples = _examples(op, logp, labels, weight)
    return Spec(() if mean else examples, logp.dtype)


def _nll_grad_shape(op, g: Spec, like: Spec, labels: Spec, weight: Spec, ignore_index=-100,
                    mean=True) -> Spec:
    _examples(op, like, labels, weight)
    if g.dtype is not None and like.dtype is not None and not g.weak and g.dtype != like.dtype:
        raise dtype_error(op, [g, like, labels, weight], "the gradient must have logp's dtype")
    return Spec(tuple(like.shape), like.dtype)


nll_at_labels = declare(
    "nll_at_labels", _nll_kernel,
    vjp=(lambda g, out, logp, labels, weight, **attrs: nll_at_labels_grad(g, logp, labels, weight, **attrs),
         None, None),
    sympy=_nll_form, shape=_nll_shape, nin=3, grad_name="NllLoss", reads=((1, 2), (), ()),
    check=LabelBounds(), domain=((-3.0, 3.0), (0, 3), (0.2, 2.0)),
    doc="-logp * weight at each example's class label (0 where the label is ignore_index); with "
        "`mean`, their sum over the kept examples' total weight (PyTorch's nll_loss kernel; the "
        "number 1 for no weight; the weight gets no gradient, as PyTorch's)")
nll_at_labels_grad = declare(
    "nll_at_labels_grad", _nll_grad_kernel,
    vjp=(lambda gg, out, g, like, labels, weight, **attrs: nll_at_labels(gg, labels, weight, **attrs),
         None, None, None),
    sympy=_nll_grad_form, shape=_nll_grad_shape, nin=4, grad_name="NllLossBackward",
    reads=((2, 3), (), (), ()), check=LabelBounds(), domain=((-3.0, 3.0), (-3.0, 3.0), (0, 3), (0.2, 2.0)),
    doc="zeros shaped like logp with nll_at_labels' gradient at the labels' classes: its adjoint")
