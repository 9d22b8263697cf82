"""PyTorch's losses as composites of registry ops, so each gets its VJP, sympy form and shape
rule from the primitives it is built of (`nn.functional` only maps PyTorch's arguments here).

Class scores sit on axis 1 (axis 0 for a single unbatched example), as in PyTorch. Class
indices arrive as a boolean `mask` shaped like the scores (True at each example's class, a
row of False for an ignored example): the front end builds it with `equal`, so indices never
become graph inputs and every composite here is differentiable in its float inputs.
"""
from __future__ import annotations

import numpy as np

from . import composite as cp
from . import elementwise as ew
from . import movement as mv
from . import nn, specs
from . import reductions as rd
from .class_nll import nll_at_labels
from .lazy import sympy as sp
from .registry import declare, promoted

REDUCTIONS = ("none", "mean", "sum")


def _class_axis(x) -> int:
    return 1 if len(x.shape) >= 2 else 0


def reduce_loss(loss, reduction: str = "mean"):
    """PyTorch's `reduction`: 'none' keeps each element's loss, 'mean' averages, 'sum' adds."""
    if reduction == "none":
        return loss
    return rd.sum(loss) if reduction == "sum" else rd.mean(loss)


def _along(weight, x, axis: int):
    """A per-class weight (C,) shaped to broadcast along x's class axis."""
    shape = [1] * len(x.shape)
    shape[axis] = -1
    return mv.reshape(weight, shape=tuple(shape))


def mse_loss(input, target, reduction="mean"):
    return reduce_loss(ew.square(ew.subtract(input, target)), reduction)


def l1_loss(input, target, reduction="mean"):
    return reduce_loss(ew.abs(ew.subtract(input, target)), reduction)


def _picked(logp, mask, weight, axis):
    """(-w[y] * logp[y] per example, w[y] per example): w is 1 without a weight; an ignored
    example (a row of False) gets 0 for both."""
    if weight is None:
        return (ew.negative(rd.sum(ew.where(mask, logp, 0), axis=axis)),
                rd.sum(ew.where(mask, 1, 0), axis=axis))
    w = _along(weight, logp, axis)
    return (ew.negative(rd.sum(ew.where(mask, ew.multiply(logp, w), 0), axis=axis)),
            rd.sum(ew.where(mask, w, 0), axis=axis))


def _weighted_reduce(loss, counts, reduction):
    """'mean' divides by the total weight of the examples counted (PyTorch's nll_loss)."""
    if reduction == "mean":
        return ew.divide(rd.sum(loss), rd.sum(counts))
    return reduce_loss(loss, reduction)


def nll_loss_at_labels(logp, labels, weight=None, *, ignore_index: int = -100, reduction="mean"):
    """nll_loss for integer class labels (`labels`: one per example, `ignore_index` for an
    example that does not count) in one op, `class_nll.nll_at_labels`, where the mask path
    takes seven to eleven; 'sum' adds its per-example losses. `weight` (one per class) gets
    no gradient, as PyTorch's. The eager front end's short path: its numbers are `nll_loss`'s
    on the labels' class mask, bit for bit."""
    weight = 1 if weight is None else weight
    if reduction == "mean":
        return nll_at_labels(logp, labels, weight, ignore_index=ignore_index, mean=True)
    return reduce_loss(nll_at_labels(logp, labels, weight, ignore_index=ignore_index, mean=False), reduction)


def nll_loss(logp, mask, weight=None, reduction="mean"):
    """-logp[target], weighted by weight[target]; 'mean' divides by the sum of those weights."""
    logp, weight = promoted(logp, weight, floating=True)
    loss, counts = _picked(logp, mask, weight, _class_axis(logp))
    return _weighted_reduce(loss, counts, reduction)


