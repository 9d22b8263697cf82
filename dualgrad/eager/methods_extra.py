"""Commonly used PyTorch Tensor methods and `dg.*` functions that are short compositions of
registry ops (so their gradients come from the ops'): rounding, flips and rolls, diagonals
and traces, outer products, `lerp`/`addmm`, `meshgrid`, `repeat_interleave`,
`diff`, and in-place forms of the unary ops. Attached to `Tensor` at import."""
from __future__ import annotations

import numbers

import numpy as np

from .. import dtypes, ops
from ..errors import DualgradTypeError, EagerShapeError, ShapeError, refusing, user_line
from . import views
from .attach import install
from .bind import as_eager_error
from .convert import size_value
from .dtype_refusals import floating_kernel, lerp_operands, no_bool, without_bool
from .inplace import unary_method
from .methods_compose import addmm
from .methods_more import _axis, _index_array
from .scalar_dims import one_element_dims
from .tensor import Tensor


def _dims(op_name: str, x: Tensor, dims) -> tuple[int, ...]:
    dims = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    return tuple(_axis(op_name, x, d) for d in dims)


def floor(input: Tensor) -> Tensor:
    """The largest integer <= x, elementwise (torch.floor); gradient 0."""
    no_bool("floor", input)
    return ops.floor(input)


def ceil(input: Tensor) -> Tensor:
    """The smallest integer >= x, elementwise (torch.ceil); gradient 0."""
    no_bool("ceil", input)
    return ops.ceil(input)


def round(input: Tensor, *, decimals: int = 0) -> Tensor:  # noqa: A001 (PyTorch's name)
    """Round half to even, to `decimals` places (torch.round scales by 10**decimals too)."""
    no_bool("round", input)
    if decimals == 0:
        return ops.round(input)
    floating_kernel("round (with decimals)", input)
    scale = 10.0 ** decimals
    return ops.divide(ops.round(ops.multiply(input, scale)), scale)


def rsqrt(input: Tensor) -> Tensor:
    """1 / sqrt(x) (torch.rsqrt)."""
    return ops.reciprocal(ops.sqrt(input))


@one_element_dims("dims")
def flip(input: Tensor, dims) -> Tensor:
    """The elements in reverse order along each of `dims`, a copy (torch.flip; a reversed
    slice alone would be a view, so a write into the result would reach `input`)."""
    key = [slice(None)] * input.ndim
    for d in _dims("flip", input, dims):
        key[d] = slice(None, None, -1)
    return ops.clone(ops.getitem(input, key=tuple(key)))


def roll(input: Tensor, shifts, dims=None) -> Tensor:
    """Elements shifted cyclically by `shifts` along `dims` (the flattened tensor when None)."""
    if dims is None or (type(dims) in (tuple, list) and not dims):  # (PyTorch rolls the
        # flattened tensor for an empty dims too)
        return ops.reshape(roll(ops.reshape(input, shape=(-1,)), shifts, 0), shape=tuple(input.shape))
    shifts = (shifts,) if isinstance(shifts, (int, np.integer)) else tuple(shifts)
    dims = _dims("roll", input, dims)
    if len(shifts) != len(dims):
        raise ShapeError(f"roll: shifts and dimensions must align. shifts: {len(shifts)}, dims: {len(dims)} "
                         f"{user_line()}")
    out = input
    for s, d in zip(shifts, dims, strict=True):
        n = input.shape[d]
        order = (np.arange(n) - s) % n if n else np.arange(0)
        out = ops.getitem(out, key=(slice(None),) * d + (order,))
    return out


def unbind(input: Tensor, dim: int = 0) -> tuple:
    """The slices along `dim`, as a tuple (torch.unbind)."""
    d = _axis("unbind", input, dim)
    return tuple(ops.getitem(input, key=(slice(None),) * d + (i,)) for i in range(input.shape[d]))


def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    """`length` elements along `dim` from `start` (torch.narrow)."""
    return ops.getitem(input, key=narrow_key("narrow", input, dim, start, length))


def narrow_key(fn: str, input: Tensor, dim: int, start: int, length: int) -> tuple:
    """The index of `narrow`'s and `narrow_copy`'s piece, checked with PyTorch's words (a
    ShapeError that is also PyTorch's RuntimeError)."""
    d = _axis(fn, input, dim)
    n = input.shape[d]
    start = start + n if start < 0 else start
    if not (0 <= start <= n and 0 <= length and start + length <= n):
        raise as_eager_error(ShapeError(f"{fn}: start ({start}) + length ({length}) exceeds dimension "
                                        f"size ({n}) of shape {tuple(input.shape)} {user_line()}"),
                             RuntimeError)
    return (slice(None),) * d + (slice(start, start + length),)


