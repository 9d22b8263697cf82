"""More of TF1's top-level and `tf.math` names, as compositions of registry ops and existing
ds functions (so both Session backends and ds.gradients take them):

    arg_max, arg_min, reverse_v2, floor_div, accumulate_n, tensor_scatter_add/sub/update
                            TF1's other spellings of argmax, argmin, reverse, floordiv, add_n and
                            the tensor_scatter_nd_* functions
    truncatediv             the quotient rounded toward zero (ints: (x - fmod(x, y)) // y)
    tensor_scatter_nd_sub/max/min
                            tensor minus the updates, or its max/min with them (a segment max/min)
    repeat                  each element repeated along an axis: a take at build-time indices
    shape_n, identity_n, parallel_stack, scalar_mul
    broadcast_static_shape, broadcast_dynamic_shape
    clip_by_average_norm    clip_by_norm at clip_norm * size(t)
    batch_gather            gather with batch_dims = rank(indices) - 1
    unravel_index, invert_permutation
                            floor divisions by the strides; an argsort (run-time checks as TF1's)
The tf.math ones (reciprocal_no_nan, erfinv, erfcinv, zero_fraction, lbeta, ...) and the
data-dependent ones (setdiff1d, dynamic_partition, dynamic_stitch) are in tf_more_names2.py.
"""
from __future__ import annotations

import numbers

import numpy as np

from .. import ops
from ..errors import DTypeError, DualgradNotImplementedError, ShapeError, refusing, user_line
from ..ops.registry import promoted
from .api import _n, _tensor, _tensors, argmax, argmin, identity, reshape, shape, stack
from .convert import ArgumentError
from .creation import as_dtype, constant
from .graph import Tensor, get_default_graph
from .tensor_shape import TensorShape
from .tf_array_checks import _int
from .tf_ops import reduce_all

__all__ = [
    "accumulate_n", "arg_max", "arg_min", "batch_gather", "broadcast_dynamic_shape", "broadcast_static_shape",
    "clip_by_average_norm", "floor_div", "identity_n", "invert_permutation", "parallel_stack", "repeat",
    "reverse_v2", "scalar_mul", "shape_n", "tensor_scatter_add", "tensor_scatter_nd_max",
    "tensor_scatter_nd_min", "tensor_scatter_nd_sub", "tensor_scatter_sub", "tensor_scatter_update",
    "truncatediv", "unravel_index",
]


def _known(x) -> np.ndarray | None:
    """x's value when the graph is built (a constant, list or array), else None."""
    if isinstance(x, Tensor):
        return np.asarray(x.op.attrs["value"]) if x.op.type == "Const" else None
    return np.asarray(x)


def _checked(out: Tensor, ok: Tensor, message: str) -> Tensor:
    """`out`, read only after `ok` (a bool scalar) held when the graph runs (TF1's
    InvalidArgumentError otherwise)."""
    from .tf_asserts import Assert

    check = Assert(ok, [message])
    with get_default_graph().control_dependencies([check]):
        return identity(out)


def _int_tensor(fn: str, key: str, x, like=None) -> Tensor:
    t = _tensor(x, like=like)
    if t.dtype not in (as_dtype("int32"), as_dtype("int64")):
        raise DTypeError(f"ds.{fn}: {key} must be int32 or int64, got {t.dtype.name} {user_line()}")
    return t


# -- other spellings --------------------------------------------------------------------------------
def arg_max(input, dimension=None, name=None, output_type="int64"):  # noqa: A002
    """Index of the largest value along `dimension` (tf.arg_max, TF1's deprecated argmax)."""
    return argmax(input, axis=dimension, name=name, output_type=output_type)


def arg_min(input, dimension=None, name=None, output_type="int64"):  # noqa: A002
    """Index of the smallest value along `dimension` (tf.arg_min, TF1's deprecated argmin)."""
    return argmin(input, axis=dimension, name=name, output_type=output_type)


def reverse_v2(tensor, axis, name=None) -> Tensor:
    """`tensor` reversed along each dim in `axis` (tf.reverse_v2, ds.reverse)."""
    from .tf_extra import reverse

    return reverse(tensor, axis, name=name)


def floor_div(x, y, name=None) -> Tensor:
    """x // y rounded down (tf.floor_div, ds.floordiv)."""
    from .tf_math import floordiv

    return floordiv(x, y, name=name)


