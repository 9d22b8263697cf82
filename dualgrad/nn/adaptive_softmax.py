"""`nn.AdaptiveLogSoftmaxWithLoss` (Grave et al., "Efficient softmax approximation for GPUs"),
as PyTorch 2.13's: the frequent classes (below cutoffs[0]) and one entry per tail cluster share
a head `Linear(in_features, shortlist + clusters, bias=head_bias)`; cluster i's classes get a
log-softmax of `Sequential(Linear(in, in // div_value ** (i + 1), bias=False), Linear(.., size,
bias=False))`, added to the head's log-probability of that cluster. Same parameter names, order
and initial draws as PyTorch, so a state_dict ports unchanged.

PyTorch's forward runs each tail only on the rows whose target falls in it (boolean indexing);
here every tail runs on every row and `where` keeps the rows of its cluster, which gives the
same output, loss and gradients (a row outside a cluster takes no gradient from it) and needs
no data-dependent shapes. `predict` likewise takes the full log_prob's argmax for the rows whose
head argmax is a cluster."""
from __future__ import annotations

from collections import namedtuple
from collections.abc import Sequence

import numpy as np

from .. import ops
from ..eager import api
from ..eager.methods_more import gather
from ..eager.tensor import Tensor
from ..errors import DualgradRuntimeError, DualgradValueError, EagerShapeError, user_line
from . import functional as F
from .containers import ModuleList, Sequential
from .layers import Linear
from .module import Module

_NAME = "AdaptiveLogSoftmaxWithLoss"
_ASMoutput = namedtuple("_ASMoutput", ["output", "loss"])


def _check_cutoffs(cutoffs: list, n_classes: int) -> None:
    if len(cutoffs) == 0:
        raise DualgradValueError(f"cutoffs should be a sequence of length larger than 0 {user_line()}")
    if (cutoffs != sorted(cutoffs) or min(cutoffs) <= 0 or max(cutoffs) > n_classes - 1
            or len(set(cutoffs)) != len(cutoffs) or any(int(c) != c for c in cutoffs)):
        raise DualgradValueError(f"cutoffs should be a sequence of unique, positive integers sorted in an "
                                 f"increasing order, where each value is between 1 and n_classes-1, got "
                                 f"cutoffs={cutoffs} for n_classes={n_classes} {user_line()}")


