"""PyTorch's type promotion, through the registry's `compute` and shape rules on both backends.

numpy alone would widen int64 * float32 to float64 and int / int to float64; PyTorch keeps
float32, treats Python numbers as 'weak' and ranks 0-d tensors below tensors with dims.
Expected dtypes are PyTorch's, written by hand and compared with torch's own by
test_promotion_torch.py where torch is installed.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dualgrad import dtypes, ops
from dualgrad.backend import jax_numpy, x64
from dualgrad.ops import Spec

I64 = np.array([1, 2, 3], dtype=np.int64)
I32 = np.array([1, 2, 3], dtype=np.int32)
F32 = np.array([0.5, 1.5, 2.5], dtype=np.float32)
F64 = np.array([0.5, 1.5, 2.5], dtype=np.float64)
B = np.array([True, False, True])
Z64 = np.array(1.5)  # 0-d tensors rank below tensors with dims: they only lift the category
ZF32 = np.array(1.5, dtype=np.float32)
ZI64 = np.array(2)

CASES = [
    # (op, args, PyTorch's result dtype)
    ("multiply", (I64, F32), np.float32),
    ("multiply", (F32, I64), np.float32),
    ("add", (I32, F32), np.float32),
    ("multiply", (F32, 2.0), np.float32),
    ("add", (F32, 1), np.float32),
    ("multiply", (I64, 2.5), np.float32),
    ("multiply", (I32, 2.5), np.float32),
    ("divide", (I64, I64), np.float32),
    ("divide", (I64, 2), np.float32),
    ("divide", (I32, I64), np.float32),
    ("add", (I64, 2), np.int64),
    ("add", (I32, I64), np.int64),
    ("add", (I32, 7), np.int32),
    ("add", (F32, F64), np.float64),
    ("multiply", (F64, 2.5), np.float64),
    ("add", (B, I64), np.int64),
    ("add", (B, 1), np.int64),
    ("multiply", (B, 2.5), np.float32),
    ("subtract", (I64, F64), np.float64),
    ("power", (I64, 2), np.int64),
    ("power", (I64, 0.5), np.float32),
    ("maximum", (I64, F32), np.float32),
    ("exp", (I64,), np.float32),
    ("sqrt", (I32,), np.float32),
    ("sigmoid", (I64,), np.float32),
    ("negative", (I64,), np.int64),
    ("less", (I64, F32), np.bool_),
    ("equal", (F32, 1.5), np.bool_),
    ("where", (B, I64, F32), np.float32),
    ("where", (B, F32, 0.0), np.float32),
    ("matmul", (I64, F32), np.float32),
    ("sum", (I32,), np.int64),
    ("sum", (B,), np.int64),
    ("sum", (F32,), np.float32),
    ("mean", (F32,), np.float32),
    ("concatenate", (I64, F32), np.float32),
    ("stack", (F32, F64), np.float64),
    # 0-d tensors and numpy numbers
    ("add", (F32, Z64), np.float32),
    ("add", (Z64, F32), np.float32),
    ("add", (I32, Z64), np.float64),
    ("add", (I32, ZI64), np.int32),
    ("add", (B, ZI64), np.int64),
    ("add", (B, Z64), np.float64),
    ("add", (Z64, ZF32), np.float64),
    ("add", (ZF32, F64), np.float64),
    ("add", (ZI64, 2.5), np.float32),
    ("multiply", (I64, ZF32), np.float32),
    ("multiply", (I32, Z64), np.float64),
    ("multiply", (I64, np.float64(2.5)), np.float32),
    ("multiply", (F32, np.float64(2.5)), np.float32),
    ("add", (I32, np.int64(2)), np.int32),
    ("where", (B, F32, Z64), np.float32),
]


def _spec(a) -> Spec:
    if hasattr(a, "dtype") and not isinstance(a, np.generic):
        return Spec(tuple(np.shape(a)), dtypes.from_numpy_dtype(a.dtype))
    return Spec.scalar(a)


@pytest.mark.parametrize(("name", "args", "expected"), CASES, ids=lambda v: getattr(v, "__name__", None))
def test_result_dtype_follows_pytorch(name, args, expected):
    op = ops.REGISTRY[name]
    assert np.dtype(op.compute(list(args), {}).dtype) == np.dtype(expected), "numpy kernel"
    jnp = jax_numpy()
    with x64():  # the inputs in their own dtypes (jax's default mode makes int64 int32)
        jargs = [jnp.asarray(a) if isinstance(a, np.ndarray) else a for a in args]
    assert np.dtype(op.compute(jargs, {}).dtype) == np.dtype(expected), "jax kernel"
    assert op.infer([_spec(a) for a in args], {}).dtype.np == np.dtype(expected), "shape rule"


def test_integer_true_division_computes_in_float32():
    out = ops.divide(np.array([1, 2], dtype=np.int64), np.array([3, 4], dtype=np.int64))
    np.testing.assert_allclose(out, np.array([1 / 3, 0.5], dtype=np.float32))


def test_python_scalars_do_not_widen_float32():
    out = ops.multiply(np.array([0.1], dtype=np.float32), 0.1)
    assert out.dtype == np.float32
    assert out[0] == np.float32(np.float32(0.1) * np.float32(0.1))


def test_a_scalar_of_unknown_kind_promotes_nothing():
    """`Spec((), None)` (what older callers pass for a number) leaves the tensor dtype alone."""
    op = ops.REGISTRY["multiply"]
    assert op.infer([Spec((3,), dtypes.int64), Spec((), None)], {}).dtype is dtypes.int64
    assert op.infer([Spec((3,), dtypes.int64), Spec.scalar(2.5)], {}).dtype is dtypes.float32


@settings(max_examples=20, deadline=None)
@given(hnp.arrays(np.bool_, st.integers(0, 6)), st.sampled_from(["numpy", "jax"]))
def test_bool_round_sign_and_square_keep_pytorchs_dtypes(mask, backend):
    """PyTorch: sign of bools is bool, bool ** 2 (square) is int64; round of a bool stays a bool
    here, as floor/ceil/trunc do (PyTorch refuses all four). numpy gave round float16 (a later
    product rounded through float16), square int8 and sign an error. Written out by hand."""
    xp = np if backend == "numpy" else jax_numpy()
    with x64():
        x = xp.asarray(mask)
        for op, dtype, values in ((ops.round, np.bool_, mask), (ops.sign, np.bool_, mask),
                                  (ops.square, np.int64, mask.astype(np.int64))):
            out = np.asarray(op.kernel(xp, x))
            assert out.dtype == dtype, op.name
            np.testing.assert_array_equal(out, values)
