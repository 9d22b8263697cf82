"""More of PyTorch's losses for `nn.functional`: kl_div, huber_loss, smooth_l1_loss,
margin_ranking_loss, triplet_margin_loss, triplet_margin_with_distance_loss,
cosine_embedding_loss, poisson_nll_loss, gaussian_nll_loss, and softmin.

Each is a composition of registry ops (`ops.*`), so its gradient is theirs and every device
and `dg.compile` get it. Where PyTorch's gradient at a kink is a convention, the composition
picks the op that has it: `max(z, 0)` is `ops.clip(z, min=0)`, whose gradient at z == 0 is 1
as PyTorch's `clamp_min` (not relu's 0).
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from .. import ops
from ..backend import is_jax_array
from ..eager import api
from ..eager.creation import full_like
from ..eager.dtype_refusals import floating_input, floating_kernel
from ..eager.tensor import Tensor
from ..errors import (
    DualgradValueError,
    EagerDTypeError,
    EagerShapeError,
    ReductionError,
    ShapeError,
    user_line,
)
from ..ops.losses import REDUCTIONS
from ..ops.registry import promoted
from .distance import pairwise_distance


def _reduction(name: str, reduction: str, size_average=None, reduce=None, extra: tuple = ()) -> str:
    """PyTorch's legacy `size_average`/`reduce` flags, then the check of `reduction`, naming
    the loss."""
    if size_average is not None or reduce is not None:
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        return "none" if not reduce else ("mean" if size_average else "sum")
    if reduction not in REDUCTIONS + extra:
        raise ReductionError(f"{name}: {reduction!r} is not a valid value for reduction (expected one of "
                             f"{', '.join(map(repr, REDUCTIONS + extra))}) {user_line()}")
    return reduction


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    return ops.reduce_loss(loss, reduction)


def _broadcast(name: str, *named: tuple[str, Tensor], warn: bool = False) -> None:
    """Refuses shapes that do not broadcast, naming the loss and the shapes; with `warn`,
    PyTorch's warning for a target shaped unlike the input."""
    shapes = [tuple(t.shape) for _, t in named]
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        listed = ", ".join(f"{n} {s}" for (n, _), s in zip(named, shapes, strict=True))
        raise ShapeError(f"{name}: the shapes of {listed} do not broadcast {user_line()}") from None
    if warn and shapes[1] != shapes[0]:
        warnings.warn(f"{name}: Using a target size ({shapes[1]}) that is different to the input size "
                      f"({shapes[0]}). This will likely lead to incorrect results due to broadcasting. "
                      "Please ensure they have the same size.", stacklevel=3)


def _concrete(t: Tensor) -> bool:
    return isinstance(t._data, np.ndarray) or is_jax_array(t._data)


def _hinge(z: Tensor) -> Tensor:
    """max(z, 0) with PyTorch's clamp_min gradient: 1 at z == 0."""
    return ops.clip(z, min=0.0)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """softmax(-input) along `dim`: the weights of the smallest entries (F.softmin)."""
    x = input if dtype is None else api.to(input, dtype)
    if dim is None:  # PyTorch's legacy choice, with its deprecation warning
        warnings.warn("Implicit dimension choice for softmin has been deprecated. Change the call to include "
                      "dim=X as an argument.", stacklevel=2)
        dim = 0 if x.ndim in (0, 1, 3) else 1
    return api.softmax(ops.negative(x), dim)


