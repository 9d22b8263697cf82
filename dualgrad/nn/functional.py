"""`nn.functional`: PyTorch's functional layer and loss API. Each function checks and maps
PyTorch's arguments onto registry ops and composites (`ops.layers`, `ops.losses`); the math
lives there."""
from __future__ import annotations

import warnings

import numpy as np

from .. import dtypes, ops
from ..backend import is_jax_array
from ..eager import api
from ..eager.creation import tensor as _tensor
from ..eager.dtype_refusals import floating_kernel, integer_l1_loss, no_bool, same_dtype
from ..eager.inplace import inplace as _inplace
from ..eager.tensor import Tensor
from ..errors import (
    DualgradRuntimeError,
    EagerDTypeError,
    EagerShapeError,
    IndexShapeError,
    ReductionError,
    ShapeError,
    user_line,
)
from ..ops.half_precision import float32_for_half
from ..ops.losses import REDUCTIONS, nll_loss_at_labels
from .activation_functions import (  # noqa: F401  (PyTorch's nn.functional names)
    celu,
    elu,
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
from .activation_inplace import (  # noqa: F401
    celu_,
    elu_,
    hardtanh_,
    leaky_relu_,
    relu_,
    rrelu_,
    selu_,
    threshold_,
)
from .activation_more import (  # noqa: F401
    bilinear,
    channel_shuffle,
    gumbel_softmax,
    hardshrink,
    local_response_norm,
    rrelu,
    softshrink,
)
from .adaptive_pool import (  # noqa: F401
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_avg_pool3d,
    adaptive_max_pool1d,
    adaptive_max_pool2d,
    adaptive_max_pool3d,  # noqa: F401
)
from .alpha_dropout import alpha_dropout, feature_alpha_dropout  # noqa: F401
from .attention import scaled_dot_product_attention  # noqa: F401
from .batchnorm import batch_norm  # noqa: F401
from .class_labels import checked_labels, class_mask, short_labels
from .conv import conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d, conv_transpose3d  # noqa: F401
from .ctc import ctc_loss  # noqa: F401
from .distance import cosine_similarity, normalize, pairwise_distance, pdist  # noqa: F401
from .dropout_masks import check_p, keep_mask
from .embedding_bag import embedding_bag  # noqa: F401
from .fold import fold, unfold  # noqa: F401
from .fractional_pool import fractional_max_pool2d, fractional_max_pool3d  # noqa: F401
from .functional_indices import (  # noqa: F401  (PyTorch's (values, indices) names)
    adaptive_max_pool1d_with_indices,
    adaptive_max_pool2d_with_indices,
    adaptive_max_pool3d_with_indices,
    fractional_max_pool2d_with_indices,
    fractional_max_pool3d_with_indices,
    max_pool1d_with_indices,
    max_pool2d_with_indices,
    max_pool3d_with_indices,
    native_channel_shuffle,
)
from .grid_sampling import affine_grid, grid_sample  # noqa: F401
from .instancenorm import instance_norm  # noqa: F401
from .loss_functions import (  # noqa: F401
    cosine_embedding_loss,
    gaussian_nll_loss,
    huber_loss,
    kl_div,
    margin_ranking_loss,
    poisson_nll_loss,
    smooth_l1_loss,
    softmin,
    triplet_margin_loss,
    triplet_margin_with_distance_loss,
)
from .loss_more import (  # noqa: F401
    hinge_embedding_loss,
    multi_margin_loss,
    multilabel_margin_loss,
    multilabel_soft_margin_loss,
    soft_margin_loss,
)
from .lp_pool import lp_pool1d, lp_pool2d, lp_pool3d  # noqa: F401
from .normalization import group_norm, layer_norm, rms_norm  # noqa: F401
from .padding import pad  # noqa: F401
from .pooling import (  # noqa: F401
    avg_pool1d,
    avg_pool2d,
    avg_pool3d,
    max_pool1d,
    max_pool2d,
    max_pool3d,
)
from .reshaping import pixel_shuffle, pixel_unshuffle  # noqa: F401
from .sparse import embedding  # noqa: F401
from .threshold_prelu import prelu  # noqa: F401
from .threshold_prelu import threshold as _threshold
from .unpool import max_unpool1d, max_unpool2d, max_unpool3d  # noqa: F401
from .upsampling import interpolate, upsample, upsample_bilinear, upsample_nearest  # noqa: F401


# -- layers and activations -------------------------------------------------------------------
def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """`input @ weight.T + bias` (torch.nn.functional.linear)."""
    if input.shape and input.shape[-1] != weight.shape[-1]:
        raise ShapeError(f"linear: mat1 and mat2 shapes cannot be multiplied "
                         f"({'x'.join(map(str, (int(np.prod(input.shape[:-1])), input.shape[-1])))} and "
                         f"{weight.shape[1]}x{weight.shape[0]}) {user_line()}")
    same_dtype("linear", input, weight, what="mat1 and mat2")  # (PyTorch's addmm does not promote)
    if bias is not None:  # (nor its bias: a float64 one made float64 numbers with float32's digits)
        same_dtype("linear", bias, input, what="self and mat2")
    return ops.linear(input, weight) if bias is None else ops.linear(input, weight, bias)


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0) elementwise; in place when `inplace` (torch.nn.functional.relu)."""
    return _inplace(input, ops.relu) if inplace else ops.relu(input)


def tanh(input: Tensor) -> Tensor:
    """Hyperbolic tangent elementwise (torch.nn.functional.tanh)."""
    return ops.tanh(input)


def sigmoid(input: Tensor) -> Tensor:
    """Logistic sigmoid elementwise (torch.nn.functional.sigmoid)."""
    return ops.sigmoid(input)


@float32_for_half
def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta x)) / beta, and x itself where beta x > threshold, as PyTorch: the
    threshold is the user's choice of where the layer turns linear (gradient 1), and at a
    small one the two differ by up to log(2) / beta. float16 in float32, rounded once."""
    scaled = input if beta == 1 else ops.multiply(input, beta)
    smooth = ops.softplus(scaled) if beta == 1 else ops.divide(ops.softplus(scaled), beta)
    return ops.where(ops.greater(scaled, threshold), input, smooth)


