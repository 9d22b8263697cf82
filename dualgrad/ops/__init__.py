"""The op registry (`REGISTRY`) and every op as a callable: `ops.multiply(a, b)`.

Primitives are declared in the modules below; composites (`ops.composite`) are functions of
primitives. Front ends import from here and hold no math of their own.
"""
from . import (
    accumulate,
    activations,
    bitwise,
    casting,
    composite,
    contraction,
    conv,
    elementwise,
    gathering,
    indexing,
    layers,
    linalg,
    linalg_solve,
    log_bases,
    logexp,
    losses,
    math_extra,
    modulo,
    movement,
    nn,
    reductions,
    running,
    segments,
    selection,
    special,
    trig,
)
from .accumulate import cumprod, scatter_reduce
from .activations import (
    celu,
    elu,
    erf,
    gelu,
    glu,
    hardsigmoid,
    hardswish,
    hardtanh,
    leaky_relu,
    logsigmoid,
    mish,
    relu6,
    selu,
    silu,
    softsign,
    tanhshrink,
)
from .bitwise import (
    bitwise_and,
    bitwise_left_shift,
    bitwise_not,
    bitwise_or,
    bitwise_right_shift,
    bitwise_xor,
)
from .casting import cast
from .composite import (
    logsumexp,
    masked_fill,
    masked_select,
    norm,
    softmax_cross_entropy,
    softplus,
    std,
    var,
)
from .contraction import einsum
from .elementwise import (
    abs,
    add,
    clip,
    cos,
    divide,
    equal,
    exp,
    expm1,
    greater,
    greater_equal,
    less,
    less_equal,
    log,
    log1p,
    logical_not,
    maximum,
    minimum,
    multiply,
    negative,
    not_equal,
    power,
    reciprocal,
    relu,
    relu_grad,
    sigmoid,
    sign,
    sin,
    sqrt,
    square,
    subtract,
    tan,
    tanh,
    where,
    where_grad,
    where_linked,
)
from .float_bits import frexp_exponent, frexp_mantissa, nextafter
from .gathering import ceil, clip_by_norm, floor, gather_nd, logical_xor, pad, round, take, take_add
from .indexing import getitem, scatter_like, setitem
from .layers import dropout_apply, linear
from .linalg import matmul
from .linalg_cholesky import cholesky
from .linalg_eigh import eigh
from .linalg_householder import geqrf
from .linalg_qr_svd import pinv, qr, svd
from .linalg_solve import det, det_sign, inv, logabsdet, solve
from .log_bases import exp2, gcd, lcm, log2, log10
from .logexp import logaddexp, logaddexp2, logcumsumexp
from .losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    cross_entropy_probs,
    l1_loss,
    mse_loss,
    nll_loss,
    reduce_loss,
)
from .math_extra import cdist, fmax, fmin, logit, unsorted_segment_mean, xlog1py, xlogy
from .modulo import floor_divide, fmod, remainder, trunc
from .movement import (
    broadcast_to,
    broadcast_to_like,
    concatenate,
    expand_dims,
    reshape,
    reshape_like,
    squeeze,
    stack,
    sum_to_like,
    transpose,
)
from .nn import log_softmax, softmax
from .reductions import (
    amax,
    amin,
    argmax,
    argmin,
    first_max_mask,
    first_min_mask,
    max_dim,
    mean,
    min_dim,
    prod,
    size,
    sum,
)
from .registry import REGISTRY, Op, Spec, declare, register_frontend
from .running import cummax_index, cummin_index
from .segments import (
    unsorted_segment_max,
    unsorted_segment_min,
    unsorted_segment_prod,
    unsorted_segment_sum,
)
from .selection import (
    argsort,
    clone,
    cumsum,
    isfinite,
    isinf,
    isnan,
    logical_and,
    logical_or,
    repeat,
    tril,
    triu,
)
from .special import digamma, erfc, hypot, lgamma, polygamma, sinc
from .special_bessel import (
    airy_ai,
    airy_ai_prime,
    bessel_j0,
    bessel_j1,
    bessel_y0,
    bessel_y1,
    modified_bessel_k0,
    modified_bessel_k1,
    scaled_modified_bessel_k0,
    scaled_modified_bessel_k1,
    spherical_bessel_j0,
)
from .special_more import copysign, erfinv, i0, i1
from .special_polynomials import (
    chebyshev_polynomial_t,
    chebyshev_polynomial_u,
    chebyshev_polynomial_v,
    chebyshev_polynomial_w,
    hermite_polynomial_h,
    hermite_polynomial_he,
    laguerre_polynomial_l,
    legendre_polynomial_p,
    shifted_chebyshev_polynomial_t,
    shifted_chebyshev_polynomial_u,
    shifted_chebyshev_polynomial_v,
    shifted_chebyshev_polynomial_w,
)
from .special_scaled import entr, erfcx, gammainc, gammaincc, i0e, i1e, log_ndtr, ndtri, zeta
from .trig import acos, acosh, asin, asinh, atan, atan2, atanh, cosh, sinh

