"""`nn.CTCLoss`, the module of `nn.functional.ctc_loss` (kept apart from the function because
`loss._Loss` imports `nn.functional`, which imports the function)."""
from __future__ import annotations

from ..eager.tensor import Tensor
from .ctc import Lengths, ctc_loss
from .loss import _Loss


class CTCLoss(_Loss):
    """The connectionist temporal classification loss (torch.nn.CTCLoss)."""

    def __init__(self, blank: int = 0, reduction: str = "mean", zero_infinity: bool = False) -> None:
        super().__init__(reduction=reduction)
        self.blank = blank
        self.zero_infinity = zero_infinity

    def forward(self, log_probs: Tensor, targets: Tensor, input_lengths: Lengths,
                target_lengths: Lengths) -> Tensor:
        """`ctc_loss(log_probs, targets, input_lengths, target_lengths, blank, reduction, zero_infinity)`."""
        return ctc_loss(log_probs, targets, input_lengths, target_lengths, self.blank, self.reduction,
                        self.zero_infinity)


__all__ = ["CTCLoss"]