def implicit_softmax_dim(ndim: int) -> int:
    """PyTorch's legacy choice when `dim` is not given (with its deprecation warning)."""
    warnings.warn("Implicit dimension choice for softmax has been deprecated. Change the call to "
                  "include dim=X as an argument.", stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None, dtype=None) -> Tensor:
    """Softmax along `dim`, PyTorch's implicit dim when None (torch.nn.functional.softmax)."""
    x = input if dtype is None else api.to(input, dtype)
    return api.softmax(x, implicit_softmax_dim(x.ndim) if dim is None else dim)  # (api: a 0-d x too)


def log_softmax(input: Tensor, dim: int | None = None, dtype=None) -> Tensor:
    """Log-softmax along `dim`, PyTorch's implicit dim when None (torch.nn.functional.log_softmax)."""
    x = input if dtype is None else api.to(input, dtype)
    return api.log_softmax(x, implicit_softmax_dim(x.ndim) if dim is None else dim)  # (api: a 0-d x too)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability p and scale the rest by 1/(1-p); the mask is drawn
    from dualgrad's generator (`dg.manual_seed`)."""
    return _dropout("dropout", input, p, training, inplace, tuple(input.shape))


def _dropout(name: str, input: Tensor, p: float, training: bool, inplace: bool, mask_shape: tuple) -> Tensor:
    """Inverted dropout with one keep/drop draw per element of `mask_shape`, broadcast over
    `input` (the whole shape for dropout, (N, C, 1, ...) for channel dropout)."""
    check_p(name, p)
    if not training or p == 0.0:
        return input
    out = ops.dropout_apply(input, keep_mask(name, input, p, inplace, mask_shape), p=float(p))
    return api.copy_(input, out) if inplace else out


