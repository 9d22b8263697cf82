"""PyTorch's top-level names that scripts call next: the other bases of exp and log (`exp2`,
`log2`, `log10`), `deg2rad`/`rad2deg`, `signbit`, `float_power`, `ldexp`, `gcd`/`lcm`,
`isneginf`/`isposinf`/`isreal`, `tensordot`, `std_mean`/`var_mean`, `dist`, `renorm`, `vdot`,
`ger`, `addbmm`, `msort` (the dtype questions and `inference_mode`: eager/dtype_info.py).

Each is a registry op (ops.log_bases) or a composition of registry ops, so gradients, the jax
device, `dg.compile` and `symbolic` come from the ops'. Attached to `Tensor` (where
PyTorch has the method) at import.
"""
from __future__ import annotations

import math

import numpy as np

from .. import dtypes, ops
from ..errors import DTypeError, DualgradRuntimeError, DualgradValueError, ShapeError, refusing, user_line
from . import api, creation
from .attach import install
from .bind import as_eager_error
from .dtype_refusals import same_dtype
from .inplace import inplace, unary_method, write_result
from .methods_compose import _blas, _check_broadcast, _check_scalars, _one_blas_dtype
from .methods_extra import outer
from .methods_more import _axis, sort
from .tensor import Tensor

_DEG = math.pi / 180.0  # (PyTorch's M_PI_180, rounded to the tensor's float dtype by the multiply)


def _floated(x: Tensor) -> Tensor:
    """x in the default float when it is an integer or bool tensor (PyTorch's float functions)."""
    return x if x.dtype.is_floating_point else x.to(dtypes.DEFAULT_FLOAT)


# -- elementwise ---------------------------------------------------------------------------------
exp2, log2, log10, gcd, lcm = ops.exp2, ops.log2, ops.log10, ops.gcd, ops.lcm


def deg2rad(input: Tensor) -> Tensor:
    """Degrees to radians, input * pi / 180 (torch.deg2rad); integers give the default float."""
    return ops.multiply(_floated(input), _DEG)


def rad2deg(input: Tensor) -> Tensor:
    """Radians to degrees, input * 180 / pi (torch.rad2deg); integers give the default float."""
    return ops.multiply(_floated(input), 180.0 / math.pi)


def signbit(input: Tensor) -> Tensor:
    """Whether the sign bit is set, as bool (torch.signbit): True for -0.0 and a negative NaN,
    which `input < 0` misses; no gradient."""
    if input.dtype.is_floating_point:
        return ops.less(ops.copysign(creation.ones_like(input), input), 0)
    return ops.less(input, 0)


def float_power(input, exponent) -> Tensor:
    """input ** exponent computed in float64, whatever the operands' dtypes (torch.float_power);
    the gradient flows back through the casts."""
    return ops.power(*(ops.cast(v, dtype=dtypes.float64) if isinstance(v, Tensor) else float(v)
                       for v in (input, exponent)))


def ldexp(input: Tensor, other) -> Tensor:
    """input * 2 ** other (torch.ldexp), in the promoted dtype of the two (the default float
    for integers: float16 * 2 ** int64 is float16); differentiable in both. (PyTorch's gradient
    in input is 0 where an integer `other` is negative: it takes pow(2, other) in integers.)"""
    if not isinstance(other, Tensor):
        return ops.multiply(_floated(input), 2.0 ** other)
    dtype = dtypes.result_dtype([input, other])
    dtype = dtype if dtype.is_floating_point else dtypes.DEFAULT_FLOAT
    input, other = (t if t.dtype is dtype else ops.cast(t, dtype=dtype) for t in (input, other))
    return ops.multiply(input, ops.exp2(other))


def isneginf(input: Tensor) -> Tensor:
    """Where input is -inf, as bool (torch.isneginf); integers never are."""
    if not input.dtype.is_floating_point:
        return ops.not_equal(input, input)
    return ops.equal(input, -math.inf)


def isposinf(input: Tensor) -> Tensor:
    """Where input is +inf, as bool (torch.isposinf); integers never are."""
    if not input.dtype.is_floating_point:
        return ops.not_equal(input, input)
    return ops.equal(input, math.inf)


def isreal(input: Tensor) -> Tensor:
    """True everywhere: dualgrad has only real dtypes (torch.isreal of a real tensor)."""
    return creation.ones_like(input, dtype=dtypes.bool_)