def cross_entropy(logits, mask, weight=None, reduction="mean", label_smoothing=0.0):
    """Cross entropy against class indices (as `mask`): (1 - eps) * nll + eps / C * the
    smoothing term, whose 'mean' divides by the same weight total as nll (PyTorch's
    `cross_entropy_loss_label_smoothing`)."""
    logits, weight = promoted(logits, weight, floating=True)
    axis = _class_axis(logits)
    logp = nn.log_softmax(logits, axis=axis)
    loss, counts = _picked(logp, mask, weight, axis)
    if label_smoothing:
        spread = logp if weight is None else ew.multiply(logp, _along(weight, logp, axis))
        kept = rd.sum(ew.where(mask, 1, 0), axis=axis)  # 0 for an ignored example
        # an ignored example's 0 by `where`, not a product with 0: a 'mean' over examples that
        # are all ignored divides by a total weight of 0, and inf * 0 would be a NaN gradient
        # where PyTorch's masked_fill gives 0
        smooth = ew.where(ew.greater(kept, 0), ew.multiply(ew.negative(rd.sum(spread, axis=axis)), kept), 0)
        classes = logits.shape[axis]
        loss = ew.add(ew.multiply(loss, 1.0 - label_smoothing),
                      ew.multiply(smooth, label_smoothing / classes))
    return _weighted_reduce(loss, counts, reduction)


def cross_entropy_probs(logits, target, weight=None, reduction="mean", label_smoothing=0.0):
    """Cross entropy against class probabilities; 'mean' averages over examples (the weight
    does not divide, as in PyTorch)."""
    logits, target, weight = promoted(logits, target, weight, floating=True)
    axis = _class_axis(logits)
    logp = nn.log_softmax(logits, axis=axis)
    if label_smoothing:
        target = ew.add(ew.multiply(target, 1.0 - label_smoothing), label_smoothing / logits.shape[axis])
    terms = ew.multiply(logp, target)
    if weight is not None:
        terms = ew.multiply(terms, _along(weight, logp, axis))
    return reduce_loss(ew.negative(rd.sum(terms, axis=axis)), reduction)


def _bce_kernel(xp, x, y):
    with np.errstate(divide="ignore"):  # log(0) is clamped to -100 right away
        log_x = xp.maximum(xp.log(x), -100.0).astype(x.dtype)
        log_not_x = xp.maximum(xp.log1p(-x), -100.0).astype(x.dtype)
    return -(y * log_x + (1 - y) * log_not_x)


def _bce_input_grad(g, out, x, y):
    """PyTorch's: (x - y) / max(x (1 - x), 1e-12), finite at x = 0 and x = 1."""
    return ew.multiply(g, ew.divide(ew.subtract(x, y), ew.maximum(ew.multiply(x, ew.subtract(1, x)), 1e-12)))


def _bce_target_grad(g, out, x, y):
    return ew.multiply(g, ew.subtract(ew.clip(ew.log(ew.subtract(1, x)), min=-100.0),
                                      ew.clip(ew.log(x), min=-100.0)))


binary_cross_entropy_terms = declare(
    "binary_cross_entropy_terms", _bce_kernel, vjp=(_bce_input_grad, _bce_target_grad),
    sympy=lambda x, y: -(y * sp.log(x) + (1 - y) * sp.log(1 - x)), shape=specs.broadcast, nin=2,
    domain=((0.05, 0.95), (0.0, 1.0)), promotes=True, floating=True, elementwise=True,
    grad_name="BinaryCrossEntropy", reads=((0, 1), (0,)),
    doc="-(y log x + (1 - y) log(1 - x)), each log clamped at -100 (PyTorch's BCE); a primitive "
        "so its gradient is PyTorch's finite one at x = 0 and 1")


def binary_cross_entropy(input, target, weight=None, reduction="mean"):
    """PyTorch's BCE on probabilities: the elementwise terms, weighted, reduced."""
    loss = binary_cross_entropy_terms(input, target)
    if weight is not None:
        loss = ew.multiply(loss, weight)
    return reduce_loss(loss, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, pos_weight=None, reduction="mean"):
    """(1 - y) x + (1 + (pos_weight - 1) y) softplus(-x): stable for any logit."""
    input, target, weight, pos_weight = promoted(input, target, weight, pos_weight, floating=True)
    softplus_neg = cp.softplus(ew.negative(input))
    if pos_weight is not None:
        softplus_neg = ew.multiply(softplus_neg, ew.add(ew.multiply(ew.subtract(pos_weight, 1), target), 1))
    loss = ew.add(ew.multiply(ew.subtract(1, target), input), softplus_neg)
    if weight is not None:
        loss = ew.multiply(loss, weight)
    return reduce_loss(loss, reduction)
