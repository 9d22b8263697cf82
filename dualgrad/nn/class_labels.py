"""The class-index targets of `F.cross_entropy` / `F.nll_loss`: PyTorch's checks of their
shape and values, the boolean class mask of the general path, and, where the labels are
concrete, each example's class position for the short path (`ops.losses.nll_at_positions`)."""
from __future__ import annotations

import numpy as np

from .. import dtypes
from ..backend import is_jax_array
from ..eager.tensor import Tensor
from ..errors import EagerDTypeError, ShapeError, user_frame, user_line
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
        bad = labels_op.out_of_bounds(np, labels, ignore_index, classes)
        raise labels_op.bounds_error(name, int(labels[bad].flat[0]), classes, user_frame())
    return labels


def class_mask(input: Tensor, target: Tensor, ignore_index: int) -> Tensor:
    """The boolean mask of each example's class (a row of False where ignored)."""
    return labels_op.class_mask(target, ignore_index, classes=input.shape[1 if input.ndim >= 2 else 0])


def class_positions(input: Tensor, labels: np.ndarray | None, weight, ignore_index: int):
    """`ops.losses.nll_at_positions`'s keyword arguments (`key`: each example's class position
    in `input` as an index key; `count`: the examples kept; `kept`: their mask, or None where
    all are) where the labels are concrete and no weight is given: then each kept example
    counts once, and the loss is -logp at these positions (the mask path's numbers in fewer
    ops). None otherwise, and where every example is ignored (the general mask path)."""
    if labels is None or weight is not None or input.dtype not in (dtypes.float32, dtypes.float64):
        return None
    ignored = labels == ignore_index
    count, kept = labels.size, None
    if ignored.any():
        count = labels.size - int(np.count_nonzero(ignored))
        if not count:
            return None
        kept = ~ignored  # (a numpy operand: bind reads it on either device)
        labels = np.where(ignored, 0, labels)  # (any class: `kept` zeroes these examples)
    if labels.ndim == 0:
        return {"key": (int(labels),), "count": count, "kept": kept}
    if labels.dtype.kind != "i":  # (a uint8 index array would be read as a mask)
        labels = labels.astype(np.intp)
    if labels.ndim == 1:
        return {"key": (np.arange(labels.shape[0]), labels), "count": count, "kept": kept}
    grids = np.indices(labels.shape, sparse=True)
    return {"key": (grids[0], labels, *grids[1:]), "count": count, "kept": kept}
