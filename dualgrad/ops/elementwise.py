"""Elementwise ops: arithmetic, transcendental functions, activations and comparisons.

Each declaration holds the op's whole math: kernel, VJP in registry ops, scalar sympy formula,
shape rule and test domain. Broadcasting is not the rules' business: the reverse walker sums
each gradient back to its input's shape.
"""
from __future__ import annotations

import math

import numpy as np

from . import bool_rules, specs
from .casting import cast, dtype_of
from .integer_power import power_by_squaring
from .lazy import sympy as sp
from .promotion import check_weak_ints, promote_args
from .registry import declare

POSITIVE = (0.2, 4.0)
UNIT = (-0.9, 0.9)
# below this size np.where (its branches are predicted) and np.maximum(x, 0) are as fast as
# their branch-free and SIMD forms (`_masked`, `_relu_kernel`)
_MASKED_MIN_SIZE = 4096
_ZEROS_FAST = (np.dtype(np.float32), np.dtype(np.float64))  # float16 gains nothing (measured)


# what each op does, in PyTorch's and TF1's names (the ops' `doc`, hence their docstrings)
_DOCS = {
    "negative": "-x elementwise (torch.neg, tf.negative)",
    "reciprocal": "1 / x elementwise (torch.reciprocal, tf.math.reciprocal)",
    "exp": "e ** x elementwise (torch.exp, tf.exp)",
    "log": "natural logarithm elementwise (torch.log, tf.log)",
    "log1p": "log(1 + x), accurate near 0 (torch.log1p, tf.log1p)",
    "expm1": "exp(x) - 1, accurate near 0 (torch.expm1, tf.expm1)",
    "sqrt": "square root elementwise (torch.sqrt, tf.sqrt)",
    "sin": "sine elementwise (torch.sin, tf.sin)",
    "cos": "cosine elementwise (torch.cos, tf.cos)",
    "tan": "tangent elementwise (torch.tan, tf.tan)",
    "tanh": "hyperbolic tangent elementwise (torch.tanh, tf.tanh)",
    "sigmoid": "1 / (1 + exp(-x)), computed stably (torch.sigmoid, tf.sigmoid)",
    "sign": "-1, 0 or 1 by the sign of x; no gradient (torch.sign, tf.sign)",
    "equal": "x == y elementwise, broadcasting, as bool (torch.eq, tf.equal)",
    "not_equal": "x != y elementwise, broadcasting, as bool (torch.ne, tf.not_equal)",
    "less": "x < y elementwise, broadcasting, as bool (torch.lt, tf.less)",
    "less_equal": "x <= y elementwise, broadcasting, as bool (torch.le, tf.less_equal)",
    "greater": "x > y elementwise, broadcasting, as bool (torch.gt, tf.greater)",
    "greater_equal": "x >= y elementwise, broadcasting, as bool (torch.ge, tf.greater_equal)",
    "logical_not": "elementwise not of truth values (torch.logical_not, tf.logical_not)",
}


def _unary(name, kernel, vjp, formula, *, domain=(-3.0, 3.0), grad_name=None, floating=True,
           differentiable=True, doc="", shape=specs.same, **saves):
    return declare(name, kernel, vjp=(vjp,), sympy=formula, shape=shape, domain=(domain,),
                   grad_name=grad_name, floating=floating, elementwise=True,
                   differentiable=differentiable, doc=doc or _DOCS[name], **saves)


def _binary(name, kernel, vjp, formula, *, domain=((-3.0, 3.0), (-3.0, 3.0)), grad_name=None,
            floating=False, doc="", shape=specs.broadcast, **saves):
    return declare(name, kernel, vjp=vjp, sympy=formula, shape=shape, domain=domain,
                   nin=2, grad_name=grad_name, promotes=True, floating=floating,
                   elementwise=True, doc=doc, **saves)


# -- arithmetic ------------------------------------------------------------------------------
add = _binary("add", lambda xp, x, y: xp.add(x, y),
              (lambda g, out, x, y: g, lambda g, out, x, y: g),
              lambda x, y: x + y, doc="x + y", saves_inputs=False, ufunc=np.add)
subtract = _binary("subtract", lambda xp, x, y: xp.subtract(x, y),
                   (lambda g, out, x, y: g, lambda g, out, x, y: negative(g)),
                   lambda x, y: x - y, grad_name="Sub", doc="x - y", saves_inputs=False, ufunc=np.subtract,
                   shape=bool_rules.subtract_spec)
