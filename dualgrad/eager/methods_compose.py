"""PyTorch's fused tensor math under its names, as compositions of registry ops: `addcdiv`,
`addmm`, `baddbmm`, `addmv`, `addr`, `inner`, `chain_matmul`, `heaviside`, `cross`, and `copysign` /
`erfinv` / `i0` (registry ops in ops.special_more), with the Tensor methods and in-place forms
PyTorch has (`addcdiv_`, `addcmul_`, ...). Shapes are checked here, before any op runs, so
an error names the function and both shapes as PyTorch's does. `beta=0` drops the input
(NaN and inf in it included), as PyTorch's BLAS-style functions do."""
from __future__ import annotations

import math
import numbers

import numpy as np

from .. import dtypes, ops
from ..errors import DTypeError, DualgradValueError, ShapeError, refusing, user_line
from .attach import install
from .dtype_refusals import same_dtype
from .inplace import inplace, unary_method, write_result
from .tensor import Tensor


def _tensor(x) -> Tensor:
    from .creation import as_tensor

    return x if isinstance(x, Tensor) else as_tensor(x)


def _is_integral(t) -> bool:
    return isinstance(t, Tensor) and t.dtype.np.kind in "iub"


def _check_scalars(name: str, input: Tensor, others, **scalars) -> None:
    """PyTorch's rule: integer tensors take only integer beta/alpha (a float one would be
    truncated; refused here rather than rounded silently)."""
    if all(_is_integral(t) for t in (input, *others)):
        for key, value in scalars.items():
            if isinstance(value, float) or (isinstance(value, Tensor) and not _is_integral(value)):
                raise DTypeError(f"{name}: For integral input tensors, argument {key} must not be a "
                                 f"floating point number (got {value!r}) {user_line()}")


def _in_dtype(dtype, *tensors) -> list:
    """The tensors cast to `dtype`, the result dtype of the whole expression, before any part
    of it is computed: PyTorch computes in the promoted dtype, so a float32 product or quotient
    added to a float64 input keeps float64's digits (a float32 one lost them)."""
    return [ops.cast(t, dtype=dtype) if isinstance(t, Tensor) and t.dtype != dtype else t for t in tensors]


def _blas_dtype(input: Tensor, *operands: Tensor) -> dtypes.DType:
    """PyTorch's result dtype of beta * input + alpha * f(operands): input counts as the
    result's shape (PyTorch expands it first, so a 0-d input ranks as dimensioned)."""
    return dtypes.result_dtype([np.empty((1,), input.dtype.np), *operands])


def _one_blas_dtype(name: str, input: Tensor, *operands: Tensor) -> dtypes.DType:
    """The one dtype of input and the operands: PyTorch's addmm, addmv, baddbmm and addbmm
    refuse two ("self and mat2 must have the same dtype"); addr alone promotes (`_blas_dtype`)."""
    for operand in operands:
        same_dtype(name, input, operand, what="input and its matrices")
    return _blas_dtype(input, *operands)


def _blas(input: Tensor, product: Tensor, beta, alpha, dtype: dtypes.DType) -> Tensor:
    """beta * input + alpha * product, input broadcast to the product's shape, in `dtype`;
    beta == 0 reads no input (PyTorch's) but the result keeps its dtype."""
    scaled = product if _is_one(alpha) else ops.multiply(alpha, product)
    out = scaled if _is_zero(beta) else ops.add(input if _is_one(beta) else ops.multiply(beta, input), scaled)
    return out if out.dtype == dtype else ops.cast(out, dtype=dtype)


def _is_one(x) -> bool:
    return isinstance(x, numbers.Number) and not isinstance(x, bool) and x == 1


def _is_zero(x) -> bool:
    return isinstance(x, numbers.Number) and x == 0


def _check_broadcast(name: str, input: Tensor, shape: tuple) -> None:
    """input must expand to the result's shape (PyTorch expands it; it never grows the result)."""
    have = tuple(input.shape)
    try:
        ok = np.broadcast_shapes(have, shape) == shape
    except ValueError:
        ok = False
    if not ok:
        raise ShapeError(f"{name}: The expanded size of the tensor must match: input of shape {have} "
                         f"cannot be broadcast to the result's shape {shape} {user_line()}")


