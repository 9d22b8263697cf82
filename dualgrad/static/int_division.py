"""TF1's division of integer tensors: `/` (`tf.truediv`) turns them into floats first, 8- and
16-bit ints into float32 and 32- and 64-bit ints into float64 (so an int32 above 2**24
divides exactly), and `tf.div` is Python 2's `/` (rounded down when both are integers).
`tf.floordiv` of floats is floor(x / y) of the rounded quotient (`floor_quotient`).
Below the graph module, which takes `/` and `//` from here."""
from __future__ import annotations

import numpy as np

from .. import dtypes, ops
from ..ops.elementwise import is_integer_operand, operand_kind

_FLOAT_FOR_INT_BYTES = {1: dtypes.float32, 2: dtypes.float32, 4: dtypes.float64, 8: dtypes.float64}


def _as_float(v):
    """An integer tensor as TF1's truediv converts it; anything else as is."""
    dt = getattr(v, "dtype", None)
    if isinstance(dt, dtypes.DType) and dt.is_integer:
        return ops.cast(v, dtype=_FLOAT_FOR_INT_BYTES[dt.np.itemsize])
    return v


def true_quotient(x, y):
    """x / y after TF1's integer-to-float conversion."""
    return ops.divide(_as_float(x), _as_float(y))


def python2_quotient(x, y):
    """x // y when both are integers, else `true_quotient`."""
    if is_integer_operand(x) and is_integer_operand(y):
        return ops.floor_divide(x, y)
    return true_quotient(x, y)


def floor_quotient(x, y):
    """TF1's `tf.floordiv` (`//`): Python's x // y for integers; for floats floor(x / y) of the
    rounded quotient, as TF1's kernel (and its docs) has it, so 1.0 // 0.1 is 10 there, where
    Python's // (the registry's `floor_divide`, from the exact remainder) gives 9, and inf // 2
    is inf, not NaN. The two differ by at most one, where x / y rounds up onto an integer:
    the larger of them is TF1's. Taking the larger, rather than floor(x / y) alone, keeps an
    exact quotient exact under XLA, which divides by a constant as a product with its
    reciprocal (97 / 97 is 0.99999994 there: floor gives 0, the floor division 1). Past
    2**mantissa bits every float is whole and the floor division is no longer exact (it rounds
    (x - fmod(x, y)) / y): there floor(x / y) is the quotient itself, TF1's (float32
    -336758.72 // 0.021964537 is -15331929 there; the larger gave -15331928)."""
    floored = ops.floor_divide(x, y)
    if operand_kind(x) != "f" and operand_kind(y) != "f":  # integers (and bools) keep Python's //
        return floored
    rounded = ops.floor(ops.divide(x, y))
    whole = 2.0 ** np.finfo(rounded.dtype.np).nmant  # (every float of this size or more is whole)
    # NaN from the floor division (x infinite, or 0 / 0) is TF1's floor(x / y) too
    take = ops.logical_or(ops.isnan(floored), ops.greater(rounded, floored))
    return ops.where(ops.logical_or(take, ops.greater_equal(ops.abs(rounded), whole)), rounded, floored)
