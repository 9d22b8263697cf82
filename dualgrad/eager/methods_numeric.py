"""PyTorch's numeric tensor functions that scripts reach for next: `logaddexp`/`logaddexp2`,
`logcumsumexp`, `nan_to_num`, `frac`, `sgn`, the shifts `<<`/`>>`, `aminmax`, `kron`,
`rot90`, `diag_embed`, `block_diag`, `cartesian_prod`, `trapezoid`/`trapz`, `cov`,
`corrcoef`, `vander`. Each is a registry op (ops.logexp, ops.bitwise) or a composition of
registry ops (reshape, multiply, getitem, scatter_like, concatenate, cumprod, ...), so eager,
compiled and symbolic runs and every gradient come from the ops'. Attached to `Tensor` (where
PyTorch has the method) at import."""
from __future__ import annotations

import itertools
import math
import operator
from collections import namedtuple

import numpy as np

from .. import dtypes, ops
from ..errors import DTypeError, IndexShapeError, ShapeError, refusing, user_line
from ..ops.registry import promoted
from . import api, creation
from .attach import install
from .bind import as_eager_error
from .inplace import inplace, unary_method
from .layout import _keep
from .methods_extra import _dims, diagonal, flip, meshgrid
from .methods_more import _axis
from .scalar_dims import one_element_dims
from .tensor import Tensor

aminmax_result = namedtuple("aminmax", ["min", "max"])


def _float_only(name: str, x: Tensor) -> None:
    if not x.dtype.is_floating_point:
        raise DTypeError(f"{name}: \"{name}\" not implemented for '{x.dtype.name}' (floating point "
                         f"tensors only, as PyTorch) {user_line()}")


# -- elementwise ---------------------------------------------------------------------------------
def logaddexp(input: Tensor, other) -> Tensor:
    """log(exp(input) + exp(other)) without overflow, broadcasting (torch.logaddexp)."""
    return ops.logaddexp(input, other)


def logaddexp2(input: Tensor, other) -> Tensor:
    """log2(2**input + 2**other) without overflow, broadcasting (torch.logaddexp2)."""
    return ops.logaddexp2(input, other)


@one_element_dims("dim")
def logcumsumexp(input: Tensor, dim: int) -> Tensor:
    """log(cumsum(exp(input), dim)) without overflow (torch.logcumsumexp); -inf stays -inf."""
    _float_only("logcumsumexp", input)
    return ops.logcumsumexp(input, axis=_axis("logcumsumexp", input, dim) if input.ndim else 0)


def nan_to_num(input: Tensor, nan: float = 0.0, posinf: float | None = None,
               neginf: float | None = None) -> Tensor:
    """NaN, +inf and -inf replaced by `nan`, `posinf` and `neginf` (by default 0 and the
    dtype's largest and lowest finite values), as torch.nan_to_num; the gradient is 0 there.
    Integer and bool tensors come back as a copy."""
    if not input.dtype.is_floating_point:
        return ops.clone(input)
    info = np.finfo(input.dtype.np)
    high = float(info.max) if posinf is None else posinf
    low = float(info.min) if neginf is None else neginf
    out = ops.where(ops.isnan(input), nan, input)
    out = ops.where(ops.equal(input, math.inf), high, out)
    return ops.where(ops.equal(input, -math.inf), low, out)


def frac(input: Tensor) -> Tensor:
    """input - trunc(input), the sign of input's (torch.frac); gradient 1."""
    _float_only("frac", input)
    return ops.subtract(input, ops.trunc(input))


def sgn(input: Tensor) -> Tensor:
    """sign(input) for real tensors (torch.sgn; x / |x| on complex tensors, which dualgrad
    does not have)."""
    return ops.sign(input)


def bitwise_left_shift(input, other) -> Tensor:
    """input << other on integer tensors; 0 where other < 0 or >= the bit width
    (torch.bitwise_left_shift)."""
    return ops.bitwise_left_shift(input, other)


def bitwise_right_shift(input, other) -> Tensor:
    """input >> other (arithmetic) on integer tensors; 0 or -1 by the sign of input where other
    < 0 or >= the bit width (torch.bitwise_right_shift)."""
    return ops.bitwise_right_shift(input, other)


