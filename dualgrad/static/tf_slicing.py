"""TF1's `unstack` and `strided_slice`: getitem with a key fixed when the graph is built, so
their gradients are getitem's VJP."""

from __future__ import annotations

import numpy as np

from ..errors import DTypeError, DualgradNotImplementedError, ShapeError, user_line
from .api import _n, _tensor
from .convert import ArgumentError
from .graph import Tensor, get_default_graph
from .tensor_shape import known
from .tf_array_checks import _axis, _int

__all__ = [
    "strided_slice",
    "unstack",
]


def unstack(value, num=None, axis: int = 0, name: str = "unstack") -> list:
    """The slices of `value` along `axis`, a list of `num` tensors of rank one less (tf.unstack);
    the axis's size must be known (or given as `num`)."""
    x = _tensor(value)
    if x.shape is None:
        raise ShapeError(f"ds.unstack: the rank of value must be known {user_line()}")
    a = _axis("unstack", axis, len(x.shape))
    n = x.shape[a] if num is None else _int("unstack", "num", num)
    if n is None:
        raise ShapeError(
            f"ds.unstack: cannot infer num from shape {x.shape} (axis {a} is unknown); pass num {user_line()}"
        )
    if x.shape[a] is not None and n != x.shape[a]:
        raise ShapeError(
            f"ds.unstack: num={n} does not match the size {x.shape[a]} of axis {a} of shape "
            f"{x.shape} {user_line()}"
        )
    with get_default_graph().name_scope(name):
        return [x[(slice(None),) * a + (i,)] for i in range(n)]


def strided_slice(
    input_,
    begin,
    end,
    strides=None,
    begin_mask: int = 0,
    end_mask: int = 0,
    ellipsis_mask: int = 0,
    new_axis_mask: int = 0,
    shrink_axis_mask: int = 0,
    var=None,
    name=None,
) -> Tensor:
    """`input_[begin:end:strides]` spelled as TF1's `tf.strided_slice`: one entry of begin, end
    and strides per slice; bit i of a mask makes entry i whole (`begin_mask`, `end_mask`),
    `...` (`ellipsis_mask`), a new axis (`new_axis_mask`) or an index that removes its dim
    (`shrink_axis_mask`, at begin[i]). The bounds are Python ints, fixed when the graph is built."""
    fn = "strided_slice"
    x = _tensor(input_)
    lists = []
    for key, value in (("begin", begin), ("end", end), ("strides", strides)):
        if key == "strides" and value is None:
            value = [1] * len(lists[0])
        if isinstance(value, Tensor):
            raise DualgradNotImplementedError(
                f"ds.{fn}: {key} must be known when the graph is built (a list of "
                f"ints), not a tensor {user_line()}"
            )
        array = np.asarray(known(value, f"ds.{fn}: {key}"))  # (TF1's Dimension: its int)
        if array.ndim != 1 or (array.size and array.dtype.kind not in "iu"):
            raise DTypeError(f"ds.{fn}: {key} must be a 1-D list of ints, got {value!r} {user_line()}")
        lists.append([int(v) for v in array])
    b, e, s = lists
    if not len(b) == len(e) == len(s):
        raise ShapeError(
            f"ds.{fn}: begin, end and strides must have the same length, got {len(b)}, {len(e)} "
            f"and {len(s)} {user_line()}"
        )
    masks = {
        "begin_mask": begin_mask,
        "end_mask": end_mask,
        "ellipsis_mask": ellipsis_mask,
        "new_axis_mask": new_axis_mask,
        "shrink_axis_mask": shrink_axis_mask,
    }
    masks = {k: _int(fn, k, v) for k, v in masks.items()}
    if bin(masks["ellipsis_mask"]).count("1") > 1:
        raise ArgumentError(
            f"ds.{fn}: only one ellipsis is allowed, ellipsis_mask={ellipsis_mask} {user_line()}"
        )
    key: list = []
    for i in range(len(b)):
        if s[i] == 0:
            raise ArgumentError(f"ds.{fn}: strides[{i}] must be non-zero, got strides {s} {user_line()}")
        if masks["ellipsis_mask"] >> i & 1:
            key.append(Ellipsis)
        elif masks["new_axis_mask"] >> i & 1:
            key.append(None)
        elif masks["shrink_axis_mask"] >> i & 1:
            if s[i] < 0:  # (TF1's words; it refuses when the graph is built, or runs, as here)
                raise ArgumentError(f"ds.{fn}: only stride 1 allowed on non-range indexing: entry {i} "
                                    f"has shrink_axis_mask set and stride {s[i]} {user_line()}")
            key.append(b[i])
        else:
            key.append(
                slice(
                    None if masks["begin_mask"] >> i & 1 else b[i],
                    None if masks["end_mask"] >> i & 1 else e[i],
                    s[i],
                )
            )
    return _n(x[tuple(key)], name)