def positive(input: Tensor) -> Tensor:
    """The tensor itself, as PyTorch's `torch.positive` returns it; bool tensors refused, as PyTorch."""
    if input.dtype.is_bool:
        raise DualgradRuntimeError(f"positive: The `+` operator, on a bool tensor is not supported "
                                   f"{user_line()}")
    return input


absolute = api.abs


# -- contractions and reductions -----------------------------------------------------------------
def _dims_list(dims) -> list[int]:
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    return [dims] if isinstance(dims, (int, np.integer)) else [int(d) for d in dims]


def tensordot(a: Tensor, b: Tensor, dims=2) -> Tensor:
    """Sum of products over the last `dims` dims of `a` and the first of `b`, or over the dims
    in the pair `dims = (dims_a, dims_b)` (torch.tensordot): one matmul of the two reshaped
    operands, so its gradient is matmul's; both of one dtype, as PyTorch's."""
    same_dtype("tensordot", a, b, what="both inputs")
    if isinstance(dims, (int, np.integer)) and not isinstance(dims, bool):
        if dims < 0:
            raise as_eager_error(DualgradValueError(f"tensordot: tensordot expects dims >= 0, but got "
                                                    f"dims={dims} {user_line()}"))
        if dims > min(a.ndim, b.ndim):
            raise as_eager_error(ShapeError(f"tensordot: dims={dims} is more than the dims of the operands, "
                                            f"of shapes {tuple(a.shape)} and {tuple(b.shape)} {user_line()}"))
        dims_a, dims_b = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        pair = dims.tolist() if isinstance(dims, Tensor) else dims
        if len(pair) != 2:
            raise as_eager_error(DualgradValueError(f"tensordot: dims must be an int or a pair of lists of "
                                                    f"dims, got {dims!r} {user_line()}"))
        dims_a, dims_b = _dims_list(pair[0]), _dims_list(pair[1])
    if len(dims_a) != len(dims_b):
        raise as_eager_error(ShapeError(f"tensordot: both dimension lists should have same length, got "
                                        f"{dims_a} and {dims_b} {user_line()}"))
    dims_a = [_axis("tensordot", a, d) for d in dims_a]
    dims_b = [_axis("tensordot", b, d) for d in dims_b]
    if len(set(dims_a)) != len(dims_a) or len(set(dims_b)) != len(dims_b):
        raise as_eager_error(ShapeError(f"tensordot: a dim is contracted twice in {dims_a} or {dims_b} "
                                        f"{user_line()}"))
    for da, db in zip(dims_a, dims_b, strict=True):
        if a.shape[da] != b.shape[db]:
            raise as_eager_error(ShapeError(
                f"tensordot: contracted dimensions need to match, but first has size {a.shape[da]} in dim "
                f"{da} and second has size {b.shape[db]} in dim {db} (shapes {tuple(a.shape)} and "
                f"{tuple(b.shape)}) {user_line()}"))
    free_a = [d for d in range(a.ndim) if d not in dims_a]
    free_b = [d for d in range(b.ndim) if d not in dims_b]
    inner = math.prod(a.shape[d] for d in dims_a)
    left = ops.reshape(ops.transpose(a, axes=tuple(free_a + dims_a)),
                       shape=(math.prod(a.shape[d] for d in free_a), inner))
    right = ops.reshape(ops.transpose(b, axes=tuple(dims_b + free_b)),
                        shape=(inner, math.prod(b.shape[d] for d in free_b)))
    return ops.reshape(ops.matmul(left, right),
                       shape=tuple(a.shape[d] for d in free_a) + tuple(b.shape[d] for d in free_b))


def _stat_args(dim, unbiased):
    """PyTorch's overload `std_mean(input, unbiased)`: a bool second argument is `unbiased`."""
    if isinstance(dim, bool):
        return None, dim
    return dim, unbiased


def std_mean(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None) -> tuple:
    """(std, mean) over `dim` (all elements when None), std corrected as `std` is
    (torch.std_mean): one call for a normalisation's two statistics."""
    dim, unbiased = _stat_args(dim, unbiased)
    return (api.std(input, dim, unbiased, keepdim, correction=correction),
            api.mean(input, dim, keepdim))