multiply = _binary("multiply", lambda xp, x, y: xp.multiply(x, y),
                   (lambda g, out, x, y: multiply(g, y), lambda g, out, x, y: multiply(g, x)),
                   lambda x, y: x * y, grad_name="Mul", doc="x * y", ufunc=np.multiply,
                   reads=((1,), (0,)))


def _is_bool(x) -> bool:
    return getattr(getattr(x, "dtype", None), "kind", None) == "b"


# a primitive, not multiply(x, x): its VJP is one product, and `sum(square(y))` stays one
# fused reduction in XLA (PyTorch's square is pow(x, 2), hence PowBackward0); bools square as
# int64, PyTorch's (numpy's int8 wrapped a later product: mask.square() * 200)
square = _unary("square", lambda xp, x: xp.square(x.astype(np.int64) if _is_bool(x) else x),
                lambda g, out, x: multiply(g, multiply(x, 2)),
                lambda x: x**2, grad_name="Pow", floating=False, doc="x * x", ufunc=np.square,
                shape=bool_rules.squared_spec)
divide = _binary("divide", lambda xp, x, y: xp.true_divide(x, y),
                 (lambda g, out, x, y: divide(g, y),
                  lambda g, out, x, y: negative(multiply(g, divide(divide(x, y), y)))),
                 lambda x, y: x / y, grad_name="Div", floating=True,
                 domain=((-3.0, 3.0), POSITIVE), doc="x / y (true division)", ufunc=np.divide,
                 reads=((1,), (0, 1)))


def _pow_base_grad(g, out, x, y):
    """y * x**(y-1); where x == y == 0 that is 0 * inf, taken as 0 (PyTorch: d(x**0)/dx = 0).
    Only that point is masked, so the derivative in y stays right at y == 0, x != 0."""
    both_zero = equal(add(abs(x), abs(y)), 0)
    return multiply(g, where(both_zero, 0, multiply(y, power(where(both_zero, 1, x), subtract(y, 1)))))


def _pow_exponent_grad(g, out, x, y):
    """out * log(x), PyTorch's pow_backward_exponent: 0 where x == 0 and y >= 0 (log reads 1
    there, so no masked -inf/nan poisons the double backward); where x == 0 and y < 0 it is
    out * log(0), -inf (+inf for -0.0 to an odd power), and NaN for a NaN y. log(x) is taken
    in the result's dtype: an integer or Python-number base went through float32 before."""
    flat = where(equal(x, 0), greater_equal(y, 0), False)
    base = where(flat, 1, x)
    dt = dtype_of(out)
    if dt is not None and dt.is_floating_point and dtype_of(base) != dt:
        base = cast(base, dtype=dt)
    return multiply(g, where(flat, 0, multiply(out, log(base))))


def _is_half(y) -> bool:
    """Whether the exponent is one 0.5 (a Python number is checked first: this runs on every
    numpy power, where np.equal of a scalar costs several microseconds)."""
    if type(y) is float or type(y) is int:
        return y == 0.5
    return np.size(y) == 1 and bool(np.equal(y, 0.5).all())


def _power_kernel(xp, x, y):
    """numpy's power, with PyTorch's rule for integers: a negative Python-int exponent is
    refused (numpy's and PyTorch's error; jax returned garbage), and a negative element of an
    integer exponent tensor gives 1 for base 1, +-1 for base -1 by the exponent's parity, 0
    otherwise (numpy raised; jax returned garbage). Written with `where`, so it runs under jit.
    Bools to bool powers stay bools, as PyTorch's `mask ** True` (numpy made int8, jax int32,
    where the shape rule and the static graph said bool): x or not y."""
    kx, ky = operand_kind(x), operand_kind(y)
    if kx == "b" and ky == "b":
        return xp.logical_or(x, xp.logical_not(y))
    if kx in _INTEGER_KINDS and ky in _INTEGER_KINDS:
        if isinstance(y, (int, np.integer)):
            if y < 0:
                raise ValueError("Integers to negative integer powers are not allowed.")
            return xp.power(x, y)
        negative = y < 0
        whole = (xp.power if xp is np else power_by_squaring)(x, xp.where(negative, 0, y))
        odd = xp.abs(y) % 2 == 1
        fraction = xp.where(x == 1, 1, xp.where(x == -1, xp.where(odd, -1, 1), 0))
        return xp.where(negative, fraction, whole).astype(whole.dtype)
    out = xp.power(x, y)
    if xp is np and out.dtype.kind == "f" and _is_half(y):
        # numpy takes a one-element exponent 0.5 as sqrt: (-0.0) ** 0.5 is -0.0 and (-inf) ** 0.5
        # NaN there, where C's pow, jax and PyTorch's tensor exponents give 0.0 and inf (and sqrt
        # and pow may differ in the last bit): a full exponent array of at least one dimension
        # takes C's pow (a 0-d one is read as the scalar again, so a 0-d base is made 1-d)
        base = np.reshape(x, (1,)) if isinstance(x, np.ndarray) and x.ndim == 0 else x
        out = np.power(base, np.full(out.shape or (1,), 0.5, dtype=out.dtype)).reshape(out.shape)
    return out


