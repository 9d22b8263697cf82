"""Running products and scatters with a reduction: PyTorch's `cumprod` and
`scatter_reduce` ('sum', 'prod', 'mean', 'amax', 'amin', with or without the input's own
values). Both VJPs are exact at zeros, as PyTorch's are: no branch divides by a zero."""
from __future__ import annotations

import numpy as np

from . import elementwise as ew
from . import indexing as ix
from . import reductions as rd
from . import specs
from .lazy import sympy as sp
from .registry import Spec, declare, shape_error
from .selection import _reverse_cumsum, cumsum, logical_and, logical_or
from .symarray import SymArray, SymbolicUnsupported, fresh_index, is_concrete

# -- cumprod ---------------------------------------------------------------------------------------


def _cumprod_kernel(xp, x, axis):
    """Integers and bools accumulate in int64, as PyTorch's (jax's own cumprod of int8 wraps
    in int8)."""
    return xp.cumprod(x, axis=axis, dtype=None if x.dtype.kind == "f" else np.int64)


def _cumprod_form(x: SymArray, axis: int) -> SymArray:
    axis = axis % x.ndim

    def at(*idx):
        pick = lambda k: x.at(*idx[:axis], k, *idx[axis + 1:])  # noqa: E731
        if is_concrete(idx[axis:axis + 1]):
            return sp.Mul(*(pick(k) for k in range(int(idx[axis]) + 1)))
        k = fresh_index("p")  # fresh: a cumprod of a cumprod binds its own
        return sp.Product(pick(k), (k, 0, idx[axis]))

    return SymArray(x.shape, at)


def _zero_parts(x, axis, positions):
    """(before the first zero of each slice, at it) masks; zeros are counted as position minus
    the running count of sign(|x|), which keeps the sympy form free of Piecewise."""
    zeros_so_far = ew.subtract(positions, cumsum(ew.sign(ew.abs(x)), axis=axis))
    return ew.equal(zeros_so_far, 0), logical_and(ew.equal(x, 0), ew.equal(zeros_so_far, 1))


def _first_order(g, out, x, axis, positions):
    """The gradient's value, with 0 after the first zero; before, first: `_zero_parts`."""
    before, first = _zero_parts(x, axis, positions)
    upto_zero = ew.divide(_reverse_cumsum(ew.multiply(g, out), axis), ew.where(before, x, 1))
    at_zero = _reverse_cumsum(ew.multiply(g, cumprod(ew.where(first, 1, x), axis=axis)), axis)
    return before, first, ew.where(before, upto_zero, ew.where(first, at_zero, 0))


def _cumprod_grad(g, out, x, axis):
    """d out_j / d x_i = prod_{k <= j, k != i} x_k (j >= i). Before the first zero x_z of the
    slice that is out_j / x_i; at it, the running product with that zero taken as 1; after
    it, 0 (PyTorch's cumprod_backward), written as x_z * T_i with T_i the same gradient of the
    slice with x_z taken as 1: the value 0, and the derivative in x_z that a second derivative
    needs (a constant 0 made it 0 there; finite differences, jax and PyTorch give T_i)."""
    n = x.shape[axis]
    if n is None:
        raise SymbolicUnsupported("cumprod's gradient along a dim of unknown size")
    shape = [1] * len(x.shape)
    shape[axis] = n
    positions = np.arange(1.0, n + 1).reshape(shape)
    before, first, value = _first_order(g, out, x, axis, positions)
    lifted = ew.where(first, 1, x)
    _, _, rest = _first_order(g, cumprod(lifted, axis=axis), lifted, axis, positions)
    first_zero = rd.sum(ew.where(first, x, 0), axis=axis, keepdims=True)  # x_z (0), per slice
    return ew.where(logical_or(before, first), value, ew.multiply(first_zero, rest))


cumprod = declare("cumprod", _cumprod_kernel, vjp=(_cumprod_grad,), sympy=_cumprod_form,
                  shape=specs.cumulative, domain=((-1.5, 1.5),), saves_out=True,
                  doc="running product along axis; exact gradient at zeros (integers multiply in int64)")

