"""`ds.losses`: TF1's `tf.losses`, compositions of graph ops (no math of their own).

Each loss computes TF1's per-element loss, weights it (`weights` broadcast to the loss's
shape) and reduces it as TF1's `compute_weighted_loss` does; the default reduction,
`SUM_BY_NONZERO_WEIGHTS`, divides the weighted sum by the number of non-zero weights (0 when
there are none). The result is added to the `LOSSES` collection, which `get_losses` and
`get_total_loss` read, as in TF1. `scope` (TF1: the name scope of the loss's ops) is accepted
and changes nothing.
"""
from __future__ import annotations

from types import SimpleNamespace

from ..aliases import DuplicateStaticArgumentError, resolve
from ..errors import ShapeError, user_line
from . import api, nn
from . import math_functions as mf
from .add_n import add_n
from .compat import GraphKeys, get_collection
from .convert import ArgumentError
from .creation import convert_to_tensor, ones_like, zeros_like
from .graph import Tensor, get_default_graph

__all__ = ["Reduction", "absolute_difference", "compute_weighted_loss", "cosine_distance", "get_losses",
           "get_regularization_losses", "get_total_loss", "hinge_loss", "huber_loss", "log_loss",
           "mean_squared_error", "sigmoid_cross_entropy", "softmax_cross_entropy",
           "sparse_softmax_cross_entropy"]

LOSSES = GraphKeys.LOSSES

Reduction = SimpleNamespace(  # tf.losses.Reduction
    NONE="none", SUM="weighted_sum", MEAN="weighted_mean",
    SUM_OVER_BATCH_SIZE="weighted_sum_over_batch_size",
    SUM_BY_NONZERO_WEIGHTS="weighted_sum_by_nonzero_weights",
    SUM_OVER_NONZERO_WEIGHTS="weighted_sum_by_nonzero_weights")
_REDUCTIONS = frozenset(vars(Reduction).values())


def _safe_div(total: Tensor, count: Tensor) -> Tensor:
    positive = api.greater(count, 0)
    return api.where(positive, total / api.where(positive, count, ones_like(count)), zeros_like(total))


def _check_weights(weights: Tensor, losses: Tensor) -> None:
    """TF1: the weights broadcast to the losses' shape, never beyond it, and are a scalar or of
    the losses' rank (weights (n,) against losses (n, n) would weight columns, not examples)."""
    w, shape = weights.shape, losses.shape
    if w is None or shape is None:
        return
    if len(w) not in (0, len(shape)) or any(a not in (1, None) and b is not None and a != b
                                  for a, b in zip(reversed(w), reversed(shape), strict=False)):
        raise ShapeError(f"ds.losses: weights of shape {w} cannot be broadcast to the losses' shape "
                         f"{shape} (TF1: a scalar, or of the losses' rank with dims 1 or theirs) "
                         f"{user_line()}")


def _weights_need_run_check(w, shape) -> bool:
    """Whether the weights' fit can be told only at run time: a rank or a dim not known when
    the graph is built (a weights dim of 1 fits whatever the loss's dim)."""
    if w is None or shape is None:
        return True
    return bool(w) and any(a != 1 and (a is None or b is None) for a, b in zip(w, shape, strict=True))


