"""TensorFlow 1's names for registry ops: `ds.reduce_mean(x, axis, keepdims)`, `ds.matmul`...

Each function maps TF's spelling (`axis`, `keepdims`, `perm`, `name=`, and the old aliases
`reduction_indices`, `keep_dims`) onto a registry op; none holds math.
"""
from __future__ import annotations

import inspect as _inspect
from collections.abc import Sequence

import numpy as np

from .. import ops
from ..aliases import DuplicateStaticArgumentError, resolve
from ..errors import DTypeError, ShapeError, refusing, user_frame, user_line
from .convert import ArgumentError
from .creation import as_dtype, convert_to_tensor, graph_operands
from .graph import Tensor, rename
from .sparse_rows import mark, slices_of
from .tensor_shape import known
from .true_coordinates import true_coordinates


def _n(t, name):
    return rename(t, name)


# -- elementwise --------------------------------------------------------------------------------
def add(x, y, name=None):
    """x + y elementwise, broadcasting (tf.add)."""
    return _n(ops.add(*graph_operands(x, y)), name)


def subtract(x, y, name=None):
    """x - y elementwise, broadcasting (tf.subtract / tf.sub)."""
    return _n(ops.subtract(*graph_operands(_no_bool("subtract", x), _no_bool("subtract", y))), name)


def multiply(x, y, name=None):
    """x * y elementwise, broadcasting (tf.multiply / tf.mul)."""
    return _n(ops.multiply(*graph_operands(x, y)), name)


def realdiv(x, y, name=None):
    """x / y of floats, broadcasting (tf.realdiv; `truediv`, `div` and `/` are in tf_math)."""
    return _n(ops.divide(*graph_operands(x, y)), name)


sub, mul = subtract, multiply


def negative(x, name=None):
    """-x elementwise (tf.negative / tf.neg); a bool x is refused by the op's shape rule."""
    return _n(ops.negative(_tensor(x)), name)


def _no_bool(fn: str, x):
    """TF1 refuses a bool on either side of a subtraction (the registry's rule only two bools,
    as PyTorch's): refused when the graph is built."""
    if isinstance(x, Tensor) and x.dtype.is_bool:
        raise DTypeError(f"ds.{fn}: bool tensors are not supported (use ds.logical_not / "
                         f"ds.logical_xor), got {x.name} {user_line()}")
    return x


neg = negative


def pow(x, y, name=None):  # noqa: A001 (TF's name)
    """x ** y elementwise, broadcasting (tf.pow)."""
    return _n(ops.power(*graph_operands(x, y)), name)


def square(x, name=None):
    """x * x elementwise (tf.square)."""
    return _n(ops.square(_tensor(x)), name)


def _tf1_extremum(op, x, y, keep_x):
    """`op(x, y)` (ops.maximum/minimum, which also check the operands) with TF1's gradient: x
    takes a tie's (ops' own rule, PyTorch's, splits it: tf.maximum(0.2 * x, x) at x = 0 would
    have the gradient 0.6, TF1's is 0.2). NaN in either gives NaN, as both do."""
    x, y = graph_operands(x, y)
    value = op(x, y)
    return ops.where(ops.equal(value, value), ops.where(keep_x(x, y), x, y), value)


def maximum(x, y, name=None):
    """The larger of x and y elementwise, broadcasting (tf.maximum); x takes a tie's gradient."""
    return _n(_tf1_extremum(ops.maximum, x, y, ops.greater_equal), name)


def minimum(x, y, name=None):
    """The smaller of x and y elementwise, broadcasting (tf.minimum); x takes a tie's gradient."""
    return _n(_tf1_extremum(ops.minimum, x, y, ops.less_equal), name)


def _compare(op):
    def f(x, y, name=None):
        return _n(op(*graph_operands(x, y)), name)

    f.__name__ = op.name
    f.__doc__ = f"tf.{op.name}: {op.doc}."
    return f


equal, not_equal, less, less_equal, greater, greater_equal = (
    _compare(o) for o in (ops.equal, ops.not_equal, ops.less, ops.less_equal, ops.greater,
                          ops.greater_equal))


