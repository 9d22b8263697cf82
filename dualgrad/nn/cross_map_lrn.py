"""`nn.CrossMapLRN2d`, PyTorch's legacy (Lua torch) local response norm, and `nn.NLLLoss2d`, the
deprecated name of `NLLLoss`.

CrossMapLRN2d is not LocalResponseNorm: its running window over the channels (written for a
sliding sum) keeps channel 0 in every sum past the first `size // 2 + 1` channels, and that is
PyTorch's output, so it is kept here: y = x * (k + alpha / size * W @ x^2)^-beta over the
channels, with W that window as a 0/1 matrix (a composition: its gradient is the forward's own;
PyTorch's hand-written backward is not checked against it here)."""
from __future__ import annotations

import warnings

import numpy as np

from ..eager.creation import tensor
from ..eager.methods_math import einsum
from ..eager.tensor import Tensor
from ..errors import ShapeError, user_line
from .loss import NLLLoss
from .module import Module


def _window(channels: int, size: int) -> np.ndarray:
    """W[c, j] = 1 where channel j is in channel c's sum (PyTorch's sliding window, kept as is)."""
    pre_pad = int((size - 1) / 2 + 1)
    w = np.zeros((channels, channels))
    for c in range(channels):
        lo = 0 if c <= pre_pad else c - pre_pad + 1
        w[c, lo:min(c + pre_pad - 1, channels - 1) + 1] = 1
        w[c, 0] = 1
    return w


class CrossMapLRN2d(Module):
    """Legacy local response norm across the channels of a 4-d input (torch.nn.CrossMapLRN2d)."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1) -> None:
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input: Tensor) -> Tensor:
        """x * (k + alpha / size * (the window's sum of x^2))^-beta."""
        if input.dim() != 4:
            raise ShapeError(f"CrossMapLRN2d: Expected input to be 4D, got {input.dim()}D instead. "
                             f"{user_line()}")
        w = tensor(_window(input.shape[1], self.size), dtype=input.dtype, device=input.device)
        scale = einsum("cd,ndhw->nchw", w, input * input) * (self.alpha / self.size) + self.k
        return input * scale ** (-self.beta)

    def extra_repr(self) -> str:
        """`size, alpha=..., beta=..., k=...`, as PyTorch prints it."""
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


class NLLLoss2d(NLLLoss):
    """`NLLLoss` under its deprecated name, with PyTorch's FutureWarning (torch.nn.NLLLoss2d)."""

    def __init__(self, weight=None, size_average=None, ignore_index: int = -100, reduce=None,
                 reduction: str = "mean") -> None:
        warnings.warn("`NLLLoss2d` has been deprecated. Please use `NLLLoss` instead as a drop-in "
                      "replacement and see https://pytorch.org/docs/main/nn.html#torch.nn.NLLLoss for more "
                      "details.",
                      FutureWarning, stacklevel=2)
        super().__init__(weight, size_average, ignore_index, reduce, reduction)