def _checked_weights(weights: Tensor, losses: Tensor) -> Tensor:
    """The weights, checked as TF1's `assert_broadcastable`: when the graph is built where the
    shapes are known there, else by an assertion in the run (weights fed as (3, 5) against
    losses (3, 1) broadcast the losses up to (3, 5): a sum 5 times too large, where TF1 fails)."""
    _check_weights(weights, losses)
    if not _weights_need_run_check(weights.shape, losses.shape):
        return weights
    from .tf_asserts import Assert
    from .tf_ops import logical_and, logical_or, reduce_all

    w_dims, l_dims = api.shape(weights), api.shape(losses)
    # padded to one length, so that dims compare elementwise whatever the two ranks are
    w_pad = api.concat([w_dims, ones_like(l_dims)], 0)
    l_pad = api.concat([l_dims, ones_like(w_dims)], 0)
    dims_fit = reduce_all(logical_or(api.equal(w_pad, 1), api.equal(w_pad, l_pad)))
    w_rank, l_rank = api.size(w_dims), api.size(l_dims)
    fits = logical_or(api.equal(w_rank, 0), logical_and(api.equal(w_rank, l_rank), dims_fit))
    check = Assert(fits, ["ds.losses: weights can not be broadcast to the losses (TF1: a scalar, or of "
                          "the losses' rank with dims 1 or theirs). weights.shape=", w_dims,
                          "losses.shape=", l_dims])
    with get_default_graph().control_dependencies([check]):
        return api.identity(weights)


def compute_weighted_loss(losses, weights=1.0, scope=None, loss_collection=LOSSES,
                          reduction=Reduction.SUM_BY_NONZERO_WEIGHTS) -> Tensor:
    """`losses * weights` reduced by `reduction` (TF1's tf.losses.compute_weighted_loss)."""
    if reduction not in _REDUCTIONS:
        raise ArgumentError(f"ds.losses: unknown reduction {reduction!r}; use one of ds.losses.Reduction "
                            f"{user_line()}")
    losses = convert_to_tensor(losses)
    weights = api.cast(convert_to_tensor(weights), losses.dtype)
    weights = _checked_weights(weights, losses)
    weighted = losses * weights
    if reduction == Reduction.NONE:
        loss = weighted
    else:
        total = api.reduce_sum(weighted)
        every = weights * ones_like(losses)  # the weights broadcast to the losses' shape
        if reduction == Reduction.SUM:
            loss = total
        elif reduction == Reduction.MEAN:
            loss = _safe_div(total, api.reduce_sum(every))
        elif reduction == Reduction.SUM_OVER_BATCH_SIZE:
            loss = _safe_div(total, api.cast(api.size(losses), losses.dtype))
        else:
            loss = _safe_div(total, api.reduce_sum(api.cast(api.not_equal(every, 0), losses.dtype)))
    if loss_collection is not None:
        loss.graph.add_to_collection(loss_collection, loss)
    return loss


def _pair(fn: str, labels, predictions, what: str = "predictions") -> tuple[Tensor, Tensor]:
    """TF1: labels and predictions of compatible shapes, never broadcast against each other
    (labels (n,) with predictions (n, 1) would give an (n, n) loss)."""
    predictions = convert_to_tensor(predictions)
    labels = api.cast(convert_to_tensor(labels), predictions.dtype)
    a, b = labels.shape, predictions.shape
    if a is not None and b is not None and not (
            len(a) == len(b) and all(x is None or y is None or x == y for x, y in zip(a, b, strict=True))):
        raise ShapeError(f"ds.losses.{fn}: labels of shape {a} and {what} of shape {b} are incompatible "
                         f"(TF1 does not broadcast them against each other) {user_line()}")
    return labels, predictions


def absolute_difference(labels, predictions, weights=1.0, scope=None, loss_collection=LOSSES,
                        reduction=Reduction.SUM_BY_NONZERO_WEIGHTS) -> Tensor:
    """|predictions - labels|, weighted and reduced (TF1's tf.losses.absolute_difference)."""
    labels, predictions = _pair("absolute_difference", labels, predictions)
    return compute_weighted_loss(mf.abs(predictions - labels), weights, scope, loss_collection, reduction)


def mean_squared_error(labels, predictions, weights=1.0, scope=None, loss_collection=LOSSES,
                       reduction=Reduction.SUM_BY_NONZERO_WEIGHTS) -> Tensor:
    """(predictions - labels)^2, weighted and reduced (TF1's tf.losses.mean_squared_error)."""
    labels, predictions = _pair("mean_squared_error", labels, predictions)
    return compute_weighted_loss(api.square(predictions - labels), weights, scope, loss_collection, reduction)


