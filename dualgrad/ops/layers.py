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
    """x * (1 / (1 - p)) * keep (inverted dropout): a product with the mask, as PyTorch's kernel,
    so a dropped NaN or inf still reads NaN (NaN * 0) instead of a 0 that hid it. The scale is 0
    when p is 1, as PyTorch's: dividing by 1 - p = 0 gave NaN gradients (0 / 0) though nothing
    is kept, and multiplying by the scale rounds as PyTorch's kernel does."""
    return ew.multiply(ew.multiply(x, 0.0 if p == 1 else 1.0 / (1.0 - p)), keep)
