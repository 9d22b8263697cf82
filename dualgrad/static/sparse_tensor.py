"""TF1's `SparseTensor`, `SparseTensorValue` and `sparse_placeholder`.

A SparseTensor is a Python object over three graph tensors, as in TF1: `indices` (int64
[N, rank]), `values` ([N]) and `dense_shape` (int64 [rank]). A graph here has static shapes
(one XLA program per call shape), so the ops that build a dense result (`sparse.to_dense`,
`sparse_dense_matmul`, ...) need the dense shape as a *shape*, not only as a value: each
SparseTensor keeps a `carrier`, a float32 tensor of shape `dense_shape + (0,)` (no elements),
whose sums over its last axis give zeros of the dense shape (or of part of it). For a known
dense shape it is a constant; a `sparse_placeholder` feeds it, from the fed `dense_shape`, so
a fed batch size is one more call shape, as a fed dense batch is. Fetching a SparseTensor
returns a `SparseTensorValue` (`fetch_adapter`); feeding one (or an (indices, values,
dense_shape) tuple) to a SparseTensor feeds its parts (`expanded_feeds`, which Session.run
calls only for a key that is a SparseTensor).
"""
from __future__ import annotations

import collections

import numpy as np

from .. import ops
from ..errors import DTypeError, FeedError, ShapeError, user_line
from .creation import as_dtype, constant, convert_to_tensor, placeholder
from .graph import Tensor, get_default_graph
from .tensor_shape import TensorShape

__all__ = ["SparseTensor", "SparseTensorValue", "sparse_placeholder"]

SparseTensorValue = collections.namedtuple("SparseTensorValue", ["indices", "values", "dense_shape"])
SparseTensorValue.__doc__ = "What Session.run returns for a fetched SparseTensor, and what feeds one (TF1's)."


class SparseTensor:
    """`ds.SparseTensor(indices, values, dense_shape)`: `values[i]` at position `indices[i]`
    of a tensor of `dense_shape`, zero elsewhere (tf.SparseTensor)."""

    def __init__(self, indices, values, dense_shape):
        with get_default_graph().name_scope("SparseTensor"):
            self.indices = _int64("indices", indices)
            self.values = values if isinstance(values, Tensor) else convert_to_tensor(values, name="values")
            self.dense_shape = _int64("dense_shape", dense_shape)
        self._carrier = None
        known = _known_dims(self.dense_shape)
        if known is not None:
            self._carrier = constant(np.zeros((*known, 0), np.float32))
        _check_parts(self)

    @classmethod
    def from_value(cls, value) -> SparseTensor:
        """A SparseTensor of constants from a `SparseTensorValue` (tf.SparseTensor.from_value)."""
        if isinstance(value, SparseTensor):
            return value
        if not isinstance(value, SparseTensorValue):
            raise DTypeError(f"ds.SparseTensor.from_value: expected a SparseTensorValue, got "
                             f"{type(value).__name__} {user_line()}")
        return cls(np.asarray(value.indices, np.int64), value.values, np.asarray(value.dense_shape, np.int64))

    # -- what TF1's SparseTensor shows ----------------------------------------------------------
    @property
    def dtype(self):
        """The values' dtype."""
        return self.values.dtype

    @property
    def graph(self):
        """The graph the three tensors belong to."""
        return self.values.graph

    @property
    def op(self):
        """The op making `values` (tf.SparseTensor.op)."""
        return self.values.op

    @property
    def shape(self) -> TensorShape:
        """The dense shape as far as it is known when the graph is built (tf.SparseTensor.shape)."""
        return self.get_shape()

    def get_shape(self) -> TensorShape:
        """The dense shape as far as it is known when the graph is built, as a `ds.TensorShape`."""
        if self._carrier is not None:
            carried = self._carrier._shape
            return TensorShape(None if carried is None else carried[:-1])
        rank = self.dense_shape._shape[0] if self.dense_shape._shape is not None else None
        return TensorShape(None if rank is None else (None,) * rank)

    @property
    def rank(self) -> int | None:
        """The number of dims of the dense tensor, None when unknown."""
        return self.get_shape().ndims

    def eval(self, feed_dict=None, session=None) -> SparseTensorValue:
        """This SparseTensor's value in `session` (default: the current default session)."""
        from .defaults import default_session

        return (session or default_session()).run(self, feed_dict)

    def fetch_adapter(self) -> tuple:
        """(the three tensors, make(values) -> SparseTensorValue): how Session.run fetches it."""
        return [self.indices, self.values, self.dense_shape], lambda v: SparseTensorValue(*v)

    def __repr__(self) -> str:
        return (f"SparseTensor(indices={self.indices}, values={self.values}, "
                f"dense_shape={self.dense_shape})")

    def with_values(self, new_values) -> SparseTensor:
        """The same indices and dense shape with other values (tf.SparseTensor.with_values)."""
        values = new_values if isinstance(new_values, Tensor) else convert_to_tensor(new_values)
        out = SparseTensor.of_parts(self.indices, values, self.dense_shape, self._carrier)
        _check_parts(out)
        return out

    @classmethod
    def of_parts(cls, indices: Tensor, values: Tensor, dense_shape: Tensor,
                 carrier: Tensor | None) -> SparseTensor:
        """A SparseTensor of graph tensors already made, with the carrier of its dense shape
        (the module docstring); the ops in sparse_ops.py make theirs so."""
        out = cls.__new__(cls)
        out.indices, out.values, out.dense_shape, out._carrier = indices, values, dense_shape, carrier
        return out


