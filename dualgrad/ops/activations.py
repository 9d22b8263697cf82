"""PyTorch's activation functions: the primitive `erf`, and composites of registry ops.

Each composite is written so that `where` picks, at a kink, the branch whose derivative is
PyTorch's (its `*_backward` kernels in ATen, checked against torch 2.13 at the kink points):
leaky_relu'(0) = negative_slope, elu'(0) = alpha, celu'(0) = 1, selu'(0) = scale * alpha;
hardtanh, relu6 and hardsigmoid pass the gradient strictly inside their bounds only (0 at
the bounds, unlike clamp); hardswish'(-3) = 0 and hardswish'(3) = 1. The piecewise-linear ones
select with `where_linked`, so their gradient stays connected to x and a second derivative is
0 (PyTorch's), not an unused input. A NaN input takes the
branch PyTorch's comparisons give it (elu's `x <= 0` is false: gradient 1). Exponentials
only ever see values that cannot overflow (the branch not taken reads 0), so the gradient
through `where` never meets 0 * inf.
"""
from __future__ import annotations

import math

import numpy as np

from ..errors import DualgradValueError, IndexShapeError, ShapeError, user_line
from . import composite, specs
from . import elementwise as ew
from . import indexing as ix
from .lazy import sympy as sp
from .registry import declare

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
# PyTorch's constants (ATen's GeluKernel and Activation.h)
_SQRT1_2 = math.sqrt(0.5)
_GELU_BETA = math.sqrt(2.0) * _TWO_OVER_SQRT_PI * 0.5
_GELU_KAPPA = 0.044715
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _erf_kernel(xp, x):
    """numpy: libm's erf (`math.erf`) per element, computed in float64 and rounded to x's
    dtype; numpy has no erf of its own. jax: its erf, imported only when jax runs."""
    if xp is not np:
        from jax.scipy.special import erf

        return erf(x)
    x = np.asarray(x)
    flat = np.fromiter(map(math.erf, x.ravel().tolist()), np.float64, x.size)
    return flat.reshape(x.shape).astype(x.dtype, copy=False)


erf = declare(
    "erf", _erf_kernel,
    vjp=(lambda g, out, x: ew.multiply(g, ew.multiply(ew.exp(ew.negative(ew.square(x))),
                                                     _TWO_OVER_SQRT_PI)),),
    sympy=lambda x: sp.erf(x), shape=specs.same, domain=((-3.0, 3.0),), floating=True, elementwise=True,
    doc="the error function 2/sqrt(pi) * integral of exp(-t**2) from 0 to x (torch.erf, tf.math.erf)")


def gelu(x, approximate="none"):
    """x * Phi(x), Phi the normal CDF written with erf; with approximate='tanh' PyTorch's
    0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x**3)))."""
    if approximate == "tanh":
        cube = ew.multiply(ew.multiply(x, x), x)
        inner = ew.multiply(ew.add(x, ew.multiply(cube, _GELU_KAPPA)), _GELU_BETA)
        return ew.multiply(ew.multiply(x, 0.5), ew.add(ew.tanh(inner), 1))
    if approximate != "none":
        raise DualgradValueError(f"gelu: approximate argument must be either none or tanh, got "
                                 f"{approximate!r} {user_line()}")
    return ew.multiply(ew.multiply(x, 0.5), ew.add(erf(ew.multiply(x, _SQRT1_2)), 1))


def silu(x):
    """x * sigmoid(x) (PyTorch's SiLU, TF's swish)."""
    return ew.multiply(x, ew.sigmoid(x))


def leaky_relu(x, negative_slope=0.01):
    """x where x > 0, else negative_slope * x; the gradient at 0 is negative_slope (PyTorch's)."""
    return ew.where_linked(ew.greater(x, 0), x, ew.multiply(x, negative_slope))


def _elu(x, alpha, scale=1.0, input_scale=1.0):
    """ATen's elu kernel: scale * x where x > 0, else alpha * scale * expm1(input_scale * x).
    At 0 PyTorch's gradient is the exponential branch's (alpha * scale * input_scale) but its
    second derivative the linear branch's, 0 (elu_double_backward reads x < 0), so 0 itself
    takes a line of the exponential's slope (the same +-0 value); a NaN gets the linear
    branch's gradient (PyTorch's). The exponential reads 0 where x >= 0: no overflow."""
    negative = ew.less(x, 0)
    inside = ew.where(negative, x, 0)
    if input_scale != 1.0:
        inside = ew.multiply(inside, input_scale)
    curve = ew.multiply(_expm1_exact_grad(inside), alpha * scale)
    linear = x if scale == 1.0 else ew.multiply(x, scale)
    at_zero = ew.multiply(x, alpha * scale * input_scale)
    return ew.where(negative, curve, ew.where(ew.equal(x, 0), at_zero, linear))


