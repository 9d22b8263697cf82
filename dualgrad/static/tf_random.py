"""TF1's `tf.random` namespace (`ds.random`) and the draws built on the existing random ops:

    normal, uniform, truncated_normal, set_random_seed
                         `ds.random_normal`, `ds.random_uniform`, `ds.truncated_normal`,
                         `ds.set_random_seed` under their TF1.14+ names
    categorical, multinomial
                         Gumbel-max: argmax(logits + g) per sample, g = -log(-log(u)) from
                         uniform draws of shape (batch, num_samples, classes) in float64
                         (exact in distribution; a -inf logit is never drawn)
    shuffle              the rows of `value` at the argsort of float64 uniform keys
                         (a uniformly random permutation; ties have probability ~n^2 / 2^53)

The uniforms are `ds.random_uniform` ops (drawn on the host, the same numbers on both
backends) when the shape is known when the graph is built, else `random_uniform_like` (drawn
inside the run: numpy or jax.random); either way the op and graph seeds give reproducible
draws by the rules every random op follows (`creation.random_generator`).
"""

from __future__ import annotations

import builtins
from types import SimpleNamespace

import numpy as np

from .. import ops
from ..errors import DTypeError, ShapeError, user_line
from ..ops import Spec
from .api import _int_type, _tensor, argmax, cast
from .convert import ArgumentError
from .creation import (
    _full_shape,
    as_dtype,
    float64,
    random_normal,
    random_uniform,
    random_uniform_like,
    set_random_seed,
    truncated_normal,
    zeros,
)
from .graph import Tensor, get_default_graph
from .tf_ops import argsort, gather

__all__ = ["categorical", "multinomial", "random_namespace", "random_shuffle"]


def _seed(api: str, seed) -> None:
    if seed is not None and (isinstance(seed, builtins.bool) or not isinstance(seed, (int, np.integer))):
        raise DTypeError(f"ds.{api}: seed must be an int or None, got {seed!r} {user_line()}")


def _uniform(api: str, like: Tensor, seed) -> Tensor:
    """float64 U[0, 1) shaped like `like`: a host-drawn random_uniform when the shape is known."""
    shape = like.shape
    if shape is not None and all(d is not None for d in shape):
        return random_uniform(list(shape), dtype=float64, seed=seed, name=f"{api}_uniform")
    return random_uniform_like(cast(like, float64), seed=seed, name=f"{api}_uniform")


def _draw(api: str, logits, num_samples, seed, dtype, name) -> Tensor:
    """`num_samples` class indices per row of 2-D `logits` (Gumbel-max)."""
    _seed(api, seed)
    x = _tensor(logits)
    if not x.dtype.is_floating_point or (x.shape is not None and len(x.shape) != 2):
        raise ShapeError(f"ds.{api}: logits must be a 2-D float tensor [batch_size, num_classes], "
                         f"got {x.dtype.name} of shape {x.shape} {user_line()}")
    count = isinstance(num_samples, (int, np.integer)) and not isinstance(num_samples, builtins.bool)
    if not count or num_samples < 0:
        raise DTypeError(f"ds.{api}: num_samples must be a non-negative Python int (known when "
                         f"the graph is built), got {num_samples!r} {user_line()}")
    out_type = _int_type(api, "dtype" if api == "categorical" else "output_dtype", dtype or "int64")
    with get_default_graph().name_scope(name or api):
        wide = ops.expand_dims(cast(x, float64), axis=1)  # (batch, 1, classes)
        # logits relative to their row's largest finite one, as TF1's kernel: past ~1e16 a
        # Gumbel draw vanishes beside a logit (1e30 + g == 1e30) and ties never break
        top = ops.amax(wide, axis=2, keepdims=True)
        wide = ops.subtract(wide, ops.where(ops.isfinite(top), top, 0.0))
        like = ops.add(wide, zeros([1, int(num_samples), 1], float64))  # (batch, samples, classes)
        u = _uniform(api, like, seed)
        gumbel = ops.negative(ops.log(ops.negative(ops.log(u))))
        return cast(argmax(ops.add(wide, gumbel), axis=2), out_type)


def categorical(logits, num_samples, dtype=None, seed=None, name=None) -> Tensor:
    """`num_samples` draws per row from the categorical distribution with unnormalized log
    probabilities `logits` [batch, classes] (tf.random.categorical): int64 [batch, num_samples]
    unless `dtype` says int32."""
    return _draw("categorical", logits, num_samples, seed, dtype, name)


