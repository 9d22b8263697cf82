"""TF1's ops on SparseTensors (`tf.sparse.*` and their v1 names), built from registry ops so
both backends run them and `ds.gradients` reaches the values and the dense operands:

    to_dense              take_add (the adjoint of gather) of the values at each entry's
                          row-major position, into zeros of the dense shape
    sparse_dense_matmul   the dense rows `b[col]` scaled by the values, take_add'ed into the
                          output rows `row`
    reduce_sum            take_add of the values at their position among the kept dims
    add (sparse + dense)  the dense tensor plus to_dense's scatter
    reorder, retain,      take of the entries in row-major order / those kept; new indices
    reshape               from each entry's row-major position
    from_dense            a tensor known when the graph is built: its nonzero entries

Every index is checked against the dense shape when the graph runs: an entry out of bounds
fails the run with `ds.errors.InvalidArgumentError` (TF1's kernels), its position replaced by 0
first so that no kernel reads outside an array before the check reports.
"""
from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np

from .. import ops
from ..errors import DTypeError, DualgradNotImplementedError, ShapeError, user_line
from .api import _n, _tensor
from .api import shape as _shape
from .creation import as_dtype, constant
from .graph import Tensor, get_default_graph
from .sparse_tensor import SparseTensor, SparseTensorValue
from .tf_ops import argsort, cumprod, cumsum, reduce_all

__all__ = ["add", "from_dense", "reduce_sum", "reorder", "reshape", "retain", "sparse_dense_matmul",
           "to_dense"]


# -- shared pieces --------------------------------------------------------------------------------
def sparse_input(fn: str, sp, arg: str = "sp_input") -> SparseTensor:
    """`sp` as a SparseTensor (a SparseTensorValue becomes constants), else TF1's TypeError."""
    if isinstance(sp, SparseTensorValue):
        return SparseTensor.from_value(sp)
    if not isinstance(sp, SparseTensor):
        raise DTypeError(f"ds.{fn}: {arg} must be a SparseTensor, got {type(sp).__name__} {user_line()}")
    return sp


def carrier_of(fn: str, sp: SparseTensor) -> Tensor:
    """The empty tensor whose shape is `sp`'s dense shape plus (0,) (sparse_tensor.py)."""
    if sp._carrier is None:
        raise DualgradNotImplementedError(
            f"ds.{fn}: the dense shape of {sp.values.name}'s SparseTensor must be known when the graph is "
            f"built (a list, an array or a constant dense_shape, or a ds.sparse_placeholder's), not "
            f"computed: a graph here has static shapes {user_line()}")
    return sp._carrier


def rank_of(fn: str, sp: SparseTensor, matrix: bool = False) -> int:
    """The dense rank, which the graph needs when it is built (2 when unknown for an op
    that takes matrices only)."""
    rank = sp.get_shape().ndims
    if rank is None and sp.indices._shape is not None:
        rank = sp.indices._shape[1]
    if rank is None and matrix:
        return 2
    if rank is None:
        raise ShapeError(f"ds.{fn}: the rank of the SparseTensor must be known when the graph is built "
                         f"(give ds.sparse_placeholder a shape) {user_line()}")
    return rank


def dense_zeros(carrier: Tensor, rank: int, keep, keepdims: bool = False) -> Tensor:
    """float32 zeros of the dense shape's dims `keep` (the others summed away, or kept as 1s)."""
    drop = tuple(a for a in range(rank) if a not in keep)
    if keepdims and drop:
        return ops.sum(ops.sum(carrier, axis=drop, keepdims=True), axis=-1)
    out = ops.sum(carrier, axis=(*drop, rank))
    if carrier._shape is None:  # (a sparse_placeholder of unknown rank, taken as of `rank`)
        out.set_shape((None,) * (rank - len(drop)))
    return out


def checked(fn: str, sp: SparseTensor, what: str = "sp_input") -> tuple:
    """(in_bounds [N] bool, indices with the rows out of bounds set to 0, values that wait
    for the run-time check that every index lies in [0, dense_shape))."""
    from .tf_asserts import Assert

    i = sp.indices
    inside = ops.logical_and(ops.greater_equal(i, 0), ops.less(i, sp.dense_shape))
    ok = reduce_all(inside, axis=1)
    check = Assert(reduce_all(ok), [f"ds.{fn}: an index of {what} is out of bounds: need 0 <= index < "
                                    "dense_shape"])
    with get_default_graph().control_dependencies([check]):
        values = ops.reshape_like(sp.values, sp.values)
    safe = ops.where(ops.expand_dims(ok, axis=-1), i, 0)
    return ok, safe, values