def kl_div(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
           log_target: bool = False) -> Tensor:
    """KL(target || exp(input)) pointwise: target * (log target - input), 0 where target is 0
    (PyTorch's xlogy), or exp(target) * (target - input) with `log_target`. 'batchmean'
    divides the sum by the batch size, the KL divergence's definition; 'mean' divides by
    every element, and warns as PyTorch does."""
    for t in (input, target):
        if isinstance(t, Tensor) and not t.dtype.is_floating_point:
            raise EagerDTypeError(f"kl_div: Integral inputs not supported (got {t.dtype.name}) {user_line()}")
    legacy = size_average is not None or reduce is not None
    reduction = _reduction("kl_div", reduction, size_average, reduce, extra=("batchmean",))
    if reduction == "mean" and not legacy:
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support "
                      "size.'batchmean' divides only by the batch size, and aligns with the KL div math "
                      "definition.'mean' will be changed to behave the same as 'batchmean' in the next "
                      "major release.",
                      stacklevel=2)
    _broadcast("kl_div", ("input", input), ("target", target))
    input, target = promoted(input, target, floating=True)  # (one dtype first: each keeps its digits)
    if log_target:
        loss = ops.multiply(ops.exp(target), ops.subtract(target, input))
    else:  # xlogy(t, t): 0 at t == 0; its gradient there is NaN, as PyTorch's
        with np.errstate(divide="ignore", invalid="ignore"):  # log(0) is masked right away
            entropy = ops.where(ops.equal(target, 0), 0.0, ops.multiply(target, ops.log(target)))
        loss = ops.subtract(entropy, ops.multiply(target, input))
    if reduction == "batchmean":
        total = ops.sum(loss)
        return ops.divide(total, input.shape[0]) if input.ndim else total
    return _reduce(loss, reduction)


def _inside(small: Tensor, d: Tensor) -> Tensor:
    """d where the quadratic branch is taken, 0 elsewhere: the branch `where` drops still gets
    its gradient multiplied by 0, and 2 d * 0 is NaN at an infinite d (PyTorch's kernels take
    only the branch they pick: delta sign(d) there)."""
    return ops.where(small, d, 0.0)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,
               weight: Tensor | None = None) -> Tensor:
    """0.5 d^2 where |d| < delta, else delta (|d| - delta / 2), d = input - target; an
    optional elementwise `weight` (F.huber_loss)."""
    reduction = _reduction("huber_loss", reduction)
    if delta <= 0:
        raise DualgradValueError(f"huber_loss does not support non-positive values for delta, got {delta} "
                                 f"{user_line()}")
    _broadcast("huber_loss", ("input", input), ("target", target), warn=True)
    floating_input("huber_loss", input, target)
    if weight is not None and tuple(weight.shape) != tuple(input.shape):
        raise ShapeError(f"huber_loss: Weights and input must have the same size, got weight "
                         f"{tuple(weight.shape)} and input {tuple(input.shape)} {user_line()}")
    d = ops.subtract(input, target)
    size = ops.abs(d)
    small = ops.less(size, delta)
    loss = ops.where(small, ops.multiply(ops.square(_inside(small, d)), 0.5),
                     ops.multiply(ops.subtract(size, 0.5 * delta), delta))
    if weight is not None:
        loss = ops.multiply(loss, weight)
    if loss.dtype is not input.dtype:  # PyTorch writes it in input's dtype (float32 of a float64 target)
        loss = ops.cast(loss, dtype=input.dtype)
    return _reduce(loss, reduction)


def smooth_l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
                   beta: float = 1.0) -> Tensor:
    """0.5 d^2 / beta where |d| < beta, else |d| - beta / 2; l1_loss at beta == 0
    (F.smooth_l1_loss)."""
    reduction = _reduction("smooth_l1_loss", reduction, size_average, reduce)
    if beta < 0:
        raise DualgradValueError(f"smooth_l1_loss does not support negative values for beta, got {beta} "
                                 f"{user_line()}")
    _broadcast("smooth_l1_loss", ("input", input), ("target", target), warn=True)
    floating_kernel("smooth_l1_loss", input, target)
    d = ops.subtract(input, target)
    size = ops.abs(d)
    if beta == 0:
        return _reduce(size, reduction)
    small = ops.less(size, beta)
    loss = ops.where(small, ops.multiply(ops.square(_inside(small, d)), 0.5 / beta),
                     ops.subtract(size, 0.5 * beta))
    return _reduce(loss, reduction)


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                        size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """max(0, -target (input1 - input2) + margin), target +1 or -1 (F.margin_ranking_loss)."""
    reduction = _reduction("margin_ranking_loss", reduction, size_average, reduce)
    if not input1.ndim == input2.ndim == target.ndim:
        raise EagerShapeError(f"margin_ranking_loss: All input tensors should have same dimension but got "
                              f"sizes: input1: {tuple(input1.shape)}, input2: {tuple(input2.shape)}, target: "
                              f"{tuple(target.shape)} {user_line()}")
    _broadcast("margin_ranking_loss", ("input1", input1), ("input2", input2), ("target", target))
    z = ops.add(ops.multiply(ops.negative(target), ops.subtract(input1, input2)), margin)
    return _reduce(_hinge(z), reduction)


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0,
                        p: float = 2, eps: float = 1e-6, swap: bool = False, size_average=None,
                        reduce=None, reduction: str = "mean") -> Tensor:
    """max(0, margin + d(a, p) - d(a, n)), d the pairwise distance (||x - y + eps||_p); with
    `swap`, d(a, n) is min(d(a, n), d(p, n)) (F.triplet_margin_loss)."""
    reduction = _reduction("triplet_margin_loss", reduction, size_average, reduce)
    return _triplet("triplet_margin_loss", anchor, positive, negative,
                    lambda x, y: pairwise_distance(x, y, p, eps), margin, swap, reduction, pairwise=True)