_INTEGER_KINDS = ("i", "u")
_PYTHON_KINDS = {bool: "b", int: "i", float: "f", complex: "c"}


def operand_kind(v) -> str | None:
    """numpy's dtype kind of an operand: of a numpy number, array or tensor (static or eager:
    their DType holds the numpy dtype), or "b", "i", "f", "c" for a Python bool, int, float or
    complex; None for anything else."""
    dt = getattr(v, "dtype", None)
    kind = getattr(getattr(dt, "np", dt), "kind", None)
    return kind if kind is not None else _PYTHON_KINDS.get(type(v))


def is_integer_operand(v) -> bool:
    """An integer operand (a Python/numpy int, an array or tensor of an integer dtype); never a
    bool."""
    return operand_kind(v) in _INTEGER_KINDS


power = _binary("power", _power_kernel, (_pow_base_grad, _pow_exponent_grad),
                lambda x, y: x ** y, grad_name="Pow", domain=(POSITIVE, (-2.0, 2.0)),
                doc="x ** y; d/dy is 0 where x == 0 (PyTorch's convention)", ufunc=np.power,
                kernel_is_ufunc=False, reads=((0, 1), (0, 1, "out")))


def _max_grad(mine, other, loses):
    """Ties split the gradient in half, as PyTorch's maximum/minimum do; an operand gets none
    only where it `loses` the comparison, so a NaN on either side passes the gradient to both,
    as in PyTorch (reading out == x gave both sides 0 there: the NaN's gradient vanished)."""
    return lambda g, out, *xy: where(equal(xy[0], xy[1]), divide(g, 2),
                                     where(loses(xy[mine], xy[other]), 0, g))


_LESS, _GREATER = (lambda a, b: less(a, b)), (lambda a, b: greater(a, b))  # (declared below)
maximum = _binary("maximum", lambda xp, x, y: xp.maximum(x, y),
                  (_max_grad(0, 1, _LESS), _max_grad(1, 0, _LESS)),
                  lambda x, y: sp.Max(x, y), doc="elementwise max; ties share the gradient", ufunc=np.maximum)
minimum = _binary("minimum", lambda xp, x, y: xp.minimum(x, y),
                  (_max_grad(0, 1, _GREATER), _max_grad(1, 0, _GREATER)),
                  lambda x, y: sp.Min(x, y), doc="elementwise min; ties share the gradient", ufunc=np.minimum)
negative = _unary("negative", lambda xp, x: xp.negative(x), lambda g, out, x: negative(g),
                  lambda x: -x, grad_name="Neg", floating=False, saves_inputs=False, ufunc=np.negative,
                  shape=bool_rules.negative_spec)
reciprocal = _unary("reciprocal", lambda xp, x: xp.reciprocal(x),
                    lambda g, out, x: negative(multiply(g, multiply(out, out))),
                    lambda x: 1 / x, domain=POSITIVE, saves_inputs=False, saves_out=True, ufunc=np.reciprocal)

# -- transcendental ------------------------------------------------------------------------
exp = _unary("exp", lambda xp, x: xp.exp(x), lambda g, out, x: multiply(g, out), lambda x: sp.exp(x),
            saves_inputs=False, saves_out=True, ufunc=np.exp)
log = _unary("log", lambda xp, x: xp.log(x), lambda g, out, x: divide(g, x), lambda x: sp.log(x),
             domain=POSITIVE, ufunc=np.log)
log1p = _unary("log1p", lambda xp, x: xp.log1p(x), lambda g, out, x: divide(g, add(x, 1)),
               lambda x: sp.log(1 + x), domain=UNIT, ufunc=np.log1p)
