"""dualgrad: PyTorch's eager autograd and TensorFlow 1's static graphs over one op registry,
with numpy and jax (XLA) kernels and sympy closed forms.

    import dualgrad as dg            # eager
    import dualgrad.static as ds     # static graphs and Session.run
    from dualgrad import symbolic    # closed-form gradients
"""
from __future__ import annotations

from . import autograd, cuda, jit, linalg, nn, ops, optim, utils
from .compiler import compile  # noqa: A004 (PyTorch's name)
from .dtypes import DType, float16, float32, float64, int8, int16, int32, int64, uint8
from .dtypes import bool_ as bool  # noqa: A001 (PyTorch's name)
from .eager import Size, Tensor
from .eager.api import (
    abs,
    acos,
    acosh,
    add,
    amax,
    amin,
    arccos,
    arccosh,
    arcsin,
    arcsinh,
    arctan,
    arctan2,
    arctanh,
    argmax,
    argmin,
    asin,
    asinh,
    atan,
    atan2,
    atanh,
    bmm,
    broadcast_to,
    cat,
    clamp,
    clip,
    concat,
    concatenate,
    cos,
    cosh,
    dot,
    eq,
    exp,
    expand,
    expm1,
    flatten,
    ge,
    getitem,
    gt,
    le,
    log,
    log1p,
    log_softmax,
    logical_not,
    logsumexp,
    lt,
    masked_fill,
    masked_select,
    matmul,
    max,
    maximum,
    mean,
    min,
    minimum,
    mm,
    mul,
    multiply,
    mv,
    ne,
    neg,
    negative,
    norm,
    permute,
    pow,
    prod,
    reciprocal,
    relu,
    reshape,
    sigmoid,
    sign,
    sin,
    sinh,
    softmax,
    softplus,
    sqrt,
    square,
    squeeze,
    stack,
    std,
    sub,
    subtract,
    sum,
    swapaxes,
    t,
    tan,
    tanh,
    transpose,
    true_divide,
    unsqueeze,
    var,
    view,
    where,
)
from .eager.api_more import (
    absolute,
    addbmm,
    deg2rad,
    dist,
    exp2,
    float_power,
    gcd,
    ger,
    isneginf,
    isposinf,
    isreal,
    lcm,
    ldexp,
    log2,
    log10,
    msort,
    positive,
    rad2deg,
    renorm,
    signbit,
    std_mean,
    tensordot,
    var_mean,
    vdot,
)
from .eager.api_names import (
    are_deterministic_algorithms_enabled,
    detach,
    empty_like,
    greater,
    greater_equal,
    is_deterministic_algorithms_warn_only_enabled,
    is_nonzero,
    is_same_size,
    is_signed,
    less,
    less_equal,
    not_equal,
    rsub,
    scalar_tensor,
    unravel_index,
    use_deterministic_algorithms,
)
from .eager.creation import (
    DoubleTensor,
    FloatTensor,
    LongTensor,
    arange,
    as_tensor,
    empty,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    manual_seed,
    ones,
    ones_like,
    tensor,
    zeros,
    zeros_like,
)
from .eager.creation_buffers import asarray, frombuffer
from .eager.creation_more import argwhere, logspace, nonzero, tril_indices, triu_indices
from .eager.creation_windows import (
    bartlett_window,
    blackman_window,
    hamming_window,
    hann_window,
    kaiser_window,
)
from .eager.defaults import (
    get_default_dtype,
    is_floating_point,
    is_tensor,
    numel,
    set_default_dtype,
    set_printoptions,
)
from .eager.devices import Device as device
from .eager.devices import get_default_device, set_default_device
from .eager.dtype_info import (
    can_cast,
    finfo,
    iinfo,
    inference_mode,
    is_complex,
    is_inference_mode_enabled,
    promote_types,
    result_type,
)
from .eager.grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .eager.interop import from_dlpack
from .eager.lazy import is_lazy_enabled, set_lazy_enabled
from .eager.methods_cholesky import cholesky_inverse, cholesky_solve
from .eager.methods_compose import (
    addcdiv,
    addcmul,
    addmv,
    addr,
    baddbmm,
    chain_matmul,
    copysign,
    cross,
    erfinv,
    heaviside,
    i0,
    inner,
)
from .eager.methods_data import (
    bincount,
    bucketize,
    histc,
    isin,
    searchsorted,
    unique,
    unique_consecutive,
)
from .eager.methods_extra import (
    addmm,
    ceil,
    clamp_max,
    clamp_min,
    diag,
    diagonal,
    diff,
    equal,
    flip,
    floor,
    lerp,
    meshgrid,
    narrow,
    outer,
    repeat_interleave,
    roll,
    round,
    rsqrt,
    trace,
    unbind,
)
from .eager.methods_float_bits import frexp, nextafter
from .eager.methods_gaps import histogram, index_reduce, masked_scatter, put
from .eager.methods_igamma import igamma, igammac, mvlgamma
from .eager.methods_index import index_add, index_copy, index_fill, index_put, take_along_dim
from .eager.methods_integer import (
    bitwise_and,
    bitwise_not,
    bitwise_or,
    bitwise_xor,
    div,
    divide,
    fix,
    floor_divide,
    fmod,
    logical_and,
    logical_or,
    logical_xor,
    remainder,
    trunc,
)
from .eager.methods_math import (
    cdist,
    digamma,
    einsum,
    erfc,
    fmax,
    fmin,
    hypot,
    lgamma,
    logit,
    polygamma,
    sinc,
    xlogy,
)
from .eager.methods_more import (
    all,
    allclose,
    any,
    argsort,
    chunk,
    clone,
    cumsum,
    gather,
    index_select,
    isclose,
    isfinite,
    isinf,
    isnan,
    sort,
    split,
    topk,
    tril,
    triu,
)
from .eager.methods_numeric import (
    aminmax,
    bitwise_left_shift,
    bitwise_right_shift,
    block_diag,
    cartesian_prod,
    combinations,
    corrcoef,
    cov,
    cumulative_trapezoid,
    diag_embed,
    frac,
    kron,
    logaddexp,
    logaddexp2,
    logcumsumexp,
    nan_to_num,
    rot90,
    sgn,
    trapezoid,
    trapz,
    vander,
)
from .eager.methods_quantile import mode, nanmedian, nanquantile, quantile
from .eager.methods_scatter import (
    cumprod,
    det,
    inverse,
    logdet,
    scatter,
    scatter_add,
    scatter_reduce,
    slogdet,
)
from .eager.methods_special import erf
from .eager.methods_stats import (
    count_nonzero,
    cummax,
    cummin,
    kthvalue,
    median,
    moveaxis,
    movedim,
    nanmean,
    nansum,
    select,
)
from .eager.methods_strides import as_strided
from .eager.methods_view_scatter import diagonal_scatter, select_scatter, slice_scatter
from .eager.methods_views import (
    adjoint,
    atleast_1d,
    atleast_2d,
    atleast_3d,
    broadcast_shapes,
    broadcast_tensors,
    column_stack,
    diagflat,
    dsplit,
    dstack,
    fliplr,
    flipud,
    hsplit,
    hstack,
    narrow_copy,
    ravel,
    row_stack,
    split_with_sizes,
    swapdims,
    take,
    tensor_split,
    tile,
    unflatten,
    vsplit,
    vstack,
)
from .eager.random_ints import randint, randperm
from .eager.random_more import (
    bernoulli,
    get_rng_state,
    multinomial,
    normal,
    poisson,
    rand,
    rand_like,
    randint_like,
    randn,
    randn_like,
    set_rng_state,
)
from .random import Generator
from .serialization.objects import load, save
from .top_level import (
    batch_norm,
    bilinear,
    celu,
    cholesky,
    conv1d,
    conv2d,
    cosine_similarity,
    dropout,
    embedding,
    group_norm,
    instance_norm,
    layer_norm,
    matrix_power,
    pairwise_distance,
    pdist,
    pinverse,
    pixel_shuffle,
    qr,
    selu,
    svd,
    threshold,
)

