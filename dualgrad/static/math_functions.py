"""TF1's one-input math functions (`tf.sqrt`, `tf.exp`, `tf.sin`, `tf.asin`, ...), `tf.atan2`
and `tf.rsqrt`: each the registry op of that name under TF1's signature (`name=`)."""
from __future__ import annotations

from .. import ops
from ..errors import DTypeError, user_line
from .api import _n, _tensor


def _unary(op):
    def f(x, name=None):
        return _n(op(_tensor(x)), name)

    f.__name__ = op.name
    f.__doc__ = f"tf.{op.name}: {op.doc}."
    return f


sqrt, exp, log, log1p, expm1 = (_unary(o) for o in (ops.sqrt, ops.exp, ops.log, ops.log1p, ops.expm1))
sin, cos, tan, tanh, sigmoid = (_unary(o) for o in (ops.sin, ops.cos, ops.tan, ops.tanh, ops.sigmoid))
abs, sign, reciprocal = (_unary(o) for o in (ops.abs, ops.sign, ops.reciprocal))  # noqa: A001
asin, acos, atan, sinh, cosh, asinh, acosh, atanh = (_unary(o) for o in (
    ops.asin, ops.acos, ops.atan, ops.sinh, ops.cosh, ops.asinh, ops.acosh, ops.atanh))


def atan2(y, x, name=None):
    """The angle of the point (x, y) elementwise, in (-pi, pi], broadcasting (tf.atan2)."""
    return _n(ops.atan2(_tensor(y), x), name)


def logical_not(x, name=None):
    """Not x, of a bool tensor (tf.logical_not); other dtypes are refused, as in TF1 (they read
    as x == 0 before)."""
    t = _tensor(x)
    if not t.dtype.is_bool:
        raise DTypeError(f"ds.logical_not: input must be bool, got {t.dtype.name} ({t.name}) {user_line()}")
    return _n(ops.logical_not(t), name)


def rsqrt(x, name=None):
    """1 / sqrt(x) elementwise (tf.rsqrt)."""
    return _n(ops.reciprocal(ops.sqrt(_tensor(x))), name)