expm1 = _unary("expm1", lambda xp, x: xp.expm1(x), lambda g, out, x: multiply(g, add(out, 1)),
               lambda x: sp.exp(x) - 1, saves_inputs=False, saves_out=True, ufunc=np.expm1)
sqrt = _unary("sqrt", lambda xp, x: xp.sqrt(x), lambda g, out, x: divide(g, multiply(out, 2)),
              lambda x: sp.sqrt(x), domain=POSITIVE, saves_inputs=False, saves_out=True, ufunc=np.sqrt)
sin = _unary("sin", lambda xp, x: xp.sin(x), lambda g, out, x: multiply(g, cos(x)), lambda x: sp.sin(x),
             ufunc=np.sin)
cos = _unary("cos", lambda xp, x: xp.cos(x), lambda g, out, x: negative(multiply(g, sin(x))),
             lambda x: sp.cos(x), ufunc=np.cos)
tan = _unary("tan", lambda xp, x: xp.tan(x), lambda g, out, x: multiply(g, add(multiply(out, out), 1)),
             lambda x: sp.tan(x), domain=(-1.2, 1.2), saves_inputs=False, saves_out=True, ufunc=np.tan)
tanh = _unary("tanh", lambda xp, x: xp.tanh(x),
              lambda g, out, x: multiply(multiply(g, add(1, out)), subtract(1, out)),
              lambda x: sp.tanh(x), saves_inputs=False, saves_out=True, ufunc=np.tanh)


def _sigmoid_kernel(xp, x):
    # exp of a negative number never overflows: pick the stable branch per element
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype)


sigmoid = _unary("sigmoid", _sigmoid_kernel,
                 lambda g, out, x: multiply(g, multiply(out, subtract(1, out))),
                 lambda x: 1 / (1 + sp.exp(-x)), saves_inputs=False, saves_out=True)

# -- piecewise ----------------------------------------------------------------------------
def _relu_kernel(xp, x):
    if xp is np and type(x) is np.ndarray and x.dtype in _ZEROS_FAST and x.size >= _MASKED_MIN_SIZE \
            and x.flags.c_contiguous:
        # np.maximum against a zero array runs numpy's SIMD loop; against the scalar 0 (a
        # stride-0 operand) a scalar loop, 2.5x slower on 64x256 float32. The same ufunc on
        # the same values: bit for bit np.maximum(x, 0), NaN payloads and -0.0 included
        zeros = np.zeros(x.shape, x.dtype)
        return np.maximum(x, zeros, out=zeros)
    if _is_bool(x):  # (numpy's maximum(bool, 0) is int64 0/1, where the graph declared bool;
        raise TypeError(bool_rules.BOOL_RELU)  # checked after the float fast path, off its way)
    return xp.maximum(x, 0)


relu = _unary("relu", _relu_kernel,
              # (PyTorch's threshold_backward: relu'(NaN) = 1; `out` links a second derivative, 0)
              lambda g, out, x: relu_grad(g, out),
              lambda x: sp.Piecewise((x, x > 0), (0, True)), floating=False,
              doc="max(x, 0); relu'(0) = 0 as in PyTorch", saves_inputs=False, saves_out=True,
              shape=bool_rules.relu_spec)
abs = _unary("abs", lambda xp, x: xp.abs(x), lambda g, out, x: multiply(g, sign(x)),
             lambda x: sp.Abs(x), floating=False, doc="|x|; abs'(0) = 0 as in PyTorch", ufunc=np.abs)


def _sign_kernel(xp, x):
    """numpy's sign; a bool's sign is a copy of it. jax's sign(-0.0) is -0.0, where numpy's
    and PyTorch's are +0.0 (1 / sign(x) was -inf on the jax device only): zeros read +0.0
    (a `where`: XLA folds sign(x) + 0 back to sign(x))."""
    if _is_bool(x):
        return xp.array(x, copy=True)
    if xp is np:
        return np.sign(x)
    return xp.where(x == 0, xp.zeros_like(x), xp.sign(x))


# (a bool's sign is a copy of it: x itself would make the result share x's memory). Its
# gradient is 0 connected to x, as PyTorch's SignBackward0 and TF1's _SignGrad: so abs'
# gradient g * sign(x) stays connected to x, and abs' second derivative is 0 (it raised
# 'appears to not have been used'); the first derivative never records it (plain arrays)
sign = _unary("sign", _sign_kernel,
              lambda g, out, x: where(False, x, 0), lambda x: sp.sign(x), floating=False,
              doc="-1, 0 or 1 by the sign of x (NaN stays NaN); gradient 0, connected to x",
              ufunc=np.sign)


