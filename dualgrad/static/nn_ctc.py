"""TF1's `tf.nn.ctc_loss_v2` with dense labels: -log p(labels | logits) per example, the CTC
forward algorithm in log space unrolled over a time length known when the graph is built.

The recursion is the eager `ctc_loss`'s registry composite (`ops/ctc.py`: the labels extended
with blanks, a log-space sum per frame, frames past a row's `logit_length` leaving it as it
was) on the log-softmax of the logits, so its gradient in the logits is the loss's own on
every backend; a row that no alignment fits gets +inf and a zero gradient.
"""
from __future__ import annotations

from .. import ops
from ..errors import DTypeError, DualgradNotImplementedError, ShapeError, user_line
from ..ops import ctc
from .api import _tensor, cast
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
    with get_default_graph().name_scope(name or "ctc_loss"):
        label_len = _lengths(fn, "label_length", label_length, batch)
        logit_len = _lengths(fn, "logit_length", logit_length, batch)
        # the eager loss's composite (ops/ctc.py): a row no alignment fits gives +inf, gradient 0
        log_p = ctc.log_likelihood(ops.log_softmax(x, axis=-1), cast(y, "int32"), logit_len, label_len, blank)
        return ops.negative(log_p)
