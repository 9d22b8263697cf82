"""Values that stand in for arrays before the arrays exist (a lazy jax value, a value
dg.compile traces): code written for arrays reads their `shape`, `dtype`, `ndim` and `size`."""
from __future__ import annotations

import numpy as np


class ArrayStandIn:
    """`ndim` and `size` from the subclass's `shape`, as numpy gives them."""

    __slots__ = ()
    shape: tuple

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))
