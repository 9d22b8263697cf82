"""PyTorch's refusals of input dtypes its kernels lack, for ops where dualgrad computed
something anyway: an integer or bool loss, `lerp`, `hypot` (dualgrad promoted them to float,
and uint8 `l1_loss` wrapped around to 170.7), rounding a bool tensor, and a matrix product of
two dtypes (PyTorch's "expected m1 and m2 to have the same dtype"; dualgrad promoted). Each
check names the op, the dtypes and the user's line; docs/eager.md lists the table."""
from __future__ import annotations

from collections.abc import Callable

from .. import dtypes, ops
from ..errors import EagerDTypeError, NotImplementedForDType, user_line
from .tensor import Tensor, stored


def _dtype_name(x) -> str:
    return x.dtype.name if isinstance(x, Tensor) else type(x).__name__


def _is_float(x) -> bool:
    """A floating tensor or a Python float: an operand that makes PyTorch compute in float."""
    return x.dtype.is_floating_point if isinstance(x, Tensor) else isinstance(x, float)


def floating_kernel(name: str, *operands) -> None:
    """Refuse when no operand is floating: PyTorch's kernel for `name` has no integer or bool
    version ("mse_cpu" not implemented for 'Long'); one floating operand promotes the rest."""
    if not any(_is_float(x) for x in operands):
        dtypes = ", ".join(_dtype_name(x) for x in operands)
        raise NotImplementedForDType(f"{name}: not implemented for {dtypes} input (PyTorch's kernel is "
                                     f"floating-point only; convert with .float()) {user_line()}")


def no_bool(name: str, *operands, why: str = "not implemented for bool input",
            error: type = NotImplementedForDType) -> None:
    """Refuse a bool tensor operand (PyTorch's "not implemented for 'Bool'")."""
    for x in operands:
        if isinstance(x, Tensor) and x.dtype.is_bool:
            raise error(f"{name}: {why} (PyTorch refuses it; convert with .float() or .long()) "
                        f"{user_line()}")


def _kind(x) -> int:
    """0 bool, 1 integer, 2 floating: PyTorch's promotion categories."""
    if not isinstance(x, Tensor):
        return 2 if isinstance(x, float) else (0 if isinstance(x, bool) else 1)
    return 2 if x.dtype.is_floating_point else (0 if x.dtype.is_bool else 1)


def floating_input(name: str, input, other) -> None:
    """Refuse an integer or bool `input` with a target of a higher kind: PyTorch writes the result
    in input's dtype (huber_loss: "result type Float can't be cast to the desired output type
    Long"); then refuse a result that is not floating, as `floating_kernel`."""
    if isinstance(input, Tensor) and _kind(other) > _kind(input) and not input.dtype.is_floating_point:
        raise EagerDTypeError(f"{name}: input is {input.dtype.name} and target {_dtype_name(other)}: the "
                              f"float result can't be written in input's dtype (PyTorch refuses it; convert "
                              f"input with .float()) {user_line()}")
    floating_kernel(name, input, other)


def _dtypes_differ(first, second) -> bool:
    """Whether two tensors have other dtypes, read from their arrays (the matmul family's hot
    path: the dtype properties cost ~1 us) or a lazy tensor's pending value, uncomputed."""
    if type(first) is Tensor and type(second) is Tensor:
        return first._data.dtype != second._data.dtype
    if not (isinstance(first, Tensor) and isinstance(second, Tensor)):
        return False
    return stored(first).dtype != stored(second).dtype


def same_dtype(name: str, first, second, *, what: str = "both operands") -> None:
    """Refuse two tensors of different dtypes (PyTorch's matmul, mm, bmm, mv, dot and lerp do not
    promote: "expected m1 and m2 to have the same dtype")."""
    if _dtypes_differ(first, second):
        raise EagerDTypeError(f"{name}: expected {what} to have the same dtype, but got {first.dtype.name} "
                              f"and {second.dtype.name} (PyTorch does not promote here; convert one with "
                              f".to()) {user_line()}")


def matrix_product(name: str, first, second, *, what: str) -> None:
    """PyTorch's matmul family: two tensors of one dtype (no promotion: "expected m1 and m2 to
    have the same dtype"). Two bools are the registry op's refusal ("not implemented for
    'Bool'"); bmm refuses a bool batch1 before the dtypes, as PyTorch's."""
    if name == "bmm" and isinstance(first, Tensor) and first.dtype.is_bool and isinstance(second, Tensor):
        raise NotImplementedForDType(f"bmm: \"bmm\" not implemented for 'Bool' (batch1 is bool, batch2 "
                                     f"{second.dtype.name}) {user_line()}")
    same_dtype(name, first, second, what=what)


def lerp_operands(input, end, weight) -> None:
    """torch.lerp's checks: floating input, `end` (and a weight tensor of one element or more
    dims) of input's dtype."""
    same_dtype("lerp", input, end, what="input and end")
    if isinstance(weight, Tensor) and weight.ndim:
        same_dtype("lerp", input, weight, what="input and weight")
    floating_kernel("lerp", input)


def without_bool(name: str, fn: Callable) -> Callable:
    """`fn` (a unary rounding op or its in-place method) refusing a bool tensor, as PyTorch's
    `floor`/`ceil`/`round`/`trunc` do ("ceil_vml_cpu" not implemented for 'Bool')."""
    def call(input):
        no_bool(name, input)
        return fn(input)

    call.__name__ = call.__qualname__ = name
    doc = (getattr(fn, "__doc__", None) or f"{name} of each element").rstrip(".")
    call.__doc__ = f"{doc} (Tensor.{name} / torch.{name}; a bool tensor is refused, as PyTorch's)."
    return call


def integer_l1_loss(input: Tensor, target: Tensor, reduction: str) -> Tensor:
    """l1_loss of two integer tensors as PyTorch computes it: |input - target| in their dtype
    (uint8 wraps, as PyTorch's), summed for 'sum'; 'mean' is refused (no integer mean)."""
    if reduction == "mean":
        raise EagerDTypeError(f"l1_loss: mean(): could not infer output dtype: the inputs are "
                              f"{input.dtype.name} and {target.dtype.name} (PyTorch refuses an integer mean; "
                              f"convert with .float()) {user_line()}")
    loss = ops.abs(ops.subtract(input, target))
    return ops.sum(loss) if reduction == "sum" else loss


def same_dtype_operator(method: Callable) -> Callable:
    """The `@` operator method `method` (self @ other or other @ self) refusing two dtypes, as
    PyTorch's matmul does."""
    def call(self, other):
        if _dtypes_differ(self, other):
            matrix_product("matmul", self, other, what="m1 and m2")
        return method(self, other)

    call.__name__ = call.__qualname__ = method.__name__
    call.__doc__ = method.__doc__
    call._dualgrad_refusing = getattr(method, "_dualgrad_refusing", False)
    return call


def norm_dtype(name: str, x, dtype):
    """x cast to a norm's `dtype=`, which must be floating and no narrower than x's
    (PyTorch's "should be convertible without narrowing"); x itself when dtype is None."""
    if dtype is None or not isinstance(x, Tensor):
        return x
    want = dtypes.as_torch_dtype(dtype)
    if not want.is_floating_point:
        raise EagerDTypeError(f"{name}: dtype should be floating point or complex, but got {want.name} "
                              f"{user_line()}")
    if x.dtype.is_floating_point and want.np.itemsize < x.dtype.np.itemsize:
        raise EagerDTypeError(f"{name}: the dtype of the input ({x.dtype.name}) should be convertible "
                              f"without narrowing to the specified dtype ({want.name}) {user_line()}")
    return x.to(want)
