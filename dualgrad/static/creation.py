"""Graph leaves: placeholders, constants and random initialisers.

These have no registry op: a placeholder is fed, a constant carries its value in
`op.attrs['value']`, and a random op draws fresh numbers on the host at each run (so the
compiled program stays a pure function of its inputs).
"""
from __future__ import annotations

import builtins
import math
from collections.abc import Sequence

import numpy as np

from .. import dtypes
from ..errors import DTypeError, ShapeError, user_frame, user_line
from ..ops import Spec
from .candidate_draw import draw_candidates
from .convert import ArgumentError, cast_array, overflow, python_data
from .graph import Tensor, get_default_graph, rename
from .tensor_shape import Dimension, known, plain

float16, float32, float64 = dtypes.float16, dtypes.float32, dtypes.float64
int8, int16, int32, int64, uint8 = dtypes.int8, dtypes.int16, dtypes.int32, dtypes.int64, dtypes.uint8
bool = dtypes.bool_  # noqa: A001 (TF's name)
DType = dtypes.DType


def as_dtype(dtype) -> dtypes.DType:
    """Accept a dualgrad DType, a numpy dtype, a Python type or a name ('float32')."""
    d = dtypes.as_dtype(dtype)
    if d is None:
        raise DTypeError(f"a dtype is required {user_line()}")
    return d


def _shape_arg(shape, op: str = "placeholder") -> tuple | None:
    """A static shape: None (unknown rank) or a tuple of ints >= 0 with None (or -1) for
    unknown dims; anything else is refused with the op's name."""
    shape = plain(shape)  # (TF1's TensorShape and Dimension: ints and None)
    if shape is None or getattr(shape, "ndims", 0) is None:  # (ds.TensorShape(None): unknown rank)
        return None
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, (builtins.bool, np.bool_)):
        shape = (shape,)
    if isinstance(shape, Tensor) or not isinstance(shape, (list, tuple)):
        raise DTypeError(f"ds.{op}: shape must be a list or tuple of ints, got {shape!r} (at "
                         f"{user_frame()})")
    dims = []
    for d in shape:
        d = d.value if isinstance(d, Dimension) else d  # (TF1's tf.Dimension)
        if d is None:
            dims.append(None)
            continue
        if isinstance(d, (builtins.bool, np.bool_)) or not isinstance(d, (int, np.integer)):
            raise DTypeError(f"ds.{op}: shape {tuple(shape)} has a dimension {d!r} of type "
                             f"{type(d).__name__}: dimensions are ints {user_line()}")
        if d < -1:
            raise ShapeError(f"ds.{op}: shape {tuple(shape)} has a negative dimension {int(d)} "
                             f"{user_line()}")
        dims.append(None if d == -1 else int(d))
    return tuple(dims)


def placeholder(dtype, shape=None, name: str | None = None) -> Tensor:
    """A value fed at run time; `None` dims take any size (`shape=None`: any rank)."""
    dtype = as_dtype(dtype)
    shape = _shape_arg(shape)
    g = get_default_graph()
    return g.create_op("Placeholder", (), {"dtype": dtype, "shape": shape}, (Spec(shape, dtype),),
                       name=name or "Placeholder").outputs[0]


def constant(value, dtype=None, shape=None, name: str | None = None) -> Tensor:
    """A constant tensor (its value is `op.attrs['value']`)."""
    arr, d = value_array(value, dtype, "constant")
    if shape is not None:
        shape = _full_shape(shape, "constant")
        if arr.size == 1:
            arr = np.broadcast_to(arr.reshape(()), shape)
        elif arr.size == math.prod(shape):
            arr = arr.reshape(shape)
        else:
            raise ShapeError(f"ds.constant: a value of shape {arr.shape} ({arr.size} elements) "
                             f"cannot be shaped {shape} {user_line()}")
        arr = np.array(arr)
    elif isinstance(value, np.ndarray) and np.may_share_memory(arr, value):
        arr = arr.copy()  # TF1 copies: the user's array stays theirs (writable, never handed to jax)
    arr.setflags(write=False)
    g = get_default_graph()
    return g.create_op("Const", (), {"value": arr, "dtype": d}, (Spec(arr.shape, d),),
                       name=name or "Const").outputs[0]


