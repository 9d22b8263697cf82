"""More of TF1's `tf.math`, as compositions of registry ops, and the `ds.math` namespace.

The `*_no_nan` family and `xlogy`/`xdivy` are `where`s whose other side never sees the
excluded values (a 0 divisor reads 1, a 0 log argument reads 1), so neither their values nor
their gradients hold the NaN or infinity TF1 excludes. Their gradients are TF1's, but for
`xlogy`'s and `xdivy`'s in x where x is 0: the slope of the function, linear in x (log(y),
1 / y), where TF1 gives 0 (docs/static.md).
"""
from __future__ import annotations

from types import SimpleNamespace

from .. import ops
from ..aliases import resolve
from ..errors import DTypeError, user_line
from .api import _axis, _n, _tensor
from .creation import as_dtype
from .graph import Tensor
from .int_division import true_quotient


def _float(fn: str, x) -> Tensor:
    t = _tensor(x)
    if t.dtype is not None and not t.dtype.is_floating_point:
        raise DTypeError(f"ds.{fn}: x must be a float tensor, got {t.dtype.name} {user_line()}")
    return t


def is_nan(x, name=None) -> Tensor:
    """Where x is NaN, as bool (tf.math.is_nan)."""
    return _n(ops.isnan(_float("is_nan", x)), name)


def is_inf(x, name=None) -> Tensor:
    """Where x is +-inf, as bool (tf.math.is_inf)."""
    return _n(ops.isinf(_float("is_inf", x)), name)


def is_finite(x, name=None) -> Tensor:
    """Where x is neither NaN nor +-inf, as bool (tf.math.is_finite)."""
    return _n(ops.isfinite(_float("is_finite", x)), name)


def log_sigmoid(x, name=None) -> Tensor:
    """log(sigmoid(x)) = -softplus(-x), without overflow (tf.math.log_sigmoid)."""
    return _n(ops.negative(ops.softplus(ops.negative(_float("log_sigmoid", x)))), name)


def count_nonzero(input_tensor=None, axis=None, keepdims=None, dtype="int64", name=None,
                  reduction_indices=None, keep_dims=None, input=None):  # noqa: A002
    """How many elements are not 0 over `axis` (all when None); NaN counts (tf.count_nonzero,
    int64 by default)."""
    x = _tensor(resolve("count_nonzero", "input_tensor", input_tensor, "input", input))
    keep = bool(resolve("count_nonzero", "keepdims", keepdims, "keep_dims", keep_dims))
    counted = ops.sum(ops.not_equal(x, 0), axis=_axis(axis, reduction_indices, "count_nonzero"),
                      keepdims=keep)
    return _n(ops.cast(counted, dtype=as_dtype(dtype)), name)


def _population(fn: str, reducer):
    def reduction(input_tensor, axis=None, keepdims=False, name=None):
        x = _float(fn, input_tensor)
        return _n(reducer(x, axis=_axis(axis, None, fn), keepdims=bool(keepdims)), name)

    reduction.__name__ = fn
    return reduction


reduce_variance = _population("reduce_variance", lambda x, **kw: ops.var(x, correction=0, **kw))
reduce_variance.__doc__ = "The population variance over `axis` (tf.math.reduce_variance)."
reduce_std = _population("reduce_std", lambda x, **kw: ops.std(x, correction=0, **kw))
reduce_std.__doc__ = "The population standard deviation over `axis` (tf.math.reduce_std)."
reduce_euclidean_norm = _population("reduce_euclidean_norm", lambda x, **kw: ops.norm(x, p=2, **kw))
reduce_euclidean_norm.__doc__ = "sqrt(sum(x ** 2)) over `axis` (tf.math.reduce_euclidean_norm)."


def divide_no_nan(x, y, name=None) -> Tensor:
    """x / y, and 0 where y is 0 whatever x is (tf.math.divide_no_nan, tf.div_no_nan); integer
    tensors become floats first as in `/` (int32 and int64 into float64, int_division.py)."""
    x, zero = _tensor(x), ops.equal(y, 0)
    return _n(ops.where(zero, 0, true_quotient(x, ops.where(zero, 1, y))), name)


def multiply_no_nan(x, y, name=None) -> Tensor:
    """x * y, and 0 where y is 0 even if x is NaN or infinite (tf.math.multiply_no_nan). Only
    such an x is replaced (by 0): where x is finite, x * y is 0 anyway, and its gradient in y
    is x, as TF1's (a where on y == 0 alone would make it 0)."""
    x = _tensor(x)
    kept = ops.logical_or(ops.not_equal(y, 0), ops.isfinite(x))
    return _n(ops.multiply(ops.where(kept, x, 0), y), name)


def rint(x, name=None) -> Tensor:
    """The nearest integer, ties to even, for floats (tf.rint); no gradient, as TF1's Rint."""
    t = _tensor(x)
    if not t.dtype.is_floating_point:
        raise DTypeError(f"ds.rint: x must be floating point, got {t.dtype.name} {user_line()}")
    return _n(ops.round(t), name)


def xlogy(x, y, name=None) -> Tensor:
    """x * log(y), and 0 where x is 0 whatever y is (tf.math.xlogy; ops.xlogy with TF1's rule)."""
    return _n(ops.xlogy(_tensor(x), y, nan=False), name)


def xdivy(x, y, name=None) -> Tensor:
    """x / y, and 0 where x is 0 whatever y is (tf.math.xdivy); the gradient in x is 1 / y at
    x == 0 too (TF1's is 0 there), 0 where y is 0 or NaN as well."""
    x = _tensor(x)
    zero = ops.equal(x, 0)
    # there x divides inf: 0, with slope 0 in x and no gradient to y
    excluded = ops.logical_and(zero, ops.logical_or(ops.equal(y, 0), ops.isnan(y)))
    quotient = ops.divide(x, ops.where(excluded, float("inf"), y))
    return _n(ops.where(zero, ops.add(quotient, 0.0), quotient), name)  # (+ 0: not -0.0 at x == 0)


div_no_nan = divide_no_nan  # TF1's top-level name

#: `tf.math` names: those whose home is ds.nn, and those ds has at its top level
_FROM_NN = ("softmax", "log_softmax", "softplus", "l2_normalize", "top_k")
_MATH_NAMES = (
    "abs acos acosh add add_n argmax argmin asin asinh atan atan2 atanh ceil cos cosh count_nonzero "
    "cumprod cumsum divide divide_no_nan equal exp expm1 floor floordiv floormod greater "
    "greater_equal is_finite is_inf is_nan less less_equal log log1p log_sigmoid logical_and "
    "logical_not logical_or logical_xor maximum minimum mod multiply multiply_no_nan negative "
    "not_equal pow reciprocal reduce_all reduce_any reduce_euclidean_norm reduce_logsumexp "
    "reduce_max reduce_mean reduce_min reduce_prod reduce_std reduce_sum reduce_variance round "
    "rsqrt sigmoid sign sin sinh sqrt square squared_difference subtract tan tanh truediv xdivy "
    "xlogy").split()


def math_namespace(package: dict, nn) -> SimpleNamespace:
    """`ds.math`: TF1's `tf.math` names, the same functions as `ds.<name>` and `ds.nn.<name>`
    (a name dualgrad lacks is missing here too: an AttributeError, as at the top level)."""
    names = {name: package[name] for name in _MATH_NAMES}
    names.update({name: getattr(nn, name) for name in _FROM_NN})
    if "erf" in package:  # (once the registry has it)
        names["erf"] = package["erf"]
    return SimpleNamespace(**names)
