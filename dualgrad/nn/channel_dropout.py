"""PyTorch's channel and alpha dropout modules `Dropout1d`, `Dropout2d`, `Dropout3d`,
`AlphaDropout`, `FeatureAlphaDropout`: `F.dropout1d/2d/3d`, `F.alpha_dropout`
(one keep/drop draw per sample and channel from `dg.manual_seed`'s stream, as `F.dropout`'s,
so a `dg.compile`d step draws the eager step's masks)."""
from __future__ import annotations

from ..eager.tensor import Tensor
from . import functional as F
from .layers import Dropout


class Dropout1d(Dropout):
    """Zeroes whole channels of (N, C, L) or (C, L) input with probability `p` in training,
    the rest scaled by 1/(1-p) (torch.nn.Dropout1d)."""

    def forward(self, input: Tensor) -> Tensor:
        """`F.dropout1d` in training mode; `input` unchanged in eval mode."""
        return F.dropout1d(input, self.p, self.training, self.inplace)


class Dropout2d(Dropout):
    """Zeroes whole channels of (N, C, H, W) input with probability `p` in training, the rest
    scaled by 1/(1-p) (torch.nn.Dropout2d; a 3-D input is (N, C, L), with PyTorch's warning)."""

    def forward(self, input: Tensor) -> Tensor:
        """`F.dropout2d` in training mode; `input` unchanged in eval mode."""
        return F.dropout2d(input, self.p, self.training, self.inplace)


class Dropout3d(Dropout):
    """Zeroes whole channels of (N, C, D, H, W) or (C, D, H, W) input with probability `p` in
    training, the rest scaled by 1/(1-p) (torch.nn.Dropout3d)."""

    def forward(self, input: Tensor) -> Tensor:
        """`F.dropout3d` in training mode; `input` unchanged in eval mode."""
        return F.dropout3d(input, self.p, self.training, self.inplace)


class AlphaDropout(Dropout):
    """Alpha dropout in training, `input` unchanged in eval mode (torch.nn.AlphaDropout)."""

    def forward(self, input: Tensor) -> Tensor:
        """`alpha_dropout` in training mode."""
        return F.alpha_dropout(input, self.p, self.training, self.inplace)


class FeatureAlphaDropout(Dropout):
    """Alpha dropout of whole channels in training (torch.nn.FeatureAlphaDropout)."""

    def forward(self, input: Tensor) -> Tensor:
        """`feature_alpha_dropout` in training mode."""
        return F.feature_alpha_dropout(input, self.p, self.training, self.inplace)


__all__ = ["AlphaDropout", "Dropout1d", "Dropout2d", "Dropout3d", "FeatureAlphaDropout"]