def value_array(value, dtype, op: str) -> tuple[np.ndarray, dtypes.DType]:
    """(exact numpy value, DType) of a Python or numpy value (see `convert.py`)."""
    if isinstance(value, Tensor):
        raise DTypeError(f"ds.{op} takes a Python or numpy value, not a graph tensor {user_line()}")
    d = as_dtype(dtype) if dtype is not None else None
    if isinstance(value, (np.ndarray, np.generic)) or _is_array(value):
        arr = np.asarray(value)
        try:
            src = dtypes.from_numpy_dtype(arr.dtype)
        except TypeError:
            raise DTypeError(f"ds.{op}: arrays of dtype {arr.dtype} are not supported (at "
                             f"{user_frame()})") from None
        return (arr, src) if d is None else (cast_array(arr, d, f"ds.{op}"), d)
    return python_data(value, d, f"ds.{op}")


def _is_array(value) -> bool:
    """A jax (or other array-API) array: it has a dtype and a shape and is not Python data."""
    return hasattr(value, "__array__") and hasattr(value, "dtype") and hasattr(value, "shape")


def convert_to_tensor(value, dtype=None, name: str | None = None) -> Tensor:
    """A graph tensor for `value`: tensors pass through (cast if `dtype` differs), anything
    else becomes a Const."""
    if isinstance(value, Tensor):
        if dtype is not None and as_dtype(dtype) is not value.dtype:
            from .. import ops

            return rename(ops.cast(value, dtype=as_dtype(dtype)), name)
        return value
    if type(value).__module__.startswith("dualgrad.eager"):
        from ..errors import GraphError

        raise GraphError(f"an eager dualgrad tensor cannot be used in a static graph {user_line()}; "
                         "convert it explicitly with .numpy() (or .detach().numpy())")
    return constant(value, dtype=dtype, name=name)


def graph_operands(x, y) -> tuple:
    """The operands of a binary op as TF1 takes them: when neither is a graph tensor (two numpy
    arrays or numbers), `x` becomes a constant, so the op builds a graph node, as `tf.add(3, 4)`
    does (the registry would compute numpy's answer at once: no Session runs it)."""
    if isinstance(x, Tensor) or isinstance(y, Tensor):
        return x, y
    return convert_to_tensor(x), y


def fill(dims, value, name: str | None = None) -> Tensor:
    """`dims` filled with the scalar `value` (its dtype by TF1's rules, as `constant`)."""
    arr, d = value_array(value, None, "fill")
    if arr.ndim:
        raise ShapeError(f"ds.fill: value must be a scalar, got shape {arr.shape} {user_line()}")
    return constant(np.full(_full_shape(dims, "fill"), arr, dtype=d.np), dtype=d, name=name or "Fill")


def zeros(shape, dtype=float32, name: str | None = None) -> Tensor:
    """A constant of zeros of `shape` (tf.zeros)."""
    d = as_dtype(dtype)
    return constant(np.zeros(_full_shape(shape, "zeros"), d.np), dtype=d, name=name or "zeros")


def ones(shape, dtype=float32, name: str | None = None) -> Tensor:
    """A constant of ones of `shape` (tf.ones)."""
    d = as_dtype(dtype)
    return constant(np.ones(_full_shape(shape, "ones"), d.np), dtype=d, name=name or "ones")


def _full_shape(shape, op: str) -> tuple:
    """A shape with every dimension known (zeros, ones, fill, random ops)."""
    if shape is None or getattr(shape, "ndims", 0) is None:
        raise ShapeError(f"ds.{op}: a fully known shape is required, got {shape!r} {user_line()}")
    dims = _shape_arg(shape, op)  # (an int is a 1-d shape, as TF1's; -1 is None there)
    if None in dims:
        raise ShapeError(f"ds.{op}: a fully known shape is required, got {shape!r} (at "
                         f"{user_frame()})")
    return dims


