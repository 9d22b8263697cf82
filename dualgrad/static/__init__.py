"""`import dualgrad.static as ds`: TensorFlow-1-style graphs over dualgrad's op registry.

    x = ds.placeholder(ds.float32, shape=(None, 1))
    w = ds.Variable(ds.random_uniform([1], 0, 1.0))
    loss = ds.reduce_mean(ds.square(x * w - 1))
    train = ds.train.GradientDescentOptimizer(0.1).minimize(loss)
    with ds.Session() as sess:                 # backend='jax' (XLA) or 'numpy'
        sess.run(ds.global_variables_initializer())
        sess.run(train, feed_dict={x: data})

See docs/static.md for the run semantics and where dualgrad differs from TF1.
"""
from __future__ import annotations

from types import SimpleNamespace as _Namespace

from .. import errors as _errors
from . import (  # noqa: F401  (data: TF1's tf.data datasets and iterators)
    control_flow_grad,
    control_flow_second,
    data,
    layers,
    losses,
    nn,
    summary,
    train,
)
from . import tf_special_bessel as _tf_bessel
from .api import (
    add,
    argmax,
    argmin,
    cast,
    check_numerics,
    concat,
    equal,
    expand_dims,
    greater,
    greater_equal,
    identity,
    less,
    less_equal,
    maximum,
    minimum,
    mul,
    multiply,
    neg,
    negative,
    not_equal,
    one_hot,
    pow,
    realdiv,
    reduce_logsumexp,
    reduce_max,
    reduce_mean,
    reduce_min,
    reduce_prod,
    reduce_sum,
    reshape,
    shape,
    size,
    square,
    squeeze,
    stack,
    stop_gradient,
    sub,
    subtract,
    transpose,
    where,
)
from .clipping import clip_by_global_norm, clip_by_norm, clip_by_value, global_norm
from .compat import (
    ConfigProto,
    GPUOptions,
    GraphKeys,
    add_to_collection,
    add_to_collections,
    device,
    disable_eager_execution,
    disable_v2_behavior,
    get_collection,
    logging,
)
from .compile_cache import enable_compilation_cache
from .control_flow import cond, while_loop
from .creation import (
    DType,
    as_dtype,
    bool,
    constant,
    convert_to_tensor,
    fill,
    float16,
    float32,
    float64,
    int8,
    int16,
    int32,
    int64,
    ones,
    ones_like,
    placeholder,
    random_normal,
    random_uniform,
    set_random_seed,
    truncated_normal,
    uint8,
    zeros,
    zeros_like,
)
from .functional_ops import foldl, foldr, scan, switch_case  # TF1's tf.scan/foldl/foldr, tf.switch_case
from .gradients import gradients
from .graph import Graph, Operation, Tensor, get_default_graph, reset_default_graph
from .image import ResizeMethod as _ResizeMethod  # noqa: F401  (binds ds.image: TF1's tf.image)
from .initializers import (
    glorot_normal_initializer,
    truncated_normal_initializer,
    variance_scaling_initializer,
)
from .math_functions import (
    abs,
    acos,
    acosh,
    asin,
    asinh,
    atan,
    atan2,
    atanh,
    cos,
    cosh,
    exp,
    expm1,
    log,
    log1p,
    logical_not,
    reciprocal,
    rsqrt,
    sigmoid,
    sign,
    sin,
    sinh,
    sqrt,
    tan,
    tanh,
)
from .nn_activations import erf
from .scopes import (
    AUTO_REUSE,
    VariableScope,
    constant_initializer,
    get_variable,
    get_variable_scope,
    glorot_uniform_initializer,
    ones_initializer,
    random_normal_initializer,
    random_uniform_initializer,
    variable_scope,
    zeros_initializer,
)
from .session import InteractiveSession, Session, get_default_session
from .tf_extra import lin_space, linspace, reverse, slice, squared_difference
from .tf_grids import meshgrid, sequence_mask
from .tf_linalg import cross, linalg  # TF1's tf.linalg namespace (ds.linalg is tf.linalg)
from .tf_linalg_decomp import qr, self_adjoint_eig, self_adjoint_eigvals, svd
from .tf_linalg_diag import diag_part, matrix_diag, matrix_diag_part, matrix_set_diag, matrix_transpose
from .tf_linalg_solve import (
    cholesky,
    cholesky_solve,
    matrix_determinant,
    matrix_inverse,
    matrix_solve,
    matrix_solve_ls,
    matrix_triangular_solve,
)
from .tf_map_case import case, map_fn
from .tf_math import bitwise, div, divide, floordiv, floormod, mod, truediv, truncatemod
from .tf_math import cumulative_logsumexp as _cumulative_logsumexp
from .tf_math_more import (
    count_nonzero,
    div_no_nan,
    divide_no_nan,
    is_finite,
    is_inf,
    is_nan,
    log_sigmoid,
    multiply_no_nan,
    reduce_euclidean_norm,
    reduce_std,
    reduce_variance,
    rint,
    xdivy,
    xlogy,
)
from .tf_math_more import math_namespace as _math_namespace
from .tf_matmul import matmul
from .tf_matrix import diag, eye, matrix_band_part, norm, tensordot, trace
from .tf_ops import (
    argsort,
    boolean_mask,
    ceil,
    cumprod,
    cumsum,
    floor,
    gather,
    gather_nd,
    logical_and,
    logical_or,
    logical_xor,
    pad,
    placeholder_with_default,
    range,
    rank,
    reduce_all,
    reduce_any,
    round,
    sort,
    split,
    tile,
)
from .tf_scatter import (
    reverse_sequence,
    scatter_nd,
    sparse_to_dense,
    tensor_scatter_nd_add,
    tensor_scatter_nd_update,
)
from .tf_search import MATH_NAMES as _SEARCH_NAMES
from .tf_search import bincount, searchsorted, unique, unique_with_counts
from .tf_slicing import strided_slice, unstack
from .tf_special import MATH_NAMES as _SPECIAL_NAMES
from .tf_special import (
    digamma,
    einsum,
    erfc,
    lgamma,
    polygamma,
    segment_max,
    segment_mean,
    segment_min,
    segment_prod,
    segment_sum,
    unsorted_segment_max,
    unsorted_segment_mean,
    unsorted_segment_min,
    unsorted_segment_prod,
    unsorted_segment_sum,
    xlog1py,
)
from .tf_value_ops import histogram_fixed_width, histogram_fixed_width_bins, saturate_cast
from .variables import (
    Variable,
    all_variables,
    assign,
    assign_add,
    assign_sub,
    global_variables,
    global_variables_initializer,
    group,
    initialize_all_variables,
    local_variables_initializer,
    no_op,
    trainable_variables,
    variables_initializer,
)

