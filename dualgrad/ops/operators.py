"""Python's operators on tensors, one table for every front end (TF1's
`Tensor.OVERLOADABLE_OPERATORS` + `_override_operator`).

Each dunder names the registry op it calls and how: `a + b` is `add(a, b)`, the reflected
`1 + a` is `add(1, a)`, `-a` is `negative(a)`. `%` and `//` round as Python's do (the
divisor's sign, down); `& | ^ ~ << >>` are bitwise on integers and logical on bools (PyTorch's).
A front end attaches the rows it supports (the static front end leaves out `==`/`!=`, which
compare graph tensors by identity as in TF1).
"""
from __future__ import annotations

BINARY, REFLECTED, UNARY = "binary", "reflected", "unary"

OPERATORS: dict[str, tuple[str, str]] = {
    "__add__": ("add", BINARY), "__radd__": ("add", REFLECTED),
    "__sub__": ("subtract", BINARY), "__rsub__": ("subtract", REFLECTED),
    "__mul__": ("multiply", BINARY), "__rmul__": ("multiply", REFLECTED),
    "__truediv__": ("divide", BINARY), "__rtruediv__": ("divide", REFLECTED),
    "__pow__": ("power", BINARY), "__rpow__": ("power", REFLECTED),
    "__mod__": ("remainder", BINARY), "__rmod__": ("remainder", REFLECTED),
    "__floordiv__": ("floor_divide", BINARY), "__rfloordiv__": ("floor_divide", REFLECTED),
    "__and__": ("bitwise_and", BINARY), "__rand__": ("bitwise_and", REFLECTED),
    "__or__": ("bitwise_or", BINARY), "__ror__": ("bitwise_or", REFLECTED),
    "__xor__": ("bitwise_xor", BINARY), "__rxor__": ("bitwise_xor", REFLECTED),
    "__lshift__": ("bitwise_left_shift", BINARY), "__rlshift__": ("bitwise_left_shift", REFLECTED),
    "__rshift__": ("bitwise_right_shift", BINARY), "__rrshift__": ("bitwise_right_shift", REFLECTED),
    "__matmul__": ("matmul", BINARY), "__rmatmul__": ("matmul", REFLECTED),
    "__lt__": ("less", BINARY), "__le__": ("less_equal", BINARY),
    "__gt__": ("greater", BINARY), "__ge__": ("greater_equal", BINARY),
    "__eq__": ("equal", BINARY), "__ne__": ("not_equal", BINARY),
    "__neg__": ("negative", UNARY), "__abs__": ("abs", UNARY), "__invert__": ("bitwise_not", UNARY),
}