def _like(tensor, fill_value, dtype, name):
    from .. import ops

    tensor = convert_to_tensor(tensor)
    d = as_dtype(dtype) if dtype is not None else tensor.dtype
    if tensor.shape is not None and None not in tensor.shape:
        return constant(np.full(tensor.shape, fill_value, d.np), dtype=d, name=name)
    return rename(ops.broadcast_to_like(np.asarray(fill_value, d.np), tensor), name)


def zeros_like(tensor, dtype=None, name: str | None = None) -> Tensor:
    """Zeros with `tensor`'s shape, and its dtype unless `dtype` is given (tf.zeros_like)."""
    return _like(tensor, 0, dtype, name or "zeros_like")


def ones_like(tensor, dtype=None, name: str | None = None) -> Tensor:
    """Ones with `tensor`'s shape, and its dtype unless `dtype` is given (tf.ones_like)."""
    return _like(tensor, 1, dtype, name or "ones_like")


# -- random initialisers ----------------------------------------------------------------------

name_of_random = {"RandomUniform": "random_uniform", "RandomStandardNormal": "random_normal",
                  "TruncatedNormal": "truncated_normal"}


def _random(op_type: str, shape: Sequence, dtype, seed, name, **params) -> Tensor:
    api = name_of_random[op_type]
    d = as_dtype(dtype)
    if not d.is_floating_point and op_type != "RandomUniform":
        raise DTypeError(f"ds.{api}: needs a floating dtype, got {d.name} {user_line()}")
    shape = _full_shape(shape, api)
    if seed is not None and (isinstance(seed, builtins.bool) or not isinstance(seed, (int, np.integer))):
        raise DTypeError(f"ds.{api}: seed must be an int or None, got {seed!r} {user_line()}")
    params = {k: known(v, f"ds.{api}: {k}") for k, v in params.items()}  # (TF1's Dimension)
    for key, v in params.items():
        _number(api, key, v)
    if params.get("stddev", 0) < 0:
        raise ArgumentError(f"ds.{api}: stddev must be >= 0, got {params['stddev']!r} {user_line()}")
    g = get_default_graph()
    attrs = {"shape": shape, "dtype": d, "seed": seed, **params}
    return g.create_op(op_type, (), attrs, (Spec(shape, d),), name=name).outputs[0]


def _number(api: str, key: str, v) -> None:
    """Random ops draw on the host: their parameters must be finite numbers now."""
    number = isinstance(v, (int, float, np.integer, np.floating))
    if isinstance(v, (builtins.bool, np.bool_)) or not number or not np.isfinite(v):
        raise DTypeError(f"ds.{api}: {key} must be a finite Python or numpy number, got {v!r} "
                         f"{user_line()}")


def random_uniform(shape, minval=0, maxval=None, dtype=float32, seed: int | None = None,
                   name: str | None = None) -> Tensor:
    """Uniform in [minval, maxval) (maxval defaults to 1 for floats), drawn anew each run."""
    d = as_dtype(dtype)
    minval, maxval = known(minval, "ds.random_uniform: minval"), known(maxval, "ds.random_uniform: maxval")
    if maxval is None:
        if not d.is_floating_point:
            raise ArgumentError("ds.random_uniform: Must specify maxval for integer dtype (at "
                                f"{user_frame()})")
        maxval = 1
    for key, v in (("minval", minval), ("maxval", maxval)):
        _number("random_uniform", key, v)
        if not d.is_floating_point and not isinstance(v, (int, np.integer)):
            raise DTypeError(f"ds.random_uniform: {key} must be an int for dtype {d.name}, got {v!r} "
                             f"{user_line()}")
    if (not minval < maxval) if not d.is_floating_point else minval > maxval:
        raise ArgumentError(f"ds.random_uniform: Need minval < maxval, got minval={minval!r}, "
                            f"maxval={maxval!r} {user_line()}")
    if not d.is_floating_point:
        info = np.iinfo(d.np)
        for v in (minval, maxval - 1):
            if not info.min <= v <= info.max:
                raise overflow("ds.random_uniform", int(v), d)
    return _random("RandomUniform", shape, dtype, seed, name or "random_uniform",
                   minval=minval, maxval=maxval)


