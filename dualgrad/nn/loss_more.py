"""More of PyTorch's loss functions: hinge_embedding_loss, soft_margin_loss,
multilabel_soft_margin_loss, multi_margin_loss and multilabel_margin_loss (their modules are
in loss_more_modules.py, which `nn.functional` does not import).

Each is a composition of registry ops, transcribed from PyTorch's kernels (so its gradient is
theirs, on every device and under `dg.compile`). Class indices become boolean masks and counts
by comparison ops, never graph inputs with a gradient. A hinge here is PyTorch's `if (z > 0)`:
`where(z > 0, z, 0)`, gradient 0 at z == 0 (hinge_embedding_loss's is `clamp_min`, 1 at 0).
"""
from __future__ import annotations

import numpy as np

from .. import ops
from ..eager import api
from ..eager.creation import tensor as _tensor
from ..eager.tensor import Tensor
from ..errors import DualgradRuntimeError, DualgradValueError, EagerShapeError, IndexShapeError, user_line
from ..ops.registry import promoted
from .loss_functions import _broadcast, _concrete, _hinge, _reduce, _reduction


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0, size_average=None,
                         reduce=None, reduction: str = "mean") -> Tensor:
    """x where target == 1, max(0, margin - x) where target == -1 (both terms for any other
    target, as PyTorch's kernel adds them) (F.hinge_embedding_loss)."""
    reduction = _reduction("hinge_embedding_loss", reduction, size_average, reduce)
    _broadcast("hinge_embedding_loss", ("input", input), ("target", target))
    margin_part = ops.where(ops.not_equal(target, 1), _hinge(ops.subtract(margin, input)), 0.0)
    self_part = ops.where(ops.not_equal(target, -1), input, 0.0)
    return _reduce(ops.add(margin_part, self_part), reduction)


def soft_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                     reduction: str = "mean") -> Tensor:
    """log(1 + exp(-target * input)), PyTorch's log1p(exp(.)) (F.soft_margin_loss)."""
    reduction = _reduction("soft_margin_loss", reduction, size_average, reduce)
    _broadcast("soft_margin_loss", ("input", input), ("target", target))
    return _reduce(ops.log1p(ops.exp(ops.negative(ops.multiply(input, target)))), reduction)


def multilabel_soft_margin_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """-(y log sigmoid(x) + (1 - y) log sigmoid(-x)), times `weight`, averaged over the classes
    (the last dim), then reduced over the samples (F.multilabel_soft_margin_loss)."""
    reduction = _reduction("multilabel_soft_margin_loss", reduction, size_average, reduce)
    named = [("input", input), ("target", target)] + ([("weight", weight)] if weight is not None else [])
    _broadcast("multilabel_soft_margin_loss", *named)
    input, target, weight = promoted(input, target, weight, floating=True)
    loss = ops.negative(ops.add(ops.multiply(target, ops.logsigmoid(input)),
                                ops.multiply(ops.subtract(1.0, target), ops.logsigmoid(ops.negative(input)))))
    if weight is not None:
        loss = ops.multiply(loss, weight)
    axis = input.ndim - 1
    loss = ops.divide(ops.sum(loss, axis=axis), input.shape[axis] if input.ndim else 1)
    return _reduce(loss, reduction)


def _class_positions(dim: int, like: Tensor) -> Tensor:
    """0 .. dim-1 as a (1, dim) int64 tensor on like's device."""
    positions = _tensor(np.arange(dim, dtype=np.int64).reshape(1, dim))
    return positions if like.device == positions.device else api.to(positions, like.device)


def _frames(name: str, input: Tensor) -> tuple[int, int]:
    """(samples, classes) of a (C,) or (N, C) input, as PyTorch's shape check reads it."""
    shape = tuple(input.shape)
    if not (len(shape) <= 1 and input.numel() > 0 or len(shape) == 2 and shape[1] != 0):
        raise EagerShapeError(f"{name}: Expected non-empty vector or matrix with optional 0-dim batch size, "
                              f"but got: {list(shape)} {user_line()}")
    return (1, shape[0] if shape else 1) if len(shape) <= 1 else shape


