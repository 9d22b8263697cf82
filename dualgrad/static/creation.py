"""Graph leaves: placeholders, constants and random initialisers.

These have no registry op: a placeholder is fed, a constant carries its value in
`op.attrs['value']`, and a random op draws fresh numbers on the host at each run (so the
compiled program stays a pure function of its inputs).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .. import dtypes
from ..ops import Spec
from .graph import Tensor, get_default_graph, rename

float16, float32, float64 = dtypes.float16, dtypes.float32, dtypes.float64
int8, int16, int32, int64, uint8 = dtypes.int8, dtypes.int16, dtypes.int32, dtypes.int64, dtypes.uint8
bool = dtypes.bool_  # noqa: A001 (TF's name)
DType = dtypes.DType


def as_dtype(dtype) -> dtypes.DType:
    """Accept a dualgrad DType, a numpy dtype, a Python type or a name ('float32')."""
    d = dtypes.as_dtype(dtype)
    if d is None:
        raise TypeError("a dtype is required")
    return d


def _shape_arg(shape) -> tuple | None:
    """A static shape: None (unknown rank) or a tuple with None for unknown dims."""
    if shape is None:
        return None
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(None if d is None or d == -1 else int(d) for d in shape)


def placeholder(dtype, shape=None, name: str | None = None) -> Tensor:
    """A value fed at run time; `None` dims take any size (`shape=None`: any rank)."""
    dtype = as_dtype(dtype)
    shape = _shape_arg(shape)
    g = get_default_graph()
    return g.create_op("Placeholder", (), {"dtype": dtype, "shape": shape}, (Spec(shape, dtype),),
                       name=name or "Placeholder").outputs[0]


def _default_dtype(value: np.ndarray) -> dtypes.DType:
    """TF1's defaults: Python floats are float32, Python ints int32; numpy keeps its dtype."""
    if value.dtype.kind == "f" and value.dtype == np.float64:
        return float64
    return dtypes.from_numpy_dtype(value.dtype)


def constant(value, dtype=None, shape=None, name: str | None = None) -> Tensor:
    """A constant tensor (its value is `op.attrs['value']`)."""
    if isinstance(value, Tensor):
        raise TypeError("ds.constant takes a Python or numpy value, not a graph tensor")
    is_numpy = isinstance(value, (np.ndarray, np.generic))
    arr = np.asarray(value)
    if dtype is not None:
        d = as_dtype(dtype)
    elif is_numpy:
        d = dtypes.from_numpy_dtype(arr.dtype)
    elif arr.dtype.kind == "f":
        d = float32
    elif arr.dtype.kind in "iu":
        d = int32
    else:
        d = dtypes.from_numpy_dtype(arr.dtype)
    arr = arr.astype(d.np)
    if shape is not None:
        shape = tuple(int(s) for s in shape)
        arr = np.broadcast_to(arr, shape) if arr.size == 1 else arr.reshape(shape)
        arr = np.array(arr)
    arr.setflags(write=False)
    g = get_default_graph()
    return g.create_op("Const", (), {"value": arr, "dtype": d}, (Spec(arr.shape, d),),
                       name=name or "Const").outputs[0]


def convert_to_tensor(value, dtype=None, name: str | None = None) -> Tensor:
    """A graph tensor for `value`: tensors pass through (cast if `dtype` differs), anything
    else becomes a Const."""
    if isinstance(value, Tensor):
        if dtype is not None and as_dtype(dtype) is not value.dtype:
            from .. import ops

            return rename(ops.cast(value, dtype=as_dtype(dtype)), name)
        return value
    if type(value).__module__.startswith("dualgrad.eager"):
        from ..errors import GraphError, user_frame

        raise GraphError(f"an eager dualgrad tensor cannot be used in a static graph (at {user_frame()}); "
                         "convert it explicitly with .numpy() (or .detach().numpy())")
    return constant(value, dtype=dtype, name=name)


def fill(dims, value, name: str | None = None) -> Tensor:
    arr = np.asarray(value)
    d = _default_dtype(arr) if isinstance(value, (np.ndarray, np.generic)) else \
        (float32 if arr.dtype.kind == "f" else int32 if arr.dtype.kind in "iu" else
         dtypes.from_numpy_dtype(arr.dtype))
    return constant(np.full(tuple(dims), value, dtype=d.np), dtype=d, name=name or "Fill")


def zeros(shape, dtype=float32, name: str | None = None) -> Tensor:
    d = as_dtype(dtype)
    return constant(np.zeros(_full_shape(shape), d.np), dtype=d, name=name or "zeros")


def ones(shape, dtype=float32, name: str | None = None) -> Tensor:
    d = as_dtype(dtype)
    return constant(np.ones(_full_shape(shape), d.np), dtype=d, name=name or "ones")


def _full_shape(shape) -> tuple:
    shape = _shape_arg(shape)
    if shape is None or None in shape:
        raise ValueError(f"a fully known shape is required, got {shape}")
    return shape


