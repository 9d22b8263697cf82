"""TF1's `tf.nn.ctc_loss_v2` with dense labels: -log p(labels | logits) per example, the CTC
forward algorithm in log space unrolled over a time length known when the graph is built.

The labels are extended with blanks (b, l1, b, l2, ..., b: 2L + 1 states); at each frame a
state's log-probability is the log-sum-exp of itself, the one before, and the one two before
when that skips a blank between two different labels, plus the frame's log-softmax at the
state's class. Frames past a row's `logit_length` leave it unchanged; the result is the
log-sum-exp of the last blank and the last label of each row's `label_length`. Unreachable
states hold a large finite negative number rather than -inf, so gradients stay finite; a row
that no alignment fits gets +inf and a zero gradient. All of it is registry ops (log_softmax,
a one-hot matmul, logsumexp, where), differentiable in the logits on every backend.
"""
from __future__ import annotations

import numpy as np

from .. import ops
from ..errors import DTypeError, DualgradNotImplementedError, ShapeError, user_line
from .api import _tensor, cast, matmul
from .graph import get_default_graph

__all__ = ["ctc_loss_v2"]


def _lengths(fn: str, key: str, value, batch):
    t = _tensor(value)
    wrong = t.shape is not None and (len(t.shape) != 1 or None not in (batch, t.shape[0])
                                     and t.shape[0] != batch)
    if not t.dtype.is_integer or wrong:
        raise ShapeError(f"ds.nn.{fn}: {key} must be an int vector of one length per batch row ({batch}), "
                         f"got {t.dtype.name} of shape {t.shape} {user_line()}")
    return cast(t, "int32")


def ctc_loss_v2(labels, logits, label_length, logit_length, logits_time_major=True, unique=None,
                blank_index=None, name=None):
    """CTC loss per example [batch] over dense `labels` [batch, max_label_length]
    (tf.nn.ctc_loss_v2); the blank is class `blank_index` (0 when None; negative counts from
    the end)."""
    fn = "ctc_loss_v2"
    if unique is not None:
        raise DualgradNotImplementedError(f"ds.nn.{fn}: unique is not supported {user_line()}")
    x = _tensor(logits)
    if not x.dtype.is_floating_point or x.shape is None or len(x.shape) != 3:
        raise ShapeError(f"ds.nn.{fn}: logits must be a float tensor [frames, batch, num_labels], got "
                         f"{x.dtype.name} of shape {x.shape} {user_line()}")
    y = _tensor(labels)
    if not y.dtype.is_integer or y.shape is None or len(y.shape) != 2 or y.shape[1] is None:
        raise DTypeError(f"ds.nn.{fn}: labels must be an int matrix [batch, max_label_length] with a known "
                         f"max_label_length, got {y.dtype.name} of shape {y.shape} {user_line()}")
    if not logits_time_major:
        x = ops.transpose(x, axes=(1, 0, 2))
    frames, batch, classes = x.shape
    if frames is None or classes is None:
        raise ShapeError(f"ds.nn.{fn}: the frames and num_labels of logits must be known when the graph is "
                         f"built, got shape {x.shape} {user_line()}")
    blank = (0 if blank_index is None else int(blank_index)) % classes
    width = int(y.shape[1])
    states = 2 * width + 1
    with get_default_graph().name_scope(name or "ctc_loss"):
        label_len = _lengths(fn, "label_length", label_length, batch)
        logit_len = _lengths(fn, "logit_length", logit_length, batch)
        y = cast(y, "int32")
        blanks = ops.add(ops.multiply(y, 0), blank)
        extended = ops.concatenate(ops.reshape(ops.stack(blanks, y, axis=2), shape=(-1, 2 * width)),
                                   ops.getitem(blanks, key=(slice(None), slice(0, 1))), axis=1)  # (B, S)
        one_hot = cast(ops.equal(ops.expand_dims(extended, axis=-1), np.arange(classes, dtype=np.int32)),
                       x.dtype)  # (B, S, C)
        log_probs = ops.log_softmax(ops.transpose(x, axes=(1, 0, 2)), axis=-1)  # (B, T, C)
        emit = matmul(log_probs, one_hot, transpose_b=True)  # (B, T, S)
        low = float(-0.1 * np.finfo(x.dtype.np).max)
        two_back = ops.concatenate(ops.getitem(extended, key=(slice(None), slice(0, 2))),
                                   ops.getitem(extended, key=(slice(None), slice(0, states - 2))), axis=1)
        skip = ops.logical_and(ops.not_equal(extended, blank), ops.not_equal(extended, two_back))
        position = np.arange(states)
        alpha = ops.where(position < 2, ops.getitem(emit, key=(slice(None), 0)), low)
        for t in range(1, frames):
            one = _shifted(alpha, 1, low)
            two = ops.where(skip, _shifted(alpha, 2, low), low)
            step = ops.add(ops.logsumexp(ops.stack(alpha, one, two, axis=0), axis=0),
                           ops.getitem(emit, key=(slice(None), t)))
            alpha = ops.where(ops.expand_dims(ops.less(t, logit_len), axis=-1), step, alpha)
        last = ops.expand_dims(ops.multiply(label_len, 2), axis=-1)
        last_label = ops.logical_and(ops.equal(position, ops.subtract(last, 1)), ops.greater(last, 0))
        end = ops.logical_or(ops.equal(position, last), last_label)
        log_p = ops.logsumexp(ops.where(end, alpha, low), axis=1)
        # no alignment fits in a row's frames: p = 0, the loss +inf with a zero gradient
        return ops.where(ops.greater(log_p, 0.5 * low), ops.negative(log_p), np.inf)


def _shifted(alpha, k: int, low: float):
    """alpha moved k states to the right, `low` coming in at the left."""
    states = alpha.shape[1]
    pad = ops.add(ops.multiply(ops.getitem(alpha, key=(slice(None), slice(0, k))), 0.0), low)
    return ops.concatenate(pad, ops.getitem(alpha, key=(slice(None), slice(0, states - k))), axis=1)
