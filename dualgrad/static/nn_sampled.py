"""TF1's sampled losses `ds.nn.nce_loss` and `ds.nn.sampled_softmax_loss`, as TF1's
`_compute_sampled_logits` builds them, from registry ops (so gradients reach weights, biases
and inputs on every backend):

    true_logits[i, k]  = inputs[i] . weights[labels[i, k]] + biases[labels[i, k]] - log(Q(true))
    sampled_logits[i, j] = inputs[i] . weights[sampled[j]] + biases[sampled[j]] - log(Q(sampled))
                           (- FLT_MAX where sampled[j] is one of row i's labels, if
                           remove_accidental_hits)
    nce_loss             = sum over the row of sigmoid_cross_entropy(labels = [1/num_true.., 0..])
    sampled_softmax_loss = softmax_cross_entropy(labels = [1/num_true.., 0..])

Q is the sampler's expected count (`sampled_values`, else a log-uniform unique draw).
"""
from __future__ import annotations

import numpy as np

from .. import ops
from ..errors import DualgradValueError, ShapeError, user_line
from .api import _tensor, cast, stop_gradient
from .candidate_sampling import _count, accidental_hits, log_uniform_candidate_sampler, true_classes_of
from .creation import ones_like, zeros_like
from .graph import get_default_graph
from .nn import embedding_lookup, sigmoid_cross_entropy_with_logits, softmax_cross_entropy_with_logits_v2
from .tf_matmul import matmul

__all__ = ["nce_loss", "sampled_softmax_loss"]

FLT_MAX = float(np.finfo(np.float32).max)  # (TF1's accidental-hit weight is -FLT_MAX in every dtype)


def _sampled_logits(fn: str, weights, biases, labels, inputs, num_sampled, num_classes, num_true,
                    sampled_values, remove_accidental_hits, partition_strategy, seed) -> tuple:
    """(logits [batch, num_true + num_sampled], labels of the same shape), TF1's layout."""
    num_true = _count(fn, "num_true", num_true, 1)
    num_sampled = _count(fn, "num_sampled", num_sampled, 1)
    if partition_strategy not in ("mod", "div"):
        raise DualgradValueError(f"ds.nn.{fn}: Unrecognized partition strategy: {partition_strategy!r} "
                                 f"{user_line()}")
    x = _tensor(inputs)
    if not x.dtype.is_floating_point or (x.shape is not None and len(x.shape) != 2):
        raise ShapeError(f"ds.nn.{fn}: inputs must be a float matrix [batch_size, dim], got {x.dtype.name} "
                         f"of shape {x.shape} {user_line()}")
    dim = x.shape[1] if x.shape is not None else None
    if dim is None:
        raise ShapeError(f"ds.nn.{fn}: the inputs' dim must be known when the graph is built, got shape "
                         f"{x.shape} {user_line()}")
    y = true_classes_of(fn, labels, num_true, "labels")
    if sampled_values is None:
        sampled_values = log_uniform_candidate_sampler(y, num_true, num_sampled, True, num_classes, seed=seed)
    if not isinstance(sampled_values, (tuple, list)) or len(sampled_values) != 3:
        raise DualgradValueError(f"ds.nn.{fn}: sampled_values must be a (sampled_candidates, "
                                 f"true_expected_count, sampled_expected_count) triple {user_line()}")
    sampled, true_count, sampled_count = (stop_gradient(_tensor(s)) for s in sampled_values)
    sampled = cast(sampled, "int64")
    flat = ops.reshape(y, shape=(-1,))

    def rows(table, ids):
        got = embedding_lookup(table, ids, partition_strategy=partition_strategy)
        return got if got.dtype == x.dtype else cast(got, x.dtype)

    true_w = ops.reshape(rows(weights, flat), shape=(-1, num_true, dim))
    true_logits = ops.add(ops.sum(ops.multiply(ops.expand_dims(x, axis=1), true_w), axis=2),
                          ops.reshape(rows(biases, flat), shape=(-1, num_true)))
    sampled_logits = ops.add(matmul(x, rows(weights, sampled), transpose_b=True), rows(biases, sampled))
    if remove_accidental_hits:
        hits = accidental_hits(y, sampled, num_sampled)
        sampled_logits = ops.where(hits, ops.add(sampled_logits, -FLT_MAX), sampled_logits)
    true_logits = ops.subtract(true_logits, ops.log(cast(true_count, x.dtype)))
    sampled_logits = ops.subtract(sampled_logits, ops.log(cast(sampled_count, x.dtype)))
    logits = ops.concatenate(true_logits, sampled_logits, axis=1)
    targets = ops.concatenate(ops.divide(ones_like(true_logits), num_true), zeros_like(sampled_logits),
                              axis=1)
    return logits, targets


def nce_loss(weights, biases, labels, inputs, num_sampled, num_classes, num_true=1, sampled_values=None,
             remove_accidental_hits=False, partition_strategy="mod", name="nce_loss"):
    """Noise-contrastive estimation loss per example [batch_size] (tf.nn.nce_loss): logistic
    losses of the true classes (label 1/num_true) and the sampled ones (label 0), summed."""
    with get_default_graph().name_scope(name or "nce_loss"):
        logits, targets = _sampled_logits("nce_loss", weights, biases, labels, inputs, num_sampled,
                                          num_classes, num_true, sampled_values, remove_accidental_hits,
                                          partition_strategy, None)
        losses = sigmoid_cross_entropy_with_logits(labels=targets, logits=logits, name="sampled_losses")
        return ops.sum(losses, axis=1)


def sampled_softmax_loss(weights, biases, labels, inputs, num_sampled, num_classes, num_true=1,
                         sampled_values=None, remove_accidental_hits=True, partition_strategy="mod",
                         name="sampled_softmax_loss", seed=None):
    """Softmax cross entropy over the true and the sampled classes per example [batch_size]
    (tf.nn.sampled_softmax_loss), accidental hits removed by default as TF1's."""
    with get_default_graph().name_scope(name or "sampled_softmax_loss"):
        logits, targets = _sampled_logits("sampled_softmax_loss", weights, biases, labels, inputs,
                                          num_sampled, num_classes, num_true, sampled_values,
                                          remove_accidental_hits, partition_strategy, seed)
        return softmax_cross_entropy_with_logits_v2(labels=stop_gradient(targets), logits=logits)