def triplet_margin_with_distance_loss(anchor: Tensor, positive: Tensor, negative: Tensor, *,
                                      distance_function=None, margin: float = 1.0, swap: bool = False,
                                      reduction: str = "mean") -> Tensor:
    """max(0, margin + d(a, p) - d(a, n)) with d any function of two tensors (pairwise_distance
    by default); with `swap`, d(a, n) is min(d(a, n), d(p, n)) (F.triplet_margin_with_distance_loss)."""
    reduction = _reduction("triplet_margin_with_distance_loss", reduction)
    distance = pairwise_distance if distance_function is None else distance_function
    return _triplet("triplet_margin_with_distance_loss", anchor, positive, negative, distance, margin, swap,
                    reduction, pairwise=False)


def _triplet(name: str, anchor: Tensor, positive: Tensor, negative: Tensor, distance, margin: float,
             swap: bool, reduction: str, pairwise: bool) -> Tensor:
    """The two triplet losses after their arguments: PyTorch's checks (the pairwise-distance
    one names the shapes and checks they broadcast), then the hinge."""
    if margin <= 0:
        raise DualgradValueError(f"{name}: margin must be greater than 0, got {margin} {user_line()}")
    if not anchor.ndim == positive.ndim == negative.ndim:
        a, p, n = (f"{t.ndim}D {tuple(t.shape)}" if pairwise else f"{t.ndim}D"
                   for t in (anchor, positive, negative))
        raise EagerShapeError(f"{name}: The anchor, positive, and negative tensors are expected to have the "
                              f"same number of dimensions, but got: anchor {a}, positive {p}, and negative "
                              f"{n} inputs {user_line()}")
    if pairwise:
        _broadcast(name, ("anchor", anchor), ("positive", positive), ("negative", negative))
    anchor, positive, negative = promoted(anchor, positive, negative, floating=True)
    d_pos, d_neg = distance(anchor, positive), distance(anchor, negative)
    if swap:
        d_neg = ops.minimum(d_neg, distance(positive, negative))
    return _reduce(_hinge(ops.subtract(ops.add(d_pos, margin), d_neg)), reduction)


