"""`dg.special`: PyTorch's `torch.special` names for the special functions dualgrad has, each the
same registry op (or composite) as the dg function it maps to: `gammaln` is `lgamma`, `psi`
is `digamma`, `expit` is `sigmoid`, `ndtr` is the normal CDF written with erf; the Bessel,
scaled, gamma, zeta and polynomial functions come from `special_functions`."""
from __future__ import annotations

import math

from . import ops
from .eager.api import log_softmax, logsumexp, softmax
from .eager.methods_compose import erfinv, i0
from .eager.methods_extra import round  # noqa: A004 (PyTorch's name)
from .eager.methods_math import digamma, erfc, lgamma, logit, polygamma, sinc, xlogy
from .eager.methods_special import erf
from .eager.tensor import Tensor
from .errors import refusing
from .special_functions import FUNCTIONS as _MORE

gammaln = lgamma
psi = digamma


def expit(input: Tensor) -> Tensor:
    """1 / (1 + exp(-x)): the logistic sigmoid (torch.special.expit)."""
    return ops.sigmoid(input)


def exp2(input: Tensor) -> Tensor:
    """2 ** x elementwise (torch.special.exp2, which is torch.exp2: the same registry op)."""
    return ops.exp2(input)


def expm1(input: Tensor) -> Tensor:
    """exp(x) - 1, accurate near 0 (torch.special.expm1)."""
    return ops.expm1(input)


def log1p(input: Tensor) -> Tensor:
    """log(1 + x), accurate near 0 (torch.special.log1p)."""
    return ops.log1p(input)


def xlog1py(input, other) -> Tensor:
    """input * log1p(other), 0 where input is 0 unless other is NaN (torch.special.xlog1py)."""
    return ops.xlog1py(input, other)


def ndtr(input: Tensor) -> Tensor:
    """The standard normal CDF, (1 + erf(x / sqrt(2))) / 2 (torch.special.ndtr)."""
    return ops.multiply(ops.add(ops.erf(ops.multiply(input, 1 / math.sqrt(2.0))), 1.0), 0.5)


def i1(input: Tensor) -> Tensor:
    """The modified Bessel function of the first kind of order 1 (torch.special.i1)."""
    return ops.i1(input)


expit, exp2, expm1, log1p, xlog1py, ndtr, i1 = (refusing(f) for f in
                                                (expit, exp2, expm1, log1p, xlog1py, ndtr, i1))
globals().update(_MORE)  # (special_functions: the scaled, Bessel, gamma, zeta and polynomial ones)

__all__ = ["digamma", "erf", "erfc", "erfinv", "exp2", "expit", "expm1", "gammaln", "i0", "i1", "log1p",
           "log_softmax",
           "logit", "logsumexp", "ndtr", "polygamma", "psi", "round", "sinc", "softmax", "xlog1py", "xlogy",
           *sorted(_MORE)]
