"""PyTorch's CTC loss (connectionist temporal classification) as a composite of registry ops,
so its gradient comes from their VJPs on every front end (eager on any device, `dg.compile`,
the static graph). `nn.functional.ctc_loss` checks PyTorch's arguments and calls `ctc_loss`.

The forward (alpha) recursion runs in log space over the extended label sequence l' (the
targets with a blank before, between and after them: 2 S + 1 states), a Python loop over time:

    alpha_t(s) = lp_t(l'_s) + log(exp alpha_{t-1}(s) + exp alpha_{t-1}(s - 1)
                                  + [l'_s != l'_{s-2}] exp alpha_{t-1}(s - 2))

(a label may skip the blank before it unless it repeats the label before that blank), frozen
for t >= input_length, and the loss is -log(exp alpha(2 tl) + exp alpha(2 tl - 1)) at the
sample's last frame. States past 2 tl never reach that read-out, so padded targets need no mask.

Sums in log space go through `_log_sum`: unreachable states are exactly -inf, and their
gradient is 0 rather than the NaN of exp(-inf - -inf) that a plain logsumexp's VJP gives
there. An impossible alignment (input too short for its targets) is a loss of +inf whose
gradient is 0 (PyTorch's is NaN); `zero_infinity` makes the loss 0 too.

PyTorch's gradient convention: torch's `ctc_loss` backward returns, for log_probs, the
gradient of the loss plus exp(log_probs) (at each sample's frames t < input_length, times the
sample's output gradient): the gradient with respect to the logits *if* log_probs are their
log_softmax, whose VJP removes that term exactly. Given the front end's stop-gradient (`stop`),
`ctc_loss` adds that term as sum(exp(lp) - stop(exp(lp))): 0 in value, exp(lp) in gradient. So
log_probs.grad equals torch's numbers; through a log_softmax both give the same gradient.
"""
from __future__ import annotations

import numpy as np

from . import elementwise as ew
from . import indexing as ix
from . import movement as mv
from . import reductions as rd
from .gathering import pad, take
from .selection import cumsum, isfinite, logical_and

_ALL = slice(None)


def _log_sum(terms: list, stop=None):
    """log(sum(exp(term))), elementwise over same-shaped terms: -inf (gradient 0) where every
    term is -inf, NaN where one is NaN. The shift by the largest term is stopped when it can
    be (it cancels in the gradient either way)."""
    top = terms[0]
    for x in terms[1:]:
        top = ew.maximum(top, x)
    shift = ew.where(isfinite(top), top, 0.0)  # nothing reachable (-inf): shift by 0
    if stop is not None:
        shift = stop(shift)
    total = ew.exp(ew.subtract(terms[0], shift))
    for x in terms[1:]:
        total = ew.add(total, ew.exp(ew.subtract(x, shift)))
    some = ew.not_equal(total, 0)  # (the log's argument is 1 where not: a finite gradient of 0)
    return ew.where(some, ew.add(ew.log(ew.where(some, total, 1.0)), shift), -np.inf)


def _shifted(alpha, by: int):
    """alpha moved `by` states right along axis 1, -inf entering: each state's predecessor."""
    return pad(ix.getitem(alpha, key=(_ALL, slice(None, -by))), paddings=((0, 0), (by, 0)),
               constant_values=-np.inf)


def _frame(t: int) -> np.ndarray:
    return np.asarray(t, dtype=np.int64)


def extended_labels(targets, target_lengths, blank: int):
    """(N, 2 S + 1): blank, l_1, blank, l_2, ..., blank, with the padding past each sample's
    target length read as blank (PyTorch never reads it, so it may hold anything)."""
    s = int(targets.shape[1])  # (the batch may be unknown until run time: a static graph's)
    if s == 0:  # no labels: the one blank state
        return ew.add(ew.multiply(mv.expand_dims(target_lengths, axis=1), 0), blank)
    inside = ew.less(np.arange(s).reshape(1, s), mv.expand_dims(target_lengths, axis=1))
    labels = ew.where(inside, targets, blank)
    pairs = pad(mv.expand_dims(labels, axis=2), paddings=((0, 0), (0, 0), (1, 0)), constant_values=blank)
    return pad(mv.reshape(pairs, shape=(-1, 2 * s)), paddings=((0, 0), (0, 1)), constant_values=blank)


def _gather_states(x, states, classes: int):
    """x (..., N, C) read at each sample's states (N, K): (..., N, K)."""
    ones = ew.add(ew.multiply(ix.getitem(states, key=(_ALL, slice(0, 1))), 0), 1)  # (N, 1)
    rows = ew.subtract(cumsum(ones, axis=0), 1)  # 0 .. N - 1, counted at run time
    flat = ew.add(states, ew.multiply(rows, classes))
    lead = tuple(int(d) for d in x.shape[:-2])
    return take(mv.reshape(x, shape=lead + (-1,)), flat, axis=len(lead))