debugging = _Namespace(check_numerics=check_numerics)  # TF1's tf.debugging
errors = _Namespace(OutOfRangeError=_errors.OutOfRangeError)  # TF1's tf.errors (what ds.data raises)
errors.InvalidArgumentError = _errors.InvalidArgumentError  # an op's inputs refused at run time
math = _math_namespace(globals(), nn)  # TF1's tf.math
vars(math).update({_name: globals()[_name] for _name in _SPECIAL_NAMES})  # (tf_special's tf.math names)
vars(math).update(cumulative_logsumexp=_cumulative_logsumexp)  # (tf_math's tf.math name)
vars(math).update({_name: globals()[_name] for _name in _SEARCH_NAMES})  # (tf_search's tf.math names)
vars(math).update({_name: getattr(_tf_bessel, _name) for _name in _tf_bessel.MATH_NAMES},
                  special=_tf_bessel.special)  # (tf_special_bessel's tf.math names and tf.math.special)
igamma, igammac, zeta = _tf_bessel.igamma, _tf_bessel.igammac, _tf_bessel.zeta  # (also tf.compat.v1's)
double = float64
half = float16


def name_scope(name: str):
    """Prefix the names of ops created inside with `name/` (TF1's `tf.name_scope`)."""
    return get_default_graph().name_scope(name)


def control_dependencies(control_inputs):
    """Ops created inside also run `control_inputs` (TF1's `tf.control_dependencies`)."""
    return get_default_graph().control_dependencies(control_inputs)


# TF1's tf.random (1.14+), tf.multinomial and tf.random_shuffle (static/tf_random.py)
from .tf_random import multinomial, random_shuffle  # noqa: E402
from .tf_random import random_namespace as _random_namespace  # noqa: E402

random = _random_namespace()

# TF1's shape promises, checked when the graph runs too (static/shape_checks.py; Tensor.set_shape)
from .shape_checks import ensure_shape  # noqa: E402

# TF1's deprecated casts, tf.tuple, broadcast_to, roll, top_k, TensorShape (static/tf_aliases.py)
from .tensor_shape import Dimension, TensorShape  # noqa: E402
from .tf_aliases import (  # noqa: E402
    broadcast_to,
    enable_eager_execution,
    executing_eagerly,
    roll,
    to_double,
    to_float,
    to_int32,
    to_int64,
    top_k,
    tuple,
)

# TF1's run-time assertions (static/tf_asserts.py), also under ds.debugging
from .tf_asserts import (  # noqa: E402
    Assert,
    assert_equal,
    assert_greater,
    assert_less,
    assert_non_negative,
    assert_positive,
    assert_rank,
)

# TF1's tf.Print and tf.print: values printed when the graph runs (static/tf_print.py)
from .tf_print import Print  # noqa: E402
from .tf_print import print_ as print  # noqa: E402

