"""Python's operators on tensors, one table for every front end (TF1's
`Tensor.OVERLOADABLE_OPERATORS` + `_override_operator`).

Each dunder names the registry op it calls and how: `a + b` is `add(a, b)`, the reflected
`1 + a` is `add(1, a)`, `-a` is `negative(a)`. A front end attaches the rows it supports (the
static front end leaves out `==`/`!=`, which compare graph tensors by identity as in TF1).
"""
from __future__ import annotations

BINARY, REFLECTED, UNARY = "binary", "reflected", "unary"

OPERATORS: dict[str, tuple[str, str]] = {
    "__add__": ("add", BINARY), "__radd__": ("add", REFLECTED),
    "__sub__": ("subtract", BINARY), "__rsub__": ("subtract", REFLECTED),
    "__mul__": ("multiply", BINARY), "__rmul__": ("multiply", REFLECTED),
    "__truediv__": ("divide", BINARY), "__rtruediv__": ("divide", REFLECTED),
    "__pow__": ("power", BINARY), "__rpow__": ("power", REFLECTED),
    "__matmul__": ("matmul", BINARY), "__rmatmul__": ("matmul", REFLECTED),
    "__lt__": ("less", BINARY), "__le__": ("less_equal", BINARY),
    "__gt__": ("greater", BINARY), "__ge__": ("greater_equal", BINARY),
    "__eq__": ("equal", BINARY), "__ne__": ("not_equal", BINARY),
    "__neg__": ("negative", UNARY), "__abs__": ("abs", UNARY), "__invert__": ("logical_not", UNARY),
}
