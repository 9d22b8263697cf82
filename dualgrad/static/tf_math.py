"""TF1's division and bit ops over registry ops: `truediv` (`/`, also `divide`), `div`,
`floormod` (`%`, also `mod`), `floordiv` (`//`), `truncatemod`, the `bitwise` namespace
(shifts included) and `math.cumulative_logsumexp`.
None holds math."""
from __future__ import annotations

from types import SimpleNamespace

from .. import ops
from .creation import graph_operands
from .graph import rename
from .int_division import floor_quotient, python2_quotient, true_quotient


def _binary(op, tf_name: str, doc: str):
    def f(x, y, name=None):
        return rename(op(*graph_operands(x, y)), name)

    f.__name__ = tf_name
    f.__doc__ = f"{doc} (TF1's `tf.{tf_name}`)."
    return f


floormod = _binary(ops.remainder, "floormod", "x % y with the divisor's sign, as Python's %")
mod = floormod
floordiv = _binary(floor_quotient, "floordiv",
                   "x // y: Python's // for integers, floor(x / y) for floats (int_division.py); no gradient")
truncatemod = _binary(ops.fmod, "truncatemod", "x % y with the dividend's sign, as C's fmod")


def invert(x, name=None):
    """~x: -x - 1 on integers (TF1's `tf.bitwise.invert`; logical not on bools)."""
    return rename(ops.bitwise_not(x), name)


bitwise = SimpleNamespace(
    bitwise_and=_binary(ops.bitwise_and, "bitwise.bitwise_and", "x & y on integer tensors"),
    bitwise_or=_binary(ops.bitwise_or, "bitwise.bitwise_or", "x | y on integer tensors"),
    bitwise_xor=_binary(ops.bitwise_xor, "bitwise.bitwise_xor", "x ^ y on integer tensors"),
    invert=invert,
    left_shift=_binary(ops.bitwise_left_shift, "bitwise.left_shift",
                       "x << y on integer tensors (0 past the bit width)"),
    right_shift=_binary(ops.bitwise_right_shift, "bitwise.right_shift",
                        "x >> y on integer tensors, arithmetic (0 or -1 past the bit width)"),
)


def cumulative_logsumexp(x, axis=0, exclusive=False, reverse=False, name=None):
    """log(cumsum(exp(x))) along `axis` without overflow (TF1's `tf.math.cumulative_logsumexp`);
    `exclusive` starts from -inf and leaves out the current element, `reverse` runs from the end."""
    from .tf_ops import _running

    return _running("cumulative_logsumexp", ops.logcumsumexp, -float("inf"), x, axis, exclusive, reverse,
                    name)



def truediv(x, y, name=None):
    """x / y after TF1's integer-to-float conversion (`tf.truediv`, `tf.divide` and `/`)."""
    return rename(true_quotient(*graph_operands(x, y)), name)


def div(x, y, name=None):
    """Python 2's division (TF1's `tf.div`): rounded down when both are integers, else x / y."""
    return rename(python2_quotient(*graph_operands(x, y)), name)


divide = truediv
