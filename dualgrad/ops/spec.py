"""`Spec`: what a shape rule sees of a value (its shape and dtype), apart from any op."""
from __future__ import annotations

from typing import NamedTuple

from .. import dtypes


class Spec(NamedTuple):
    """What a shape rule sees of a value: its shape (None for unknown dims) and dtype.

    A Python scalar is 'weak' (PyTorch): `Spec.scalar(2.5)` keeps its kind, so an int tensor
    times 2.5 is the default float (float32 unless dg.set_default_dtype), while a float32
    tensor times 2.5 stays float32. `Spec((), None)` is a scalar of unknown kind, which
    promotes nothing.
    """

    shape: tuple
    dtype: dtypes.DType | None
    weak: bool = False

    @staticmethod
    def scalar(value) -> Spec:
        """The spec of a Python (or numpy) number: bool, int64 or the default float, weak."""
        return Spec((), dtypes.weak_dtype(value), True)