def where(condition, x=None, y=None, name=None):
    """`condition ? x : y` elementwise (with broadcasting); the condition is bool, as TF1. A 1-D
    condition with x, y of higher rank picks whole rows, as TF1's `tf.where` (v1 Select): its
    length is their first dim (broadcast, it would pick columns of a square x). Without x and
    y: the coordinates of condition's True entries, int64 [n, rank], condition known when the
    graph is built (TF1's one-argument tf.where)."""
    condition = where_condition("where", condition, x, y)
    if x is None:
        return true_coordinates(condition, name)
    shapes = [t.shape if isinstance(t, Tensor) else np.shape(t) for t in (x, y)]
    rank = max(len(shape or ()) for shape in shapes)
    if condition.shape is not None and len(condition.shape) == 1 and rank > 1:
        firsts = {shape[0] for shape in shapes if shape is not None and len(shape) == rank} - {None}
        if condition.shape[0] is not None and firsts - {condition.shape[0]}:
            raise ShapeError(f"ds.where: a 1-D condition picks rows of x and y (TF1), so its length "
                             f"{condition.shape[0]} must be their first dim, got {sorted(firsts)} "
                             f"{user_line()}")
        condition = ops.expand_dims(condition, axis=tuple(range(1, rank)))
    if not isinstance(x, Tensor) and not isinstance(y, Tensor):
        # two numbers or arrays: constants of the dtype the graph declares (float32 for 1.5
        # and 2), so the run gives what the graph says (numpy's where of them is float64)
        declared = ops.where(condition, x, y).dtype
        x, y = convert_to_tensor(x, dtype=declared), convert_to_tensor(y, dtype=declared)
    return _n(ops.where(condition, x, y), name)


def where_condition(fn: str, condition, x, y):
    """`where`'s and `where_v2`'s condition: as given when x and y are both None (the
    coordinates form), else a bool graph tensor; x and y given together or not at all."""
    if x is None and y is None:
        return condition
    if x is None or y is None:
        raise ArgumentError(f"ds.{fn}: x and y must both be given or both be None {user_line()}")
    condition = _tensor(condition)
    if not condition.dtype.is_bool:
        raise DTypeError(f"ds.{fn}: condition must be bool, got {condition.dtype.name} {user_line()}")
    return condition


def cast(x, dtype, name=None):
    """`x` converted to `dtype`; `x` itself when it has that dtype already (tf.cast)."""
    x = _tensor(x)
    d = as_dtype(dtype)
    if d is x.dtype:
        return x
    return _n(ops.cast(x, dtype=d), name)


# -- reductions --------------------------------------------------------------------------------
def _axis(axis, reduction_indices, function: str = "reduce"):
    """`axis`, or TF1's older name `reduction_indices`; both given raises ValueError as TF1 does."""
    axis = resolve(function, "axis", axis, "reduction_indices", reduction_indices,
                   error=DuplicateStaticArgumentError)
    return _python_axes(axis)


def _python_axes(axis):
    """Axes as the registry takes them: a Python int or a tuple of ints. A numpy integer (from
    `np.argmax`, a numpy shape) or an integer array is TF1's too; kept as numpy, it passed the
    shape rule and then broke the gradient (`'numpy.int64' object is not iterable`)."""
    axis = known(axis, "axis")  # (TF1's Dimension: its int, never an unknown one as None)
    if isinstance(axis, np.integer):
        return int(axis)
    if isinstance(axis, np.ndarray) and axis.dtype.kind in "iu" and axis.ndim <= 1:
        return int(axis) if axis.ndim == 0 else tuple(int(a) for a in axis)
    if isinstance(axis, (list, tuple)):
        return tuple(int(a) if isinstance(a, np.integer) else a for a in axis)
    return axis


_TF_REDUCTION = {"amax": "max", "amin": "min"}  # registry name -> TF1's `reduce_*` name


def _reduction(op):
    def f(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
          keep_dims=None):
        keep = resolve(f.__name__, "keepdims", keepdims, "keep_dims", keep_dims,
                       error=DuplicateStaticArgumentError)
        if keep is not None and not isinstance(keep, (bool, np.bool_)):
            raise DTypeError(f"ds.{f.__name__}: keepdims must be a bool, got {keep!r} {user_line()}")
        keep = bool(keep)
        axis = _axis(axis, reduction_indices, f.__name__)
        return _n(op(_tensor(input_tensor), axis=axis, keepdims=keep), name)

    f.__name__ = f"reduce_{op.name}"
    f.__doc__ = f"tf.reduce_{_TF_REDUCTION.get(op.name, op.name)}: {op.doc}, all axes when `axis` is None."
    return f


reduce_sum, reduce_mean, reduce_prod = _reduction(ops.sum), _reduction(ops.mean), _reduction(ops.prod)
reduce_max, reduce_min = _reduction(ops.amax), _reduction(ops.amin)


def reduce_logsumexp(input_tensor, axis=None, keepdims=False, name=None):
    """log(sum(exp(x))) over `axis` (all axes when None), computed stably (tf.reduce_logsumexp)."""
    return _n(ops.logsumexp(_tensor(input_tensor), axis=_axis(axis, None), keepdims=keepdims), name)


def argmax(input, axis=None, name=None, dimension=None, output_type=None):  # noqa: A002
    """Index of the largest value along `axis` (TF1: axis 0 when not given), as int64."""
    axis = resolve("argmax", "axis", axis, "dimension", dimension, error=DuplicateStaticArgumentError)
    out = ops.argmax(_tensor(input), axis=0 if axis is None else axis)
    return _n(out if output_type is None else cast(out, _int_type("argmax", "output_type", output_type)),
              name)