def _channel_dropout(name: str, input: Tensor, p: float, training: bool, inplace: bool,
                     unbatched: bool) -> Tensor:
    """PyTorch's feature dropout: each (sample, channel) kept or zeroed whole, one draw per
    entry of the first two dims (of dim 0 alone for an `unbatched` sample (C, ...))."""
    shape = tuple(int(d) for d in input.shape)
    check_p(name, p)
    if not training or p == 0.0 or 0 in shape:  # (before the shape check, as PyTorch's kernel)
        return input
    if len(shape) + unbatched < 2:
        raise ShapeError(f"{name}: feature dropout requires at least 2 dimensions in the input, got "
                         f"shape {list(shape)} {user_line()}")
    lead = 1 if unbatched else 2
    return _dropout(name, input, p, training, inplace, shape[:lead] + (1,) * (len(shape) - lead))


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zeroes whole channels of (N, C, L) or (C, L) input with probability p, the rest scaled
    by 1/(1-p): neighbours along L are correlated, so element dropout would not regularise."""
    check_p("dropout1d", p)
    if input.ndim not in (2, 3):
        raise DualgradRuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D "
                                   f"input {user_line()}")
    return _channel_dropout("dropout1d", input, p, training, inplace, unbatched=input.ndim == 2)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zeroes whole channels of (N, C, H, W) input with probability p (the rest scaled by
    1/(1-p)). As PyTorch 2.13, a 3-D input is read as (N, C, L), with its warning."""
    check_p("dropout2d", p)
    if input.ndim not in (3, 4):
        warnings.warn(f"dropout2d: Received a {input.ndim}-D input to dropout2d, which is deprecated "
                      "and will result in an error in a future release. To retain the behavior and "
                      "silence this warning, please use dropout instead.", stacklevel=2)
    if input.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D "
                      "dropout behavior is desired - input is interpreted as shape (N, C, L), where C "
                      "is the channel dim. To maintain the 1D channel-wise dropout behavior, please "
                      "switch to using dropout1d instead.", stacklevel=2)
    return _channel_dropout("dropout2d", input, p, training, inplace, unbatched=False)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zeroes whole channels of (N, C, D, H, W) or (C, D, H, W) input with probability p (the
    rest scaled by 1/(1-p)); as PyTorch, any input but 5-D is one unbatched sample."""
    check_p("dropout3d", p)
    if input.ndim not in (4, 5):
        warnings.warn(f"dropout3d: Received a {input.ndim}-D input to dropout3d, which is deprecated "
                      "and will result in an error in a future release. To retain the behavior and "
                      "silence this warning, please use dropout instead.", stacklevel=2)
    return _channel_dropout("dropout3d", input, p, training, inplace, unbatched=input.ndim != 5)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 one-hot codes along a new last dim."""
    if tensor.dtype is not dtypes.int64:
        raise ShapeError(f"one_hot is only applicable to index tensor of type LongTensor, got "
                         f"{tensor.dtype.name} {user_line()}")
    labels = np.asarray(tensor._data)
    if num_classes == -1:
        num_classes = int(labels.max()) + 1 if labels.size else 0
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise IndexShapeError(f"one_hot: Class values must be smaller than num_classes "
                              f"({num_classes}) and non-negative {user_line()}")
    classes = _tensor(np.arange(num_classes), device=tensor.device)
    return api.to(ops.equal(ops.expand_dims(tensor, axis=-1), classes), dtypes.int64)


# -- losses ----------------------------------------------------------------------------------------
def _reduction(reduction: str, size_average=None, reduce=None) -> str:
    """PyTorch's legacy `size_average`/`reduce` flags, then the check of `reduction`."""
    if size_average is not None or reduce is not None:
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        reduction = "none" if not reduce else ("mean" if size_average else "sum")
    if reduction not in REDUCTIONS:
        raise ReductionError(f"{reduction} is not a valid value for reduction {user_line()}")
    return reduction


