"""The legacy `Variable` wrapper: since PyTorch 0.4 it simply returns a Tensor."""
from __future__ import annotations

from ..eager.creation import as_array
from ..eager.tensor import Tensor, wrap


def Variable(data, requires_grad: bool = False, volatile: bool = False):  # noqa: N802
    """`Variable(t, requires_grad=True)` is a leaf Tensor sharing `t`'s storage."""
    t = wrap(data._data if isinstance(data, Tensor) else as_array(data))
    if requires_grad:
        t.requires_grad_(True)
    return t