def argmin(input, axis=None, name=None, dimension=None, output_type=None):  # noqa: A002
    """Index of the smallest value along `axis` (TF1: axis 0 when not given), as int64 (tf.argmin)."""
    axis = resolve("argmin", "axis", axis, "dimension", dimension, error=DuplicateStaticArgumentError)
    out = ops.argmin(_tensor(input), axis=0 if axis is None else axis)
    return _n(out if output_type is None else cast(out, _int_type("argmin", "output_type", output_type)),
              name)


# -- shapes --------------------------------------------------------------------------------------
def reshape(tensor, shape, name=None):
    """A new shape (one -1 infers a dim). `shape` is a Python sequence: a shape tensor (as
    TF1 allows) is not supported, since the registry's reshape takes its shape as an attr."""
    dims = known(shape, "ds.reshape: shape")  # (TF1's TensorShape and known Dimensions: their ints)
    if isinstance(dims, (int, np.integer)) and not isinstance(dims, (bool, np.bool_)):
        dims = (dims,)
    if not isinstance(dims, (list, tuple)) or not all(
            isinstance(d, (int, np.integer)) and not isinstance(d, (bool, np.bool_)) for d in dims):
        raise DTypeError(f"ds.reshape takes a Python shape (ints, one -1), got {shape!r} (at "
                         f"{user_frame()})")
    return _n(ops.reshape(_tensor(tensor), shape=tuple(int(d) for d in dims)), name)


def transpose(a, perm=None, name=None):
    """Dims permuted by `perm` (reversed when None) (tf.transpose)."""
    perm = None if perm is None else tuple(known(perm, "ds.transpose: perm"))
    return _n(ops.transpose(_tensor(a), axes=perm), name)


def expand_dims(input, axis, name=None):  # noqa: A002
    """A size-1 dim inserted at `axis` (tf.expand_dims)."""
    return _n(ops.expand_dims(_tensor(input), axis=_python_axes(axis)), name)


def squeeze(input, axis=None, name=None, squeeze_dims=None):  # noqa: A002
    """Size-1 dims removed (only `axis` if given; a non-1 dim there raises, as TF1) (tf.squeeze)."""
    axis = _python_axes(resolve("squeeze", "axis", axis, "squeeze_dims", squeeze_dims,
                                error=DuplicateStaticArgumentError))
    x = _tensor(input)
    out = ops.squeeze(x, axis=axis)  # checks the axes are dims of x
    if axis is not None and x.shape is not None:
        for a in (axis if isinstance(axis, tuple) else (axis,)):
            size = x.shape[a]
            if size is not None and size != 1:  # TF1 refuses; PyTorch would keep the dim
                raise ShapeError(f"ds.squeeze: Can not squeeze dim[{a}], expected a dimension of 1, got "
                                 f"{size} (input shape {x.shape}; at {user_frame()})")
    return _n(out, name)


def concat(values: Sequence, axis: int, name=None):
    """Tensors joined along an existing `axis` (tf.concat)."""
    values = _tensors(_nonempty("concat", values, "values"))
    return _n(ops.concatenate(*values, axis=known(axis, "ds.concat: axis")), name)


def stack(values: Sequence, axis: int = 0, name=None):
    """Tensors joined along a new `axis` (tf.stack)."""
    values = _tensors(_nonempty("stack", values, "values"))
    return _n(ops.stack(*values, axis=known(axis, "ds.stack: axis")), name)


def size(input, name=None, out_type=None):  # noqa: A002
    """The number of elements (known at run time for unknown dims), int32 unless `out_type`
    (int32 or int64) says otherwise, as TF1's."""
    out = ops.size(_tensor(input))
    return _n(cast(out, _int_type("size", "out_type", out_type or "int32")), name)


def shape(input, name=None, out_type=None):  # noqa: A002
    """The shape of `input` as a 1-D int32 tensor (a Const when fully known, else a 'Shape'
    op read at run time)."""
    from ..ops import Spec
    from .creation import constant

    x = _tensor(input)
    d = _int_type("shape", "out_type", out_type) if out_type is not None else as_dtype("int32")
    if x.shape is not None and None not in x.shape:
        return constant(list(x.shape), dtype=d, name=name or "Shape")
    rank = None if x.shape is None else len(x.shape)
    return x.graph.create_op("Shape", (x,), {"dtype": d}, (Spec((rank,), d),),
                             name=name or "Shape").outputs[0]