def huber_loss(labels, predictions, weights=1.0, delta=1.0, scope=None, loss_collection=LOSSES,
               reduction=Reduction.SUM_BY_NONZERO_WEIGHTS) -> Tensor:
    """0.5 e^2 where |e| <= delta, else delta (|e| - 0.5 delta), e = predictions - labels."""
    labels, predictions = _pair("huber_loss", labels, predictions)
    error = mf.abs(predictions - labels)
    quadratic = api.minimum(error, delta)
    losses = 0.5 * quadratic * quadratic + delta * (error - quadratic)
    return compute_weighted_loss(losses, weights, scope, loss_collection, reduction)


def log_loss(labels, predictions, weights=1.0, epsilon=1e-7, scope=None, loss_collection=LOSSES,
             reduction=Reduction.SUM_BY_NONZERO_WEIGHTS) -> Tensor:
    """-labels log(predictions + epsilon) - (1 - labels) log(1 - predictions + epsilon)."""
    labels, predictions = _pair("log_loss", labels, predictions)
    # epsilon - (predictions - 1), not 1 - predictions + epsilon: XLA's simplifier rewrote that
    # as (1 + epsilon) - predictions on the jax backend, and 1 + 1e-7 rounds to 1 + 2^-23 in
    # float32, so a prediction of exactly 1 gave log(1.19e-7) and a gradient 16% short of TF1's
    # (the subtraction is exact either way, so the numbers are TF1's bit for bit)
    one_minus = epsilon - (predictions - 1.0)
    losses = -labels * mf.log(predictions + epsilon) - (1.0 - labels) * mf.log(one_minus)
    return compute_weighted_loss(losses, weights, scope, loss_collection, reduction)


def softmax_cross_entropy(onehot_labels, logits, weights=1.0, label_smoothing=0.0, scope=None,
                          loss_collection=LOSSES, reduction=Reduction.SUM_BY_NONZERO_WEIGHTS) -> Tensor:
    """Cross entropy of one-hot labels (smoothed towards 1/classes by `label_smoothing`) and
    logits, one loss per example, weighted and reduced."""
    labels, logits = _pair("softmax_cross_entropy", onehot_labels, logits, "logits")
    if label_smoothing:
        classes = logits.shape[-1] if logits.shape else None
        if classes is None:
            raise ArgumentError(f"ds.losses.softmax_cross_entropy: label_smoothing needs the number of "
                                f"classes known, got logits of shape {logits.shape} {user_line()}")
        labels = labels * (1.0 - label_smoothing) + label_smoothing / classes
    # TF1 stops the gradient to the labels here (only nn.softmax_cross_entropy_with_logits_v2,
    # called directly, backpropagates into them)
    losses = nn.softmax_cross_entropy_with_logits_v2(labels=api.stop_gradient(labels), logits=logits)
    return compute_weighted_loss(losses, weights, scope, loss_collection, reduction)


def sparse_softmax_cross_entropy(labels, logits, weights=1.0, scope=None, loss_collection=LOSSES,
                                 reduction=Reduction.SUM_BY_NONZERO_WEIGHTS) -> Tensor:
    """Cross entropy of integer class labels and logits, weighted and reduced. As TF1's
    `_remove_squeezable_dimensions`, labels of shape (batch, 1) and weights with one dim more
    than the labels lose their last dim (a (batch, 1) column of weights is per example)."""
    labels, logits = convert_to_tensor(labels), convert_to_tensor(logits)
    if labels.shape is not None and logits.shape is not None and len(labels.shape) == len(logits.shape) \
            and labels.shape:
        labels = api.squeeze(labels, [-1])
    if not isinstance(weights, (int, float)):
        weights = convert_to_tensor(weights)
        if labels.shape is not None and weights.shape is not None and \
                len(weights.shape) == len(labels.shape) + 1:
            weights = api.squeeze(weights, [-1])
    losses = nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    return compute_weighted_loss(losses, weights, scope, loss_collection, reduction)


