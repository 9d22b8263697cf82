"""`ds.nn`: TF1's neural-network names over registry ops (activations, softmax, losses)."""
from __future__ import annotations

import numpy as np

from .. import ops
from ..aliases import DuplicateStaticArgumentError, resolve
from ..errors import DTypeError, ShapeError, user_frame, user_line
from ..ops.class_nll import nll_at_labels
from ..ops.labels import class_mask
from .api import _n, _tensor, cast, equal, reduce_mean, stop_gradient
from .convert import ArgumentError
from .creation import float32
from .graph import Tensor, get_default_graph, rename
from .nn_activations import crelu, elu, gelu, leaky_relu, selu, silu, swish
from .nn_conv import (
    avg_pool,
    avg_pool1d,
    avg_pool3d,
    conv1d,
    conv2d,
    conv3d,
    max_pool,
    max_pool1d,
    max_pool3d,
)
from .nn_conv_transpose import (
    conv1d_transpose,
    conv2d_transpose,
    conv3d_transpose,
    depthwise_conv2d,
    separable_conv2d,
)
from .nn_weighted import weighted_cross_entropy_with_logits
from .tf_extra import l2_normalize, top_k
from .tf_matmul import matmul


def relu(features, name=None):
    """max(features, 0) elementwise (tf.nn.relu)."""
    return _n(ops.relu(_tensor(features)), name)


def relu6(features, name=None):
    """min(max(features, 0), 6) elementwise (tf.nn.relu6). Its gradient is 0 at 0 and at 6, as
    TF1's Relu6Grad and PyTorch's relu6 (a clip's gradient would pass 1 at both ends)."""
    x = _tensor(features)
    top = stop_gradient(ops.clip(x, min=0, max=6))  # 6 beyond the top (and NaN kept)
    return _n(ops.where(ops.less(x, 6), ops.relu(x), top), name)


def sigmoid(x, name=None):
    """1 / (1 + exp(-x)) elementwise (tf.nn.sigmoid)."""
    return _n(ops.sigmoid(_tensor(x)), name)


def tanh(x, name=None):
    """Hyperbolic tangent elementwise (tf.nn.tanh)."""
    return _n(ops.tanh(_tensor(x)), name)


def softplus(features, name=None):
    """log(1 + exp(features)), computed stably (tf.nn.softplus)."""
    return _n(ops.softplus(_tensor(features)), name)


def softmax(logits, axis=None, name=None, dim=None):
    """Softmax along `axis` (the last when None) (tf.nn.softmax)."""
    axis = resolve("softmax", "axis", axis, "dim", dim, error=DuplicateStaticArgumentError)
    return _n(ops.softmax(_tensor(logits), axis=-1 if axis is None else axis), name)


def log_softmax(logits, axis=None, name=None, dim=None):
    """Log-softmax along `axis` (the last when None) (tf.nn.log_softmax)."""
    axis = dim if axis is None else axis
    return _n(ops.log_softmax(_tensor(logits), axis=-1 if axis is None else axis), name)


def softmax_cross_entropy_with_logits_v2(_sentinel=None, labels=None, logits=None, dim=-1, name=None,
                                         axis=None):
    """-sum(labels * log_softmax(logits)) along the class axis: one loss per example; gradients
    reach both logits and labels. Call with keywords (`labels=`, `logits=`) as TF1 requires."""
    if _sentinel is not None or labels is None or logits is None:
        raise ArgumentError("Only call `softmax_cross_entropy_with_logits` with named arguments "
                         "(labels=..., logits=...)")
    axis = dim if axis is None else axis
    logits = _tensor(logits)
    labels = _tensor(labels, like=logits)
    _same_shapes("softmax_cross_entropy_with_logits", labels, logits)
    return _n(ops.softmax_cross_entropy(labels, logits, axis=axis), name)


def softmax_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, dim=-1, name=None,
                                      axis=None):
    """The `_v2` loss with no gradient to `labels`: TF1's v1 stops it there (only `_v2`
    backpropagates into labels)."""
    if isinstance(labels, Tensor):  # other values have no gradient to stop
        labels = stop_gradient(labels)
    return softmax_cross_entropy_with_logits_v2(_sentinel, labels, logits, dim, name, axis)