def one_hot(indices, depth: int, on_value=None, off_value=None, axis=None, dtype=None, name=None):
    """One-hot vectors along a new axis (`axis`, the last when None or -1): `on_value` (1) where
    the class equals the index, else `off_value` (0). As TF1, the dtype is `dtype`, else that
    of `on_value` or `off_value` (`on_value=7` gives int32), else float32."""
    depth = known(depth, "ds.one_hot: depth")  # (a known TF1 Dimension)
    if isinstance(depth, (bool, np.bool_)) or not isinstance(depth, (int, np.integer)):
        raise DTypeError(f"ds.one_hot: depth must be an int, got {depth!r} {user_line()}")
    if depth < 0:
        raise ArgumentError(f"ds.one_hot: depth must be >= 0, got {depth} {user_line()}")
    indices = _tensor(indices)
    if not indices.dtype.is_integer:
        raise DTypeError(f"ds.one_hot: indices must be integers, got {indices.dtype.name} (at "
                         f"{user_frame()})")
    given = [v for v in (on_value, off_value) if v is not None]
    d = as_dtype(dtype) if dtype is not None else _tensor(given[0]).dtype if given else as_dtype("float32")
    axis = -1 if axis is None else axis
    rank = len(indices.shape) if indices.shape is not None else None
    if axis != -1 and (rank is None or isinstance(axis, bool) or not isinstance(axis, (int, np.integer))
                       or not 0 <= axis <= rank):
        raise ShapeError(f"ds.one_hot: axis must be -1 or in [0, {rank}] for indices of shape "
                         f"{indices.shape}, got {axis!r} {user_line()}")
    place = rank if axis == -1 else int(axis)
    classes = np.arange(int(depth)).reshape((int(depth),) + (1,) * ((rank or 0) - place)) \
        if rank is not None else np.arange(int(depth))
    hit = ops.equal(ops.expand_dims(indices, axis=-1 if rank is None else place), classes)
    if on_value is None and off_value is None:
        return _n(ops.cast(hit, dtype=d), name)
    on, off = (1 if on_value is None else on_value), (0 if off_value is None else off_value)
    return _n(ops.cast(ops.where(hit, on, off), dtype=d), name)


def identity(input, name=None):  # noqa: A002
    """The same value as a new tensor (gradients pass through: a `reshape_like` to itself)."""
    x = _tensor(input)
    y = _n(ops.reshape_like(x, x), name or "Identity")
    parts = slices_of(x)
    return y if parts is None else mark(y, parts)  # TF1's identity keeps IndexedSlices


def check_numerics(tensor, message: str, name=None):
    """The same value; a run that computes it fails (committing nothing) when it holds a NaN
    or an infinity — TF1's `tf.debugging.check_numerics`. Gradients pass through."""
    if not isinstance(message, str):
        raise DTypeError(f"ds.check_numerics: message must be a str, got {message!r} {user_line()}")
    y = identity(tensor, name=name or "CheckNumerics")
    y.graph.indexed_slices.pop(y, None)  # TF1 checks a dense tensor
    y.graph.numeric_checks[y] = message
    return y


def stop_gradient(input, name=None):  # noqa: A002
    """The same value, but `ds.gradients` does not look through it (op type 'StopGradient',
    no registry op: a leaf for the walker)."""
    from ..ops import Spec

    x = _tensor(input)
    return x.graph.create_op("StopGradient", (x,), {}, (Spec(x.shape, x.dtype),),
                             name=name or "StopGradient").outputs[0]


# -- helpers --------------------------------------------------------------------------------------
def _nonempty(fn: str, values, what: str) -> list:
    if isinstance(values, Tensor) or not isinstance(values, (list, tuple)):
        raise DTypeError(f"ds.{fn}: {what} must be a list of tensors, got {type(values).__name__} (at "
                         f"{user_frame()})")
    if not values:
        raise ArgumentError(f"ds.{fn}: {what} must hold at least one tensor {user_line()}")
    return list(values)


def _int_type(fn: str, key: str, dtype):
    d = as_dtype(dtype)
    if d not in (as_dtype("int32"), as_dtype("int64")):
        raise DTypeError(f"ds.{fn}: {key} must be int32 or int64, got {d.name} {user_line()}")
    return d



def _tensor(x, like=None):
    if isinstance(x, Tensor):
        return x
    dtype = like.dtype if isinstance(like, Tensor) and not isinstance(x, Tensor) else None
    return convert_to_tensor(x, dtype=dtype)


def _tensors(values):
    values = list(values)
    first = next((v for v in values if isinstance(v, Tensor)), None)
    return [_tensor(v, like=first) for v in values]


# every public function: a raw numpy/Python error from a bad argument (`ds.sub(1, None)`) becomes
# the dualgrad error of its type, naming the function, its arguments and the user's line
for _name, _fn in list(globals().items()):
    if not _name.startswith("_") and _inspect.isfunction(_fn) and _fn.__module__ == __name__:
        globals()[_name] = refusing(_fn, _name)