def _expm1_exact_grad(x):
    """expm1(x) for x <= 0 whose gradient is exp(x) to the last bits, as PyTorch's
    elu_backward computes it: expm1's own VJP, out + 1, cancels to 0 far left (exp(-500) is
    7e-218; out + 1 is 0). Below -1, exp(x) - 1 is as exact as expm1 (|value| > 0.63)."""
    far = ew.less(x, -1)
    return ew.where(far, ew.subtract(ew.exp(ew.where(far, x, 0)), 1), ew.expm1(ew.where(far, 0, x)))


def elu(x, alpha=1.0):
    """x where x > 0, else alpha * (exp(x) - 1); elu'(0) = alpha (PyTorch's)."""
    return _elu(x, alpha)


def celu(x, alpha=1.0):
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1)); celu'(0) = 1 (PyTorch's)."""
    if alpha == 0:
        raise DualgradValueError(f"celu: alpha cannot be 0 for CELU (ZeroDivisionError in PyTorch) "
                                 f"{user_line()}")
    return _elu(x, alpha, 1.0, 1.0 / alpha)


def selu(x):
    """scale * elu(x, alpha) with the self-normalising constants; selu'(0) = scale * alpha."""
    return _elu(x, SELU_ALPHA, SELU_SCALE)


def hardtanh(x, min_val=-1.0, max_val=1.0):
    """x clamped to [min_val, max_val]; the gradient passes strictly inside only (and at a
    NaN, which no comparison catches), as PyTorch's hardtanh_backward."""
    if min_val > max_val:
        raise DualgradValueError(f"hardtanh: min_val cannot be greater than max_val ({min_val} > {max_val}) "
                                 f"{user_line()}")
    return ew.where_linked(ew.less_equal(x, min_val), min_val,
                           ew.where_linked(ew.greater_equal(x, max_val), max_val, x))


def relu6(x):
    """hardtanh(x, 0, 6), as PyTorch's relu6: gradient 0 at 0 and at 6."""
    return hardtanh(x, 0.0, 6.0)


def mish(x):
    """x * tanh(softplus(x)); mish(1000) = 1000 (no overflow)."""
    return ew.multiply(x, ew.tanh(composite.softplus(x)))


def logsigmoid(x):
    """log(sigmoid(x)) = 0 - softplus(-x): PyTorch's min(x, 0) - log1p(exp(-|x|)) by the same
    operations, finite for every finite x (logsigmoid(-1000) = -1000); its gradient at 0 is 0.5
    and its second derivative -1/4 (written with min and |x|, both read 0 there)."""
    return ew.subtract(0.0, composite.softplus(ew.negative(x)))  # 0 - 0 is +0.0, as PyTorch's


def hardsigmoid(x):
    """relu6(x + 3) / 6; the gradient is 1/6 strictly inside (-3, 3) only, 0 at the bounds and
    at a NaN (PyTorch's). The NaN branch is x * 0: a NaN without gradient, in x's dtype."""
    top = ew.where_linked(ew.greater_equal(x, 3), 1, ew.multiply(x, 0))
    return ew.where_linked(ew.less_equal(x, -3), 0,
                           ew.where_linked(ew.less(x, 3), ew.add(ew.divide(x, 6), 0.5), top))


def hardswish(x):
    """x * relu6(x + 3) / 6; as PyTorch 2's hardswish_backward, the gradient is 0 for
    x <= -3 and 1 for x >= 3 (and at a NaN), x / 3 + 1/2 between. The quadratic only sees x
    strictly inside: elsewhere its 0 * (x + 3) gradient would turn a NaN into NaN."""
    below, inside = ew.less_equal(x, -3), ew.less(x, 3)  # (inside: when not below)
    safe = ew.where(inside, ew.where(below, 0, x), 0)  # x strictly inside, else 0: no NaN, no overflow
    middle = ew.divide(ew.multiply(safe, ew.add(safe, 3)), 6)
    return ew.where(below, ew.multiply(x, 0), ew.where(inside, middle, x))


def softsign(x):
    """x / (1 + |x|) (PyTorch's softsign; its gradient at 0 is 1)."""
    return ew.divide(x, ew.add(ew.abs(x), 1))


def tanhshrink(x):
    """x - tanh(x)."""
    return ew.subtract(x, ew.tanh(x))


def glu(x, axis=-1):
    """a * sigmoid(b), a and b the two halves of x along axis (PyTorch's GLU)."""
    if not x.shape:
        raise ShapeError(f"glu does not support scalars because halving size must be even {user_line()}")
    ndim = len(x.shape)
    if not -ndim <= axis < ndim:
        raise IndexShapeError(f"glu: Dimension out of range (expected to be in range of "
                              f"[{-ndim}, {ndim - 1}], but got {axis}) {user_line()}")
    axis %= ndim
    size = x.shape[axis]
    if size is None or size % 2:
        raise ShapeError(f"glu: Halving dimension must be even, but dimension {axis} is size {size} "
                         f"{user_line()}")
    before = (slice(None),) * axis
    first = ix.getitem(x, key=(*before, slice(0, size // 2)))
    second = ix.getitem(x, key=(*before, slice(size // 2, size)))
    return ew.multiply(first, ew.sigmoid(second))