def sparse_softmax_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, name=None):
    """Cross entropy with integer class labels (the class count must be known)."""
    if _sentinel is not None or labels is None or logits is None:
        raise ArgumentError("Only call `sparse_softmax_cross_entropy_with_logits` with named arguments")
    logits, labels = _tensor(logits), _tensor(labels)
    if logits.shape is None or not logits.shape or logits.shape[-1] is None:
        raise ShapeError("sparse_softmax_cross_entropy_with_logits needs logits of known rank >= 1 and "
                         f"a known number of classes, got shape {logits.shape} {user_line()}")
    if not labels.dtype.is_integer:
        raise DTypeError("sparse_softmax_cross_entropy_with_logits: labels must be integer class "
                         f"indices, got {labels.dtype.name} {user_line()}")
    if labels.shape is not None and not _compatible(labels.shape, logits.shape[:-1]):
        raise ShapeError("sparse_softmax_cross_entropy_with_logits: labels of shape "
                         f"{labels.shape} do not match logits of shape {logits.shape} (labels must "
                         f"have the logits' shape without its last dim; at {user_frame()})")
    if labels.shape is None or None in labels.shape or None in logits.shape[:-1]:
        labels = _labels_checked_in_the_run(labels, logits)
    # nll_at_labels / class_mask refuse a label outside [0, classes) (TF1's CPU kernel:
    # "Received a label value of 5 which is outside the valid range"); a bare one-hot row of
    # zeros gave loss 0. TF1 ignores no label: the ignore value is the labels' dtype's minimum,
    # a label equal to it first moved to the (as invalid) minimum + 1 so that it is refused too
    if labels.dtype.name.startswith("uint"):
        labels = cast(labels, "int32")
    lowest = int(np.iinfo(labels.dtype.name).min)
    labels = ops.where(ops.equal(labels, lowest), lowest + 1, labels)
    if len(logits.shape) <= 2:  # classes on axis 1 (or 0), as PyTorch's nll kernel reads them
        losses = nll_at_labels(ops.log_softmax(logits, axis=-1), labels, 1, ignore_index=lowest, mean=False)
        return _n(losses, name)
    mask = class_mask(labels, lowest, classes=int(logits.shape[-1]))
    rank = len(logits.shape) - 1  # the labels' (also when their shape is unknown)
    if rank > 1:  # class_mask puts the class axis after the batch dim: move it to the end
        mask = ops.transpose(mask, axes=(0, *range(2, rank + 1), 1))
    # the label's log-probability picked by `where`: a product with the one-hot row read
    # 0 * -inf = NaN where another class's logit is -inf (TF1: finite)
    picked = ops.where(mask, ops.log_softmax(logits, axis=-1), 0)
    return _n(ops.negative(ops.sum(picked, axis=-1)), name)


def dropout(x, keep_prob=None, noise_shape=None, seed=None, name=None, rate=None):
    """Keep each element with probability `keep_prob` (or `1 - rate`) and scale it by
    1/keep_prob; a fresh mask each run. `keep_prob` may be a placeholder (TF1's idiom)."""
    if noise_shape is not None:
        raise NotImplementedError("dropout(noise_shape=...) is not supported")
    if (keep_prob is None) == (rate is None):
        raise ArgumentError(f"dropout needs exactly one of keep_prob and rate {user_line()}")
    for key, value, ok in (("keep_prob", keep_prob, lambda p: 0 < p <= 1),
                           ("rate", rate, lambda r: 0 <= r < 1)):
        if value is None or isinstance(value, Tensor):
            continue
        number = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
        if not number or not ok(value):
            raise ArgumentError(f"dropout: {key} must be a scalar tensor or a float in the range "
                                f"{'(0, 1]' if key == 'keep_prob' else '[0, 1)'}, got {value!r} (at "
                                f"{user_frame()})")
    x = _tensor(x)
    if keep_prob is None:
        keep_prob = ops.subtract(1, rate)
    from .creation import random_uniform_like

    keep = ops.cast(ops.less(random_uniform_like(x, seed=seed), keep_prob), dtype=x.dtype)
    return _n(ops.divide(ops.multiply(x, keep), keep_prob), name)


def sigmoid_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, name=None):
    """Elementwise logistic loss, computed stably: max(x, 0) - x * z + log(1 + exp(-|x|)), with
    max(x, 0) and -|x| written as TF1 writes them (where(x >= 0, ...)): relu's and abs's
    gradient 0 at 0 made the gradient at x = 0 read -z, not sigmoid(0) - z = 0.5 - z (a
    zero-initialised logistic regression took a wrong first step)."""
    if _sentinel is not None or labels is None or logits is None:
        raise ArgumentError("Only call `sigmoid_cross_entropy_with_logits` with named arguments")
    x = _tensor(logits)
    z = _tensor(labels, like=x)
    _same_shapes("sigmoid_cross_entropy_with_logits", z, x)
    nonnegative = ops.greater_equal(x, 0)
    relu_x = ops.where(nonnegative, x, 0)
    minus_abs_x = ops.where(nonnegative, ops.negative(x), x)
    loss = ops.add(ops.subtract(relu_x, ops.multiply(x, z)), ops.log1p(ops.exp(minus_abs_x)))
    return _n(loss, name)