def _shape_name(t: Tensor) -> str:
    return "x".join(str(n) for n in t.shape)


def addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1) -> Tensor:
    """input + value * tensor1 / tensor2, broadcasting (torch.addcdiv; Adam's update writes it).
    Two integer tensors are refused, as PyTorch refuses them (its old integer division)."""
    if _is_integral(tensor1) and _is_integral(tensor2):
        raise DTypeError("addcdiv: Integer division with addcdiv is no longer supported; write "
                         f"input + value * tensor1 / tensor2 for true division {user_line()}")
    tensor1, tensor2 = _in_dtype(dtypes.result_dtype([input, tensor1, tensor2]), tensor1, tensor2)
    return ops.add(input, ops.multiply(value, ops.divide(tensor1, tensor2)))


def addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1) -> Tensor:
    """input + value * tensor1 * tensor2 (torch.addcmul), in the dtype of all three: a float32
    product added to a float64 input kept only float32's digits (1/3 * 3 read 1.0)."""
    tensor1, tensor2 = _in_dtype(dtypes.result_dtype([input, tensor1, tensor2]), tensor1, tensor2)
    return ops.add(input, ops.multiply(value, ops.multiply(tensor1, tensor2)))


def addcmul_(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1) -> Tensor:
    """`addcmul`, written into this tensor (Tensor.addcmul_)."""
    return write_result("addcmul_", input, addcmul(input, tensor1, tensor2, value=value))


def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """beta * input + alpha * (batch1 @ batch2) for batches of matrices (b, n, m) @ (b, m, p);
    input broadcasts to (b, n, p) (torch.baddbmm)."""
    if batch1.ndim != 3 or batch2.ndim != 3:
        raise ShapeError(f"baddbmm: batch1 must be a 3D tensor and batch2 must be a 3D tensor, got shapes "
                         f"{tuple(batch1.shape)} and {tuple(batch2.shape)} {user_line()}")
    b, n, m = batch1.shape
    if tuple(batch2.shape[:2]) != (b, m):
        raise ShapeError(f"baddbmm: Expected size for first two dimensions of batch2 tensor to be: "
                         f"[{b}, {m}] but got: [{batch2.shape[0]}, {batch2.shape[1]}] (batch1 of shape "
                         f"{tuple(batch1.shape)}) {user_line()}")
    _check_broadcast("baddbmm", input, (b, n, batch2.shape[2]))
    _check_scalars("baddbmm", input, (batch1, batch2), beta=beta, alpha=alpha)
    dtype = _one_blas_dtype("baddbmm", input, batch1, batch2)
    return _blas(input, ops.matmul(*_in_dtype(dtype, batch1, batch2)), beta, alpha, dtype)


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """beta * input + alpha * (mat1 @ mat2), mat1 (n, m), mat2 (m, p), input broadcast to
    (n, p) (torch.addmm); beta == 0 reads no input, so NaN and inf in it do not propagate."""
    for name, mat in (("mat1", mat1), ("mat2", mat2)):
        if mat.ndim != 2:
            raise ShapeError(f"addmm: {name} must be a matrix, got {mat.ndim}-D tensor (shape "
                             f"{tuple(mat.shape)}) {user_line()}")
    if mat1.shape[1] != mat2.shape[0]:
        raise ShapeError(f"addmm: mat1 and mat2 shapes cannot be multiplied ({_shape_name(mat1)} and "
                         f"{_shape_name(mat2)}) {user_line()}")
    _check_broadcast("addmm", input, (mat1.shape[0], mat2.shape[1]))
    _check_scalars("addmm", input, (mat1, mat2), beta=beta, alpha=alpha)
    dtype = _one_blas_dtype("addmm", input, mat1, mat2)
    return _blas(input, ops.matmul(*_in_dtype(dtype, mat1, mat2)), beta, alpha, dtype)