def accumulate_n(inputs, shape=None, tensor_dtype=None, name=None) -> Tensor:  # noqa: ARG001
    """The sum of the tensors in `inputs` (tf.math.accumulate_n, ds.add_n; shape and
    tensor_dtype are TF1's hints, not checked)."""
    from .add_n import add_n

    return add_n(inputs, name=name)


def tensor_scatter_add(tensor, indices, updates, name=None) -> Tensor:
    """`tensor` with `updates` added at `indices` (tf.tensor_scatter_add, tensor_scatter_nd_add)."""
    from .tf_scatter import tensor_scatter_nd_add

    return tensor_scatter_nd_add(tensor, indices, updates, name=name)


def tensor_scatter_update(tensor, indices, updates, name=None) -> Tensor:
    """`tensor` with `updates` written at `indices` (tf.tensor_scatter_update, tensor_scatter_nd_update)."""
    from .tf_scatter import tensor_scatter_nd_update

    return tensor_scatter_nd_update(tensor, indices, updates, name=name)


def tensor_scatter_nd_sub(tensor, indices, updates, name=None) -> Tensor:
    """`tensor` with `updates` subtracted at `indices`, each duplicate too (tf.tensor_scatter_nd_sub)."""
    from .tf_scatter import tensor_scatter_nd_add

    t = _tensor(tensor)
    return tensor_scatter_nd_add(t, indices, ops.negative(_tensor(updates, like=t)), name=name)


def tensor_scatter_sub(tensor, indices, updates, name=None) -> Tensor:
    """`tensor` with `updates` subtracted at `indices` (tf.tensor_scatter_sub, tensor_scatter_nd_sub)."""
    return tensor_scatter_nd_sub(tensor, indices, updates, name=name)


def _scatter_extremum(fn: str, segment, pick):
    def scatter(tensor, indices, updates, name=None) -> Tensor:
        from .tf_array_checks import _known_shape
        from .tf_scatter import _scatter_parts

        t = _tensor(tensor)
        dims = _known_shape(fn, t, "tensor")
        flat, rows, size, _rest = _scatter_parts(fn, indices, _tensor(updates, like=t), dims)
        # an untouched slot holds the dtype's lowest (max) or largest (min) value: t wins there
        return _n(pick(t, reshape(segment(rows, flat, num_segments=size), list(dims))), name)

    scatter.__name__ = fn
    return scatter


tensor_scatter_nd_max = _scatter_extremum("tensor_scatter_nd_max", ops.unsorted_segment_max, ops.maximum)
tensor_scatter_nd_max.__doc__ = "The max of `tensor` and the updates at `indices` (tf.tensor_scatter_nd_max)."
tensor_scatter_nd_min = _scatter_extremum("tensor_scatter_nd_min", ops.unsorted_segment_min, ops.minimum)
tensor_scatter_nd_min.__doc__ = "The min of `tensor` and the updates at `indices` (tf.tensor_scatter_nd_min)."


# -- arithmetic -------------------------------------------------------------------------------------
def truncatediv(x, y, name=None) -> Tensor:
    """x / y rounded toward zero, for integers and floats (tf.truncatediv); no gradient."""
    x, y = _tensors([x, y])
    for t in (x, y):
        if t.dtype.is_bool or not (t.dtype.is_integer or t.dtype.is_floating_point):
            raise DTypeError(f"ds.truncatediv: x and y must be numbers, got {x.dtype.name} and "
                             f"{y.dtype.name} {user_line()}")
    if x.dtype.is_floating_point:
        return _n(ops.trunc(ops.divide(x, y)), name)
    return _n(ops.floor_divide(ops.subtract(x, ops.fmod(x, y)), y), name)


def scalar_mul(scalar, x, name=None) -> Tensor:
    """scalar * x for a 0-D scalar (tf.scalar_mul, tf.math.scalar_mul)."""
    x = _tensor(x)
    s = _tensor(scalar, like=x)
    if s.shape is None or len(s.shape) != 0:
        raise ShapeError(f"ds.scalar_mul: scalar must be 0-D, got shape {s.shape} (x {x.shape}) "
                         f"{user_line()}")
    return _n(ops.multiply(s, x), name)


# -- shapes and stacking ----------------------------------------------------------------------------
def shape_n(input, out_type="int32", name=None) -> list:  # noqa: A002
    """The shape of each tensor in `input`, as 1-D int tensors (tf.shape_n)."""
    return [shape(x, out_type=out_type) for x in input]


def identity_n(input, name=None) -> list:  # noqa: A002
    """Each tensor of `input` passed through (tf.identity_n)."""
    return [identity(x) for x in input]


