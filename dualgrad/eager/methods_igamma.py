"""PyTorch's top-level and Tensor spellings of the incomplete and multivariate gamma functions:
`igamma` / `igammac` (torch.special.gammainc / gammaincc: the registry ops of
ops.special_scaled) and `mvlgamma` (torch.special.multigammaln), with `igamma_`, `igammac_` and
`mvlgamma_`. As PyTorch's, no gradient reaches igamma's `input` (a)."""
from __future__ import annotations

from .. import ops
from ..special_functions import multigammaln
from .attach import install
from .inplace import inplace, write_result
from .tensor import Tensor


def igamma(input: Tensor, other) -> Tensor:
    """The regularized lower incomplete gamma function P(input, other) (torch.igamma)."""
    return ops.gammainc(input, other)


def igammac(input: Tensor, other) -> Tensor:
    """The regularized upper incomplete gamma function Q(input, other) (torch.igammac)."""
    return ops.gammaincc(input, other)


def mvlgamma(input: Tensor, p: int) -> Tensor:
    """The log multivariate gamma function of dimension p (torch.mvlgamma)."""
    return multigammaln(input, p)


def igamma_(input: Tensor, other) -> Tensor:
    """`igamma`, written into this tensor (Tensor.igamma_)."""
    return inplace(input, ops.gammainc, other)


def igammac_(input: Tensor, other) -> Tensor:
    """`igammac`, written into this tensor (Tensor.igammac_)."""
    return inplace(input, ops.gammaincc, other)


def mvlgamma_(input: Tensor, p: int) -> Tensor:
    """`mvlgamma`, written into this tensor (Tensor.mvlgamma_)."""
    return write_result("mvlgamma_", input, mvlgamma(input, p))


METHODS = install(globals(), {"igamma": igamma, "igammac": igammac, "mvlgamma": mvlgamma, "igamma_": igamma_,
                              "igammac_": igammac_, "mvlgamma_": mvlgamma_})