def _diagonal_of(input: Tensor, offset: int, dim1: int, dim2: int, view: bool = True) -> Tensor:
    d1, d2 = _axis("diagonal", input, dim1), _axis("diagonal", input, dim2)
    if d1 == d2:
        raise ShapeError(f"diagonal: dimensions cannot be identical {dim1}, {dim2} {user_line()}")
    rows_n, cols_n = input.shape[d1], input.shape[d2]
    rows = np.arange(max(0, -offset), max(0, min(rows_n, cols_n - offset)))
    moved = ops.transpose(input, axes=tuple(i for i in range(input.ndim) if i not in (d1, d2)) + (d1, d2))
    out = ops.getitem(moved, key=(Ellipsis, rows, rows + offset))
    if view:
        _as_view(out, moved, offset)
    return out


def _as_view(out: Tensor, moved: Tensor, offset: int) -> None:
    """PyTorch's diagonal is a view (views.strided): the diagonal of moved's last two dims."""
    n = out._data.shape[-1]
    key = (Ellipsis, np.arange(n) + max(0, -offset), np.arange(n) + max(0, offset))

    def view_of(data: np.ndarray) -> np.ndarray:
        start = data[(Ellipsis, slice(max(0, -offset), None), slice(max(0, offset), None))]
        return np.lib.stride_tricks.as_strided(
            start, shape=data.shape[:-2] + (n,), strides=data.strides[:-2] + (sum(data.strides[-2:]),))

    views.strided(out, moved, key, view_of)


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal of the (dim1, dim2) matrices, as the last dim (torch.diagonal)."""
    return _diagonal_of(input, offset, dim1, dim2)


def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """A 1-d input as the `diagonal` of a square matrix; a 2-d input's diagonal (torch.diag)."""
    if input.ndim == 2:  # (a copy, as PyTorch's diag)
        return _diagonal_of(input, diagonal, 0, 1, view=False)
    if input.ndim != 1:
        raise ShapeError(f"diag: expected a 1D or 2D tensor, got shape {tuple(input.shape)} "
                         f"{user_line()}")
    n = input.shape[0] + abs(diagonal)
    rows = np.arange(input.shape[0]) + max(0, -diagonal)
    return ops.scatter_like(input, np.zeros((n, n)), key=(rows, rows + diagonal))


def trace(input: Tensor) -> Tensor:
    """The sum of the main diagonal of a 2-d tensor (torch.trace)."""
    if input.ndim != 2:
        raise ShapeError(f"trace: expected a matrix, got shape {tuple(input.shape)} {user_line()}")
    return ops.sum(_diagonal_of(input, 0, 0, 1, view=False))


def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """input[i] * vec2[j] (torch.outer)."""
    if input.ndim != 1 or vec2.ndim != 1:
        raise ShapeError(f"outer: expected 1-d tensors, got shapes {tuple(input.shape)} and "
                         f"{tuple(vec2.shape)} {user_line()}")
    return ops.multiply(ops.expand_dims(input, axis=1), ops.expand_dims(vec2, axis=0))


def lerp(input: Tensor, end: Tensor, weight) -> Tensor:
    """input + weight * (end - input) (torch.lerp), in PyTorch's two-sided form: where
    |weight| >= 0.5, end - (end - input) * (1 - weight), so weight 1 gives `end` exactly
    (input + 1 * (end - input) lost it: lerp(1e20, 1.0, 1.0) was 0)."""
    lerp_operands(input, end, weight)
    diff = ops.subtract(end, input)
    if isinstance(weight, numbers.Number):  # the side is known here
        if abs(weight) < 0.5:
            return ops.add(input, ops.multiply(weight, diff))
        return ops.subtract(end, ops.multiply(diff, 1 - weight))
    return ops.where(ops.less(ops.abs(weight), 0.5), ops.add(input, ops.multiply(weight, diff)),
                     ops.subtract(end, ops.multiply(diff, ops.subtract(1, weight))))


def clamp_min(input: Tensor, min) -> Tensor:  # noqa: A002 (PyTorch's name)
    """max(x, min) (Tensor.clamp_min)."""
    return input.clamp(min=min)


def clamp_max(input: Tensor, max) -> Tensor:  # noqa: A002 (PyTorch's name)
    """min(x, max) (Tensor.clamp_max)."""
    return input.clamp(max=max)


def equal(input: Tensor, other: Tensor) -> bool:
    """Whether both have the same shape and elements (torch.equal)."""
    return tuple(input.shape) == tuple(other.shape) and bool(ops.sum(ops.not_equal(input, other)).item() == 0)