class AdaptiveLogSoftmaxWithLoss(Module):
    """Log-probabilities of n_classes classes through a head and frequency clusters
    (torch.nn.AdaptiveLogSoftmaxWithLoss): forward(input, target) gives (output, loss), output
    each row's log-probability of its target and loss their negated mean."""

    def __init__(self, in_features: int, n_classes: int, cutoffs: Sequence[int], div_value: float = 4.0,
                 head_bias: bool = False, device=None, dtype=None) -> None:
        super().__init__()
        cutoffs = list(cutoffs)
        _check_cutoffs(cutoffs, n_classes)
        kw = {"device": device, "dtype": dtype}
        self.in_features, self.n_classes = in_features, n_classes
        self.cutoffs = cutoffs + [n_classes]
        self.div_value, self.head_bias = div_value, head_bias
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        self.head = Linear(in_features, self.head_size, bias=head_bias, **kw)
        self.tail = ModuleList()
        for i in range(self.n_clusters):
            hsz = int(in_features // (div_value ** (i + 1)))
            osz = self.cutoffs[i + 1] - self.cutoffs[i]
            self.tail.append(Sequential(Linear(in_features, hsz, bias=False, **kw),
                                        Linear(hsz, osz, bias=False, **kw)))

    def reset_parameters(self) -> None:
        """Re-draws the head's and the tails' Linear layers (PyTorch's order)."""
        self.head.reset_parameters()
        for i2h, h2o in self.tail:
            i2h.reset_parameters()
            h2o.reset_parameters()

    def forward(self, input_: Tensor, target_: Tensor) -> _ASMoutput:
        """(output, loss): each row's log-probability of its target, and the mean of -output."""
        input, target, batched = self._checked(input_, target_)
        head_logprob = F.log_softmax(self.head(input), dim=1)
        above = ops.greater_equal(ops.expand_dims(target, axis=-1), np.asarray(self.cutoffs[:-1]))
        cluster = ops.sum(ops.cast(above, dtype=target.dtype), axis=-1)  # 0: the shortlist, i: tail i - 1
        head_index = ops.where(ops.equal(cluster, 0), target, ops.add(cluster, self.shortlist_size - 1))
        output = ops.squeeze(gather(head_logprob, 1, ops.expand_dims(head_index, axis=1)), axis=1)
        for i, tail in enumerate(self.tail):
            low, size = self.cutoffs[i], self.cutoffs[i + 1] - self.cutoffs[i]
            relative = ops.clip(ops.subtract(target, low), min=0, max=size - 1)
            local = gather(F.log_softmax(tail(input), dim=1), 1, ops.expand_dims(relative, axis=1))
            output = ops.add(output, ops.where(ops.equal(cluster, i + 1), ops.squeeze(local, axis=1), 0.0))
        loss = ops.mean(ops.negative(output))
        return _ASMoutput(output if batched else ops.squeeze(output, axis=0), loss)

    def _checked(self, input: Tensor, target: Tensor) -> tuple[Tensor, Tensor, bool]:
        """PyTorch's shape checks, then (input (B, in), target (B,), batched); targets outside
        [0, n_classes - 1] are refused, naming their range."""
        shapes = f"input {tuple(input.shape)}, target {tuple(target.shape)}"
        if target.ndim == 1:
            if input.shape[0] != target.shape[0]:
                raise EagerShapeError(f"{_NAME}: Input and target should have the same size "
                                      f"in the batch dimension ({shapes}) {user_line()}")
            if input.ndim != 2:
                raise EagerShapeError(f"{_NAME}: 1D target tensor expects 2D input tensors, "
                                      f"but found inputs with size {tuple(input.shape)} {user_line()}")
        elif target.ndim == 0:
            if input.ndim != 1:
                raise EagerShapeError(f"{_NAME}: 0D target tensor expects 1D input tensors, "
                                      f"but found inputs with size {tuple(input.shape)} {user_line()}")
        else:
            raise EagerShapeError(f"{_NAME}: 0D or 1D target tensor expected, multi-target "
                                  f"not supported ({shapes}) {user_line()}")
        batched = target.ndim > 0
        if not batched:
            input, target = api.unsqueeze(input, 0), api.unsqueeze(target, 0)
        low, high = int(ops.amin(target).item()), int(ops.amax(target).item())
        if low < 0 or high > self.n_classes - 1:
            raise DualgradRuntimeError(f"{_NAME}: Target values should be in "
                                       f"[0, {self.n_classes - 1}], but values in range [{low}, {high}] were "
                                       f"found. {user_line()}")
        return input, target, batched

    def _full_log_prob(self, input: Tensor, head_output: Tensor) -> Tensor:
        """(B, n_classes): the head's shortlist, then each cluster's log-softmax plus the head's
        log-probability of the cluster."""
        head_logprob = F.log_softmax(head_output, dim=1)
        parts = [head_logprob[:, :self.shortlist_size]]
        for i, tail in enumerate(self.tail):
            cluster_logprob = F.log_softmax(tail(input), dim=1)
            column = self.shortlist_size + i
            parts.append(ops.add(cluster_logprob, head_logprob[:, column:column + 1]))
        return api.cat(parts, 1)

    def log_prob(self, input: Tensor) -> Tensor:
        """The log-probability of every class, (N, n_classes) (AdaptiveLogSoftmaxWithLoss.log_prob)."""
        return self._full_log_prob(input, self.head(input))

    def predict(self, input: Tensor) -> Tensor:
        """The most probable class of each row: the head's argmax where that is a shortlist
        class, else the full log_prob's argmax (AdaptiveLogSoftmaxWithLoss.predict)."""
        head_output = self.head(input)
        output = api.argmax(head_output, dim=1)
        in_shortlist = ops.less(output, self.shortlist_size)
        if int(ops.amax(output).item()) < self.shortlist_size:
            return output
        full = api.argmax(self._full_log_prob(input, head_output), dim=1)
        return ops.where(in_shortlist, output, full)