def _int64(what: str, value) -> Tensor:
    if isinstance(value, Tensor):
        if not value.dtype.is_integer:
            raise DTypeError(f"ds.SparseTensor: {what} must be int64, got {value.dtype.name} {user_line()}")
        return value if value.dtype.name == "int64" else ops.cast(value, dtype=as_dtype("int64"))
    array = np.asarray(value)
    if array.size and array.dtype.kind not in "iu":
        raise DTypeError(f"ds.SparseTensor: {what} must be integers, got {array.dtype} {user_line()}")
    return constant(array.astype(np.int64), name=what)


def _known_dims(dense_shape: Tensor) -> tuple | None:
    if dense_shape.op.type != "Const":
        return None
    dims = np.asarray(dense_shape.op.attrs["value"]).reshape(-1)
    if (dims < 0).any():
        raise ShapeError(f"ds.SparseTensor: dense_shape must be >= 0, got {dims.tolist()} {user_line()}")
    return tuple(int(d) for d in dims)


def _check_parts(sp: SparseTensor) -> None:
    """The shapes TF1 checks when a SparseTensor is made: indices [N, rank], values [N],
    dense_shape [rank]."""
    i, v, s = sp.indices._shape, sp.values._shape, sp.dense_shape._shape
    bad = (i is not None and len(i) != 2) or (v is not None and len(v) != 1) \
        or (s is not None and len(s) != 1)
    if not bad and i is not None and v is not None:
        bad = None not in (i[0], v[0]) and i[0] != v[0]
    if not bad and i is not None and s is not None:
        bad = None not in (i[1], s[0]) and i[1] != s[0]
    if bad:
        raise ShapeError(f"ds.SparseTensor: indices must be [N, rank], values [N] and dense_shape [rank], "
                         f"got indices {i}, values {v}, dense_shape {s} {user_line()}")