_EPSILON = 1e-12  # PyTorch's, added to each squared norm


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                          size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """1 - cos(x1, x2) where target == 1, max(0, cos(x1, x2) - margin) where target == -1
    (0 for any other target), cos along the last dim (F.cosine_embedding_loss)."""
    reduction = _reduction("cosine_embedding_loss", reduction, size_average, reduce)
    if target.ndim not in (0, 1):
        raise EagerShapeError(f"cosine_embedding_loss: 0D or 1D target tensor expected, multi-target not "
                              f"supported, got target {tuple(target.shape)} {user_line()}")
    want = target.ndim + 1
    if input1.ndim != want or input2.ndim != want:
        raise EagerShapeError(f"cosine_embedding_loss: {target.ndim}D target tensor expects {want}D input "
                              f"tensors, but found inputs with sizes {tuple(input1.shape)} and "
                              f"{tuple(input2.shape)} {user_line()}")
    _broadcast("cosine_embedding_loss", ("input1", input1), ("input2", input2))
    axis = target.ndim
    dot = ops.sum(ops.multiply(input1, input2), axis=axis)
    sq1 = ops.add(ops.sum(ops.square(input1), axis=axis), _EPSILON)
    sq2 = ops.add(ops.sum(ops.square(input2), axis=axis), _EPSILON)
    cos = ops.divide(dot, ops.sqrt(ops.multiply(sq1, sq2)))
    _broadcast("cosine_embedding_loss", ("cos", cos), ("target", target))
    loss = ops.add(ops.where(ops.equal(target, 1), ops.subtract(1.0, cos), 0.0),
                   ops.where(ops.equal(target, -1), _hinge(ops.subtract(cos, margin)), 0.0))
    return _reduce(loss, reduction)


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True, full: bool = False,
                     size_average=None, eps: float = 1e-8, reduce=None, reduction: str = "mean") -> Tensor:
    """exp(input) - target * input (`log_input`), else input - target * log(input + eps);
    `full` adds Stirling's target log target - target + log(2 pi target) / 2 where
    target > 1 (F.poisson_nll_loss)."""
    reduction = _reduction("poisson_nll_loss", reduction, size_average, reduce)
    _broadcast("poisson_nll_loss", ("input", input), ("target", target))
    input, target = promoted(input, target, floating=True)  # (exp of a float32 input beside float64)
    if log_input:
        loss = ops.subtract(ops.exp(input), ops.multiply(target, input))
    else:
        loss = ops.subtract(input, ops.multiply(target, ops.log(ops.add(input, eps))))
    if full:
        with np.errstate(divide="ignore", invalid="ignore"):  # a target of 0 is masked right away
            stirling = ops.add(ops.subtract(ops.multiply(target, ops.log(target)), target),
                               ops.multiply(ops.log(ops.multiply(target, 2 * math.pi)), 0.5))
        loss = ops.add(loss, ops.where(ops.greater(target, 1), stirling, 0.0))
    return _reduce(loss, reduction)


def gaussian_nll_loss(input: Tensor, target: Tensor, var: Tensor | float, full: bool = False,
                      eps: float = 1e-6, reduction: str = "mean") -> Tensor:
    """(log(var) + (input - target)^2 / var) / 2 (+ log(2 pi) / 2 with `full`). `var` has the
    input's shape, or its shape without the last dim, or one dim of size 1 where the input's
    differs; it is clamped at eps in value only, so the gradient still reaches var below eps,
    as PyTorch's clamp under no_grad (F.gaussian_nll_loss)."""
    if isinstance(var, (int, float)):
        if var < 0:
            raise DualgradValueError(f"gaussian_nll_loss: var has negative entry/entries {user_line()}")
        var = full_like(input, float(var))
    elif _concrete(var) and bool(np.any(np.asarray(var._data) < 0)):  # (a traced var: unchecked)
        raise DualgradValueError(f"gaussian_nll_loss: var has negative entry/entries {user_line()}")
    in_shape, var_shape = tuple(input.shape), tuple(var.shape)
    if var_shape != in_shape:
        if in_shape[:-1] == var_shape:
            var = ops.expand_dims(var, axis=-1)
        elif not (len(in_shape) == len(var_shape)
                  and sum(v for i, v in zip(in_shape, var_shape, strict=True) if i != v) == 1):
            raise ShapeError(f"gaussian_nll_loss: var is of incorrect size: var {var_shape} for input "
                             f"{in_shape} (expected {in_shape}, {in_shape[:-1]}, or one dim of size 1) "
                             f"{user_line()}")
    reduction = _reduction("gaussian_nll_loss", reduction)
    _broadcast("gaussian_nll_loss", ("input", input), ("target", target), ("var", var))
    input, target, var = promoted(input, target, var, floating=True)
    var = ops.add(var, ops.subtract(ops.clip(var, min=eps), var).detach())  # value clamped, gradient 1
    loss = ops.multiply(ops.add(ops.log(var), ops.divide(ops.square(ops.subtract(input, target)), var)), 0.5)
    if full:
        loss = ops.add(loss, 0.5 * math.log(2 * math.pi))
    return _reduce(loss, reduction)