def _clip_kernel(xp, x, min=None, max=None):
    if min is None and max is None:  # (x itself would make the result share x's memory)
        return xp.array(x, copy=True)
    if min is not None:
        x = xp.maximum(x, xp.asarray(min, dtype=x.dtype))
    if max is not None:
        x = xp.minimum(x, xp.asarray(max, dtype=x.dtype))
    return x


def _clip_grad(g, out, x, min=None, max=None):
    if min is not None:
        g = where(greater_equal(x, min), g, 0)
    if max is not None:
        g = where(less_equal(x, max), g, 0)
    return g


def _clip_formula(x, min=None, max=None):
    if min is not None:
        x = sp.Max(x, min)
    if max is not None:
        x = sp.Min(x, max)
    return x


clip = declare("clip", _clip_kernel, vjp=(_clip_grad,), sympy=_clip_formula, shape=specs.same,
               domain=((-3.0, 3.0),), grad_name="ClampBackward1", elementwise=True,
               doc="clamp to [min, max]; the gradient passes where min <= x <= max")

# -- comparisons and selection -----------------------------------------------------------


def _predicate(name, kernel, formula):
    return declare(name, kernel, sympy=formula, shape=specs.predicate, nin=2,
                   differentiable=False, elementwise=True, promotes=True, doc=_DOCS[name])


equal = _predicate("equal", lambda xp, x, y: xp.equal(x, y), lambda x, y: sp.Eq(x, y))
not_equal = _predicate("not_equal", lambda xp, x, y: xp.not_equal(x, y), lambda x, y: sp.Ne(x, y))
less = _predicate("less", lambda xp, x, y: xp.less(x, y), lambda x, y: x < y)
less_equal = _predicate("less_equal", lambda xp, x, y: xp.less_equal(x, y), lambda x, y: x <= y)
greater = _predicate("greater", lambda xp, x, y: xp.greater(x, y), lambda x, y: x > y)
greater_equal = _predicate("greater_equal", lambda xp, x, y: xp.greater_equal(x, y),
                           lambda x, y: x >= y)
logical_not = declare("logical_not", lambda xp, x: xp.logical_not(x), sympy=lambda x: sp.Not(x),
                      shape=lambda op, x: specs.predicate(op, x), differentiable=False,
                      elementwise=True, doc=_DOCS["logical_not"])


def _where_kernel(xp, cond, x, y):
    if xp is np and type(y) in (int, float) and _is_masking(cond, x, y):
        return _masked(cond, x)
    if xp is np and type(x) in (int, float) and _is_masking(cond, y, x):  # relu's where(out <= 0, 0, g)
        return _masked(np.logical_not(cond), y)
    x, y = promote_args(xp, (x, y), False)
    check_weak_ints((x, y), "where")
    return xp.where(cond, x, y)


_BITS = {np.dtype(np.float16): np.int16, np.dtype(np.float32): np.int32, np.dtype(np.float64): np.int64}


def _is_masking(cond, x, y) -> bool:
    """`where(cond, x, 0)` with x a float array of cond's shape (the relu and clip gradients):
    a case `_masked` computes bit for bit as np.where does. A +0 only: where(c, x, -0.0) is -0."""
    return (y == 0 and (type(y) is int or math.copysign(1.0, y) > 0) and type(x) is np.ndarray
            and type(cond) is np.ndarray and cond.dtype == np.bool_ and x.shape == cond.shape
            and x.size >= _MASKED_MIN_SIZE and x.dtype in _BITS and cond.flags.c_contiguous)


def _masked(cond, x):
    """np.where(cond, x, 0) for float x, without np.where's per-element branch (mispredicted
    on a relu's random sign pattern: 3x slower on 64x256): each element's bits, as integers,
    times 1 where cond holds, else times 0, the bits of +0.0, so NaNs, infinities and -0.0
    in x pass unchanged where cond holds, as np.where passes them (PyTorch's
    threshold_backward is branch-free too). One integer ufunc pass; row-major as cond is."""
    return np.multiply(x.view(_BITS[x.dtype]), cond, order="C").view(x.dtype)


def _where_shape(op, cond, x, y):
    shape = specs.broadcast_shapes(op, (cond, x, y))
    return specs.Spec(shape, specs.result_dtype(op, (x, y)))


