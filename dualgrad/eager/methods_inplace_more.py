"""PyTorch's remaining in-place Tensor methods that write a value (`lerp_` of an EMA of weights,
`clamp_min_`, `eq_`, `atan2_`, the trigonometric `_` forms and their aliases): each is the
out-of-place method's result written into the tensor, refused where its dtype would be cut, as
PyTorch's in-place rule (`int_tensor.sin_()` raises). In-place view changes (`squeeze_`,
`transpose_`, `t_`...) are not here: they change a tensor's shape, not its values."""
from __future__ import annotations

import inspect

from .. import ops
from .attach import install
from .inplace import unary_method, write_result
from .tensor import Tensor

_UNARY = ("acos", "asin", "atan", "acosh", "asinh", "atanh", "cosh", "sinh", "tan", "expm1", "log1p",
          "reciprocal", "relu", "square", "negative")  # (each a registry op of that name)
_ARC = {"arccos": "acos", "arcsin": "asin", "arctan": "atan", "arccosh": "acosh", "arcsinh": "asinh",
        "arctanh": "atanh"}
_COMPARISONS = {"eq": "eq", "ne": "ne", "lt": "lt", "le": "le", "gt": "gt", "ge": "ge",
                "not_equal": "ne", "less": "lt", "less_equal": "le", "greater": "gt",
                "greater_equal": "ge"}


def _comparison(name: str, method: str):
    """`Tensor.<name>(other)`: `Tensor.<method>(other)`, 1 or 0, written into the tensor."""
    def call(input: Tensor, other) -> Tensor:
        return write_result(name, input, getattr(input, method)(other))

    call.__name__ = call.__qualname__ = name
    call.__doc__ = f"`{method}` of this tensor and `other`, written into it (Tensor.{name})."
    return call


def _alias(name: str, method: str):
    """`Tensor.<name>`: PyTorch's other spelling of the in-place `Tensor.<method>`, with its
    parameters."""
    def call(input: Tensor, *args, **kwargs) -> Tensor:
        return getattr(input, method)(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = f"`Tensor.{method}` (PyTorch's alias Tensor.{name})."
    call.__signature__ = inspect.signature(getattr(Tensor, method))
    return call


def rsqrt_(input: Tensor) -> Tensor:
    """1 / sqrt(x), written into this tensor (Tensor.rsqrt_)."""
    return write_result("rsqrt_", input, input.rsqrt())


def atan2_(input: Tensor, other) -> Tensor:
    """atan2(self, other), written into this tensor (Tensor.atan2_)."""
    return write_result("atan2_", input, input.atan2(other))


def lerp_(input: Tensor, end, weight) -> Tensor:
    """self + weight * (end - self), written into this tensor (Tensor.lerp_): PyTorch's EMA of
    weights, `ema.lerp_(p, 1 - decay)`."""
    return write_result("lerp_", input, input.lerp(end, weight))


def cumsum_(input: Tensor, dim: int) -> Tensor:
    """The running sum along `dim`, written into this tensor (Tensor.cumsum_)."""
    return write_result("cumsum_", input, input.cumsum(dim))


def cumprod_(input: Tensor, dim: int) -> Tensor:
    """The running product along `dim`, written into this tensor (Tensor.cumprod_)."""
    return write_result("cumprod_", input, input.cumprod(dim))


def tril_(input: Tensor, diagonal: int = 0) -> Tensor:
    """Zeros above the `diagonal`-th diagonal, in place (Tensor.tril_)."""
    return write_result("tril_", input, input.tril(diagonal))


def triu_(input: Tensor, diagonal: int = 0) -> Tensor:
    """Zeros below the `diagonal`-th diagonal, in place (Tensor.triu_)."""
    return write_result("triu_", input, input.triu(diagonal))


def addmm_(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """beta * self + alpha * mat1 @ mat2, written into this tensor (Tensor.addmm_)."""
    return write_result("addmm_", input, input.addmm(mat1, mat2, beta=beta, alpha=alpha))


def addbmm_(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """beta * self + alpha * the sum of batch1[i] @ batch2[i], written into this tensor
    (Tensor.addbmm_)."""
    return write_result("addbmm_", input, input.addbmm(batch1, batch2, beta=beta, alpha=alpha))


def clamp_min_(input: Tensor, min) -> Tensor:  # noqa: A002 (PyTorch's name)
    """Clamp to [min, inf) in place (Tensor.clamp_min_)."""
    return input.clamp_(min=min)


def clamp_max_(input: Tensor, max) -> Tensor:  # noqa: A002 (PyTorch's name)
    """Clamp to (-inf, max] in place (Tensor.clamp_max_)."""
    return input.clamp_(max=max)


OWN = {f"{name}_": unary_method(f"{name}_", getattr(ops, name)) for name in _UNARY}
OWN.update({f"{name}_": _comparison(f"{name}_", op) for name, op in _COMPARISONS.items()})
OWN.update({"rsqrt_": rsqrt_, "atan2_": atan2_, "lerp_": lerp_, "cumsum_": cumsum_, "cumprod_": cumprod_,
            "tril_": tril_, "triu_": triu_, "addmm_": addmm_, "addbmm_": addbmm_, "clamp_min_": clamp_min_,
            "clamp_max_": clamp_max_})
OWN = install(globals(), OWN)
# the aliases after their targets are attached: each reads its target's parameters
ALIASES = {f"{name}_": _alias(f"{name}_", f"{op}_") for name, op in _ARC.items()}
ALIASES.update({"arctan2_": _alias("arctan2_", "atan2_"), "clip_": _alias("clip_", "clamp_"),
                "divide_": _alias("divide_", "div_"), "true_divide_": _alias("true_divide_", "div_"),
                "multiply_": _alias("multiply_", "mul_"), "subtract_": _alias("subtract_", "sub_")})
ALIASES = install(globals(), ALIASES)