def parallel_stack(values, name="parallel_stack") -> Tensor:
    """The tensors of `values` stacked along a new first dim (tf.parallel_stack)."""
    return stack(values, 0, name=None if name == "parallel_stack" else name)


def _as_shape(fn: str, s) -> TensorShape:
    if isinstance(s, Tensor):
        raise DTypeError(f"ds.{fn}: takes TensorShapes (static shapes), got the tensor {s.name}; for "
                         f"shape tensors use ds.broadcast_dynamic_shape {user_line()}")
    return s if isinstance(s, TensorShape) else TensorShape(s)


def broadcast_static_shape(shape_x, shape_y) -> TensorShape:
    """The TensorShape that shapes x and y broadcast to, None where not known (tf.broadcast_static_shape)."""
    sx, sy = _as_shape("broadcast_static_shape", shape_x), _as_shape("broadcast_static_shape", shape_y)
    if sx.ndims is None or sy.ndims is None:
        return TensorShape(None)
    a, b = sx.as_list(), sy.as_list()
    n = max(len(a), len(b))
    a, b = [1] * (n - len(a)) + a, [1] * (n - len(b)) + b
    out = []
    for i, j in zip(a, b, strict=True):
        if i is None or j is None:  # (TF1: a known dim > 1 is taken, the program assumed right)
            out.append(i if i is not None and i > 1 else j if j is not None and j > 1 else None)
        elif i == 1 or j == 1 or i == j:
            out.append(j if i == 1 else i)
        else:
            raise ShapeError(f"ds.broadcast_static_shape: incompatible shapes for broadcasting: {sx} and "
                             f"{sy} {user_line()}")
    return TensorShape(out)


def broadcast_dynamic_shape(shape_x, shape_y) -> Tensor:
    """The shape that two 1-D int shape tensors broadcast to, as a tensor; incompatible shapes
    fail the run (tf.broadcast_dynamic_shape)."""
    fn = "broadcast_dynamic_shape"
    x = _int_tensor(fn, "shape_x", shape_x, like=shape_y if isinstance(shape_y, Tensor) else None)
    y = _int_tensor(fn, "shape_y", shape_y, like=x)
    if x.dtype is not y.dtype or x.shape is None or y.shape is None or len(x.shape) != 1 or \
            len(y.shape) != 1 or None in (x.shape[0], y.shape[0]):
        raise ShapeError(f"ds.{fn}: shape_x and shape_y must be 1-D of known length and one int dtype, got "
                         f"{x.dtype.name}{x.shape} and {y.dtype.name}{y.shape} {user_line()}")
    n = max(x.shape[0], y.shape[0])
    a, b = (ops.concatenate(constant(np.ones(n - t.shape[0], x.dtype.name)), t, axis=0) for t in (x, y))
    ok = reduce_all(ops.logical_or(ops.logical_or(ops.equal(a, 1), ops.equal(b, 1)), ops.equal(a, b)))
    return _checked(ops.where(ops.equal(a, 1), b, a), ok,
                    f"{fn}: incompatible shapes for broadcasting {user_line()}")


def clip_by_average_norm(t, clip_norm, name=None) -> Tensor:
    """t * clip_norm / max(||t||_2 / size(t), clip_norm): t clipped to an average L2 norm
    (tf.clip_by_average_norm)."""
    from .clipping import clip_by_norm

    x = _tensor(t)
    if not x.dtype.is_floating_point:
        raise DTypeError(f"ds.clip_by_average_norm: t must be a float tensor, got {x.dtype.name} "
                         f"{user_line()}")
    # (one dtype first: a float64 clip_norm beside a float32 t clips in float64, as clip_by_norm;
    # the count, a 0-d tensor, would not widen a float32 bound, as PyTorch's rule)
    wide, bound = promoted(x, clip_norm if isinstance(clip_norm, numbers.Number) else _tensor(clip_norm),
                           floating=True)
    count = ops.cast(ops.size(x), dtype=wide.dtype)
    return clip_by_norm(x, ops.multiply(bound, count), name=name)


def batch_gather(params, indices, name=None) -> Tensor:
    """params gathered per batch: gather with batch_dims = rank(indices) - 1 (tf.batch_gather)."""
    from .tf_ops import gather

    i = _tensor(indices)
    if i.shape is None or len(i.shape) < 1:
        raise ShapeError(f"ds.batch_gather: indices must have a known rank >= 1, got shape {i.shape} "
                         f"{user_line()}")
    b = len(i.shape) - 1
    return gather(params, i, batch_dims=b, axis=b, name=name) if b else gather(params, i, name=name)


