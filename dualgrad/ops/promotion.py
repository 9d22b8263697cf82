"""PyTorch's type promotion for op arguments, decided once per combination of dtypes.

numpy would widen int * float32 to float64 and treat Python scalars as strong; PyTorch keeps
scalars weak and ranks 0-d tensors below dimensioned ones. Every eager op runs this, so the
decision is cached per (dtypes, 0-d-ness, scalar types)."""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .. import dtypes
from ..backend import is_jax_array, namespace_of, x64
from ..errors import ValueOverflowError, user_line

_WEAK_SCALARS = frozenset((bool, int, float))
_PROMOTED: dict = {}  # (floating, `_promotion_key` per arg) -> numpy target dtype or None
dtypes.DEFAULT_FLOAT_CACHES.append(_PROMOTED)  # its targets read the default float


def promote_args(xp, args: Sequence, floating: bool, weak: tuple = ()) -> Sequence:
    """Cast array arguments to the PyTorch result dtype (numpy would widen int*float32 to
    float64); Python scalars stay weak and 0-d arrays rank below dimensioned ones. The target
    depends only on the arguments' dtypes, 0-d-ness and scalar types, so it is computed once
    per combination (this runs on every eager op). The arguments at positions `weak` (an
    op's `declare(weak=)`, e.g. a learning rate) take no part and are passed as they are."""
    if weak and any(type(args[i]) not in _WEAK_SCALARS for i in weak):  # (a float lr is weak as it is)
        rest = promote_args(xp, [a for i, a in enumerate(args) if i not in weak], floating)
        others = iter(rest)
        return [a if i in weak else next(others) for i, a in enumerate(args)]
    common = None
    for a in args:  # the common case first: numpy arrays of one float dtype, Python scalars
        kind = type(a)
        if kind is np.ndarray:
            if common is None:
                common = a.dtype
            elif a.dtype is not common:
                break
        elif kind not in _WEAK_SCALARS:
            break
    else:
        if common is not None and common.kind == "f":
            return args
    want = promotion_target(args, floating)
    if want is None:
        return args
    out = None
    for i, a in enumerate(args):
        if type(a) not in _WEAK_SCALARS:
            dt = getattr(a, "dtype", None)
            if dt is not None and dt != want:
                if out is None:
                    out = list(args)
                out[i] = converted(xp, a, want)
    return args if out is None else out


def promotion_target(args: Sequence, floating: bool):
    """The numpy dtype PyTorch's promotion casts `args` to (None: nothing to promote), decided
    once per combination of dtypes, 0-d-ness and scalar types."""
    key = (floating, *[_promotion_key(a) for a in args])
    try:
        return _PROMOTED[key]
    except KeyError:
        want = _PROMOTED[key] = _promotion_target(args, floating)
        return want
    except TypeError:  # an unhashable dtype-like: no caching
        return _promotion_target(args, floating)


def as_computed(args: Sequence, floating: bool, weak: tuple, cast: Callable) -> Sequence:
    """`args` in the dtype the kernel computed with (`promote_args`'s), for an op's VJP rules
    on any values: arrays are converted, anything else (a front end's tensor) goes through
    `cast(value, numpy_dtype)`. A rule reading an input in its own narrower dtype is wrong
    without an error: atan2's gradient squared an int8 `y` in int8 (it wrapped) and a float16
    one overflowed to inf, where the forward had computed in the promoted dtype."""
    operands = [a for i, a in enumerate(args) if i not in weak] if weak else args
    if sum(getattr(a, "dtype", None) is not None for a in operands) < 2:
        return args  # one array (a unary op, an array and numbers): its rules read its dtype
    want = promotion_target(operands, floating)
    if want is None:
        return args
    out = None
    for i, a in enumerate(args):
        if type(a) in _WEAK_SCALARS or i in weak:
            continue
        dt = getattr(a, "dtype", None)
        if dt is None or getattr(dt, "np", dt) == want:
            continue
        if out is None:
            out = list(args)
        if isinstance(a, (np.ndarray, np.generic)):
            out[i] = converted(np, a, want)
        elif is_jax_array(a):
            with x64():  # (float64 stays float64: dualgrad's jax work runs in 64-bit mode)
                out[i] = converted(namespace_of(a), a, want)
        else:
            out[i] = cast(a, want)
    return args if out is None else out


def mixes_dtypes(args: Sequence, weak: tuple) -> bool:
    """Whether the array arguments (not Python numbers, nor those at positions `weak`) have
    more than one dtype: then a promoting op's kernel computed with some of them converted."""
    first = None
    for i, a in enumerate(args):
        if type(a) in _WEAK_SCALARS or i in weak:
            continue
        dt = getattr(a, "dtype", None)
        if dt is None:
            continue
        if first is None:
            first = dt
        elif dt != first:
            return True
    return False


def converted(xp, a, dtype):
    """`a.astype(dtype)`, except a bool array made float on jax: as `where(a, 1, 0)`. XLA's
    algebraic simplifier rewrites `x * convert(mask)` into `select(mask, x, 0)`, so a NaN or
    inf times False read 0 in any jax program (PyTorch, TF1 and numpy: NaN); a select of
    constants it leaves as it is."""
    if xp is np or a.dtype != np.bool_ or np.dtype(dtype).kind not in "fc":
        return a.astype(dtype)
    return xp.where(a, xp.ones((), dtype), xp.zeros((), dtype))


def check_weak_ints(args: Sequence, op: str) -> None:
    """PyTorch's checked conversion of a Python int into an integer result (`where(c, int32,
    2**40)`): refused when it does not fit, where numpy would store it wrapped. Call after
    `promote_args`, when the arrays share the result dtype."""
    arrays = [a for a in args if type(a) not in _WEAK_SCALARS and hasattr(a, "dtype")]
    if not arrays or np.dtype(arrays[0].dtype).kind not in "iu":
        return
    info = np.iinfo(arrays[0].dtype)
    for a in args:
        if type(a) is int and not info.min <= a <= info.max:
            raise ValueOverflowError(f"{op}: value {a!r} cannot be converted to type "
                                     f"{np.dtype(arrays[0].dtype).name} without overflow {user_line()}")


def _promotion_key(a):
    """What promotion sees of an argument: a number's type (weak), an array's dtype and
    whether it is 0-d (0-d tensors rank below dimensioned ones)."""
    if type(a) in _WEAK_SCALARS or isinstance(a, np.generic):
        return type(a)
    return getattr(a, "dtype", type(a)), getattr(a, "ndim", 1) == 0


def _promotion_target(args: Sequence, floating: bool):
    target = dtypes.result_dtype(args)
    if target is None:
        return None
    if floating and not target.is_floating_point:
        target = dtypes.DEFAULT_FLOAT
    return target.np