def _like(tensor, fill_value, dtype, name):
    from .. import ops

    tensor = convert_to_tensor(tensor)
    d = as_dtype(dtype) if dtype is not None else tensor.dtype
    if tensor.shape is not None and None not in tensor.shape:
        return constant(np.full(tensor.shape, fill_value, d.np), dtype=d, name=name)
    return rename(ops.broadcast_to_like(np.asarray(fill_value, d.np), tensor), name)


def zeros_like(tensor, dtype=None, name: str | None = None) -> Tensor:
    return _like(tensor, 0, dtype, name or "zeros_like")


def ones_like(tensor, dtype=None, name: str | None = None) -> Tensor:
    return _like(tensor, 1, dtype, name or "ones_like")


# -- random initialisers ----------------------------------------------------------------------

RANDOM_TYPES = ("RandomUniform", "RandomStandardNormal", "TruncatedNormal", "RandomUniformLike")


def _random(op_type: str, shape: Sequence, dtype, seed, name, **params) -> Tensor:
    d = as_dtype(dtype)
    if not d.is_floating_point and op_type != "RandomUniform":
        raise TypeError(f"{op_type} needs a floating dtype, got {d.name}")
    shape = _full_shape(shape)
    g = get_default_graph()
    attrs = {"shape": shape, "dtype": d, "seed": seed, **params}
    return g.create_op(op_type, (), attrs, (Spec(shape, d),), name=name).outputs[0]


def random_uniform(shape, minval=0, maxval=None, dtype=float32, seed: int | None = None,
                   name: str | None = None) -> Tensor:
    """Uniform in [minval, maxval) (maxval defaults to 1 for floats), drawn anew each run."""
    if maxval is None:
        if not as_dtype(dtype).is_floating_point:
            raise ValueError("Must specify maxval for integer dtype")
        maxval = 1
    return _random("RandomUniform", shape, dtype, seed, name or "random_uniform",
                   minval=minval, maxval=maxval)


def random_normal(shape, mean=0.0, stddev=1.0, dtype=float32, seed: int | None = None,
                  name: str | None = None) -> Tensor:
    return _random("RandomStandardNormal", shape, dtype, seed, name or "random_normal",
                   mean=mean, stddev=stddev)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=float32, seed: int | None = None,
                     name: str | None = None) -> Tensor:
    """Normal draws, redrawn until within two standard deviations of the mean."""
    return _random("TruncatedNormal", shape, dtype, seed, name or "truncated_normal",
                   mean=mean, stddev=stddev)


def set_random_seed(seed: int | None) -> None:
    """The graph-level seed: random ops without their own seed become reproducible."""
    get_default_graph().seed = seed


def random_generator(op) -> np.random.Generator:
    """A fresh generator for one random op in one session: seeded from the op and graph seeds
    (TF1's rules), else from OS entropy."""
    seed, graph_seed = op.attrs["seed"], op.graph.seed
    if seed is None and graph_seed is None:
        return np.random.default_rng()
    return np.random.default_rng([graph_seed if graph_seed is not None else 87654321,
                                  seed if seed is not None else op._id])


def random_uniform_like(x: Tensor, seed: int | None = None, name: str | None = None) -> Tensor:
    """Uniform [0, 1) numbers shaped like `x`, whose shape may be known only at run time.

    The host draws one 32-bit seed per run; the numbers are made inside the run (with
    `jax.random` under jax, a numpy generator under numpy), so no shape is needed in advance.
    """
    d = x.dtype if x.dtype.is_floating_point else float32
    return x.graph.create_op("RandomUniformLike", (x,), {"dtype": d, "seed": seed},
                             (Spec(x.shape, d),), name=name or "random_uniform_like").outputs[0]


def uniform_like_kernel(xp, seed, like, dtype) -> object:
    """The values of a RandomUniformLike op from its per-run seed."""
    shape = tuple(getattr(like, "shape", ()))
    if xp is np:
        return np.random.default_rng(int(seed)).random(shape).astype(dtype.np)
    import jax

    return jax.random.uniform(jax.random.key(seed), shape, dtype=dtype.np)


def draw(op, rng: np.random.Generator) -> np.ndarray:
    """One run's values of a random op (for RandomUniformLike: its seed)."""
    a = op.attrs
    if op.type == "RandomUniformLike":
        return np.uint32(rng.integers(2**32))
    shape, d = a["shape"], a["dtype"]
    if op.type == "RandomUniform":
        if d.is_floating_point:
            out = rng.uniform(a["minval"], a["maxval"], size=shape)
        else:
            out = rng.integers(a["minval"], a["maxval"], size=shape)
    elif op.type == "RandomStandardNormal":
        out = rng.normal(a["mean"], a["stddev"], size=shape)
    else:
        z = rng.standard_normal(size=shape)
        bad = np.abs(z) > 2
        while bad.any():
            z[bad] = rng.standard_normal(size=int(bad.sum()))
            bad = np.abs(z) > 2
        out = a["mean"] + a["stddev"] * z
    return np.asarray(out, dtype=d.np)