def var_mean(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None) -> tuple:
    """(var, mean) over `dim` (all elements when None), var corrected as `var` is (torch.var_mean)."""
    dim, unbiased = _stat_args(dim, unbiased)
    return (api.var(input, dim, unbiased, keepdim, correction=correction),
            api.mean(input, dim, keepdim))


def dist(input: Tensor, other: Tensor, p=2) -> Tensor:
    """The p-norm of input - other (broadcast, then flattened) (torch.dist); its gradient at
    equal tensors is 0, as `norm`'s and PyTorch's."""
    return api.norm(ops.reshape(ops.subtract(input, other), shape=(-1,)), p)


def renorm(input: Tensor, p, dim: int, maxnorm) -> Tensor:
    """Each slice along `dim` whose p-norm exceeds `maxnorm` scaled down to norm `maxnorm`
    (by maxnorm / (norm + 1e-7), PyTorch's factor), the others unchanged (torch.renorm); the
    gradient includes the norm's dependence on the input, as PyTorch's renorm_backward."""
    if not input.dtype.is_floating_point:
        raise as_eager_error(DTypeError(f"renorm: expected a floating point tensor, got {input.dtype.name} "
                                        f"{user_line()}"))
    if not p > 0:
        raise as_eager_error(DualgradValueError(f"renorm: non-positive-norm not supported (p={p}) "
                                                f"{user_line()}"))
    if maxnorm < 0:
        raise as_eager_error(DualgradValueError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm} "
                                                f"{user_line()}"))
    if input.ndim <= 1:
        raise as_eager_error(ShapeError(f"renorm: input needs at least 2 dimensions, got {input.ndim} "
                                        f"{user_line()}"))
    axis = _axis("renorm", input, dim)
    others = tuple(d for d in range(input.ndim) if d != axis)
    norm = api.norm(input, p, others, True)
    factor = ops.where(ops.greater(norm, maxnorm), ops.divide(maxnorm, ops.add(norm, 1e-7)), 1.0)
    return ops.multiply(input, ops.cast(factor, dtype=input.dtype))


def vdot(input: Tensor, other: Tensor) -> Tensor:
    """The dot product of two 1-D tensors of one dtype (torch.vdot; no conjugate to take: dualgrad
    has no complex dtypes)."""
    if input.ndim != 1 or other.ndim != 1:
        raise as_eager_error(ShapeError(f"vdot: 1D tensors expected, but got {input.ndim}D and {other.ndim}D "
                                        f"tensors {user_line()}"))
    if input.dtype is not other.dtype:
        raise as_eager_error(DTypeError(f"vdot: expected both vectors to have same dtype, but found "
                                        f"{input.dtype.name} and {other.dtype.name} {user_line()}"))
    return api.dot(input, other)


def ger(input: Tensor, vec2: Tensor) -> Tensor:
    """The outer product, input[i] * vec2[j] (torch.ger, PyTorch's old name of `outer`)."""
    return outer(input, vec2)


def addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """beta * input + alpha * sum_b batch1[b] @ batch2[b] (torch.addbmm), as one matmul of the
    batches laid side by side; beta == 0 reads no input, as PyTorch's."""
    if batch1.ndim != 3 or batch2.ndim != 3:
        raise as_eager_error(ShapeError(f"addbmm: batch1 must be a 3D tensor and batch2 must be a 3D tensor, "
                                        f"got shapes {tuple(batch1.shape)} and {tuple(batch2.shape)} "
                                        f"{user_line()}"))
    b, n, m = batch1.shape
    if tuple(batch2.shape[:2]) != (b, m):
        raise as_eager_error(ShapeError(
            f"addbmm: batch1 and batch2 must have same number of batches and matching inner dims, got "
            f"{tuple(batch1.shape)} and {tuple(batch2.shape)} {user_line()}"))
    p = batch2.shape[2]
    _check_broadcast("addbmm", input, (n, p))
    _check_scalars("addbmm", input, (batch1, batch2), beta=beta, alpha=alpha)
    dtype = _one_blas_dtype("addbmm", input, batch1, batch2)
    left = ops.reshape(ops.transpose(batch1, axes=(1, 0, 2)), shape=(n, b * m))
    right = ops.reshape(batch2, shape=(b * m, p))
    left, right = (ops.cast(t, dtype=dtype) if t.dtype != dtype else t for t in (left, right))
    return _blas(input, ops.matmul(left, right), beta, alpha, dtype)