def l2_loss(t, name=None):
    """sum(t ** 2) / 2."""
    t = _tensor(t)
    return _n(ops.divide(ops.sum(ops.square(t)), 2), name)


def bias_add(value, bias, data_format=None, name=None):
    """value + bias along the channel dim: the last (`data_format` None or 'N...C': NHWC, NWC,
    NDHWC) or dim 1 ('NC...': NCHW, NCW, NCDHW); bias is 1-D of that dim's size (TF1)."""
    value, bias = _tensor(value), _tensor(bias)
    if data_format is not None and not isinstance(data_format, str):
        raise ArgumentError(f"bias_add: data_format must be a string, got {data_format!r} {user_line()}")
    first = data_format is not None and data_format.startswith("NC")
    last = data_format is None or data_format.startswith("N") and data_format.endswith("C")
    if not first and not last:
        raise ArgumentError(f"bias_add: data_format must be of the form `N...C` or `NC...`, got "
                            f"{data_format!r} {user_line()}")
    if first and (value.shape is None or len(value.shape) < 2):
        raise ShapeError(f"bias_add: data_format {data_format!r} needs a value of known rank >= 2, got shape "
                         f"{value.shape} {user_line()}")
    axis = 1 if first else -1
    if bias.shape is not None and value.shape is not None and (
            len(bias.shape) != 1 or not value.shape
            or not _compatible(bias.shape, value.shape[axis:][:1])):
        raise ShapeError(f"bias_add: bias must be 1-D of the {'channel (1)' if first else 'last'} dim of "
                         f"value, got bias shape {bias.shape} and value shape {value.shape} {user_line()}")
    if bias.shape is not None and value.shape and None in (bias.shape[0], value.shape[axis]):
        # sizes fed at run time must match then too (a bias of 1 would broadcast; TF1 refuses)
        from .api import identity, shape
        from .tf_asserts import assert_equal

        check = assert_equal(shape(value)[axis], shape(bias)[0], message="bias_add: bias must have the "
                             "size of the channel dim of value")
        with get_default_graph().control_dependencies([check]):
            bias = identity(bias)
    if first and len(value.shape) > 2:  # (bias as [C, 1, ..., 1]: it broadcasts along dim 1)
        bias = ops.expand_dims(bias, axis=tuple(range(1, len(value.shape) - 1)))
    return _n(ops.add(value, bias), name)


def xw_plus_b(x, weights, biases, name=None):
    """matmul(x, weights) + biases (tf.nn.xw_plus_b): a 2-D x, a 1-D bias along the last dim."""
    x = _tensor(x)
    if x.shape is not None and len(x.shape) != 2:
        raise ShapeError(f"ds.nn.xw_plus_b: x must be 2-D, got shape {x.shape} {user_line()}")
    return rename(bias_add(matmul(x, weights), biases), name)


def zero_fraction(value, name=None):
    """The fraction of entries of `value` that are zero, as float32 (tf.nn.zero_fraction)."""
    x = _tensor(value)
    return rename(reduce_mean(cast(equal(x, 0), float32)), name)


def moments(x, axes, shift=None, name=None, keep_dims=None, keepdims=None):
    """(mean, variance) over `axes` (population variance), with TF1's signature: the third
    argument is `shift`, which TF1 also ignores; `keep_dims` is the old name of `keepdims`."""
    keepdims = bool(resolve("moments", "keepdims", keepdims, "keep_dims", keep_dims,
                            error=DuplicateStaticArgumentError))
    x = _tensor(x)
    axes = tuple(axes)
    mean = ops.mean(x, axis=axes, keepdims=True)
    variance = ops.mean(ops.square(ops.subtract(x, mean)), axis=axes, keepdims=keepdims)
    if not keepdims:
        mean = ops.squeeze(mean, axis=axes)
    return mean, variance


def _labels_checked_in_the_run(labels: Tensor, logits: Tensor) -> Tensor:
    """Labels whose shape is known only at run time must be the logits' shape without its last
    dim then (TF1's kernel fails the run): a single label fed as (1,) was broadcast to every row."""
    from .api import concat, identity, shape, size
    from .creation import ones_like
    from .tf_asserts import Assert
    from .tf_ops import logical_and, reduce_all

    batch = len(logits.shape) - 1
    got, want = shape(labels), shape(logits)[:-1]
    padded = concat([got, ones_like(want)], 0)[:batch]  # (a rank other than batch fails below)
    fits = logical_and(equal(size(got), batch), reduce_all(equal(padded, want)))
    check = Assert(fits, ["sparse_softmax_cross_entropy_with_logits: labels must have the logits' shape "
                          "without its last dim (TF1: logits and labels must have the same first "
                          "dimension)"])
    with get_default_graph().control_dependencies([check]):
        return identity(labels)


