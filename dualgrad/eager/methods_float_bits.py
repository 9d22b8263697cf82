"""PyTorch's float-representation functions `frexp` and `nextafter` (each also `dg.` and a Tensor
method, with `nextafter_`), registry ops in ops.float_bits (`ldexp` is in eager/api_more.py)."""
from __future__ import annotations

from collections import namedtuple

from .. import ops
from .attach import install
from .inplace import inplace
from .tensor import Tensor

frexp_result = namedtuple("frexp", ["mantissa", "exponent"])


def frexp(input: Tensor) -> frexp_result:
    """(mantissa, int32 exponent) with input = mantissa * 2**exponent, |mantissa| in [0.5, 1)
    (torch.frexp); floating tensors only. The mantissa's gradient is 2**-exponent."""
    return frexp_result(ops.frexp_mantissa(input), ops.frexp_exponent(input))


def nextafter(input: Tensor, other) -> Tensor:
    """The next float after input toward other (torch.nextafter); floating tensors only. The
    gradient passes to input unchanged, other gets zeros (PyTorch's)."""
    return ops.nextafter(input, other)


def nextafter_(input: Tensor, other) -> Tensor:
    """`nextafter`, written into this tensor (Tensor.nextafter_)."""
    return inplace(input, ops.nextafter, other)


METHODS = install(globals(), {"frexp": frexp, "nextafter": nextafter, "nextafter_": nextafter_})