def sparse_placeholder(dtype, shape=None, name: str | None = None) -> SparseTensor:
    """A SparseTensor fed at run time with a `SparseTensorValue` or an (indices, values,
    dense_shape) tuple; `shape` (None dims allowed) is the dense shape (tf.sparse_placeholder)."""
    dtype = as_dtype(dtype)
    if shape is not None:
        if isinstance(shape, Tensor):
            raise DTypeError(f"ds.sparse_placeholder: shape must be a list of ints and None, not a tensor "
                             f"{user_line()}")
        shape = tuple(None if d is None or (not isinstance(d, bool) and d == -1) else int(d)
                      for d in (shape.as_list() if isinstance(shape, TensorShape) else shape))
    rank = None if shape is None else len(shape)
    prefix = name or "Placeholder"
    values = placeholder(dtype, shape=(None,), name=f"{prefix}/values")
    indices = placeholder("int64", shape=(None, rank), name=f"{prefix}/indices")
    # the dense shape travels as the shape of an empty float32 array (module docstring)
    carrier = placeholder("float32", shape=None if shape is None else (*shape, 0),
                          name=f"{prefix}/shape_carrier")
    with get_default_graph().name_scope(prefix):
        if shape is not None and None not in shape:
            dense_shape = constant(np.array(shape, np.int64), name="shape")
        else:
            from .api import _n
            from .api import shape as _shape

            dense_shape = _n(_shape(carrier, out_type="int64")[:-1], "shape")
    return SparseTensor.of_parts(indices, values, dense_shape, carrier)


# -- feeding ------------------------------------------------------------------------------------
def expanded_feeds(feed_dict: dict) -> dict:
    """`feed_dict` with each SparseTensor key replaced by its parts: indices, values, and the
    dense shape (the carrier of a sparse_placeholder; checked against a known dense shape)."""
    out = {}
    for key, value in feed_dict.items():
        if not isinstance(key, SparseTensor):
            out[key] = value
            continue
        indices, values, dense_shape = _sparse_value(key, value)
        out[key.indices] = indices
        out[key.values] = values
        if key._carrier is not None and key._carrier.op.type == "Placeholder":
            out[key._carrier] = np.zeros((*dense_shape.tolist(), 0), np.float32)
        elif key._carrier is not None:
            known = key.get_shape().as_list()
            if known != dense_shape.tolist():
                raise FeedError(f"Cannot feed dense_shape {dense_shape.tolist()} to a SparseTensor whose "
                                f"dense shape is {known} (made at {key.values.op.where})")
        else:
            out[key.dense_shape] = dense_shape
    return out


def _sparse_value(key: SparseTensor, value) -> tuple:
    """(indices int64 [N, rank], values [N], dense_shape int64 [rank]) of a fed value, checked."""
    if isinstance(value, SparseTensor):
        raise DTypeError(f"The value of a feed cannot be a ds.SparseTensor; feed a ds.SparseTensorValue "
                         f"{user_line()}")
    if not isinstance(value, tuple) or len(value) != 3:
        raise FeedError(f"A SparseTensor is fed a SparseTensorValue or an (indices, values, dense_shape) "
                        f"tuple, got {type(value).__name__} {user_line()}")
    indices = np.asarray(value[0])
    values = value[1] if hasattr(value[1], "shape") and hasattr(value[1], "dtype") else np.asarray(value[1])
    dense_shape = np.asarray(value[2])
    for what, array in (("indices", indices), ("dense_shape", dense_shape)):
        if array.size and array.dtype.kind not in "iu":
            raise FeedError(f"Cannot feed {what} of dtype {array.dtype} to a SparseTensor: it must be "
                            f"integers {user_line()}")
    indices, dense_shape = indices.astype(np.int64), dense_shape.astype(np.int64)
    if indices.size == 0:
        indices = indices.reshape(0, dense_shape.size)
    rank = dense_shape.size
    if dense_shape.ndim != 1 or indices.ndim != 2 or indices.shape[1] != rank or values.ndim != 1 \
            or values.shape[0] != indices.shape[0] or (dense_shape < 0).any():
        raise FeedError(f"Cannot feed a SparseTensor indices of shape {indices.shape}, values of shape "
                        f"{tuple(values.shape)} and dense_shape {dense_shape.tolist()}: they must be "
                        f"[N, rank], [N] and [rank] with dims >= 0 {user_line()}")
    known = key.get_shape()
    if known.ndims is not None and (known.ndims != rank or any(
            k is not None and k != d for k, d in zip(known.as_list(), dense_shape.tolist(), strict=True))):
        raise FeedError(f"Cannot feed dense_shape {dense_shape.tolist()} to a SparseTensor of shape "
                        f"{known.as_list()} (made at {key.values.op.where})")
    return indices, values, dense_shape