def _same_size(name: str, input: Tensor, target: Tensor) -> None:
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input size "
                      f"({input.shape}). This will likely lead to incorrect results due to broadcasting. "
                      "Please ensure they have the same size.", stacklevel=3)


def mse_loss(input, target, size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """Mean squared error, reduced by `reduction` (torch.nn.functional.mse_loss)."""
    _same_size("mse_loss", input, target)
    floating_kernel("mse_loss", input, target)
    return ops.mse_loss(input, target, reduction=_reduction(reduction, size_average, reduce))


def l1_loss(input, target, size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """Mean absolute error, reduced by `reduction` (torch.nn.functional.l1_loss)."""
    _same_size("l1_loss", input, target)
    no_bool("l1_loss", input, target, why="subtraction with a bool tensor is not supported",
            error=EagerDTypeError)
    if not (input.dtype.is_floating_point or target.dtype.is_floating_point):
        return integer_l1_loss(input, target, _reduction(reduction, size_average, reduce))
    return ops.l1_loss(input, target, reduction=_reduction(reduction, size_average, reduce))


def _check_weight(name: str, weight, input: Tensor, same_dtype: bool = True) -> None:
    """The class weights' shape, and (class-index targets, `same_dtype`) their dtype: PyTorch's
    nll kernels refuse a weight of another dtype than the input's, where a promotion would
    silently compute a float32 model's loss in float64."""
    classes = input.shape[1 if input.ndim >= 2 else 0]
    if weight is not None and tuple(weight.shape) != (classes,):
        raise ShapeError(f"{name}: weight tensor should be defined either for all {classes} classes or no "
                         f"classes but got weight tensor of shape: {list(weight.shape)} {user_line()}")
    if same_dtype and isinstance(weight, Tensor) and weight.dtype != input.dtype:
        names = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16"}
        raise EagerDTypeError(f"{name}: expected scalar type {names.get(input.dtype.name, input.dtype.name)} "
                              f"but found {names.get(weight.dtype.name, weight.dtype.name)} (weight is "
                              f"{weight.dtype.name}, input {input.dtype.name}: cast the weight with "
                              f"weight.to(input.dtype)) {user_line()}")


def nll_loss(input, target, weight=None, size_average=None, ignore_index: int = -100, reduce=None,
             reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of log-probabilities at the target classes (F.nll_loss)."""
    reduction = _reduction(reduction, size_average, reduce)
    _check_weight("nll_loss", weight, input)
    labels = short_labels(input, target, checked_labels("nll_loss", input, target, ignore_index), weight)
    if labels is not None:
        return nll_loss_at_labels(input, labels, weight, ignore_index=ignore_index, reduction=reduction)
    return ops.nll_loss(input, class_mask(input, target, ignore_index), weight, reduction=reduction)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index: int = -100, reduce=None,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Class indices (an integer target) or class probabilities (a float target shaped like
    the input), as in PyTorch."""
    reduction = _reduction(reduction, size_average, reduce)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ShapeError(f"cross_entropy: label_smoothing must be between 0.0 and 1.0. Got: "
                         f"{label_smoothing} {user_line()}")
    # (probabilities promote with the weight, as PyTorch's; class indices need one dtype)
    _check_weight("cross_entropy", weight, input, same_dtype=not target.dtype.is_floating_point)
    if target.dtype.is_floating_point:
        if ignore_index != -100:  # PyTorch's refusal: probabilities have no class to ignore
            raise EagerShapeError(f"cross_entropy: ignore_index is not supported for floating point target "
                                  f"(got ignore_index={ignore_index}) {user_line()}")
        if tuple(target.shape) != tuple(input.shape):
            raise ShapeError(f"cross_entropy: a probability target must have the input's shape "
                             f"{tuple(input.shape)}, got {tuple(target.shape)} {user_line()}")
        return ops.cross_entropy_probs(input, target, weight, reduction=reduction,
                                       label_smoothing=float(label_smoothing))
    labels = checked_labels("cross_entropy", input, target, ignore_index)
    labels = None if label_smoothing else short_labels(input, target, labels, weight)
    if labels is not None:  # 2 ops for the 9 of the mask path
        logp = ops.log_softmax(input, axis=1 if input.ndim >= 2 else 0)  # (the same numbers)
        return nll_loss_at_labels(logp, labels, weight, ignore_index=ignore_index, reduction=reduction)
    mask = class_mask(input, target, ignore_index)
    return ops.cross_entropy(input, mask, weight, reduction=reduction, label_smoothing=float(label_smoothing))


def _check_probabilities(name: str, what: str, t: Tensor) -> None:
    """PyTorch's refusal of values outside [0, 1] (NaN included), checked where they are
    concrete: dualgrad returned NaN for such an input and a number for such a target."""
    data = t._data
    if isinstance(data, np.ndarray) or is_jax_array(data):
        values = np.asarray(data)
        if values.size and not ((values >= 0) & (values <= 1)).all():
            raise DualgradRuntimeError(f"{name}: all elements of {what} should be between 0 and 1 "
                                       f"{user_line()}")


def _floating_operands(name: str, input: Tensor, target: Tensor) -> None:
    """PyTorch's refusal of an integer or bool input or target to a binary cross entropy (a
    0/1 label tensor of int64 is the usual slip; dualgrad computed in the default float)."""
    for what, t in (("input", input), ("target", target)):
        if isinstance(t, Tensor) and not t.dtype.is_floating_point:
            raise EagerDTypeError(f"{name}: expected a floating-point {what}, got {t.dtype.name} (PyTorch: "
                                  f"'Found dtype Long but expected Float'; convert with .float()) "
                                  f"{user_line()}")


def _as_loss_dtype(weight, input: Tensor, target: Tensor):
    """A floating `weight` / `pos_weight` in the dtype of the loss terms (input and target
    promoted): PyTorch's BCE kernels cast the weights and never widen the loss, so a float64
    weight leaves a float32 loss float32."""
    if not isinstance(weight, Tensor) or not weight.dtype.is_floating_point:
        return weight
    dtype = dtypes.promote(input.dtype, target.dtype)
    return weight if weight.dtype == dtype or not dtype.is_floating_point else weight.to(dtype)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction: str = "mean") -> Tensor:
    """Binary cross entropy of probabilities, logs clamped at -100 (F.binary_cross_entropy)."""
    reduction = _reduction(reduction, size_average, reduce)
    if tuple(target.shape) != tuple(input.shape):
        raise ShapeError(f"binary_cross_entropy: Using a target size ({target.shape}) that is different to "
                         f"the input size ({input.shape}) is deprecated. Please ensure they have the same "
                         f"size. {user_line()}")
    _floating_operands("binary_cross_entropy", input, target)
    _check_probabilities("binary_cross_entropy", "input", input)
    _check_probabilities("binary_cross_entropy", "target", target)
    return ops.binary_cross_entropy(input, target, _as_loss_dtype(weight, input, target), reduction=reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction: str = "mean", pos_weight=None) -> Tensor:
    """Sigmoid + binary cross entropy, computed stably (F.binary_cross_entropy_with_logits)."""
    reduction = _reduction(reduction, size_average, reduce)
    if tuple(target.shape) != tuple(input.shape):
        raise ShapeError(f"binary_cross_entropy_with_logits: Target size ({target.shape}) must be the same "
                         f"as input size ({input.shape}) {user_line()}")
    _floating_operands("binary_cross_entropy_with_logits", input, target)
    weight, pos_weight = (_as_loss_dtype(w, input, target) for w in (weight, pos_weight))
    return ops.binary_cross_entropy_with_logits(input, target, weight, pos_weight, reduction=reduction)


threshold = _threshold  # (bound here: softplus's `threshold` argument would shadow the import)