def log_likelihood(log_probs, targets, input_lengths, target_lengths, blank: int = 0, stop=None):
    """log p(targets | log_probs) per sample (N,), summed over all CTC alignments; -inf where
    none fits. log_probs (T, N, C), targets (N, S) padded, lengths (N,) integers."""
    steps, classes = int(log_probs.shape[0]), int(log_probs.shape[2])
    ext = extended_labels(targets, target_lengths, blank)
    states = 2 * int(targets.shape[1]) + 1
    lp = _gather_states(log_probs, ext, classes)  # (T, N, 2 S + 1)
    skip = None
    if states >= 3:  # l'_s != l'_{s-2}: only a label differing from the label before it
        differs = ew.not_equal(ix.getitem(ext, key=(_ALL, slice(2, None))),
                               ix.getitem(ext, key=(_ALL, slice(None, -2))))
        skip = pad(differs, paddings=((0, 0), (2, 0)), constant_values=False)
    # frame t read by `take` with t an operand, not a key: one kernel for every frame on a jax device
    frames = np.arange(steps).reshape(steps, 1)
    active = mv.expand_dims(ew.less(frames, mv.expand_dims(input_lengths, axis=0)), axis=2)  # t < length
    first = np.arange(states).reshape(1, states) < 2  # t = 0: the first blank or the first label
    alpha = ew.where(first, take(lp, _frame(0), axis=0), -np.inf)
    for t in range(1, steps):
        terms = [alpha, _shifted(alpha, 1)]
        if skip is not None:
            terms.append(ew.where(skip, _shifted(alpha, 2), -np.inf))
        moved = ew.add(take(lp, _frame(t), axis=0), _log_sum(terms, stop))
        alpha = ew.where(take(active, _frame(t), axis=0), moved, alpha)
    last = ew.multiply(target_lengths, 2)
    end = mv.squeeze(_gather_states(alpha, mv.expand_dims(last, axis=1), states), axis=1)
    before = mv.squeeze(_gather_states(alpha, mv.expand_dims(ew.maximum(ew.subtract(last, 1), 0), axis=1),
                                       states), axis=1)
    before = ew.where(ew.greater(target_lengths, 0), before, -np.inf)
    total = _log_sum([end, before], stop)
    # no frames: the empty sequence has probability 1, any other 0 (PyTorch's)
    framed = ew.where(ew.greater(input_lengths, 0), total, -np.inf)
    return ew.where(logical_and(ew.equal(input_lengths, 0), ew.equal(target_lengths, 0)), 0.0, framed)


def _normalizer_term(log_probs, input_lengths, stop):
    """sum over each sample's frames t < input_length of exp(lp) - stop(exp(lp)): 0, with
    gradient exp(lp) (PyTorch's convention, see the module's docstring); (N,)."""
    steps = int(log_probs.shape[0])
    frames = ew.less(np.arange(steps).reshape(steps, 1), mv.expand_dims(input_lengths, axis=0))
    e = ew.exp(log_probs)
    keep = logical_and(mv.expand_dims(frames, axis=2), isfinite(e))
    return rd.sum(ew.where(keep, ew.subtract(e, stop(e)), 0.0), axis=(0, 2))


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank: int = 0, reduction: str = "mean",
             zero_infinity: bool = False, stop=None):
    """PyTorch's CTC loss: -log p(targets | log_probs) per sample, +inf where no alignment fits
    (0 with `zero_infinity`); 'mean' divides each by its target length (at least 1) and averages
    over the batch, 'sum' adds, 'none' keeps (N,). log_probs (T, N, C), targets (N, S) padded,
    lengths (N,) integers. With `stop` (the front end's stop-gradient) the gradient for
    log_probs is PyTorch's (exp(lp) added, see above); without it, the loss's own."""
    nll = ew.negative(log_likelihood(log_probs, targets, input_lengths, target_lengths, blank, stop))
    impossible = ew.equal(nll, np.inf)
    kept = nll if stop is None else ew.add(nll, _normalizer_term(log_probs, input_lengths, stop))
    loss = ew.where(impossible, 0.0 if zero_infinity else nll, kept)
    if reduction == "mean":
        return rd.mean(ew.divide(loss, ew.maximum(target_lengths, 1)))
    return rd.sum(loss) if reduction == "sum" else loss


__all__ = ["ctc_loss", "extended_labels", "log_likelihood"]