def random_normal(shape, mean=0.0, stddev=1.0, dtype=float32, seed: int | None = None,
                  name: str | None = None) -> Tensor:
    """An op drawing N(mean, stddev^2) samples each run (tf.random_normal)."""
    return _random("RandomStandardNormal", shape, dtype, seed, name or "random_normal",
                   mean=mean, stddev=stddev)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=float32, seed: int | None = None,
                     name: str | None = None) -> Tensor:
    """Normal draws, redrawn until within two standard deviations of the mean."""
    return _random("TruncatedNormal", shape, dtype, seed, name or "truncated_normal",
                   mean=mean, stddev=stddev)


def set_random_seed(seed: int | None) -> None:
    """The graph-level seed: random ops without their own seed become reproducible."""
    if seed is not None and (isinstance(seed, builtins.bool) or not isinstance(seed, (int, np.integer))):
        raise DTypeError(f"ds.set_random_seed: seed must be an int or None, got {seed!r} {user_line()}")
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


def rounded_down(values: np.ndarray, dtype) -> np.ndarray:
    """float64 `values` in `dtype`, rounded toward -inf: rounding to nearest takes a uniform
    draw just below maxval to maxval itself (float16: 1 draw in 4096 of [0, 1) was 1.0), outside
    TF1's [minval, maxval), where floor(u * n) is n and log(1 - u) -inf."""
    out = np.asarray(values).astype(dtype)
    return np.where(out.astype(np.float64) > values, np.nextafter(out, dtype.type(-np.inf)), out)


def uniform_like_kernel(xp, seed, like, dtype) -> object:
    """The values of a RandomUniformLike op from its per-run seed."""
    shape = tuple(getattr(like, "shape", ()))
    if xp is np:
        return rounded_down(np.random.default_rng(int(seed)).random(shape), dtype.np)
    import jax

    return jax.random.uniform(jax.random.key(seed), shape, dtype=dtype.np)


def draw(op, rng: np.random.Generator) -> np.ndarray:
    """One run's values of a random op (for RandomUniformLike: its seed)."""
    a = op.attrs
    if op.type == "RandomUniformLike":
        return np.uint32(rng.integers(2**32))
    if op.type == "CandidateSampler":
        return draw_candidates(op, rng)
    shape, d = a["shape"], a["dtype"]
    if op.type == "RandomUniform":
        if d.is_floating_point:
            # [minval, maxval) as the dtype holds them, as TF1's (numpy's own low + (high - low) u
            # can round to high in float64 too)
            low, high = np.asarray(a["minval"], dtype=d.np), np.asarray(a["maxval"], dtype=d.np)
            out = rounded_down(rng.uniform(a["minval"], a["maxval"], size=shape), d.np)
            return np.maximum(np.where(out >= high, np.nextafter(high, d.np.type(-np.inf)), out), low)
        else:
            out = rng.integers(a["minval"], a["maxval"], size=shape)
    elif op.type == "RandomStandardNormal":
        out = rng.normal(a["mean"], a["stddev"], size=shape)
    elif op.type == "RandomGamma":  # (tf.random.gamma: alpha and the rate beta broadcast)
        out = rng.gamma(np.broadcast_to(a["alpha"], shape), size=shape) / a["beta"]
        # TF1 maps a draw that underflows (0 or subnormal in the dtype: a third of Gamma(0.01)'s
        # in float32) to the dtype's smallest normal, so log() and x / sum(x) stay finite
        return np.maximum(np.asarray(out, dtype=d.np), np.finfo(d.np).tiny)
    elif op.type == "RandomPoisson":  # (tf.random.poisson)
        out = rng.poisson(np.broadcast_to(a["lam"], shape), size=shape)
    else:
        z = rng.standard_normal(size=shape)
        bad = np.abs(z) > 2
        while bad.any():
            z[bad] = rng.standard_normal(size=int(bad.sum()))
            bad = np.abs(z) > 2
        out = a["mean"] + a["stddev"] * z
    return np.asarray(out, dtype=d.np)