vars(debugging).update(Assert=Assert, assert_equal=assert_equal, assert_greater=assert_greater,
                       assert_less=assert_less, assert_non_negative=assert_non_negative,
                       assert_positive=assert_positive, assert_rank=assert_rank)

vars(math).update(rint=rint)  # (tf_math_more's tf.math name)

# TF1's other spellings (arg_max, reverse_v2, floor_div, tensor_scatter_add, ...) and more top-level and
# tf.math names (static/tf_more_names.py, tf_more_names2.py)
from . import tf_more_names2 as _more_names2  # noqa: E402
from .tf_more_names import (  # noqa: E402
    accumulate_n,
    arg_max,
    arg_min,
    batch_gather,
    broadcast_dynamic_shape,
    broadcast_static_shape,
    clip_by_average_norm,
    floor_div,
    identity_n,
    invert_permutation,
    parallel_stack,
    repeat,
    reverse_v2,
    scalar_mul,
    shape_n,
    tensor_scatter_add,
    tensor_scatter_nd_max,
    tensor_scatter_nd_min,
    tensor_scatter_nd_sub,
    tensor_scatter_sub,
    tensor_scatter_update,
    truncatediv,
    unravel_index,
)
from .tf_more_names2 import (  # noqa: E402
    dynamic_partition,
    dynamic_stitch,
    is_strictly_increasing,
    lbeta,
    setdiff1d,
    unsorted_segment_sqrt_n,
)

vars(math).update({_name: globals().get(_name) or getattr(_more_names2, _name)
                   for _name in _more_names2.MATH_NAMES})  # (their tf.math names)

# TF1's where_v2, hessians, scatters into variables and tf.math's polyval,
# confusion_matrix, in_top_k, is_non_decreasing (static/tf_reach.py, variable_scatter.py)
from .image_augment import random_crop  # noqa: E402  (TF1's tf.random_crop, also ds.image.random_crop)
from .image_patches import extract_image_patches  # noqa: E402  (TF1's tf.extract_image_patches)
from .nn_stats import depth_to_space, space_to_depth  # noqa: E402
from .tf_reach import confusion_matrix, hessians, is_non_decreasing, where_v2  # noqa: E402
from .tf_reach import polyval as _polyval  # noqa: E402
from .variable_scatter import scatter_add, scatter_sub, scatter_update  # noqa: E402

vars(math).update(confusion_matrix=confusion_matrix, in_top_k=nn.in_top_k,
                  is_non_decreasing=is_non_decreasing, polyval=_polyval)
# TF1's tf.nn sampled losses (static/nn_sampled.py: built on nn's cross entropies and lookup)
from . import nn_sampled as _nn_sampled  # noqa: E402

vars(nn).update(nce_loss=_nn_sampled.nce_loss, sampled_softmax_loss=_nn_sampled.sampled_softmax_loss)
nn.__all__ += ["nce_loss", "sampled_softmax_loss"]
# More TF1 tf.nn names: lrn, convolution, pool, conv2d backprops, fused_batch_norm, max_pool_with_argmax,
# and the top-level space_to_batch(_nd) / batch_to_space(_nd) (static/nn_more_names.py)
from . import nn_more_names as _nn_more_names  # noqa: E402

vars(nn).update({_name: getattr(_nn_more_names, _name) for _name in _nn_more_names.__all__},
                space_to_batch=_nn_more_names.space_to_batch)
nn.__all__ += [*_nn_more_names.__all__, "space_to_batch"]
globals().update({_name: getattr(_nn_more_names, _name) for _name in _nn_more_names.TOP_LEVEL})
from .initializers import orthogonal_initializer  # noqa: E402

# TF1's SparseTensor, tf.sparse and the tf.nn functions taking one (static/sparse_tensor.py,
# sparse_ops.py, sparse_nn.py)
from .sparse_nn import ctc_loss as _ctc_loss  # noqa: E402
from .sparse_nn import embedding_lookup_sparse as _embedding_lookup_sparse  # noqa: E402
from .sparse_ops import V1_NAMES as _SPARSE_V1_NAMES  # noqa: E402
from .sparse_ops import sparse_namespace as _sparse_namespace  # noqa: E402
from .sparse_tensor import SparseTensor, SparseTensorValue, sparse_placeholder  # noqa: E402

sparse = _sparse_namespace()
globals().update(_SPARSE_V1_NAMES)
vars(nn).update(ctc_loss=_ctc_loss, embedding_lookup_sparse=_embedding_lookup_sparse)
nn.__all__ += ["ctc_loss", "embedding_lookup_sparse"]
__all__ = [name for name in dir() if not name.startswith("_") and name != "annotations"]

from .add_n import add_n  # noqa: E402  (builds on api, tf_asserts and tf_ops)