def _compatible(a: tuple, b: tuple) -> bool:
    return len(a) == len(b) and all(x is None or y is None or x == y for x, y in zip(a, b, strict=True))


def _same_shapes(fn: str, labels, logits) -> None:
    """TF1: logits and labels must have the same shape (no broadcasting)."""
    if labels.shape is not None and logits.shape is not None and not _compatible(labels.shape, logits.shape):
        raise ShapeError(f"{fn}: logits and labels must have the same shape ({logits.shape} vs "
                         f"{labels.shape}) {user_line()}")


__all__ = ["relu", "relu6", "sigmoid", "tanh", "softplus", "softmax", "log_softmax",
           "softmax_cross_entropy_with_logits", "softmax_cross_entropy_with_logits_v2",
           "sparse_softmax_cross_entropy_with_logits", "sigmoid_cross_entropy_with_logits",
           "dropout", "l2_loss", "bias_add", "xw_plus_b", "zero_fraction", "moments"]


def embedding_lookup(params, ids, partition_strategy="mod", name=None, validate_indices=True,
                     max_norm=None):
    """Rows of `params` at integer `ids` (`ds.gather` along axis 0); one shard only."""
    from ..errors import DualgradNotImplementedError
    from .tf_ops import gather

    if isinstance(params, (list, tuple)):
        if len(params) != 1:
            raise DualgradNotImplementedError(f"ds.nn.embedding_lookup: {len(params)} sharded params are not "
                                      f"supported, only one tensor {user_line()}")
        params = params[0]
    if max_norm is not None:
        raise DualgradNotImplementedError(f"ds.nn.embedding_lookup: max_norm is not supported (at "
                                          f"{user_frame()})")
    return gather(params, ids, name=name)


__all__ += ["embedding_lookup"]
__all__ += ["l2_normalize", "top_k"]  # (static/tf_extra.py)

__all__ += ["crelu", "elu", "gelu", "leaky_relu", "selu", "silu", "swish"]  # (static/nn_activations.py)
__all__ += ["avg_pool", "conv2d", "max_pool"]  # (static/nn_conv.py)
__all__ += ["avg_pool1d", "avg_pool3d", "conv1d", "conv3d", "max_pool1d", "max_pool3d"]  # (static/nn_conv.py)
__all__ += ["conv1d_transpose", "conv2d_transpose", "conv3d_transpose", "depthwise_conv2d",
            "separable_conv2d"]  # (static/nn_conv_transpose.py)
__all__ += ["weighted_cross_entropy_with_logits"]  # (static/nn_weighted.py)

from . import rnn_cell  # noqa: E402 (TF1's tf.nn.rnn_cell)
from .rnn import dynamic_rnn, static_rnn  # noqa: E402

__all__ += ["dynamic_rnn", "rnn_cell", "static_rnn"]  # (static/rnn.py)

from .nn_more import batch_normalization, in_top_k, softsign  # noqa: E402

__all__ += ["batch_normalization", "in_top_k", "softsign"]  # (static/nn_more.py)

from .rnn_bidirectional import bidirectional_dynamic_rnn, static_bidirectional_rnn  # noqa: E402

__all__ += ["bidirectional_dynamic_rnn", "static_bidirectional_rnn"]  # (static/rnn_bidirectional.py)

from .candidate_sampling import (  # noqa: E402
    fixed_unigram_candidate_sampler,
    log_uniform_candidate_sampler,
    uniform_candidate_sampler,
)

__all__ += ["fixed_unigram_candidate_sampler", "log_uniform_candidate_sampler",
            "uniform_candidate_sampler"]  # (static/candidate_sampling.py)

from .nn_ctc import ctc_loss_v2  # noqa: E402

__all__ += ["ctc_loss_v2"]  # (static/nn_ctc.py)

# TF1's tf.nn statistics, log_poisson_loss, space_to_depth / depth_to_space, max_pool2d
from . import nn_stats as _nn_stats  # noqa: E402

vars().update({_name: getattr(_nn_stats, _name) for _name in _nn_stats.__all__})
__all__ += _nn_stats.__all__  # (static/nn_stats.py)