def sigmoid_cross_entropy(multi_class_labels, logits, weights=1.0, label_smoothing=0.0, scope=None,
                          loss_collection=LOSSES, reduction=Reduction.SUM_BY_NONZERO_WEIGHTS) -> Tensor:
    """Elementwise logistic loss (labels smoothed towards 1/2 by `label_smoothing`), weighted
    and reduced."""
    labels, logits = _pair("sigmoid_cross_entropy", multi_class_labels, logits, "logits")
    if label_smoothing:
        labels = labels * (1.0 - label_smoothing) + 0.5 * label_smoothing
    losses = nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits)
    return compute_weighted_loss(losses, weights, scope, loss_collection, reduction)


def hinge_loss(labels, logits, weights=1.0, scope=None, loss_collection=LOSSES,
               reduction=Reduction.SUM_BY_NONZERO_WEIGHTS) -> Tensor:
    """max(0, 1 - y * logits) with the 0/1 labels mapped to y = -1/1, weighted and reduced
    (TF1's tf.losses.hinge_loss)."""
    labels, logits = _pair("hinge_loss", labels, logits, "logits")
    losses = nn.relu(1.0 - (2.0 * labels - 1.0) * logits)
    return compute_weighted_loss(losses, weights, scope, loss_collection, reduction)


def cosine_distance(labels, predictions, axis=None, weights=1.0, scope=None, loss_collection=LOSSES,
                    reduction=Reduction.SUM_BY_NONZERO_WEIGHTS, dim=None) -> Tensor:
    """1 - sum(labels * predictions) along `axis` (kept as a size-1 dim), for unit-normalised
    inputs, weighted and reduced (TF1's tf.losses.cosine_distance; `dim` is its old name)."""
    axis = resolve("cosine_distance", "axis", axis, "dim", dim, error=DuplicateStaticArgumentError)
    if axis is None:
        raise ArgumentError(f"ds.losses.cosine_distance: You must specify 'axis'. {user_line()}")
    labels, predictions = _pair("cosine_distance", labels, predictions)
    losses = 1.0 - api.reduce_sum(predictions * labels, axis=[axis], keepdims=True)
    return compute_weighted_loss(losses, weights, scope, loss_collection, reduction)


def get_losses(scope=None, loss_collection=LOSSES) -> list:
    """The losses added to `loss_collection` of the default graph (tf.losses.get_losses)."""
    return get_collection(loss_collection, scope)


def get_regularization_losses(scope=None) -> list:
    """The default graph's REGULARIZATION_LOSSES collection (empty unless the user fills it)."""
    return get_collection(GraphKeys.REGULARIZATION_LOSSES, scope)


def get_total_loss(add_regularization_losses: bool = True, name: str = "total_loss", scope=None) -> Tensor:
    """The sum of the collected losses (and regularization losses) (tf.losses.get_total_loss)."""
    losses = get_losses(scope) + (get_regularization_losses(scope) if add_regularization_losses else [])
    if not losses:
        raise ArgumentError(f"ds.losses.get_total_loss: no losses have been collected in "
                            f"{get_default_graph()!r} {user_line()}")
    return add_n(losses, name=name)


def add_loss(loss, loss_collection=LOSSES) -> None:
    """Add `loss` to `loss_collection` of the default graph (tf.losses.add_loss; a falsy
    collection adds nothing, as TF1), where get_losses and get_total_loss find it."""
    if loss_collection:
        get_default_graph().add_to_collection(loss_collection, loss)


def get_regularization_loss(scope=None, name: str = "total_regularization_loss") -> Tensor:
    """The sum of the REGULARIZATION_LOSSES collection, or a float32 0 when it is empty
    (tf.losses.get_regularization_loss)."""
    losses = get_regularization_losses(scope)
    return add_n(losses, name=name) if losses else convert_to_tensor(0.0, name=name)


__all__ += ["add_loss", "get_regularization_loss"]