def _shift_inplace(name: str, op):
    def method(input: Tensor, other) -> Tensor:
        return inplace(input, op, other)

    method.__name__ = name
    method.__doc__ = f"`{op.name}` of this tensor and `other`, written into this tensor (Tensor.{name})."
    return method


# -- reductions ----------------------------------------------------------------------------------
def aminmax(input: Tensor, *, dim: int | None = None, keepdim: bool = False) -> aminmax_result:
    """(min, max) over `dim` or all elements, as a namedtuple (torch.aminmax); ties share
    the gradient, as amin's and amax's."""
    if dim is not None:
        dim = _axis("aminmax", input, dim) if input.ndim else None
    keep = _keep(keepdim, None, "aminmax")
    return aminmax_result(api.amin(input, dim, keep), api.amax(input, dim, keep))


# -- products and layouts ------------------------------------------------------------------------
def kron(input: Tensor, other: Tensor) -> Tensor:
    """The Kronecker product (torch.kron): the shorter shape padded with leading 1s, then
    out[i * m + j] = input[i] * other[j] along every dim."""
    a, b = input, other
    nd = max(a.ndim, b.ndim)
    sa = (1,) * (nd - a.ndim) + tuple(a.shape)
    sb = (1,) * (nd - b.ndim) + tuple(b.shape)
    a = ops.reshape(a, shape=tuple(d for n in sa for d in (n, 1)))
    b = ops.reshape(b, shape=tuple(d for n in sb for d in (1, n)))
    return ops.reshape(ops.multiply(a, b), shape=tuple(p * q for p, q in zip(sa, sb, strict=True)))