def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1, margin: float = 1.0,
                      weight: Tensor | None = None, size_average=None, reduce=None,
                      reduction: str = "mean") -> Tensor:
    """sum over i != y of w[y] max(0, margin - x[y] + x[i])^p / C per sample, y = target
    (F.multi_margin_loss; p 1 or 2; gradient 0 where the hinge is exactly 0, as PyTorch's)."""
    name = "multi_margin_loss"
    reduction = _reduction(name, reduction, size_average, reduce)
    if p not in (1, 2):
        raise DualgradValueError(f"{name}: only p == 1 and p == 2 supported, got p={p} {user_line()}")
    if weight is not None and weight.ndim != 1:
        raise DualgradValueError(f"{name}: weight must be one-dimensional, got {tuple(weight.shape)} "
                                 f"{user_line()}")
    nframe, dim = _frames(name, input)
    if target.ndim > 1 or target.numel() != nframe:
        raise EagerShapeError(f"{name}: target tensor should be 1-D with size equal to the number of input "
                              f"samples (batch size). Expected target size [{nframe}], but got "
                              f"{list(target.shape)}. Input has shape {list(input.shape)}. {user_line()}")
    if weight is not None and weight.numel() != dim:
        raise EagerShapeError(f"{name}: inconsistent weight size, expected {dim} but got "
                              f"{list(weight.shape)} {user_line()}")
    if target.dtype.is_floating_point or target.dtype.is_bool:
        raise DualgradRuntimeError(f"{name}: expected target of an integer dtype (class indices), got "
                                   f"{target.dtype.name} {user_line()}")
    if _concrete(target):
        t = np.asarray(target._data)
        if t.size and (t.min() < 0 or t.max() >= dim):
            raise IndexShapeError(f"{name}: target out of range (classes 0..{dim - 1}, got "
                                  f"{t.min() if t.min() < 0 else t.max()}) {user_line()}")
    x = api.reshape(input, (nframe, dim))
    is_y = ops.equal(api.reshape(target, (nframe, 1)), _class_positions(dim, input))
    x_y = ops.sum(ops.where(is_y, x, 0.0), axis=1, keepdims=True)
    z = ops.add(ops.subtract(margin, x_y), x)
    keep = ops.logical_and(ops.greater(z, 0), ops.logical_not(is_y))
    h = ops.where(keep, z if p == 1 else ops.multiply(z, z), 0.0)
    if weight is not None:
        w_y = ops.sum(ops.where(is_y, api.reshape(weight, (1, dim)), 0.0), axis=1, keepdims=True)
        h = ops.multiply(h, w_y)
    loss = ops.divide(ops.sum(h, axis=1), dim)
    loss = api.reshape(loss, tuple(target.shape) if input.ndim <= 1 else (nframe,))
    return _reduce(loss, reduction)


def multilabel_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                           reduction: str = "mean") -> Tensor:
    """sum over target classes j and non-target classes i of max(0, 1 - (x[j] - x[i])) / C per
    sample; `target` lists class indices, ended by the first -1 (F.multilabel_margin_loss; a
    class listed twice counts twice, as in PyTorch's kernel)."""
    name = "multilabel_margin_loss"
    reduction = _reduction(name, reduction, size_average, reduce)
    nframe, dim = _frames(name, input)
    if tuple(target.shape) != tuple(input.shape):
        raise EagerShapeError(f"{name}: inconsistent target size: {list(target.shape)} for input of size: "
                              f"{list(input.shape)} {user_line()}")
    if target.dtype.is_floating_point or target.dtype.is_bool:
        raise DualgradRuntimeError(f"{name}: expected target of an integer dtype (class indices, -1 ends "
                                   f"the list), got {target.dtype.name} {user_line()}")
    if _concrete(target):
        t = np.asarray(target._data)
        if t.size and (t.min() < -1 or t.max() >= dim):
            raise IndexShapeError(f"{name}: argument #2 'target' is out of range (classes 0..{dim - 1} or -1 "
                                  f"to end, got {t.min() if t.min() < -1 else t.max()}) {user_line()}")
    x = api.reshape(input, (nframe, dim))
    labels = api.reshape(target, (nframe, dim))
    # listed: before the first -1 of its row
    listed = ops.cumprod(ops.cast(ops.not_equal(labels, -1), dtype=target.dtype), axis=1)
    positions = api.unsqueeze(_class_positions(dim, input), 0)
    hits = ops.logical_and(ops.greater(api.unsqueeze(listed, 2), 0),
                           ops.equal(api.unsqueeze(labels, 2), positions))
    count = ops.sum(ops.cast(hits, dtype=input.dtype), axis=1)  # (nframe, dim): times each class is listed
    is_target = ops.greater(count, 0)
    z = ops.add(ops.subtract(1.0, api.unsqueeze(x, 2)), api.unsqueeze(x, 1))  # [n, j, i] = 1 - x_j + x_i
    keep = ops.logical_and(ops.logical_and(ops.greater(z, 0), api.unsqueeze(is_target, 2)),
                           api.unsqueeze(ops.logical_not(is_target), 1))
    h = ops.multiply(ops.where(keep, z, 0.0), api.unsqueeze(count, 2))
    loss = ops.divide(ops.sum(h, axis=(1, 2)), dim)
    loss = api.reshape(loss, () if input.ndim <= 1 else (nframe,))
    return _reduce(loss, reduction)


__all__ = ["hinge_embedding_loss", "multi_margin_loss", "multilabel_margin_loss",
           "multilabel_soft_margin_loss", "soft_margin_loss"]