# -- scatter_reduce --------------------------------------------------------------------------------

REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")


def scattered(shape: tuple, key: tuple) -> np.ndarray:
    """How many src elements land on each position of an input of `shape` (a numpy constant:
    keys are concrete)."""
    count = np.zeros(shape, dtype=np.int64)
    np.add.at(count, key, 1)
    return count


def _identity(dtype, reduce: str):
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    if np.dtype(dtype).kind == "f":
        return -np.inf if reduce == "amax" else np.inf
    if np.dtype(dtype) == np.bool_:
        return reduce == "amin"
    info = np.iinfo(dtype)
    return info.min if reduce == "amax" else info.max


_UFUNCS = {"sum": np.add, "mean": np.add, "prod": np.multiply, "amax": np.maximum, "amin": np.minimum}
_JAX_UPDATES = {"sum": "add", "mean": "add", "prod": "multiply", "amax": "max", "amin": "min"}


def _scatter_kernel(reduce: str):
    def kernel(xp, x, src, key, include_self=True):
        src = src.astype(x.dtype)
        if xp is np:
            out = np.array(x, copy=True)
            if not include_self:
                out[key] = _identity(x.dtype, reduce)
            _UFUNCS[reduce].at(out, key, src)
        else:
            x = xp.asarray(x)
            at = x.at[key].set(_identity(x.dtype, reduce)).at[key] if not include_self else x.at[key]
            update = _JAX_UPDATES[reduce]
            if x.dtype == bool:  # (jax adds and multiplies no bools: or and and, as numpy's)
                update = {"add": "max", "multiply": "min"}.get(update, update)
            out = getattr(at, update)(src)
        if reduce != "mean":
            return out
        counts = scattered(x.shape, key)
        divisor = np.maximum(counts + (1 if include_self else np.where(counts > 0, 0, 1)), 1)
        if x.dtype.kind == "f":
            return out / divisor.astype(x.dtype)
        return (out // divisor).astype(x.dtype)  # (the int64 counts promoted int8/16/32)

    return kernel


def _groups(shape: tuple, key: tuple) -> dict:
    """input position -> the src positions that land on it."""
    arrays = np.broadcast_arrays(*key)
    out: dict = {}
    for pos in np.ndindex(*arrays[0].shape):
        out.setdefault(tuple(int(a[pos]) for a in arrays), []).append(pos)
    return out


_COMBINE = {"sum": "Add", "mean": "Add", "prod": "Mul", "amax": "Max", "amin": "Min"}


def _scatter_form(reduce: str):
    def form(x: SymArray, src: SymArray, key, include_self=True) -> SymArray:
        groups = _groups(x.shape, key)
        combine = getattr(sp, _COMBINE[reduce])

        def at(*idx):
            if not is_concrete(idx):
                raise SymbolicUnsupported("scatter_reduce with symbolic indices")
            idx = tuple(int(i) for i in idx)
            terms = [src.at(*p) for p in groups.get(idx, [])]
            if not terms:
                return x.at(*idx)
            terms = ([x.at(*idx)] if include_self else []) + terms
            value = combine(*terms)
            return value / len(terms) if reduce == "mean" else value

        return SymArray(x.shape, at)

    return form


def _zeros_like(x):
    return np.zeros(tuple(x.shape))


def _grad_x(reduce: str):
    def rule(g, out, x, src, key, include_self=True):
        counts = scattered(tuple(x.shape), key)
        hit = counts > 0
        if not include_self and reduce in ("sum", "mean", "prod"):
            return ew.where(hit, 0, g)
        if reduce == "sum":
            return g
        if reduce == "mean":
            return ew.divide(g, counts + 1)
        if reduce == "prod":  # the product of the others: x's zeros taken as 1
            safe = ew.where(ew.equal(x, 0), 1, x)
            return ew.divide(ew.multiply(g, scatter_reduce(safe, src, key, "prod")), safe)
        shared = ew.divide(g, _tie_count(out, x, src, key, include_self))
        return ew.where(_x_ties(out, x, hit, include_self), shared, 0)

    return rule


def _x_ties(out, x, hit, include_self: bool):
    ties = ew.equal(x, out)
    return ties if include_self else logical_and(ties, ~hit)


def _tie_count(out, x, src, key, include_self: bool):
    """How many of the values reduced into each position equal the extreme (amax/amin share
    the gradient evenly among ties, as PyTorch does)."""
    hit = scattered(tuple(x.shape), key) > 0
    x_ties = ew.where(_x_ties(out, x, hit, include_self), 1, 0)  # int64 counts keep g's dtype
    src_ties = ew.where(ew.equal(src, ix.getitem(out, key=key)), 1, 0)
    return scatter_reduce(x_ties, src_ties, key, "sum")


def _grad_src(reduce: str):
    def rule(g, out, x, src, key, include_self=True):
        if reduce == "sum":
            return ix.getitem(g, key=key)
        if reduce == "mean":
            counts = scattered(tuple(x.shape), key) + (1 if include_self else 0)
            return ix.getitem(ew.divide(g, np.maximum(counts, 1)), key=key)
        if reduce == "prod":
            return _prod_src_grad(g, out, x, src, key, include_self)
        ties = ew.equal(src, ix.getitem(out, key=key))
        shared = ix.getitem(ew.divide(g, _tie_count(out, x, src, key, include_self)), key=key)
        return ew.where(ties, shared, 0)

    return rule


def _prod_src_grad(g, out, x, src, key, include_self: bool):
    """out / src where src != 0; at a zero that is the only zero among the src values of its
    position, the product of the others; else 0 (PyTorch's scatter_reduce backward)."""
    zero = ew.equal(src, 0)
    group = scattered(tuple(x.shape), key)[key]
    nonzero = ix.getitem(scatter_reduce(_zeros_like(x), ew.sign(ew.abs(src)), key, "sum", include_self=False),
                         key=key)
    single = logical_and(zero, ew.equal(nonzero, group - 1))
    others = scatter_reduce(x, ew.where(single, 1, src), key, "prod", include_self=include_self)
    divided = ew.divide(ix.getitem(ew.multiply(g, out), key=key), ew.where(zero, 1, src))
    return ew.where(single, ix.getitem(ew.multiply(g, others), key=key), ew.where(zero, 0, divided))


def _scatter_shape(op, x: Spec, src: Spec, key, include_self=True):
    if not isinstance(key, tuple) or len(key) != len(x.shape):
        raise shape_error(op, [x, src], "key must be a tuple of one integer array per input dim")
    try:
        target = np.broadcast_shapes(*(np.shape(k) for k in key))
    except ValueError as e:
        raise shape_error(op, [x, src], f"the index arrays do not broadcast: {e}") from None
    if None not in src.shape and tuple(src.shape) != target:
        raise shape_error(op, [x, src], f"src has shape {tuple(src.shape)}, the index {target}")
    return Spec(tuple(x.shape), x.dtype)


#: One op per reduction (an attr cannot be text): `scatter_sum`, `scatter_prod`, ...
SCATTER_OPS = {
    reduce: declare(f"scatter_{reduce}", _scatter_kernel(reduce), vjp=(_grad_x(reduce), _grad_src(reduce)),
                    sympy=_scatter_form(reduce), shape=_scatter_shape, nin=2, saves_out=True,
                    domain=((-1.5, 1.5), (-1.5, 1.5)), grad_name="ScatterReduceBackward0",
                    doc=f"x with the src values reduced ({reduce}) into the positions `key` names, with or "
                        f"without x's own values (torch.scatter_reduce, reduce='{reduce}')")
    for reduce in REDUCTIONS
}


def scatter_reduce(x, src, key, reduce: str = "sum", include_self: bool = True):
    """PyTorch's scatter_reduce on an advanced-indexing `key` (one integer array per dim of x,
    broadcasting to src's shape): the op of that reduction."""
    return SCATTER_OPS[reduce](x, src, key=key, include_self=include_self)