def rot90(input: Tensor, k: int = 1, dims=(0, 1)) -> Tensor:
    """Rotated by 90 degrees k times, from the first of `dims` toward the second (torch.rot90,
    np.rot90)."""
    dims = tuple(dims)
    if len(dims) != 2:
        raise as_eager_error(ShapeError(f"rot90: expected total rotation dims == 2, but got dims = "
                                        f"{len(dims)} {user_line()}"))
    if input.ndim < 2:
        raise as_eager_error(ShapeError(f"rot90: expected total dims >= 2, but got total dims = "
                                        f"{input.ndim} {user_line()}"))
    d0, d1 = _dims("rot90", input, dims)
    if d0 == d1:
        raise as_eager_error(ShapeError(f"rot90: expected rotation dims to be different, but got dim0 = "
                                        f"{dims[0]} and dim1 = {dims[1]} {user_line()}"))
    k = k % 4
    swap = list(range(input.ndim))
    swap[d0], swap[d1] = d1, d0
    if k == 1:
        return ops.transpose(flip(input, d1), axes=tuple(swap))
    if k == 2:
        return flip(input, (d0, d1))
    if k == 3:
        return flip(ops.transpose(input, axes=tuple(swap)), d1)
    return ops.clone(input)


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Matrices whose `offset` diagonal (in the planes of dims dim1, dim2 of the result) holds
    the last dim of input (torch.diag_embed)."""
    nd = input.ndim + 1
    d1, d2 = (d % nd if -nd <= d < nd else None for d in (dim1, dim2))
    if d1 is None or d2 is None or d1 == d2:
        raise as_eager_error(ShapeError(f"diag_embed: dim1 ({dim1}) and dim2 ({dim2}) must be different dims "
                                        f"of the {nd}-d result {user_line()}"))
    n = input.shape[-1] if input.ndim else 1
    x = input if input.ndim else ops.reshape(input, shape=(1,))
    m = n + abs(offset)
    i = np.arange(n) + max(0, -offset)
    lead = tuple(x.shape[:-1])
    out = ops.scatter_like(x, np.zeros(lead + (m, m), x.dtype.np),
                           key=(slice(None),) * len(lead) + (i, i + offset))
    rest = iter(range(nd - 2))
    order = [nd - 2 if p == d1 else nd - 1 if p == d2 else next(rest) for p in range(nd)]
    return ops.transpose(out, axes=tuple(order))


def block_diag(*tensors: Tensor) -> Tensor:
    """The tensors (each 0-, 1- or 2-d: a 1-d one is a row) along the diagonal of one matrix,
    zeros elsewhere (torch.block_diag)."""
    mats = []
    for k, t in enumerate(tensors):
        if t.ndim > 2:
            raise as_eager_error(ShapeError(f"block_diag: Input tensors must have 2 or fewer dimensions. "
                                            f"Input {k} has {t.ndim} dimensions {user_line()}"))
        mats.append(ops.reshape(t, shape=(1, 1) if t.ndim == 0 else (1, t.shape[0]) if t.ndim == 1
                                else tuple(t.shape)))
    if not mats:
        return creation.zeros(1, 0)  # the default float, as torch.block_diag()
    width = sum(m.shape[1] for m in mats)
    rows, left = [], 0
    for m in mats:
        c = m.shape[1]
        rows.append(ops.pad(m, paddings=((0, 0), (left, width - left - c))))
        left += c
    return ops.concatenate(*rows, axis=0)


def cartesian_prod(*tensors: Tensor) -> Tensor:
    """Every combination of one element of each 1-d tensor, in row-major order, as rows
    (torch.cartesian_prod; one tensor comes back as it is)."""
    for k, t in enumerate(tensors):
        if t.ndim != 1:
            raise as_eager_error(ShapeError(f"cartesian_prod: expect a 1D vector, but got shape "
                                            f"{tuple(t.shape)} for input {k} {user_line()}"))
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return ops.stack(*(ops.reshape(g, shape=(-1,)) for g in grids), axis=1)


# -- integration and statistics ------------------------------------------------------------------
def _float(x: Tensor) -> Tensor:
    return x if x.dtype.is_floating_point else api.to(x, dtypes.DEFAULT_FLOAT)


def _neighbours(op, v: Tensor, d: int) -> Tensor:
    """op(v[i + 1], v[i]) along dim d."""
    lead = (slice(None),) * d
    return op(ops.getitem(v, key=lead + (slice(1, None),)), ops.getitem(v, key=lead + (slice(None, -1),)))


def _trapezoids(name: str, y: Tensor, x: Tensor | None, dx: float | None, dim: int) -> tuple:
    """(terms, scale, dim as an axis): each interval's trapezoid along dim is its term times
    scale, (y[i] + y[i+1]) times the spacing / 2, from the sample points `x` (1-d, or y's
    shape) or the constant `dx` (1 by default)."""
    if x is not None and dx is not None:
        raise as_eager_error(ShapeError(f"{name}: x and dx cannot both be given {user_line()}"))
    d = _axis(name, y, dim)
    y = _float(y)
    if x is None:
        return _neighbours(ops.add, y, d), 0.5 * (1.0 if dx is None else dx), d
    # y and x in their result dtype first: float32 spacings beside float64 values kept float32's digits
    y, x = promoted(y, _float(x), floating=True)
    pairs = _neighbours(ops.add, y, d)
    if x.ndim == 1:
        if x.shape[0] != y.shape[d]:
            raise as_eager_error(ShapeError(f"{name}: There must be one `x` value for each sample point "
                                            f"(x has {x.shape[0]}, y has {y.shape[d]} along dim {dim}) "
                                            f"{user_line()}"))
        x = ops.reshape(x, shape=(-1,) + (1,) * (y.ndim - 1 - d))
        lead_x = ()
    else:
        lead_x = (slice(None),) * (x.ndim - y.ndim + d)
    steps = _neighbours(ops.subtract, x, len(lead_x))
    return ops.multiply(steps, pairs), 0.5, d


@one_element_dims("dim", always=True)
def trapezoid(y: Tensor, x: Tensor | None = None, *, dx: float | None = None, dim: int = -1) -> Tensor:
    """The trapezoidal rule along `dim`: the sum of the intervals' trapezoids, from the sample
    points `x` or the constant spacing `dx`; fewer than two points integrate to 0 (torch.trapezoid)."""
    terms, scale, d = _trapezoids("trapezoid", y, x, dx, dim)
    return ops.multiply(ops.sum(terms, axis=d), scale)


def cumulative_trapezoid(y: Tensor, x: Tensor | None = None, *, dx: float | None = None,
                         dim: int = -1) -> Tensor:
    """The running trapezoidal rule along `dim`, one value per interval (a point fewer than y:
    torch.cumulative_trapezoid)."""
    if y.ndim == 0:
        raise as_eager_error(IndexShapeError(f"cumulative_trapezoid: slice() cannot be applied to a 0-dim "
                                             f"tensor. {user_line()}"))
    terms, scale, d = _trapezoids("cumulative_trapezoid", y, x, dx, dim)
    return ops.multiply(ops.cumsum(terms, axis=d), scale)


def combinations(input: Tensor, r: int = 2, with_replacement: bool = False) -> Tensor:
    """Every r-element combination of a 1-d input's elements, in itertools' order, as rows
    (torch.combinations; `with_replacement` as itertools.combinations_with_replacement)."""
    if input.ndim != 1:
        raise as_eager_error(ShapeError(f"combinations: Expect a 1D vector, but got shape "
                                        f"{list(input.shape)} {user_line()}"))
    r = operator.index(r)
    if r < 0:
        raise as_eager_error(ShapeError(f"combinations: Expect a non-negative number, but got {r} "
                                        f"{user_line()}"))
    if r == 0:  # (PyTorch's empty 1-d result)
        return ops.getitem(input, key=(np.zeros(0, np.int64),))
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    rows = np.array(list(pick(range(input.shape[0]), r)), np.int64).reshape(-1, r)
    return ops.getitem(input, key=(rows,))


trapz = trapezoid


def cov(input: Tensor, *, correction: int = 1, fweights: Tensor | None = None,
        aweights: Tensor | None = None) -> Tensor:
    """The covariance matrix of the variables in the rows of `input` (a 1-d input is one
    variable), observations in the columns, with frequency and observation weights, divided
    by sum(w) - correction * sum(w * a) / sum(w) (torch.cov, np.cov)."""
    if input.ndim > 2:
        raise as_eager_error(ShapeError(f"cov(): expected input to have two or fewer dimensions but got an "
                                        f"input with {input.ndim} dimensions {user_line()}"))
    x = _float(input)
    if x.ndim < 2:
        x = ops.reshape(x, shape=(1, -1))
    n = x.shape[1]
    w = None
    for name, weights in (("fweights", fweights), ("aweights", aweights)):
        if weights is None:
            continue
        if weights.ndim > 1 or weights.shape[-1:] != (n,) and weights.ndim == 1:
            raise as_eager_error(ShapeError(f"cov(): expected {name} to have one dimension and {n} elements, "
                                            f"got shape {tuple(weights.shape)} {user_line()}"))
        if name == "fweights" and weights.dtype.is_floating_point:
            raise DTypeError(f"cov(): expected fweights to have integral dtype but got {weights.dtype} "
                             f"{user_line()}")
        w = weights if w is None else ops.multiply(w, weights)
    if w is None:
        total = float(n)
        avg = ops.mean(x, axis=1, keepdims=True)
        norm = n - correction
    else:
        w = _float(w) if not w.dtype.is_floating_point else w
        total = ops.sum(w)
        avg = ops.divide(ops.sum(ops.multiply(x, w), axis=1, keepdims=True), total)
        if correction == 0:
            norm = total
        elif aweights is None:
            norm = ops.subtract(total, correction)
        else:
            spread = ops.divide(ops.sum(ops.multiply(w, aweights)), total)
            norm = ops.subtract(total, ops.multiply(spread, correction))
    centred = ops.subtract(x, avg)
    weighted = centred if w is None else ops.multiply(centred, w)
    # a norm of 0 or less is taken as 0, as PyTorch's (inf and NaN entries, with its warning)
    norm = max(norm, 0) if type(norm) is int else ops.maximum(norm, 0)
    out = ops.divide(ops.matmul(weighted, ops.transpose(centred)), norm)
    return ops.squeeze(out) if input.ndim < 2 else out


def corrcoef(input: Tensor) -> Tensor:
    """Pearson's correlation coefficients of the rows of `input`: cov / sqrt(var_i var_j),
    clipped to [-1, 1] (torch.corrcoef, np.corrcoef); a constant row gives NaN."""
    c = cov(input)
    if c.ndim == 0:
        return ops.divide(c, c)
    d = ops.sqrt(diagonal(c))
    r = ops.divide(ops.divide(c, ops.expand_dims(d, axis=1)), ops.expand_dims(d, axis=0))
    return ops.clip(r, min=-1.0, max=1.0)


def vander(x: Tensor, N: int | None = None, increasing: bool = False) -> Tensor:
    """The Vandermonde matrix: column j is x ** (N - 1 - j), or x ** j with `increasing`
    (torch.vander); built as a running product, so the gradient is exact at x = 0, from a
    column of ones that no inf or NaN in x reaches (x ** 0 is 1 for every x, as PyTorch's)."""
    if x.ndim != 1:
        raise as_eager_error(ShapeError(f"vander: x must be a one-dimensional tensor, got shape "
                                        f"{tuple(x.shape)} {user_line()}"))
    n = x.shape[0] if N is None else N
    if n < 0:
        raise as_eager_error(ShapeError(f"vander: N must be non-negative, got {n} {user_line()}"))
    if x.dtype.is_bool or x.dtype.is_integer:
        x = api.to(x, dtypes.int64)
    if n == 0:
        return ops.reshape(ops.getitem(x, key=slice(0, 0)), shape=(x.shape[0], 0)) if x.shape[0] == 0 else \
            ops.multiply(ops.expand_dims(x, axis=1), np.zeros((x.shape[0], 0), x.dtype.np))
    column = ops.expand_dims(x, axis=1)
    ones = creation.ones_like(column)
    powers = ones if n == 1 else ops.cumprod(ops.concatenate(
        ones, ops.broadcast_to(column, shape=(x.shape[0], n - 1)), axis=1), axis=1)
    return powers if increasing else flip(powers, 1)


FUNCTIONS = {
    "logaddexp": logaddexp, "logaddexp2": logaddexp2, "logcumsumexp": logcumsumexp, "nan_to_num": nan_to_num,
    "frac": frac, "sgn": sgn, "bitwise_left_shift": bitwise_left_shift,
    "bitwise_right_shift": bitwise_right_shift, "aminmax": aminmax, "kron": kron, "rot90": rot90,
    "diag_embed": diag_embed, "cov": cov, "corrcoef": corrcoef,
}
_NOT_METHODS = {"block_diag": block_diag, "cartesian_prod": cartesian_prod, "trapezoid": trapezoid,
                "trapz": trapz, "vander": vander, "cumulative_trapezoid": cumulative_trapezoid,
                "combinations": combinations}
FUNCTIONS = install(globals(), FUNCTIONS)
def nan_to_num_(input: Tensor, nan: float = 0.0, posinf: float | None = None,
                neginf: float | None = None) -> Tensor:
    """`nan_to_num` written into this tensor (Tensor.nan_to_num_), as a `copy_` of the result."""
    return input.copy_(nan_to_num(input, nan, posinf, neginf))


def frac_(input: Tensor) -> Tensor:
    """`frac` written into this tensor (Tensor.frac_), as a `copy_` of the result."""
    return input.copy_(frac(input))


_NOT_METHODS = {name: refusing(fn, name) for name, fn in _NOT_METHODS.items()}
globals().update(_NOT_METHODS)
FUNCTIONS.update(_NOT_METHODS)
#: the in-place methods: `Tensor` only
INPLACE = {
    **{name: refusing(_shift_inplace(name, op), name) for name, op in (
        ("bitwise_left_shift_", ops.bitwise_left_shift), ("bitwise_right_shift_", ops.bitwise_right_shift),
        ("__ilshift__", ops.bitwise_left_shift), ("__irshift__", ops.bitwise_right_shift))},
    "sgn_": refusing(unary_method("sgn_", ops.sign), "sgn_"),
    "nan_to_num_": refusing(nan_to_num_, "nan_to_num_"),
    "frac_": refusing(frac_, "frac_"),
}
for _name, _method in INPLACE.items():
    setattr(Tensor, _name, _method)
