"""The modules of loss_more.py's losses (torch.nn.HingeEmbeddingLoss, SoftMarginLoss,
MultiLabelSoftMarginLoss, MultiMarginLoss, MultiLabelMarginLoss): kept apart from the
functions because `loss._Loss` imports `nn.functional`, which imports the functions."""
from __future__ import annotations

from ..eager.tensor import Tensor
from ..errors import DualgradValueError, user_line
from .loss import _Loss, _WeightedLoss
from .loss_functions import _reduction
from .loss_more import (
    hinge_embedding_loss,
    multi_margin_loss,
    multilabel_margin_loss,
    multilabel_soft_margin_loss,
    soft_margin_loss,
)
from .module import Module


class HingeEmbeddingLoss(_Loss):
    """x for target 1, max(0, margin - x) for target -1 (torch.nn.HingeEmbeddingLoss)."""

    def __init__(self, margin: float = 1.0, size_average=None, reduce=None, reduction: str = "mean") -> None:
        Module.__init__(self)
        self.reduction = _reduction("HingeEmbeddingLoss", reduction, size_average, reduce)
        self.margin = margin

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """`hinge_embedding_loss(input, target, margin, reduction)`."""
        return hinge_embedding_loss(input, target, margin=self.margin, reduction=self.reduction)


class SoftMarginLoss(_Loss):
    """log(1 + exp(-y x)) (torch.nn.SoftMarginLoss)."""

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean") -> None:
        Module.__init__(self)
        self.reduction = _reduction("SoftMarginLoss", reduction, size_average, reduce)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """`soft_margin_loss(input, target, reduction)`."""
        return soft_margin_loss(input, target, reduction=self.reduction)


class MultiLabelSoftMarginLoss(_WeightedLoss):
    """One-vs-all logistic loss over the classes (torch.nn.MultiLabelSoftMarginLoss); `weight` a buffer."""

    def __init__(self, weight: Tensor | None = None, size_average=None, reduce=None,
                 reduction: str = "mean") -> None:
        Module.__init__(self)
        self.reduction = _reduction("MultiLabelSoftMarginLoss", reduction, size_average, reduce)
        self.register_buffer("weight", weight)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """`multilabel_soft_margin_loss(input, target, weight, reduction)`."""
        return multilabel_soft_margin_loss(input, target, weight=self.weight, reduction=self.reduction)


class MultiMarginLoss(_WeightedLoss):
    """Multi-class hinge loss (torch.nn.MultiMarginLoss); `weight` a buffer."""

    def __init__(self, p: int = 1, margin: float = 1.0, weight: Tensor | None = None, size_average=None,
                 reduce=None, reduction: str = "mean") -> None:
        Module.__init__(self)
        self.reduction = _reduction("MultiMarginLoss", reduction, size_average, reduce)
        if p not in (1, 2):
            raise DualgradValueError(f"MultiMarginLoss: only p == 1 and p == 2 supported, got p={p} "
                                     f"{user_line()}")
        if weight is not None and weight.ndim != 1:
            raise DualgradValueError(f"MultiMarginLoss: weight must be one-dimensional, got "
                                     f"{tuple(weight.shape)} {user_line()}")
        self.register_buffer("weight", weight)
        self.p = p
        self.margin = margin

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """`multi_margin_loss(input, target, p, margin, weight, reduction)`."""
        return multi_margin_loss(input, target, p=self.p, margin=self.margin, weight=self.weight,
                                 reduction=self.reduction)


class MultiLabelMarginLoss(_Loss):
    """Multi-label hinge loss over listed target classes (torch.nn.MultiLabelMarginLoss)."""

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean") -> None:
        Module.__init__(self)
        self.reduction = _reduction("MultiLabelMarginLoss", reduction, size_average, reduce)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """`multilabel_margin_loss(input, target, reduction)`."""
        return multilabel_margin_loss(input, target, reduction=self.reduction)


__all__ = ["HingeEmbeddingLoss", "MultiLabelMarginLoss", "MultiLabelSoftMarginLoss", "MultiMarginLoss",
           "SoftMarginLoss"]