def multinomial(logits, num_samples, seed=None, name=None, output_dtype=None) -> Tensor:
    """TF1's `tf.multinomial` (tf.random.multinomial): `categorical` with TF1's argument order."""
    return _draw("multinomial", logits, num_samples, seed, output_dtype, name)


def random_shuffle(value, seed=None, name=None) -> Tensor:
    """`value` with its leading dim in a uniformly random order, fresh each run (tf.random_shuffle,
    tf.random.shuffle). Gradients flow back to the rows they came from (TF1 has none)."""
    api = "random_shuffle"
    _seed(api, seed)
    x = _tensor(value)
    if x.shape is not None and len(x.shape) == 0:
        raise ShapeError(f"ds.{api}: value must be at least 1-D, got a scalar {user_line()}")
    with get_default_graph().name_scope(name or api):
        n = x.shape[0] if x.shape is not None else None
        if n is not None:
            keys = random_uniform([int(n)], dtype=float64, seed=seed, name="keys")
        else:
            column = ops.sum(cast(x, float64), axis=tuple(builtins.range(1, len(x.shape)))) \
                if x.shape is not None and len(x.shape) > 1 else cast(x, float64)
            keys = random_uniform_like(column, seed=seed, name="keys")
        return gather(x, argsort(keys))


def _host_parameter(api: str, key: str, value, low: float, strict: bool) -> np.ndarray:
    """A gamma/poisson parameter: numbers known when the graph is built (drawn on the host)."""
    if isinstance(value, Tensor):
        raise DTypeError(f"ds.random.{api}: {key} must be known when the graph is built (a number or "
                         f"an array), got a tensor {value!r} {user_line()}")
    arr = np.asarray(value)
    if arr.dtype.kind not in "iuf" or not np.all(np.isfinite(arr)):
        raise DTypeError(f"ds.random.{api}: {key} must be finite numbers, got {value!r} {user_line()}")
    bad = arr <= low if strict else arr < low
    if np.any(bad):
        raise ArgumentError(f"ds.random.{api}: {key} must be {'>' if strict else '>='} {low:g}, got "
                            f"{value!r} {user_line()}")
    return arr.astype(np.float64)


def _host_draw(api: str, op_type: str, shape, params: dict, dtype, seed, name, floats_only: bool) -> Tensor:
    _seed(api, seed)
    d = as_dtype(dtype)
    if floats_only and not d.is_floating_point or d.name not in ("float16", "float32", "float64",
                                                                  "int32", "int64"):
        raise DTypeError(f"ds.random.{api}: dtype must be a float{'' if floats_only else ', int32 or int64'} "
                         f"dtype, got {d.name} {user_line()}")
    batch = np.broadcast_shapes(*(v.shape for v in params.values()))
    dims = tuple(_full_shape(shape, f"random.{api}")) + tuple(int(n) for n in batch)
    attrs = {"shape": dims, "dtype": d, "seed": seed, **params}
    return get_default_graph().create_op(op_type, (), attrs, (Spec(dims, d),), name=name or api).outputs[0]


def gamma(shape, alpha, beta=None, dtype="float32", seed=None, name=None) -> Tensor:
    """Gamma(alpha, rate beta) draws of shape `shape + broadcast(alpha, beta).shape`, fresh each
    run (tf.random.gamma). alpha and beta are numbers known when the graph is built (drawn on the
    host, as the other random ops; no gradient with respect to them)."""
    a = _host_parameter("gamma", "alpha", alpha, 0.0, strict=True)
    b = _host_parameter("gamma", "beta", 1.0 if beta is None else beta, 0.0, strict=True)
    return _host_draw("gamma", "RandomGamma", shape, {"alpha": a, "beta": b}, dtype, seed, name, True)


def poisson(lam, shape, dtype="float32", seed=None, name=None) -> Tensor:
    """Poisson(lam) draws of shape `shape + lam.shape`, fresh each run (TF1's
    tf.random.poisson(lam, shape, ...)); lam known when the graph is built."""
    lam = _host_parameter("poisson", "lam", lam, 0.0, strict=False)
    return _host_draw("poisson", "RandomPoisson", shape, {"lam": lam}, dtype, seed, name, False)


def random_namespace() -> SimpleNamespace:
    """TF1's `tf.random` (1.14+): the names above under their short spellings."""
    return SimpleNamespace(
        normal=random_normal,
        uniform=random_uniform,
        truncated_normal=truncated_normal,
        categorical=categorical,
        multinomial=multinomial,
        shuffle=random_shuffle,
        set_random_seed=set_random_seed,
        gamma=gamma,
        poisson=poisson,
    )

