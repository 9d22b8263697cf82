"""An op's shape/dtype rule against what its kernel returns, and numpy against jax.

The static front end trusts `op.infer` to size graph tensors before any kernel runs, and the
jax Session compiles the same kernels the eager numpy path interprets: both only hold up if
the rule and the two backends agree on every sample.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .. import dtypes
from ..backend import jax_numpy, x64
from ..ops.registry import Op, Spec
from .asserts import assert_close
from .subjects import rule_vjp


def spec_of(x) -> Spec:
    if hasattr(x, "shape") and hasattr(x, "dtype"):
        return Spec(tuple(x.shape), dtypes.from_numpy_dtype(x.dtype))
    return Spec.scalar(x)


def to_jax(args: Sequence) -> list:
    """numpy arrays as jax arrays of the same dtype (float64 stays float64: `backend.x64`)."""
    jnp = jax_numpy()
    with x64():
        return [jnp.asarray(a) if isinstance(a, np.ndarray) else a for a in args]


def check_shape_rule(op: Op, args: Sequence, attrs: dict) -> None:
    """`op.infer` on the inputs' specs equals the shape and dtype of the numpy and jax results;
    with every dim unknown (None, as in a static graph) it stays consistent with them."""
    spec = op.infer([spec_of(a) for a in args], attrs)
    for backend, out in (("numpy", op.compute(list(args), attrs)), ("jax", op.compute(to_jax(args), attrs))):
        where = f"{op.name}: shape rule vs the {backend} kernel"
        if tuple(spec.shape) != tuple(out.shape):
            raise AssertionError(f"{where}: shape {tuple(spec.shape)} != {tuple(out.shape)}")
        if spec.dtype is None or spec.dtype.np != np.dtype(out.dtype):
            raise AssertionError(f"{where}: dtype {spec.dtype} != {np.dtype(out.dtype)}")


def check_unknown_dims(op: Op, args: Sequence, attrs: dict) -> None:
    """With the input dims unknown (None, as a static graph's batch dims), the rule gives the
    true rank and every dim it reports as known is the true size. Size-1 dims stay known:
    squeeze needs them to know the rank."""
    specs = [Spec(tuple(None if d != 1 else 1 for d in a.shape), dtypes.from_numpy_dtype(a.dtype))
             if isinstance(a, np.ndarray) else spec_of(a) for a in args]
    spec = op.infer(specs, attrs)
    actual = np.shape(op.compute(list(args), attrs))
    if len(spec.shape) != len(actual) or any(d is not None and d != e for d, e in zip(spec.shape, actual,
                                                                                          strict=True)):
        raise AssertionError(f"{op.name}: with unknown input dims the shape rule gives {spec.shape}, "
                             f"the kernel {actual}")


def check_backend_parity(op: Op, args: Sequence, attrs: dict, rng: np.random.Generator) -> None:
    """numpy and jax kernels agree on the value, and the VJP rules agree on both backends."""
    ref = op.compute(list(args), attrs)
    got = op.compute(to_jax(args), attrs)
    assert_close(np.asarray(got), np.asarray(ref), rtol=1e-12, atol=1e-12, check_dtype=True,
                 msg=f"{op.name}: jax kernel vs numpy kernel")
    if not op.differentiable or np.asarray(ref).dtype != np.float64:
        return
    g = rng.standard_normal(np.shape(ref))
    for i, (a, b) in enumerate(zip(rule_vjp(op, to_jax(args), attrs, to_jax([g])[0]),
                                   rule_vjp(op, args, attrs, g), strict=True)):
        if b is not None:
            assert_close(np.asarray(a), b, rtol=1e-10, atol=1e-12,
                         msg=f"{op.name}: VJP of input {i} on jax vs numpy")


def check_vjp_dtypes(op: Op, args: Sequence, attrs: dict, rng: np.random.Generator) -> None:
    """With float32 inputs, each VJP is float32 too (a rule that builds float64 constants
    would silently upcast every gradient of a float32 model)."""
    args32 = [a.astype(np.float32) if isinstance(a, np.ndarray) and a.dtype.kind == "f" else a
              for a in args]
    out = op.compute(list(args32), attrs)
    if not op.differentiable or np.asarray(out).dtype != np.float32:
        return
    g = rng.standard_normal(np.shape(out)).astype(np.float32)
    for i, gi in enumerate(rule_vjp(op, args32, attrs, g)):
        if gi is not None and np.asarray(gi).dtype != np.float32:
            raise AssertionError(f"{op.name}: the VJP of float32 input {i} is {np.asarray(gi).dtype}")