from . import distributions  # isort: skip (it composes the dg functions above)
from . import special  # isort: skip (torch.special's names for the dg functions above)
from .linalg_more import matrix_exp  # isort: skip (torch.matrix_exp)
from . import linalg_ex, linalg_gaps  # isort: skip (install vecdot, cond, LU, inv_ex... into dg.linalg)
from . import func  # isort: skip (torch.func's transforms over the eager engine)
from .linalg_householder import geqrf, lu_unpack, orgqr, ormqr  # isort: skip (and dg.linalg.householder_product...)
from .linalg_lowrank import pca_lowrank, svd_lowrank  # isort: skip (torch.svd_lowrank, torch.pca_lowrank)
from .eager.creation_strided import empty_strided  # isort: skip (torch.empty_strided)
from .func import vmap  # isort: skip (torch.vmap)

float = float32  # noqa: A001
double = float64
half = float16
int = int32  # noqa: A001
long = int64
short = int16

__version__ = "0.1.0"

__all__ = [name for name in dir() if not name.startswith("_")]


def __getattr__(name: str):
    """`dg.testing` (torch.testing's place) imported on first use: loading it with dualgrad
    would add ~150 ms to every `import dualgrad`."""
    if name == "testing":
        import importlib

        return importlib.import_module(".testing", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
