"""Loss modules over `nn.loss_functions`: PyTorch's constructors (torch.nn.HuberLoss, ...);
`forward` calls the function with the module's options."""
from __future__ import annotations

from ..eager.tensor import Tensor
from ..errors import DualgradValueError, user_line
from . import loss_functions as L
from .distance import PairwiseDistance
from .loss import _Loss
from .module import Module


class KLDivLoss(_Loss):
    """KL divergence of log-probabilities from a target (torch.nn.KLDivLoss)."""

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean",
                 log_target: bool = False) -> None:
        Module.__init__(self)
        self.reduction = L._reduction("KLDivLoss", reduction, size_average, reduce, extra=("batchmean",))
        self.log_target = log_target

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """`kl_div(input, target, reduction, log_target)`."""
        return L.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class HuberLoss(_Loss):
    """Quadratic below delta, linear above (torch.nn.HuberLoss)."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """`huber_loss(input, target, reduction, delta)`."""
        return L.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class SmoothL1Loss(_Loss):
    """Quadratic / beta below beta, L1 above (torch.nn.SmoothL1Loss)."""

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """`smooth_l1_loss(input, target, reduction, beta)`."""
        return L.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class MarginRankingLoss(_Loss):
    """max(0, -y (x1 - x2) + margin) (torch.nn.MarginRankingLoss)."""

    def __init__(self, margin: float = 0.0, size_average=None, reduce=None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:
        """`margin_ranking_loss(input1, input2, target, margin, reduction)`."""
        return L.margin_ranking_loss(input1, input2, target, margin=self.margin, reduction=self.reduction)


class TripletMarginLoss(_Loss):
    """max(0, margin + d(a, p) - d(a, n)) (torch.nn.TripletMarginLoss)."""

    def __init__(self, margin: float = 1.0, p: float = 2.0, eps: float = 1e-6, swap: bool = False,
                 size_average=None, reduce=None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        if margin <= 0:  # PyTorch refuses it here already
            raise DualgradValueError(f"TripletMarginLoss: expected margin to be greater than 0, got {margin} "
                                     f"instead {user_line()}")
        self.margin, self.p, self.eps, self.swap = margin, p, eps, swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        """`triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap, reduction)`."""
        return L.triplet_margin_loss(anchor, positive, negative, margin=self.margin, p=self.p, eps=self.eps,
                                     swap=self.swap, reduction=self.reduction)


class TripletMarginWithDistanceLoss(_Loss):
    """max(0, margin + d(a, p) - d(a, n)), d a given distance function, PairwiseDistance() by
    default (torch.nn.TripletMarginWithDistanceLoss)."""

    def __init__(self, *, distance_function=None, margin: float = 1.0, swap: bool = False,
                 reduction: str = "mean") -> None:
        super().__init__(None, None, reduction)
        if margin <= 0:
            raise DualgradValueError(f"TripletMarginWithDistanceLoss: expected margin to be greater than 0, "
                                     f"got {margin} instead {user_line()}")
        self.distance_function = distance_function if distance_function is not None else PairwiseDistance()
        self.margin, self.swap = margin, swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        """`triplet_margin_with_distance_loss(anchor, positive, negative, ...)` with the module's options."""
        return L.triplet_margin_with_distance_loss(
            anchor, positive, negative, distance_function=self.distance_function, margin=self.margin,
            swap=self.swap, reduction=self.reduction)


class CosineEmbeddingLoss(_Loss):
    """1 - cos where y == 1, max(0, cos - margin) where y == -1 (torch.nn.CosineEmbeddingLoss)."""

    def __init__(self, margin: float = 0.0, size_average=None, reduce=None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:
        """`cosine_embedding_loss(input1, input2, target, margin, reduction)`."""
        return L.cosine_embedding_loss(input1, input2, target, margin=self.margin, reduction=self.reduction)


class PoissonNLLLoss(_Loss):
    """Poisson negative log-likelihood (torch.nn.PoissonNLLLoss)."""

    def __init__(self, log_input: bool = True, full: bool = False, size_average=None, eps: float = 1e-8,
                 reduce=None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_input, self.full, self.eps = log_input, full, eps

    def forward(self, log_input: Tensor, target: Tensor) -> Tensor:
        """`poisson_nll_loss(input, target, log_input, full, eps, reduction)`."""
        return L.poisson_nll_loss(log_input, target, log_input=self.log_input, full=self.full, eps=self.eps,
                                  reduction=self.reduction)


class GaussianNLLLoss(_Loss):
    """Gaussian negative log-likelihood with a predicted variance (torch.nn.GaussianNLLLoss)."""

    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)
        self.full, self.eps = full, eps

    def forward(self, input: Tensor, target: Tensor, var: Tensor | float) -> Tensor:
        """`gaussian_nll_loss(input, target, var, full, eps, reduction)`."""
        return L.gaussian_nll_loss(input, target, var, full=self.full, eps=self.eps, reduction=self.reduction)


class Softmin(Module):
    """softmax(-x) along `dim` (torch.nn.Softmin)."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        """`softmin(input, dim)`."""
        return L.softmin(input, self.dim)

    def extra_repr(self) -> str:
        """`dim=...`, as PyTorch prints it."""
        return f"dim={self.dim}"