def run_check(fn: str, condition: Tensor, message: str, t: Tensor) -> Tensor:
    """`t`, computed after a run-time check of `condition` (InvalidArgumentError, TF1's)."""
    from .tf_asserts import Assert

    check = Assert(condition, [f"ds.{fn}: {message}"])
    with get_default_graph().control_dependencies([check]):
        return ops.reshape_like(t, t)


def positions(indices: Tensor, dims: Tensor) -> Tensor:
    """Each row's row-major position in a tensor of shape `dims` (int64)."""
    strides = cumprod(dims, exclusive=True, reverse=True)
    return ops.sum(ops.multiply(indices, strides), axis=1)


def _axes(fn: str, axis, rank: int) -> tuple:
    values = [axis] if isinstance(axis, (int, np.integer)) else list(np.asarray(axis).reshape(-1))
    out = []
    for a in values:
        if isinstance(a, (bool, np.bool_)) or not isinstance(a, (int, np.integer)) or not -rank <= a < rank:
            raise ShapeError(f"ds.{fn}: Invalid reduction dimension {a!r} for a SparseTensor of rank {rank} "
                             f"{user_line()}")
        if int(a) % rank in out:
            raise ShapeError(f"ds.{fn}: axis {int(a) % rank} is reduced twice {user_line()}")
        out.append(int(a) % rank)
    return tuple(sorted(out))


def _same_dtype(fn: str, sp: SparseTensor, dense: Tensor, what: str) -> None:
    if sp.dtype is not dense.dtype:
        raise DTypeError(f"ds.{fn}: the SparseTensor's values are {sp.dtype.name} and {what} is "
                         f"{dense.dtype.name}: they must have the same dtype {user_line()}")


# -- the ops ----------------------------------------------------------------------------------------
def to_dense(sp_input, default_value=None, validate_indices: bool = True, name=None) -> Tensor:
    """The dense tensor: values at their indices, `default_value` (0) elsewhere
    (tf.sparse.to_dense / tf.sparse_tensor_to_dense). With `validate_indices` a run whose
    indices are not in row-major order or repeat one fails, as TF1's; without it a repeated
    index keeps its last value (TF1's CPU kernel)."""
    fn = "sparse.to_dense"
    sp = sparse_input(fn, sp_input)
    carrier, rank = carrier_of(fn, sp), rank_of(fn, sp)
    ok, safe, values = checked(fn, sp)
    flat = positions(safe, sp.dense_shape)
    if validate_indices:
        increasing = reduce_all(ops.less(flat[:-1], flat[1:]))
        values = run_check(fn, increasing, "indices must be in row-major order with no index repeated "
                           "(validate_indices=True); use ds.sparse.reorder", values)
    else:  # a repeated position keeps its last entry: zero every entry a later one repeats
        later = ops.logical_and(ops.equal(ops.expand_dims(flat, axis=-1), flat),
                                ops.less(ops.expand_dims(_order(flat), axis=-1), _order(flat)))
        values = ops.where(reduce_all(ops.logical_not(later), axis=1), values, np.zeros((), sp.dtype.np))
    zeros = dense_zeros(carrier, rank, range(rank))
    like = ops.reshape(zeros, shape=(-1,))
    out = ops.take_add(values, like, flat, axis=0)
    if default_value is not None and not (isinstance(default_value, (int, float)) and default_value == 0):
        default = _tensor(default_value, like=sp.values)
        if default.dtype is not sp.dtype or default._shape not in ((), None):
            raise DTypeError(f"ds.{fn}: default_value must be a scalar of the values' dtype {sp.dtype.name}, "
                             f"got {default.dtype.name} of shape {default._shape} {user_line()}")
        written = ops.greater(ops.take_add(ops.cast(ok, dtype=as_dtype("float32")), like, flat, axis=0), 0)
        out = ops.where(written, out, default)
    return _n(ops.reshape_like(out, zeros), name)