def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta=1, alpha=1) -> Tensor:
    """beta * input + alpha * (mat @ vec), mat (n, m), vec (m,), input broadcast to (n,)
    (torch.addmv)."""
    if mat.ndim != 2 or vec.ndim != 1:
        raise ShapeError(f"addmv: vector + matrix @ vector expected, got input {tuple(input.shape)}, mat "
                         f"{tuple(mat.shape)}, vec {tuple(vec.shape)} {user_line()}")
    fits = input.ndim <= 1 and tuple(input.shape) in ((), (1,), (mat.shape[0],))
    if mat.shape[1] != vec.shape[0] or not fits:
        raise ShapeError(f"addmv: size mismatch, got input ({_shape_name(input)}), mat ({_shape_name(mat)}), "
                         f"vec ({_shape_name(vec)}) {user_line()}")
    _check_scalars("addmv", input, (mat, vec), beta=beta, alpha=alpha)
    dtype = _one_blas_dtype("addmv", input, mat, vec)
    return _blas(input, ops.matmul(*_in_dtype(dtype, mat, vec)), beta, alpha, dtype)


def addr(input: Tensor, vec1: Tensor, vec2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """beta * input + alpha * outer(vec1, vec2), input broadcast to (n, m) (torch.addr)."""
    for name, v in (("vec1", vec1), ("vec2", vec2)):
        if v.ndim != 1:
            raise ShapeError(f"addr: Expected 1-D argument {name}, but got {v.ndim}-D (shape "
                             f"{tuple(v.shape)}) {user_line()}")
    _check_broadcast("addr", input, (vec1.shape[0], vec2.shape[0]))
    _check_scalars("addr", input, (vec1, vec2), beta=beta, alpha=alpha)
    dtype = _blas_dtype(input, vec1, vec2)
    vec1, vec2 = _in_dtype(dtype, vec1, vec2)
    outer = ops.multiply(ops.expand_dims(vec1, axis=1), ops.expand_dims(vec2, axis=0))
    return _blas(input, outer, beta, alpha, dtype)


def inner(input: Tensor, other: Tensor) -> Tensor:
    """The sum over the last dims of input and other of their products: shape
    input.shape[:-1] + other.shape[:-1]; a 0-d operand multiplies (torch.inner)."""
    input, other = _tensor(input), _tensor(other)
    if input.ndim == 0 or other.ndim == 0:
        return ops.multiply(input, other)
    same_dtype("inner", input, other, what="both inputs")
    if input.shape[-1] != other.shape[-1]:
        raise ShapeError(f"inner() the last dimension must match on both input tensors but got shapes "
                         f"{list(input.shape)} and {list(other.shape)} {user_line()}")
    k = input.shape[-1]
    a = ops.reshape(input, shape=(math.prod(input.shape[:-1]), k))  # (not -1: k may be 0)
    b = ops.reshape(other, shape=(math.prod(other.shape[:-1]), k))
    out = ops.matmul(a, ops.transpose(b, axes=(1, 0)))
    return ops.reshape(out, shape=tuple(input.shape[:-1]) + tuple(other.shape[:-1]))


def _chain_order(dims: list[int]) -> list[list[int]]:
    """The cheapest parenthesisation of a matrix chain (dims[i] x dims[i+1] each): split[i][j]."""
    n = len(dims) - 1
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = None
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if cost[i][j] is None or c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    return split


def multi_dot(tensors, *, out=None) -> Tensor:
    """The product of two or more matrices in the cheapest order; the first may be a row and the
    last a column vector (1-d), as in torch.linalg.multi_dot."""
    if out is not None:
        raise DualgradValueError(f"linalg.multi_dot: out= is not supported {user_line()}")
    tensors = [_tensor(t) for t in tensors]
    if len(tensors) < 2:
        raise DualgradValueError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)} "
                                 f"{user_line()}")
    first, last = tensors[0], tensors[-1]
    for t in tensors[1:]:  # (PyTorch's multi_dot does not promote)
        same_dtype("linalg.multi_dot", first, t, what="all tensors")
    for t, what in ((first, "first"), (last, "last")):
        if t.ndim not in (1, 2):
            raise ShapeError(f"multi_dot(): the {what} tensor must be 1D or 2D but got {t.ndim}D "
                             f"{user_line()}")
    for i, t in enumerate(tensors[1:-1], start=1):
        if t.ndim != 2:
            raise ShapeError(f"multi_dot(): tensor {i} must be 2D but got {t.ndim}D {user_line()}")
    mats = list(tensors)
    if first.ndim == 1:
        mats[0] = ops.expand_dims(first, axis=0)
    if last.ndim == 1:
        mats[-1] = ops.expand_dims(last, axis=1)
    for i in range(len(mats) - 1):
        if mats[i].shape[1] != mats[i + 1].shape[0]:
            raise ShapeError(f"multi_dot(): tensors {i} and {i + 1} with shapes {list(tensors[i].shape)} and "
                             f"{list(tensors[i + 1].shape)} cannot be multiplied {user_line()}")
    split = _chain_order([m.shape[0] for m in mats] + [mats[-1].shape[1]])

    def product(i: int, j: int) -> Tensor:
        if i == j:
            return mats[i]
        k = split[i][j]
        return ops.matmul(product(i, k), product(k + 1, j))

    out = product(0, len(mats) - 1)
    if first.ndim == 1 and last.ndim == 1:
        return ops.reshape(out, shape=())
    if first.ndim == 1:
        return ops.squeeze(out, axis=0)
    return ops.squeeze(out, axis=1) if last.ndim == 1 else out