# -- index arithmetic -------------------------------------------------------------------------------
def repeat(input, repeats, axis=None, name=None) -> Tensor:  # noqa: A002
    """Each element of `input` repeated `repeats` times along `axis` (flattened first when None)
    (tf.repeat); repeats are known when the graph is built, since they fix the result's size."""
    x = _tensor(input)
    r = _known(repeats)
    if r is None:
        raise DualgradNotImplementedError(f"ds.repeat: repeats must be known when the graph is built (they "
                                          f"fix the result's shape), got the tensor {repeats.name} "
                                          f"{user_line()}")
    if axis is None:
        x, a = reshape(x, [-1]), 0
    else:
        a = _int("repeat", "axis", axis)
    if x.shape is None or not -len(x.shape) <= a < len(x.shape) or x.shape[a] is None:
        raise ShapeError(f"ds.repeat: axis {axis} must be a dim of known size of input, got shape {x.shape} "
                         f"{user_line()}")
    size = x.shape[a]
    if r.dtype.kind not in "iu" or r.ndim > 1 or (r.ndim == 1 and r.size not in (1, size)) or np.any(r < 0):
        raise ArgumentError(f"ds.repeat: repeats must be ints >= 0, one or one per element along axis {axis} "
                            f"({size}), got {r.tolist()} (input shape {x.shape}) {user_line()}")
    picks = np.repeat(np.arange(size, dtype=np.int64), np.broadcast_to(r.reshape(-1), (size,)))
    return _n(ops.take(x, constant(picks), axis=a), name)


def unravel_index(indices, dims, name=None) -> Tensor:
    """The coordinates in an array of shape `dims` of each flat index, shape [len(dims)] +
    indices.shape; an index out of range fails the run (tf.unravel_index)."""
    fn = "unravel_index"
    i = _int_tensor(fn, "indices", indices, like=dims if isinstance(dims, Tensor) else None)
    d = _int_tensor(fn, "dims", dims, like=i)
    if d.dtype is not i.dtype or i.shape is None or len(i.shape) > 1 or d.shape is None or len(d.shape) != 1:
        raise ShapeError(f"ds.{fn}: indices must be 0-D or 1-D and dims 1-D, of one int dtype, got "
                         f"{i.dtype.name}{i.shape} and {d.dtype.name}{d.shape} {user_line()}")
    back = slice(None, None, -1)
    tail = ops.cast(ops.getitem(ops.cumprod(ops.getitem(d, key=(back,)), axis=0), key=(back,)), dtype=d.dtype)
    strides = ops.concatenate(tail[1:], constant(np.ones(1, i.dtype.name)), axis=0)  # prod(d[k + 1:])
    column = (lambda t: ops.expand_dims(t, axis=1)) if len(i.shape) else (lambda t: t)
    out = ops.remainder(ops.floor_divide(ops.expand_dims(i, axis=0) if len(i.shape) else i, column(strides)),
                        column(d))
    total = ops.cast(ops.prod(d), dtype=i.dtype)
    ok = reduce_all(ops.logical_and(ops.greater_equal(i, 0), ops.less(i, total)))
    return _n(_checked(out, ok, f"{fn}: an index is out of bounds of the dims {user_line()}"), name)


def invert_permutation(x, name=None) -> Tensor:
    """y with y[x[i]] = i for a permutation x of 0..n-1 (an argsort); anything else fails the
    run (tf.invert_permutation, tf.math.invert_permutation)."""
    fn = "invert_permutation"
    p = _int_tensor(fn, "x", x)
    if p.shape is None or len(p.shape) != 1:
        raise ShapeError(f"ds.{fn}: x must be 1-D, got shape {p.shape} {user_line()}")
    inverse = ops.cast(ops.argsort(p, axis=0), dtype=p.dtype)
    # a permutation sorted is 0, 1, ..., n - 1: its positions, the inverse's values read in order
    count = ops.cast(ops.cumsum(ops.cast(ops.equal(p, p), dtype=p.dtype), axis=0), dtype=p.dtype)
    ok = reduce_all(ops.equal(ops.take(p, inverse, axis=0), ops.subtract(count, 1)))
    return _n(_checked(inverse, ok, f"{fn}: x is not a permutation of 0..n-1 {user_line()}"), name)


# a raw numpy/Python error from a bad argument becomes the dualgrad error of its type, naming the
# function, its arguments and the user's line (as static/api.py does)
for _name in __all__:
    globals()[_name] = refusing(globals()[_name], _name)