def _order(flat: Tensor) -> Tensor:
    """0, 1, ..., N - 1 as int64, also for an N known only at run time."""
    return ops.subtract(cumsum(ops.cast(ops.equal(flat, flat), dtype=flat.dtype)), 1)


def sparse_dense_matmul(sp_a, b, adjoint_a: bool = False, adjoint_b: bool = False, name=None) -> Tensor:
    """The dense product of a rank-2 SparseTensor `sp_a` and a matrix `b`, either transposed
    first (tf.sparse.sparse_dense_matmul / tf.sparse_tensor_dense_matmul)."""
    fn = "sparse.sparse_dense_matmul"
    sp = sparse_input(fn, sp_a, "sp_a")
    carrier = carrier_of(fn, sp)
    if rank_of(fn, sp, matrix=True) != 2:
        raise ShapeError(f"ds.{fn}: sp_a must be a matrix, got dense shape {sp.get_shape()} {user_line()}")
    m = _tensor(b, like=sp.values)
    if m._shape is None or len(m._shape) != 2:
        raise ShapeError(f"ds.{fn}: b must be a matrix, got shape {m._shape} {user_line()}")
    _same_dtype(fn, sp, m, "b")
    if adjoint_b:
        m = ops.transpose(m, axes=(1, 0))
    out_axis, in_axis = (1, 0) if adjoint_a else (0, 1)
    inner = carrier._shape[in_axis] if carrier._shape is not None else None
    if None not in (inner, m._shape[0]) and inner != m._shape[0]:
        raise ShapeError(f"ds.{fn}: Cannot multiply A and B because inner dimension does not match: "
                         f"{inner} vs. {m._shape[0]} (sp_a {sp.get_shape()}, adjoint_a={adjoint_a}; b "
                         f"{tuple(m._shape)} after adjoint_b={adjoint_b}) {user_line()}")
    ok, safe, values = checked(fn, sp, "sp_a")
    rows, cols = safe[:, out_axis], safe[:, in_axis]
    if None in (inner, m._shape[0]):  # (else equal: checked above)
        k = _shape(m, out_type="int64")[0]
        values = run_check(fn, ops.equal(sp.dense_shape[in_axis], k),
                           "Cannot multiply A and B because inner dimension does not match", values)
        cols = ops.where(ops.less(cols, k), cols, 0)
    picked = ops.take(m, cols, axis=0)
    terms = ops.multiply(picked, ops.expand_dims(values, axis=-1))  # (N, P)
    width = ops.sum(ops.cast(m[:0], dtype=as_dtype("float32")), axis=0, keepdims=True)  # (1, P) zeros
    like = ops.add(ops.expand_dims(dense_zeros(carrier, 2, (out_axis,)), axis=-1), width)
    return _n(ops.take_add(terms, like, rows, axis=0), name)


def reduce_sum(sp_input, axis=None, keepdims=None, reduction_axes=None, keep_dims=None) -> Tensor:
    """The dense sum of the values along `axis` (all when None) (tf.sparse.reduce_sum /
    tf.sparse_reduce_sum): the entries at one position add, as TF1's."""
    fn = "sparse.reduce_sum"
    sp = sparse_input(fn, sp_input)
    axis = reduction_axes if axis is None else axis
    keep = bool(keep_dims if keepdims is None else keepdims)
    rank = rank_of(fn, sp)
    if axis is None:
        _, _, values = checked(fn, sp)
        total = ops.sum(values)
        return ops.reshape(total, shape=(1,) * rank) if keep else total
    if isinstance(axis, Tensor):
        raise DualgradNotImplementedError(f"ds.{fn}: axis must be known when the graph is built (ints), "
                                          f"not a tensor {user_line()}")
    carrier = carrier_of(fn, sp)
    axes = _axes(fn, axis, rank)
    kept = tuple(a for a in range(rank) if a not in axes)
    _, safe, values = checked(fn, sp)
    if kept:
        at = np.array(kept, np.int64)
        flat = positions(ops.take(safe, at, axis=1), ops.take(sp.dense_shape, at))
    else:
        flat = ops.multiply(safe[:, 0], 0)
    zeros = dense_zeros(carrier, rank, kept, keepdims=keep)
    out = ops.take_add(values, ops.reshape(zeros, shape=(-1,)), flat, axis=0)
    return ops.reshape_like(out, zeros)


