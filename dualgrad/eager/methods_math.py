"""PyTorch's special functions and contractions under their names: `dg.lgamma`, `digamma`,
`polygamma`, `erfc`, `sinc`, `hypot`, `logit`, `xlogy`, `fmax`, `fmin`, `einsum`, `cdist`
(and the Tensor methods and in-place forms PyTorch has). The math is registry ops and
composites (ops.special, ops.math_extra, ops.contraction). Attached to `Tensor` at import."""
from __future__ import annotations

import math

from .. import ops
from ..errors import DualgradValueError, refusing, user_line
from .dtype_refusals import floating_kernel, same_dtype
from .floating import floating_only as _floating_only
from .inplace import inplace, unary_method, write_result
from .tensor import Tensor


def lgamma(input: Tensor) -> Tensor:
    """log|Gamma(x)| elementwise; +inf at 0 and the negative integers (torch.lgamma)."""
    return ops.lgamma(input)


def digamma(input: Tensor) -> Tensor:
    """d/dx lgamma(x); -inf at 0, NaN at the negative integers (torch.digamma)."""
    return ops.digamma(input)


def polygamma(n: int, input: Tensor) -> Tensor:
    """The n-th derivative of digamma (n = 0 is digamma itself) (torch.polygamma)."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise DualgradValueError(f"polygamma(n, x) does not support negative n, got {n!r} {user_line()}")
    return ops.digamma(input) if n == 0 else ops.polygamma(input, n=n)


def erfc(input: Tensor) -> Tensor:
    """1 - erf(x), accurate where erf(x) is near 1 (torch.erfc)."""
    return ops.erfc(input)


def sinc(input: Tensor) -> Tensor:
    """sin(pi x) / (pi x), 1 at 0 (torch.sinc)."""
    return ops.sinc(input)


def hypot(input: Tensor, other: Tensor) -> Tensor:
    """sqrt(input**2 + other**2) without overflow, broadcasting (torch.hypot)."""
    floating_kernel("hypot", input, other)
    return ops.hypot(input, other)


def logit(input: Tensor, eps: float | None = None) -> Tensor:
    """log(x / (1 - x)), x clamped to [eps, 1 - eps] first when eps is given (torch.logit)."""
    return ops.logit(input, eps=eps)


def xlogy(input, other) -> Tensor:
    """input * log(other), 0 where input is 0 unless other is NaN (torch.xlogy)."""
    return ops.xlogy(input, other)


def fmax(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise max that ignores NaN: NaN only where both are (torch.fmax)."""
    return ops.fmax(input, other)


def fmin(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise min that ignores NaN: NaN only where both are (torch.fmin)."""
    return ops.fmin(input, other)


def _sublists(args: tuple) -> tuple[str, list]:
    """torch.einsum(op0, [0, 1], op1, [1, 2], [0, 2]): sublists as an equation (0-51 are
    a-z then A-Z, ... is Ellipsis)."""
    def letters(sub) -> str:
        out = []
        for s in sub:
            if s is Ellipsis:
                out.append("...")
            elif isinstance(s, int) and not isinstance(s, bool) and 0 <= s < 52:
                out.append(chr(ord("a") + s) if s < 26 else chr(ord("A") + s - 26))
            else:
                raise DualgradValueError(f"einsum(): expected subscripts to be in [0, 52) or Ellipsis, got "
                                         f"{s!r} {user_line()}")
        return "".join(out)

    operands = list(args[0::2][: len(args) // 2])
    subs = [letters(s) for s in args[1::2][: len(args) // 2]]
    equation = ",".join(subs) + ("->" + letters(args[-1]) if len(args) % 2 else "")
    return equation, operands


def einsum(*args) -> Tensor:
    """Einstein summation: einsum('ij,jk->ik', a, b), einsum('ij,jk', [a, b]) or the sublist
    form einsum(a, [0, 1], b, [1, 2], [0, 2]) (torch.einsum)."""
    if args and isinstance(args[0], str):
        equation, operands = args[0], list(args[1:])
        if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
            operands = list(operands[0])
    else:
        equation, operands = _sublists(args)
    operands = [x if isinstance(x, Tensor) else _tensor(x) for x in operands]
    for x in operands[1:]:  # (PyTorch's einsum does not promote)
        same_dtype("einsum", operands[0], x, what="all operands")
    return ops.einsum(*operands, equation=equation)


def _tensor(x) -> Tensor:
    from .creation import as_tensor

    return as_tensor(x)


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0, compute_mode=None) -> Tensor:
    """The p-norm distance of each row of x1 (..., P, M) to each row of x2 (..., R, M),
    batch dims broadcasting (torch.cdist); computed from the differences, whatever
    `compute_mode` asks (exact, no matmul shortcut). Floating-point input only, as PyTorch."""
    for x in (x1, x2):
        _floating_only(x, "cdist", "cdist only supports floating-point dtypes")
    return ops.cdist(x1, x2, p=math.inf if p == float("inf") else p)


def logit_(input: Tensor, eps: float | None = None) -> Tensor:
    """`logit`, written into this tensor (Tensor.logit_)."""
    return write_result("logit_", input, logit(input, eps))


def xlogy_(input: Tensor, other) -> Tensor:
    """`xlogy`, written into this tensor (Tensor.xlogy_)."""
    return write_result("xlogy_", input, xlogy(input, other))


def hypot_(input: Tensor, other: Tensor) -> Tensor:
    """`hypot`, written into this tensor (Tensor.hypot_)."""
    floating_kernel("hypot_", input, other)
    return inplace(input, ops.hypot, other)


def polygamma_(input: Tensor, n: int) -> Tensor:
    """`polygamma(n, self)`, written into this tensor (Tensor.polygamma_)."""
    return write_result("polygamma_", input, polygamma(n, input))


FUNCTIONS = {"lgamma": lgamma, "digamma": digamma, "polygamma": polygamma, "erfc": erfc, "sinc": sinc,
             "hypot": hypot, "logit": logit, "xlogy": xlogy, "fmax": fmax, "fmin": fmin,
             "einsum": einsum, "cdist": cdist}
FUNCTIONS = {name: refusing(fn, name) for name, fn in FUNCTIONS.items()}
globals().update(FUNCTIONS)

_UNARY_OPS = {"lgamma": ops.lgamma, "digamma": ops.digamma, "erfc": ops.erfc, "sinc": ops.sinc}
METHODS = {name: FUNCTIONS[name] for name in ("lgamma", "digamma", "erfc", "sinc", "hypot", "logit", "xlogy",
                                               "fmax", "fmin")}
METHODS.update({f"{name}_": refusing(unary_method(f"{name}_", op), f"{name}_")
                for name, op in _UNARY_OPS.items()})
METHODS.update({name: refusing(fn, name) for name, fn in (("hypot_", hypot_), ("logit_", logit_),
                                                         ("xlogy_", xlogy_), ("polygamma_", polygamma_))})


def _polygamma_method(input: Tensor, n: int) -> Tensor:
    """The n-th derivative of digamma of this tensor (Tensor.polygamma(n))."""
    return polygamma(n, input)


METHODS["polygamma"] = refusing(_polygamma_method, "polygamma")
for _name, _fn in METHODS.items():
    setattr(Tensor, _name, _fn)