def chain_matmul(*matrices) -> Tensor:
    """The product of 2-d matrices in the cheapest order (torch.chain_matmul, deprecated there
    for linalg.multi_dot); one matrix is returned as it is."""
    if len(matrices) == 1 and isinstance(matrices[0], (list, tuple)):
        matrices = tuple(matrices[0])
    for i, m in enumerate(matrices):
        if _tensor(m).ndim != 2:
            raise ShapeError(f"chain_matmul(): Expected all tensors to be 2D, but tensor {i} is "
                             f"{_tensor(m).ndim}D {user_line()}")
    if len(matrices) == 1:
        return _tensor(matrices[0])
    if not matrices:
        raise DualgradValueError(f"chain_matmul(): Expected one or more matrices {user_line()}")
    return multi_dot(matrices)


def _cross(name: str, input: Tensor, other: Tensor, dim) -> Tensor:
    input, other = _tensor(input), _tensor(other)
    if input.ndim != other.ndim:
        raise ShapeError(f"{name}: inputs must have the same number of dimensions (shapes "
                         f"{tuple(input.shape)} and {tuple(other.shape)}) {user_line()}")
    shape = np.broadcast_shapes(tuple(input.shape), tuple(other.shape))
    if dim is None:  # torch.cross's deprecated default: the first dim of size 3
        dim = next((d for d, n in enumerate(shape) if n == 3), None)
        if dim is None:
            raise ShapeError(f"{name}: no dimension of size 3 in input (shapes {tuple(input.shape)} and "
                             f"{tuple(other.shape)}) {user_line()}")
    if not -len(shape) <= dim < len(shape):
        raise ShapeError(f"{name}: Dimension out of range (expected to be in range of [{-len(shape)}, "
                         f"{len(shape) - 1}], but got {dim}) {user_line()}")
    d = dim % len(shape)
    if input.shape[d] != 3 or other.shape[d] != 3:
        raise ShapeError(f"{name}: inputs dimension {dim} must have length 3. Got {input.shape[d]} and "
                         f"{other.shape[d]} {user_line()}")
    lead = (slice(None),) * d

    def part(t: Tensor, i: int) -> Tensor:
        return ops.getitem(t, key=lead + (i,))

    a = [part(input, i) for i in range(3)]
    b = [part(other, i) for i in range(3)]
    parts = [ops.subtract(ops.multiply(a[(i + 1) % 3], b[(i + 2) % 3]),
                          ops.multiply(a[(i + 2) % 3], b[(i + 1) % 3])) for i in range(3)]
    return ops.stack(*parts, axis=d)


def cross(input: Tensor, other: Tensor, dim: int | None = None) -> Tensor:
    """The 3-d cross product along `dim` (torch.cross; its deprecated default dim is the first
    dim of size 3: prefer linalg.cross, whose default is -1). Batch dims broadcast."""
    return _cross("cross", input, other, dim)


