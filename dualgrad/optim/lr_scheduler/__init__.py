"""`optim.lr_scheduler`: PyTorch's learning-rate schedules (StepLR, MultiStepLR,
ExponentialLR, CosineAnnealingLR, LambdaLR, MultiplicativeLR, ConstantLR, LinearLR,
PolynomialLR, SequentialLR, ChainedScheduler, ReduceLROnPlateau, CyclicLR,
CosineAnnealingWarmRestarts, OneCycleLR), with PyTorch's chainable (recursive) formulas, so
a schedule that another one also changes behaves as in PyTorch.

The package's modules: `base` (LRScheduler), `per_epoch` (the schedules of the epoch number),
`cyclic` (OneCycleLR, CyclicLR, CosineAnnealingWarmRestarts), `plateau` (ReduceLROnPlateau)
and `composite` (SequentialLR, ChainedScheduler); import the names from here, as from
`torch.optim.lr_scheduler`."""
from __future__ import annotations

from .base import LRScheduler
from .composite import ChainedScheduler, SequentialLR
from .cyclic import CosineAnnealingWarmRestarts, CyclicLR, OneCycleLR
from .per_epoch import (
    ConstantLR,
    CosineAnnealingLR,
    ExponentialLR,
    LambdaLR,
    LinearLR,
    MultiplicativeLR,
    MultiStepLR,
    PolynomialLR,
    StepLR,
)
from .plateau import ReduceLROnPlateau

__all__ = ["ChainedScheduler", "ConstantLR", "CosineAnnealingLR", "CosineAnnealingWarmRestarts", "CyclicLR",
           "ExponentialLR", "LRScheduler", "LambdaLR", "LinearLR", "MultiStepLR", "MultiplicativeLR",
           "OneCycleLR", "PolynomialLR", "ReduceLROnPlateau", "SequentialLR", "StepLR"]