#: Modules of composites: their public functions are checked by the registry test.
COMPOSITE_MODULES = (activations, composite, conv, gathering, layers, losses, selection, contraction,
                     math_extra)

__all__ = [
    "COMPOSITE_MODULES", "REGISTRY", "Op", "Spec", "declare", "register_frontend",
    "layers", "losses", "dropout_apply", "linear", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "cross_entropy", "cross_entropy_probs", "l1_loss", "mse_loss",
    "nll_loss", "reduce_loss", "selection", "argsort", "clone", "cumsum", "isfinite", "isinf", "isnan",
    "logical_and", "logical_or", "repeat", "tril", "triu",
    "conv", "gathering", "ceil", "clip_by_norm", "floor", "gather_nd", "logical_xor", "pad", "round", "take",
    "take_add",
    "composite", "elementwise", "indexing", "linalg", "movement", "nn", "reductions",
    "logsumexp", "masked_fill", "masked_select", "norm", "softmax_cross_entropy", "softplus",
    "std", "var",
    "casting", "abs", "add", "cast", "clip", "cos", "divide", "equal", "exp", "expm1", "greater",
    "greater_equal", "less", "less_equal", "log", "log1p", "logical_not", "maximum", "minimum",
    "multiply", "negative", "not_equal", "power", "reciprocal", "relu", "sigmoid", "sign", "sin",
    "sqrt", "square", "subtract", "tan", "tanh", "where", "relu_grad",
    "where_grad", "where_linked",
    "trig", "acos", "acosh", "asin", "asinh", "atan", "atan2", "atanh", "cosh", "sinh",
    "getitem", "scatter_like", "setitem", "matmul",
    "accumulate", "cumprod", "scatter_reduce",
    "bitwise", "bitwise_and", "bitwise_not", "bitwise_or", "bitwise_xor",
    "modulo", "floor_divide", "fmod", "remainder", "trunc",
    "linalg_solve", "det", "det_sign", "inv", "logabsdet", "solve",
    "broadcast_to", "broadcast_to_like", "concatenate", "expand_dims", "reshape", "reshape_like",
    "squeeze", "stack", "sum_to_like", "transpose", "log_softmax", "softmax",
    "amax", "amin", "argmax", "argmin", "first_max_mask", "first_min_mask", "max_dim", "mean",
    "min_dim", "prod", "size", "sum",
    "running", "cummax_index", "cummin_index",
    "activations", "celu", "elu", "erf", "gelu", "glu", "hardsigmoid", "hardswish", "hardtanh",
    "leaky_relu", "logsigmoid", "mish", "relu6", "selu", "silu", "softsign", "tanhshrink",
    "contraction", "einsum", "math_extra", "cdist", "fmax", "fmin", "logit", "unsorted_segment_mean",
    "xlog1py", "xlogy", "segments", "unsorted_segment_max", "unsorted_segment_min", "unsorted_segment_prod",
    "unsorted_segment_sum",
    "special", "digamma", "erfc", "hypot", "lgamma", "polygamma", "sinc",
    "logexp", "logaddexp", "logaddexp2", "logcumsumexp", "bitwise_left_shift", "bitwise_right_shift",
    "special_more", "copysign", "erfinv", "i0", "i1",
    "special_scaled", "entr", "erfcx", "gammainc", "gammaincc", "i0e", "i1e", "log_ndtr", "ndtri", "zeta",
    "special_bessel", "airy_ai", "airy_ai_prime", "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1",
    "modified_bessel_k0", "modified_bessel_k1", "scaled_modified_bessel_k0", "scaled_modified_bessel_k1",
    "spherical_bessel_j0",
    "float_bits", "frexp_exponent", "frexp_mantissa", "nextafter",
    "special_polynomials", "chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v",
    "chebyshev_polynomial_w", "hermite_polynomial_h", "hermite_polynomial_he", "laguerre_polynomial_l",
    "legendre_polynomial_p", "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u",
    "shifted_chebyshev_polynomial_v", "shifted_chebyshev_polynomial_w",
    "log_bases", "exp2", "gcd", "lcm", "log2", "log10",
]