def linalg_cross(input: Tensor, other: Tensor, *, dim: int = -1) -> Tensor:
    """The 3-d cross product along `dim` (default the last), batch dims broadcasting
    (torch.linalg.cross)."""
    return _cross("linalg.cross", input, other, dim)


def heaviside(input: Tensor, values) -> Tensor:
    """0 where input < 0, `values` where input == 0, 1 where input > 0 (torch.heaviside; a NaN
    input gives 0 as PyTorch's, where numpy's gives NaN). The gradient reaches `values`
    where input is 0; input gets none (PyTorch has no derivative for heaviside)."""
    values = _tensor(values)
    if isinstance(input, Tensor) and input.dtype != values.dtype:
        raise DTypeError(f"heaviside is not yet implemented for tensors with different dtypes (input "
                         f"{input.dtype.name}, values {values.dtype.name}) {user_line()}")
    step = ops.cast(ops.greater(input, 0), dtype=values.dtype)
    return ops.where(ops.equal(input, 0), values, step)


def copysign(input: Tensor, other) -> Tensor:
    """|input| with the sign of other, -0.0 and NaN signs read as numpy does; integers give
    floats (torch.copysign). No gradient reaches other (PyTorch's: zero)."""
    return ops.copysign(input, other)


def erfinv(input: Tensor) -> Tensor:
    """The inverse error function on (-1, 1): +-inf at +-1, NaN beyond (torch.erfinv)."""
    return ops.erfinv(input)


def i0(input: Tensor) -> Tensor:
    """The modified Bessel function of the first kind of order 0 (torch.i0); its gradient is
    i1 (a registry op too, `dg.special.i1`)."""
    return ops.i0(input)


def addcdiv_(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1) -> Tensor:
    """`addcdiv`, written into this tensor (Tensor.addcdiv_)."""
    return write_result("addcdiv_", input, addcdiv(input, tensor1, tensor2, value=value))


def baddbmm_(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """`baddbmm`, written into this tensor (Tensor.baddbmm_)."""
    return write_result("baddbmm_", input, baddbmm(input, batch1, batch2, beta=beta, alpha=alpha))


def addmv_(input: Tensor, mat: Tensor, vec: Tensor, *, beta=1, alpha=1) -> Tensor:
    """`addmv`, written into this tensor (Tensor.addmv_)."""
    return write_result("addmv_", input, addmv(input, mat, vec, beta=beta, alpha=alpha))


def addr_(input: Tensor, vec1: Tensor, vec2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """`addr`, written into this tensor (Tensor.addr_)."""
    return write_result("addr_", input, addr(input, vec1, vec2, beta=beta, alpha=alpha))


def heaviside_(input: Tensor, values) -> Tensor:
    """`heaviside`, written into this tensor (Tensor.heaviside_)."""
    return write_result("heaviside_", input, heaviside(input, values))


def copysign_(input: Tensor, other) -> Tensor:
    """`copysign`, written into this tensor (Tensor.copysign_)."""
    return inplace(input, ops.copysign, other)


FUNCTIONS = {"addcdiv": addcdiv, "addcmul": addcmul, "baddbmm": baddbmm, "addmv": addmv, "addr": addr,
             "inner": inner, "heaviside": heaviside, "copysign": copysign, "erfinv": erfinv, "cross": cross,
             "i0": i0}
INPLACE = {"addcdiv_": addcdiv_, "addcmul_": addcmul_, "baddbmm_": baddbmm_, "addmv_": addmv_, "addr_": addr_,
           "heaviside_": heaviside_, "copysign_": copysign_, "erfinv_": unary_method("erfinv_", ops.erfinv),
           "i0_": unary_method("i0_", ops.i0)}
METHODS = install(globals(), {**FUNCTIONS, **INPLACE})
# functions only (no Tensor methods in PyTorch)
chain_matmul = refusing(chain_matmul, "chain_matmul")
multi_dot = refusing(multi_dot, "linalg.multi_dot")
linalg_cross = refusing(linalg_cross, "linalg.cross")
