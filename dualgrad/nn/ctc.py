"""`nn.functional.ctc_loss`: PyTorch's argument checks, texts and shapes (batched or not,
padded or concatenated targets, lengths as tensors or tuples), mapped onto the registry
composite `ops.ctc.ctc_loss`, where the math lives (its docstring: the recursion, the gradient
convention). Its module, `nn.CTCLoss`, is in ctc_module.py (`loss._Loss` imports functional)."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .. import dtypes, ops
from ..backend import is_jax_array
from ..eager.arguments import require_tensor
from ..eager.convert import torch_type_name
from ..eager.tensor import Tensor
from ..errors import (
    DualgradRuntimeError,
    DualgradTypeError,
    EagerDTypeError,
    EagerIndexShapeError,
    EagerShapeError,
    NotImplementedForDType,
    ReductionError,
    user_line,
)
from ..ops import ctc as ctc_ops
from ..ops.losses import REDUCTIONS

_CHECKING = "(while checking arguments for ctc_loss_allocate_outputs)"
Lengths = Tensor | Sequence[int]


def _values(t):
    """A tensor's values as a numpy array where they are known (not inside a trace), else None."""
    data = t._data
    return np.asarray(data) if isinstance(data, np.ndarray) or is_jax_array(data) else None


def _lengths(name: str, lengths: Lengths):
    """(N,) int64 lengths: a numpy array where known, else the (traced) tensor flattened."""
    if isinstance(lengths, Tensor):
        if not lengths.dtype.is_integer:
            raise EagerDTypeError(f"ctc_loss: {name} must be integral (got {lengths.dtype.name}) "
                                  f"{user_line()}")
        known = _values(lengths)
        return ops.reshape(lengths, shape=(-1,)) if known is None else known.reshape(-1).astype(np.int64)
    return np.asarray(lengths, dtype=np.int64).reshape(-1)


def _check_kinds(input_lengths, target_lengths) -> None:
    """PyTorch takes both lengths as tensors or both as tuples of ints (its TypeError)."""
    def kind(v) -> str | None:
        if isinstance(v, Tensor):
            return "Tensor"
        if isinstance(v, (tuple, list)) and all(isinstance(i, (int, np.integer)) and not isinstance(i, bool)
                                                for i in v):
            return "tuple of ints"
        return None

    kinds = (kind(input_lengths), kind(target_lengths))
    if None in kinds or kinds[0] != kinds[1]:
        got = ", ".join(type(v).__name__ for v in (input_lengths, target_lengths))
        raise DualgradTypeError(f"ctc_loss: input_lengths and target_lengths must be both tuples of ints or "
                                f"both Tensors, got ({got}) {user_line()}")


def _require(ok: bool, message: str, error: type = EagerShapeError) -> None:
    if not ok:
        raise error(f"ctc_loss: {message} {user_line()}")


def _check_lengths(il, tl, batch: int, steps: int) -> None:
    """PyTorch's size and range checks of the lengths (values only where they are known)."""
    _require(int(il.shape[0]) == batch, "input_lengths must be of size batch_size", DualgradRuntimeError)
    _require(int(tl.shape[0]) == batch, "target_lengths must be of size batch_size", DualgradRuntimeError)
    for name, values, low in (("target_lengths", tl, True), ("input_lengths", il, True),
                              ("input_lengths", il, False)):
        if isinstance(values, np.ndarray) and values.size:
            bad, bound, side = (values.min(), 0, "least") if low else (values.max(), steps, "most")
            _require(bad >= 0 if low else bad <= steps,
                     f"Expected {name} to have value at {side} {bound}, but got value {bad} {_CHECKING}",
                     DualgradRuntimeError)