where = declare("where", _where_kernel,
                vjp=(None, lambda g, out, c, x, y: where(c, g, 0), lambda g, out, c, x, y: where(c, 0, g)),
                sympy=lambda c, x, y: sp.Piecewise((x, c), (y, True)), shape=_where_shape, nin=3,
                domain=("bool", (-3.0, 3.0), (-3.0, 3.0)), elementwise=True,
                grad_name="Where", doc="cond ? x : y, broadcasting all three", reads=((), (0,), (0,)))


# -- gradients of piecewise-linear functions that stay in the graph -------------------------------
# The gradient of relu (or of a `where_linked` branch) is g masked by a comparison of x: it
# does not depend on x differentiably, so a second `grad` through it found x unused and raised
# where PyTorch's threshold_backward (and TF1's ReluGradGrad) give zeros. `where_grad` is that
# masked g with x as an extra operand (`anchor`) whose derivative is zero: the graph reaches x.


def _where_grad_kernel(xp, cond, g, anchor, passes=False):
    """g where cond is False, else 0 (relu's mask, cond = out <= 0: no attrs on that path);
    `passes`: g where cond holds. anchor is only the graph's link."""
    if xp is np and _is_masking(cond, g, 0):  # (what `_where_kernel` below runs for these)
        return _masked(cond if passes else np.logical_not(cond), g)
    return _where_kernel(xp, cond, g, 0) if passes else _where_kernel(xp, cond, 0, g)


def _where_grad_shape(op, cond, g, anchor, passes=False):
    shape = specs.broadcast_shapes(op, (cond, g))
    return specs.Spec(shape, specs.result_dtype(op, (g,)))


def _where_grad_form(cond, g, anchor, passes=False):
    return sp.Piecewise((g, cond), (0, True)) if passes else sp.Piecewise((0, cond), (g, True))


def _zeros_of(g, out, cond, x, anchor, passes=False):
    """anchor's zero derivative, as a graph op of anchor (so a third order reaches it too)."""
    return where(False, anchor, 0)


where_grad = declare(
    "where_grad", _where_grad_kernel,
    vjp=(None, lambda g, out, c, x, anchor, passes=False: where_grad(c, g, anchor, passes=passes)
         if passes else where_grad(c, g, anchor), _zeros_of),
    sympy=_where_grad_form, shape=_where_grad_shape, nin=3, domain=("bool", (-3.0, 3.0), (-3.0, 3.0)),
    elementwise=True, grad_name="WhereGrad", reads=((), (0,), ()),
    doc="g where cond is False, else 0 (passes=True: where it holds), with a zero derivative in "
        "anchor: the gradient of a piecewise-linear function, which stays connected to its input")
def _relu_grad_kernel(xp, g, out):
    """`where_grad(out <= 0, g, out)` in one kernel: the same mask and the same selection."""
    cond = xp.less_equal(out, 0)
    if xp is np and _is_masking(cond, g, 0):
        return _masked(np.logical_not(cond, out=cond), g)
    return _where_kernel(xp, cond, 0, g)


relu_grad = declare(
    "relu_grad", _relu_grad_kernel,
    vjp=(lambda v, r, g, out: relu_grad(v, out), lambda v, r, g, out: where(False, out, 0)),
    sympy=lambda g, out: sp.Piecewise((0, out <= 0), (g, True)),
    shape=lambda op, g, out: specs.Spec(specs.broadcast_shapes(op, (g, out)), specs.result_dtype(op, (g,))),
    nin=2, domain=((-3.0, 3.0), (-3.0, 3.0)), elementwise=True, grad_name="ThresholdBackwardBackward0",
    reads=((1,), ()),
    doc="relu's VJP from its output: g where out <= 0 does not hold (NaN passes g), else 0 "
        "(PyTorch's threshold_backward(g, out, 0)); its derivative in out is 0, as a graph op "
        "of out, so a second derivative through relu reaches x")
where_linked = declare(
    "where_linked", _where_kernel,
    vjp=(None, lambda g, out, c, x, y: where_grad(c, g, x, passes=True),
         lambda g, out, c, x, y: where_grad(c, g, y)),
    sympy=lambda c, x, y: sp.Piecewise((x, c), (y, True)), shape=_where_shape, nin=3,
    domain=("bool", (-3.0, 3.0), (-3.0, 3.0)), elementwise=True, grad_name="Where", reads=((), (0,), (0,)),
    doc="where(cond, x, y) whose gradients stay connected to x and y (`where_grad`): the "
        "piecewise-linear activations, whose second derivative is then 0, as PyTorch's")