def diff(input: Tensor, n: int = 1, dim: int = -1, prepend: Tensor | None = None,
         append: Tensor | None = None) -> Tensor:
    """The n-th forward difference along `dim` (torch.diff), after joining `prepend` and
    `append` on either side of it along `dim` (as `cat`, so their dtypes promote); of bools,
    whether neighbours differ (PyTorch's logical xor). A negative n is refused, as PyTorch
    (a range of it would return the input as its "difference")."""
    n = size_value(n, "diff", "n")
    if n < 0:
        raise as_eager_error(ShapeError(f"diff: order must be non-negative but got {n} {user_line()}"))
    d = _axis("diff", input, dim)  # (a 0-d input: out of range, as scalar_dims.py phrases it)
    parts = [_joined("prepend", prepend, input, d), input, _joined("append", append, input, d)]
    parts = [p for p in parts if p is not None]
    out = ops.concatenate(*parts, axis=d) if len(parts) > 1 else input
    step = ops.not_equal if out.dtype is dtypes.bool_ else ops.subtract
    for _ in range(n):
        lead = (slice(None),) * d
        later = ops.getitem(out, key=lead + (slice(1, None),))
        out = step(later, ops.getitem(out, key=lead + (slice(None, -1),)))
    return out


def _joined(name: str, part, input: Tensor, d: int) -> Tensor | None:
    """`diff`'s `prepend` or `append`, checked as PyTorch checks it: a tensor of input's
    number of dims and of its shape except along the differencing dim."""
    if part is None:
        return None
    if not isinstance(part, Tensor):
        raise DualgradTypeError(f"diff(): argument '{name}' must be Tensor, not {type(part).__name__} "
                                f"{user_line()}")
    if part.ndim != input.ndim:
        raise EagerShapeError(f"diff expects prepend or append to be the same dimension as input (input "
                              f"shape {tuple(input.shape)}, {name} shape {tuple(part.shape)}) {user_line()}")
    for k, (a, b) in enumerate(zip(input.shape, part.shape, strict=True)):
        if k != d and a != b:
            raise EagerShapeError(
                "diff expects the shape of tensor to prepend or append to match that of input except "
                f"along the differencing dimension; input.size({k}) = {a}, but got tensor.size({k}) = "
                f"{b} {user_line()}")
    return part


def repeat_interleave(input: Tensor, repeats, dim=None) -> Tensor:
    """Each element repeated `repeats` times (an int or one count per element) along `dim`
    (the flattened tensor when None) (torch.repeat_interleave)."""
    x = ops.reshape(input, shape=(-1,)) if dim is None else input
    d = 0 if dim is None else _axis("repeat_interleave", input, dim)
    counts = repeats if isinstance(repeats, int) else _index_array(repeats)
    order = np.repeat(np.arange(x.shape[d]), counts)
    return ops.getitem(x, key=(slice(None),) * d + (order,))


def meshgrid(*tensors, indexing: str = "ij") -> tuple:
    """Coordinate grids of 1-d tensors, 'ij' (matrix) or 'xy' (Cartesian) indexing (torch.meshgrid)."""
    tensors = tuple(tensors[0]) if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)) else tensors
    if indexing not in ("ij", "xy"):
        raise ShapeError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r} {user_line()}")
    sizes = [t.shape[0] for t in tensors]
    swap = indexing == "xy" and len(tensors) > 1
    if swap:
        sizes[0], sizes[1] = sizes[1], sizes[0]
    out = []
    for k, t in enumerate(tensors):
        position = {0: 1, 1: 0}.get(k, k) if swap else k
        shape = [1] * len(tensors)
        shape[position] = -1
        out.append(ops.broadcast_to(ops.reshape(t, shape=tuple(shape)), shape=tuple(sizes)))
    return tuple(out)


def masked_fill_(input: Tensor, mask, value) -> Tensor:
    """Writes value where mask is true, in place (Tensor.masked_fill_)."""
    return input.copy_(input.masked_fill(mask, value))


FUNCTIONS = {"floor": floor, "ceil": ceil, "round": round, "rsqrt": rsqrt, "flip": flip, "roll": roll,
             "unbind": unbind, "narrow": narrow, "diagonal": diagonal, "diag": diag, "trace": trace,
             "outer": outer, "lerp": lerp, "addmm": addmm, "clamp_min": clamp_min,
             "clamp_max": clamp_max, "equal": equal, "diff": diff, "repeat_interleave": repeat_interleave}
INPLACE = {f"{name}_": unary_method(f"{name}_", getattr(ops, op))
           for name, op in (("abs", "abs"), ("exp", "exp"), ("log", "log"), ("sqrt", "sqrt"), ("sin", "sin"),
                            ("cos", "cos"), ("neg", "negative"), ("sign", "sign"), ("sigmoid", "sigmoid"),
                            ("tanh", "tanh"))}
INPLACE.update({f"{name}_": without_bool(f"{name}_", unary_method(f"{name}_", getattr(ops, name)))
                for name in ("floor", "ceil", "round")})
METHODS = {**FUNCTIONS, **INPLACE, "masked_fill_": masked_fill_}
METHODS = install(globals(), METHODS)
FUNCTIONS = {**{name: METHODS[name] for name in FUNCTIONS}, "meshgrid": refusing(meshgrid, "meshgrid")}
meshgrid = FUNCTIONS["meshgrid"]
