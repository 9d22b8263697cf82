"""The class-index targets of `F.cross_entropy` / `F.nll_loss`: PyTorch's checks of their
shape and values, the boolean class mask of the general path, and the labels of the short
path (`ops.losses.nll_loss_at_labels`)."""
from __future__ import annotations

import numpy as np

from .. import dtypes
from ..backend import is_jax_array
from ..eager.tensor import Tensor
from ..errors import EagerDTypeError, ShapeError, user_line
from ..ops import labels as labels_op


def checked_labels(name: str, input: Tensor, target: Tensor, ignore_index: int) -> np.ndarray | None:
    """PyTorch's checks of the target's shape and values; the labels as a numpy array where
    they are concrete (None in a step dg.compile traces). The values are checked here where they
    are concrete (so the error names the loss); in a traced step, the registry op's check raises
    the same IndexError when the compiled step runs. A float or bool target is refused, as
    PyTorch refuses it (`[0.5, 1.]` read as classes gave a number)."""
    if target.dtype.is_floating_point or target.dtype == dtypes.bool_:
        raise EagerDTypeError(f"{name}: expected target dtype to be Long or Byte, but got "
                              f"{target.dtype.name} {user_line()}")
    axis = 1 if input.ndim >= 2 else 0
    expected = tuple(input.shape[:1]) + tuple(input.shape[2:]) if input.ndim >= 2 else ()
    shape = tuple(target.shape)
    if input.ndim >= 2 and shape and shape[0] != input.shape[0]:
        raise ShapeError(f"{name}: Expected input batch_size ({input.shape[0]}) to match target batch_size "
                         f"({shape[0]}). {user_line()}")
    if shape != expected:
        raise ShapeError(f"{name}: expected target of shape {expected} for input of shape "
                         f"{tuple(input.shape)}, got {shape} {user_line()}")
    data = target._data
    if not (isinstance(data, np.ndarray) or is_jax_array(data)):
        return None
    labels = np.asarray(data)
    classes = input.shape[axis]
    if labels_op.any_out_of_bounds(labels, ignore_index, classes):
        labels_op.raise_out_of_bounds(name, labels, ignore_index, classes)
    return labels


def class_mask(input: Tensor, target: Tensor, ignore_index: int) -> Tensor:
    """The boolean mask of each example's class (a row of False where ignored)."""
    return labels_op.class_mask(target, ignore_index, classes=input.shape[1 if input.ndim >= 2 else 0])


def short_labels(input: Tensor, target: Tensor, labels: np.ndarray | None, weight):
    """The labels operand of `ops.losses.nll_loss_at_labels`, or None for the mask path. The
    short path takes float32 or float64 (the mask path's float16 sums are its own) and a
    class weight that needs no gradient (PyTorch's nll_loss gives it none; the mask path
    does); its labels are the checked array where concrete, else the target itself (a step
    dg.compile traces: the op's check then raises a label out of range when the step runs;
    unsigned ints keep the mask path there). Its numbers are the mask path's bit for bit."""
    if input.dtype not in (dtypes.float32, dtypes.float64):
        return None
    if weight is not None and (not isinstance(weight, Tensor) or weight.requires_grad):
        return None
    if labels is not None:
        return labels
    return target if target.dtype in (dtypes.int32, dtypes.int64) else None
