"""Layer math as composites of registry ops: the affine map of `nn.Linear` and the scaling of
`nn.Dropout` (its random mask is drawn by the front end and enters as a boolean input)."""
from __future__ import annotations

from . import elementwise as ew
from . import linalg as la
from . import movement as mv


def linear(x, weight, bias=None):
    """x @ weight.T + bias, weight shaped (out_features, in_features) as in PyTorch."""
    out = la.matmul(x, mv.transpose(weight))
    return out if bias is None else ew.add(out, bias)


def dropout_apply(x, keep, p=0.5):
    """x / (1 - p) where `keep` is True, else 0 (inverted dropout)."""
    return ew.where(keep, ew.divide(x, 1.0 - p), 0)