def msort(input: Tensor) -> Tensor:
    """input sorted along its first dim, the values only (torch.msort)."""
    return sort(input, 0).values


# -- making them public --------------------------------------------------------------------------
FUNCTIONS = install(globals(), {
    "deg2rad": deg2rad, "rad2deg": rad2deg, "signbit": signbit, "float_power": float_power,
    "ldexp": ldexp, "isneginf": isneginf, "isposinf": isposinf, "isreal": isreal, "positive": positive,
    "dist": dist, "renorm": renorm, "vdot": vdot, "ger": ger, "addbmm": addbmm, "msort": msort,
})
_NOT_METHODS = {name: refusing(fn, name) for name, fn in {
    "tensordot": tensordot, "std_mean": std_mean, "var_mean": var_mean}.items()}
globals().update(_NOT_METHODS)
FUNCTIONS.update(_NOT_METHODS)


def _exp2(self: Tensor) -> Tensor:
    """2 ** self elementwise (Tensor.exp2)."""
    return ops.exp2(self)


def _log2(self: Tensor) -> Tensor:
    """Base-2 logarithm elementwise, exact at powers of 2 (Tensor.log2)."""
    return ops.log2(self)


def _log10(self: Tensor) -> Tensor:
    """Base-10 logarithm elementwise (Tensor.log10)."""
    return ops.log10(self)


def _gcd(self: Tensor, other) -> Tensor:
    """Greatest common divisor with `other`, elementwise on integers (Tensor.gcd)."""
    return ops.gcd(self, other)


def _lcm(self: Tensor, other) -> Tensor:
    """Least common multiple with `other`, elementwise on integers (Tensor.lcm)."""
    return ops.lcm(self, other)


def _absolute(self: Tensor) -> Tensor:
    """|self| elementwise, `abs` (Tensor.absolute)."""
    return ops.abs(self)


for _fn in (_exp2, _log2, _log10, _gcd, _lcm, _absolute):
    _fn.__name__ = _fn.__qualname__ = _fn.__name__[1:]
    setattr(Tensor, _fn.__name__, refusing(_fn, _fn.__name__))


def gcd_(input: Tensor, other) -> Tensor:
    """`gcd` with `other`, written into this tensor (Tensor.gcd_)."""
    return inplace(input, ops.gcd, other)


def lcm_(input: Tensor, other) -> Tensor:
    """`lcm` with `other`, written into this tensor (Tensor.lcm_)."""
    return inplace(input, ops.lcm, other)


def deg2rad_(input: Tensor) -> Tensor:
    """`deg2rad`, written into this tensor (Tensor.deg2rad_); an integer tensor is refused, as
    PyTorch refuses the float result."""
    return write_result("deg2rad_", input, deg2rad(input))


def rad2deg_(input: Tensor) -> Tensor:
    """`rad2deg`, written into this tensor (Tensor.rad2deg_)."""
    return write_result("rad2deg_", input, rad2deg(input))


def ldexp_(input: Tensor, other) -> Tensor:
    """`ldexp`, written into this tensor (Tensor.ldexp_)."""
    return write_result("ldexp_", input, ldexp(input, other))


def renorm_(input: Tensor, p, dim: int, maxnorm) -> Tensor:
    """`renorm`, written into this tensor (Tensor.renorm_)."""
    return write_result("renorm_", input, renorm(input, p, dim, maxnorm))


def float_power_(input: Tensor, exponent) -> Tensor:
    """`float_power`, written into this tensor, which must be float64 (Tensor.float_power_; PyTorch
    refuses any other dtype rather than round the float64 result)."""
    if input.dtype is not dtypes.float64:
        raise DualgradRuntimeError(f"float_power_: the base given to float_power_ has dtype "
                                   f"{input.dtype.name} but the operation's result requires dtype float64 "
                                   f"{user_line()}")
    return write_result("float_power_", input, float_power(input, exponent))


#: the in-place methods: `Tensor` only
METHODS = {
    **{fn.__name__: refusing(fn, fn.__name__) for fn in (
        gcd_, lcm_, deg2rad_, rad2deg_, ldexp_, renorm_, float_power_)},
    **{name: refusing(unary_method(name, op), name) for name, op in (
        ("exp2_", ops.exp2), ("log2_", ops.log2), ("log10_", ops.log10), ("absolute_", ops.abs))},
}
for _name, _method in METHODS.items():
    setattr(Tensor, _name, _method)
