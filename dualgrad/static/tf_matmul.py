"""TF1's `tf.matmul` and the `@` of graph tensors: batched matrix products, with TF's
transpose/adjoint flags and its refusal of bool and narrow integer inputs (their sums would
wrap) unless `output_type` asks for int32."""
from __future__ import annotations

from .. import ops
from ..errors import DTypeError, ShapeError, refusing, user_frame, user_line
from .api import _n, _tensor
from .convert import ArgumentError
from .creation import as_dtype
from .graph import Tensor, _dim_operand


def _swap_last(x, flag: str):
    n = len(x.shape)
    if n < 2:
        raise ShapeError(f"ds.matmul: {flag}=True needs a tensor of rank >= 2, got shape {x.shape} (at "
                         f"{user_frame()})")
    return ops.transpose(x, axes=tuple(range(n - 2)) + (n - 1, n - 2))


_NARROW_MATMUL = {"bool", "int8", "uint8", "int16", "uint16"}


def matmul(a, b, transpose_a: bool = False, transpose_b: bool = False, adjoint_a: bool = False,
           adjoint_b: bool = False, a_is_sparse: bool = False, b_is_sparse: bool = False,
           output_type=None, grad_a: bool = False, grad_b: bool = False, name=None):
    """Matrix product, batched over leading dims, optionally transposing a or b (tf.matmul).
    `adjoint_x` is the conjugate transpose: dtypes here are real, so it is the transpose; the
    sparsity and gradient hints (`a_is_sparse`, `grad_a`, ...) only steer TF's kernel choice,
    so they are accepted and change nothing. `output_type` int32 takes int8/uint8 inputs (their
    products summed in int32, as TF, which refuses them without it); otherwise it must be the
    inputs' own dtype."""
    a, b = _tensor(a), _tensor(b, like=a)
    for x, t, adj in (("a", transpose_a, adjoint_a), ("b", transpose_b, adjoint_b)):
        if t and adj:  # TF's words
            raise ArgumentError(f"ds.matmul: Only one of `transpose_{x}` and `adjoint_{x}` can be True. "
                                f"Received `transpose_{x}`={t}, `adjoint_{x}`={adj} {user_line()}")
    if output_type is not None:
        out, small = as_dtype(output_type), a.dtype.name in ("int8", "uint8") and a.dtype is b.dtype
        if small and out.name == "int32":
            a, b = ops.cast(a, dtype=out), ops.cast(b, dtype=out)
        elif out is not a.dtype or out is not b.dtype:
            raise DTypeError(f"ds.matmul: output_type {out.name} needs int8 or uint8 inputs and int32 "
                             f"output, or the inputs' own dtype; got {a.dtype.name} and {b.dtype.name} "
                             f"{user_line()}")
    elif {a.dtype.name, b.dtype.name} & _NARROW_MATMUL:  # (their sums would wrap: 100*2 + 100*1 -> 44)
        raise DTypeError(f"ds.matmul: {a.dtype.name} and {b.dtype.name} inputs need output_type=ds.int32 "
                         f"(int8/uint8: the products summed in int32); TF1 has no matmul of bool, int8, "
                         f"uint8, int16 or uint16 without it {user_line()}")
    if transpose_a or adjoint_a:
        a = _swap_last(a, "adjoint_a" if adjoint_a else "transpose_a")
    if transpose_b or adjoint_b:
        b = _swap_last(b, "adjoint_b" if adjoint_b else "transpose_b")
    return _n(ops.matmul(a, b), name)


def _matrix_product(reflected: bool):
    """`@`: TF1's tf.matmul, which refuses int8/int16/bool inputs (their sums would wrap)."""

    def method(self, other):
        other = _dim_operand(other)
        return matmul(other, self) if reflected else matmul(self, other)

    method.__name__ = "__rmatmul__" if reflected else "__matmul__"
    method.__doc__ = "`@`: ds.matmul, TF1's tf.matmul (bool and narrow int inputs need output_type)"
    return method


matmul = refusing(matmul, "matmul")  # (a raw error from a bad argument: the dualgrad error naming it)
Tensor.__matmul__, Tensor.__rmatmul__ = _matrix_product(False), _matrix_product(True)
