"""TF1's division of integer tensors: `/` (`tf.truediv`) turns them into floats first, 8- and
16-bit ints into float32 and 32- and 64-bit ints into float64 (so an int32 above 2**24
divides exactly), and `tf.div` is Python 2's `/` (rounded down when both are integers).
Below the graph module, which takes `/` from here."""
from __future__ import annotations

from .. import dtypes, ops
from ..ops.elementwise import is_integer_operand

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