def add(a, b, threshold=None, thresh=None) -> Tensor:
    """A SparseTensor plus a dense tensor of its dense shape, dense (tf.sparse.add /
    tf.sparse_add); entries at one position add. Two SparseTensors are refused."""
    fn = "sparse.add"
    a_sparse, b_sparse = (isinstance(x, (SparseTensor, SparseTensorValue)) for x in (a, b))
    if a_sparse and b_sparse:
        raise DualgradNotImplementedError(
            f"ds.{fn}: the sum of two SparseTensors has as many entries as their values give, and a graph "
            f"here has static shapes; add ds.sparse.to_dense(a) to b instead {user_line()}")
    if not (a_sparse or b_sparse):
        raise DTypeError(f"ds.{fn}: one of a and b must be a SparseTensor, got {type(a).__name__} and "
                         f"{type(b).__name__} {user_line()}")
    sp = sparse_input(fn, a if a_sparse else b, "a" if a_sparse else "b")
    dense = _tensor(b if a_sparse else a, like=sp.values)
    _same_dtype(fn, sp, dense, "the dense operand")
    known = sp.get_shape()
    if known.ndims is not None and dense._shape is not None and (len(dense._shape) != known.ndims or any(
            None not in (k, d) and k != d for k, d in zip(known.as_list(), dense._shape, strict=True))):
        raise ShapeError(f"ds.{fn}: the SparseTensor's dense shape {known.as_list()} and the dense "
                         f"operand's {dense._shape} differ {user_line()}")
    _, safe, values = checked(fn, sp)
    same = ops.equal(_shape(dense, out_type="int64"), sp.dense_shape)
    values = run_check(fn, reduce_all(same), "the dense operand's shape must be the dense_shape", values)
    flat = positions(safe, sp.dense_shape)
    flat = ops.where(ops.less(flat, ops.prod(_shape(dense, out_type="int64"))), flat, 0)  # (checked above)
    scattered = ops.take_add(values, ops.reshape(dense, shape=(-1,)), flat, axis=0)
    return ops.add(dense, ops.reshape_like(scattered, dense))


def _with(sp: SparseTensor, indices: Tensor, values: Tensor, carrier=None, dense_shape=None) -> SparseTensor:
    return SparseTensor.of_parts(indices, values, sp.dense_shape if dense_shape is None else dense_shape,
                                 sp._carrier if carrier is None else carrier)


def reorder(sp_input, name=None) -> SparseTensor:
    """The same SparseTensor with its entries in row-major order (tf.sparse.reorder); the
    order of entries at one position is kept."""
    fn = "sparse.reorder"
    sp = sparse_input(fn, sp_input)
    rank_of(fn, sp)
    order = argsort(positions(sp.indices, sp.dense_shape), stable=True)
    return _with(sp, ops.take(sp.indices, order, axis=0), _n(ops.take(sp.values, order, axis=0), name))


def retain(sp_input, to_retain) -> SparseTensor:
    """The entries where `to_retain` is True (tf.sparse.retain); `to_retain` must be known when
    the graph is built (the number of entries kept is a shape)."""
    fn = "sparse.retain"
    sp = sparse_input(fn, sp_input)
    mask = _known(fn, "to_retain", to_retain)
    n = sp.values._shape[0] if sp.values._shape is not None else None
    if mask.dtype != np.bool_ or mask.ndim != 1 or (n is not None and mask.shape[0] != n):
        raise ShapeError(f"ds.{fn}: to_retain must be a bool vector of one entry per value ({n}), got "
                         f"{mask.dtype} of shape {mask.shape} {user_line()}")
    keep = np.flatnonzero(mask).astype(np.int64)
    return _with(sp, ops.take(sp.indices, keep, axis=0), ops.take(sp.values, keep, axis=0))


def _known(fn: str, what: str, value) -> np.ndarray:
    if isinstance(value, Tensor):
        if value.op.type != "Const":
            raise DualgradNotImplementedError(
                f"ds.{fn}: {what} must be known when the graph is built (a list, an array or a constant), "
                f"got {value.name}: the entries it gives fix a shape, and a graph here has static shapes "
                f"{user_line()}")
        return np.asarray(value.op.attrs["value"])
    return np.asarray(value)


