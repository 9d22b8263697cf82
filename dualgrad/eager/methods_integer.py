"""PyTorch's rounding division, bitwise and logical Tensor methods and `dg.*` functions over
registry ops: `remainder`/`fmod`/`floor_divide`/`trunc`, `div(..., rounding_mode=)`,
`bitwise_*`, `logical_and/or/xor`, and their in-place forms (`remainder_`, `&=`, ...).
The operators `% // & | ^ ~` come from `ops.OPERATORS` (methods.py). Attached to `Tensor`
at import."""
from __future__ import annotations

from .. import ops
from ..errors import DualgradValueError, refusing, user_line
from .dtype_refusals import without_bool
from .inplace import inplace, unary_method
from .tensor import Tensor

_ROUNDING_MODES = (None, "trunc", "floor")


def div(input, other, *, rounding_mode: str | None = None) -> Tensor:
    """`input / other`: true division, or rounded down ('floor', as `//`) or toward zero
    ('trunc'); the rounded quotients have no gradient (torch.div)."""
    if rounding_mode not in _ROUNDING_MODES:
        raise DualgradValueError("div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                                 f"but found {rounding_mode!r} {user_line()}")
    if rounding_mode is None:
        return ops.divide(input, other)
    if rounding_mode == "floor":
        return ops.floor_divide(input, other)
    if _is_float(input) or _is_float(other):
        return ops.trunc(ops.divide(input, other))
    # integers: a - fmod(a, b) is a multiple of b, so its floor division is exact
    return ops.floor_divide(ops.subtract(input, ops.fmod(input, other)), other)


def _is_float(x) -> bool:
    dtype = getattr(x, "dtype", None)
    return type(x) is float if dtype is None else dtype.is_floating_point


def _inplace(name: str, op):
    """`self op= other` in place (PyTorch's `remainder_`, `__iand__`, ...)."""

    def method(input: Tensor, other) -> Tensor:
        return inplace(input, op, other)

    method.__name__ = name
    method.__doc__ = f"`{op.name}` of this tensor and `other`, written into this tensor (Tensor.{name})."
    return method


#: `dg.<name>` and `Tensor.<name>` (ops become methods in methods.py)
FUNCTIONS = {
    "div": refusing(div, "div"), "divide": refusing(div, "divide"), "remainder": ops.remainder,
    "fmod": ops.fmod, "floor_divide": ops.floor_divide, "trunc": without_bool("trunc", ops.trunc),
    "fix": without_bool("fix", ops.trunc),
    "bitwise_and": ops.bitwise_and, "bitwise_or": ops.bitwise_or, "bitwise_xor": ops.bitwise_xor,
    "bitwise_not": ops.bitwise_not, "logical_and": ops.logical_and, "logical_or": ops.logical_or,
    "logical_xor": ops.logical_xor,
}
_BINARY_INPLACE = {
    "remainder_": ops.remainder, "fmod_": ops.fmod, "floor_divide_": ops.floor_divide,
    "bitwise_and_": ops.bitwise_and, "bitwise_or_": ops.bitwise_or, "bitwise_xor_": ops.bitwise_xor,
    "logical_and_": ops.logical_and, "logical_or_": ops.logical_or, "logical_xor_": ops.logical_xor,
    "__imod__": ops.remainder, "__ifloordiv__": ops.floor_divide, "__iand__": ops.bitwise_and,
    "__ior__": ops.bitwise_or, "__ixor__": ops.bitwise_xor,
}
#: the in-place methods: `Tensor` only
INPLACE = {
    **{name: refusing(_inplace(name, op), name) for name, op in _BINARY_INPLACE.items()},
    **{name: refusing(without_bool(name, unary_method(name, ops.trunc)), name)
       for name in ("trunc_", "fix_")},
    **{name: refusing(unary_method(name, op), name)
       for name, op in (("bitwise_not_", ops.bitwise_not), ("logical_not_", ops.logical_not))},
}
div, divide = FUNCTIONS["div"], FUNCTIONS["divide"]
remainder, fmod, floor_divide, trunc, fix = (ops.remainder, ops.fmod, ops.floor_divide, FUNCTIONS["trunc"],
                                             FUNCTIONS["fix"])
bitwise_and, bitwise_or, bitwise_xor, bitwise_not = (ops.bitwise_and, ops.bitwise_or, ops.bitwise_xor,
                                                     ops.bitwise_not)
logical_and, logical_or, logical_xor = ops.logical_and, ops.logical_or, ops.logical_xor