def _padded_targets(targets: Tensor, tl, batch: int):
    """(N, S) int64 targets after PyTorch's shape checks: a padded (N, S) as is, a 1-d
    concatenation cut at the (known) target lengths and padded with 0."""
    known = _values(targets)
    if targets.ndim == 1:
        if not isinstance(tl, np.ndarray):
            tl = np.asarray(tl._data)  # inside a trace: PyTorch reads the lengths too (the step runs eagerly)
        total = int(tl.sum())
        _require(int(targets.shape[0]) == total, f"Expected tensor to have size {total} at dimension 0, but "
                                                f"got size {targets.shape[0]} for argument #2 'targets' "
                                                f"{_CHECKING}")
        width = int(tl.max()) if tl.size else 0
        starts = np.cumsum(tl) - tl
        index = np.minimum(starts[:, None] + np.arange(width), max(total - 1, 0))
        if known is not None:
            return known.astype(np.int64)[index] if total else np.zeros((batch, width), np.int64)
        return ops.take(targets, index, axis=0) if total else np.zeros((batch, width), np.int64)
    _require(int(targets.shape[0]) == batch, f"Expected tensor to have size {batch} at dimension 0, but got "
                                             f"size {targets.shape[0]} for argument #2 'targets' {_CHECKING}")
    if isinstance(tl, np.ndarray) and tl.size:
        _require(int(targets.shape[1]) >= tl.max(), f"Expected tensor to have size at least {tl.max()} at "
                                                    f"dimension 1, but got size {targets.shape[1]} for "
                                                    f"argument #2 'targets' {_CHECKING}")
    if known is not None:
        return known.astype(np.int64)
    return targets if targets.dtype == dtypes.int64 else ops.cast(targets, dtype=dtypes.int64)


def _check_labels(targets, tl, classes: int) -> None:
    """Each sample's labels (up to its target length) are classes of log_probs: PyTorch does
    not check, and reads out of bounds."""
    if not (isinstance(targets, np.ndarray) and isinstance(tl, np.ndarray)) or not targets.size:
        return
    read = targets[np.arange(targets.shape[1]) < tl[:, None]]
    bad = read[(read < 0) | (read >= classes)]
    if bad.size:
        raise EagerIndexShapeError(f"ctc_loss: target label {bad[0]} is not a class of log_probs (0 to "
                                   f"{classes - 1}); PyTorch does not check it and reads out of bounds "
                                   f"{user_line()}")


def ctc_loss(log_probs: Tensor, targets: Tensor, input_lengths: Lengths, target_lengths: Lengths,
             blank: int = 0, reduction: str = "mean", zero_infinity: bool = False) -> Tensor:
    """The connectionist temporal classification loss of log-probabilities (T, N, C) or (T, C)
    against unaligned targets, summed over every alignment (F.ctc_loss); log_probs.grad is
    PyTorch's (see docs/eager.md)."""
    require_tensor("ctc_loss", log_probs, "log_probs", None)  # (PyTorch's overload text aside)
    require_tensor("ctc_loss", targets, "targets", None)
    if reduction not in REDUCTIONS:
        raise ReductionError(f"ctc_loss: {reduction} is not a valid value for reduction {user_line()}")
    _check_kinds(input_lengths, target_lengths)
    il, tl = _lengths("input_lengths", input_lengths), _lengths("target_lengths", target_lengths)
    if log_probs.dtype not in (dtypes.float32, dtypes.float64):
        raise NotImplementedForDType(f"ctc_loss: \"ctc_loss_cpu\" not implemented for "
                                     f"'{torch_type_name(log_probs.dtype)}' (log_probs are float32 or "
                                     f"float64) {user_line()}")
    batched = log_probs.ndim == 3
    lp = log_probs if batched else ops.expand_dims(log_probs, axis=1)
    _require(lp.ndim == 3, f"Expected 3-dimensional tensor, but got {lp.ndim}-dimensional tensor for "
                           f"argument #1 'log_probs' {_CHECKING}")
    _require(targets.ndim in (1, 2), f"Expected 1 to 2 dimensions, but got {targets.ndim}-dimensional tensor "
                                     f"for argument #2 'targets' {_CHECKING}")
    steps, batch, classes = (int(d) for d in lp.shape)
    _require(lp.numel() > 0, "log_probs tensor must not be empty", DualgradRuntimeError)
    _require(0 <= blank < classes, "blank must be in label range", DualgradRuntimeError)
    _check_lengths(il, tl, batch, steps)
    padded = _padded_targets(targets, tl, batch)
    _check_labels(padded, tl, classes)
    loss = ctc_ops.ctc_loss(lp, padded, il, tl, blank=int(blank), reduction=reduction,
                            zero_infinity=bool(zero_infinity), stop=Tensor.detach)
    return loss if batched or reduction != "none" else ops.squeeze(loss, axis=0)


__all__ = ["ctc_loss"]