def reshape(sp_input, shape, name=None) -> SparseTensor:
    """The same entries in a dense tensor of `shape` (one dim may be -1), by their row-major
    positions (tf.sparse.reshape); the element counts must agree."""
    fn = "sparse.reshape"
    sp = sparse_input(fn, sp_input)
    rank_of(fn, sp)
    dims = [int(d) for d in _known(fn, "shape", shape).reshape(-1)]
    old = sp.get_shape()
    old_dims = old.as_list() if old.ndims is not None else [None]
    if dims.count(-1) > 1 or any(d < -1 for d in dims):
        raise ShapeError(f"ds.{fn}: shape may hold one -1 and dims >= 0, got {dims} {user_line()}")
    if -1 in dims:
        if None in old_dims:
            raise ShapeError(f"ds.{fn}: a -1 in shape {dims} needs the old dense shape known when the graph "
                             f"is built, got {old_dims} {user_line()}")
        rest = math.prod(d for d in dims if d != -1)
        if rest == 0 or math.prod(old_dims) % rest:
            raise ShapeError(f"ds.{fn}: cannot reshape a SparseTensor of shape {old_dims} into {dims} "
                             f"{user_line()}")
        dims[dims.index(-1)] = math.prod(old_dims) // rest
    if None not in old_dims and math.prod(old_dims) != math.prod(dims):
        raise ShapeError(f"ds.{fn}: cannot reshape a SparseTensor of shape {old_dims} into {dims}: "
                         f"{math.prod(old_dims)} and {math.prod(dims)} elements {user_line()}")
    new_shape = constant(np.array(dims, np.int64))
    flat = positions(sp.indices, sp.dense_shape)
    flat = run_check(fn, ops.equal(ops.prod(sp.dense_shape), math.prod(dims)),
                     f"the dense shape's element count must be that of {dims}", flat)
    strides = np.array([math.prod(dims[j + 1:]) for j in range(len(dims))], np.int64)
    sizes = np.array(dims, np.int64)
    new_indices = ops.remainder(ops.floor_divide(ops.expand_dims(flat, axis=-1), strides),
                                np.maximum(sizes, 1))
    carrier = constant(np.zeros((*dims, 0), np.float32))
    return _with(sp, new_indices, _n(ops.reshape_like(sp.values, sp.values), name), carrier, new_shape)


def from_dense(tensor, name=None) -> SparseTensor:
    """The nonzero entries of `tensor` (tf.sparse.from_dense); `tensor` must be known when the
    graph is built (how many entries there are is a shape)."""
    fn = "sparse.from_dense"
    x = _known(fn, "tensor", tensor)
    if x.ndim == 0:
        raise ShapeError(f"ds.{fn}: tensor must have rank >= 1, got a scalar {user_line()}")
    dtype = tensor.dtype if isinstance(tensor, Tensor) else None
    where = np.argwhere(x != 0).astype(np.int64)
    values = constant(x[tuple(where.T)], dtype=dtype, name=name)
    return SparseTensor(where.reshape(-1, x.ndim), values, np.array(x.shape, np.int64))


# TF1's v1 names at the top level (tf.sparse_tensor_to_dense, ...)
V1_NAMES = {"sparse_tensor_to_dense": to_dense, "sparse_tensor_dense_matmul": sparse_dense_matmul,
            "sparse_reduce_sum": reduce_sum, "sparse_add": add, "sparse_reorder": reorder,
            "sparse_retain": retain, "sparse_reshape": reshape}


def sparse_namespace() -> SimpleNamespace:
    """TF1's `tf.sparse` namespace."""
    from .sparse_tensor import sparse_placeholder

    return SimpleNamespace(SparseTensor=SparseTensor, SparseTensorValue=SparseTensorValue,
                           placeholder=sparse_placeholder, to_dense=to_dense, from_dense=from_dense,
                           sparse_dense_matmul=sparse_dense_matmul, matmul=sparse_dense_matmul,
                           reduce_sum=reduce_sum, add=add, reorder=reorder, retain=retain, reshape=reshape)
