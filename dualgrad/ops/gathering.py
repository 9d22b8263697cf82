"""TensorFlow 1's gathering, padding, rounding and norm-clipping ops: primitives with their
VJPs and sympy forms (`round`/`floor`/`ceil`, `logical_xor`, `take` and its adjoint
`take_add`, `pad`), and composites of registry ops (`gather_nd`, `clip_by_norm`).

Rounding and truth-value ops are not differentiable, as in TF1 (`tf.gradients` through
`tf.round` or `tf.floor` is None). `take` reads its indices from a tensor (a fed placeholder
works), unlike `getitem`, whose key is fixed when the op is built.
"""
from __future__ import annotations

import numpy as np

from ..errors import IndexShapeError
from . import composite, specs
from . import elementwise as ew
from . import movement as mv
from . import reductions as rd
from .labels import BoundsCheck
from .lazy import sympy as sp
from .registry import Spec, declare, dtype_error, shape_error
from .symarray import SymArray, SymbolicUnsupported, as_sympy, is_concrete


# -- rounding and truth values (no gradient, as in TF1) ----------------------------------------
def _round_half_even(x):
    """sympy's form of numpy's/TF's round (ties to the even neighbour)."""
    r = sp.floor(x + sp.Rational(1, 2))
    return sp.Piecewise((r - 1, sp.And(sp.Eq(r, x + sp.Rational(1, 2)), sp.Eq(sp.Mod(r, 2), 1))), (r, True))


# (a bool rounds to itself, as floor/ceil do: numpy's round made float16 of it)
round = ew._unary("round", lambda xp, x: xp.array(x, copy=True) if ew._is_bool(x) else xp.round(x), None,  # noqa: A001
                  _round_half_even, floating=False,
                  differentiable=False, doc="x rounded to the nearest integer, ties to even (TF1)")
floor = ew._unary("floor", lambda xp, x: xp.floor(x), None, lambda x: sp.floor(x), floating=False,
                  differentiable=False, doc="the largest integer <= x", ufunc=np.floor)
ceil = ew._unary("ceil", lambda xp, x: xp.ceil(x), None, lambda x: sp.ceiling(x), floating=False,
                 differentiable=False, doc="the smallest integer >= x", ufunc=np.ceil)
logical_xor = declare("logical_xor", lambda xp, x, y: xp.logical_xor(x, y), sympy=lambda x, y: sp.Xor(x, y),
                      shape=specs.predicate, nin=2, differentiable=False, elementwise=True,
                      domain=("bool", "bool"), doc="elementwise exclusive or of truth values")


# -- take: gather along one axis with tensor indices --------------------------------------------
def _take_shape(op, params: Spec, indices: Spec, axis=0):
    if indices.dtype is not None and not indices.dtype.is_integer:
        raise dtype_error(op, [params, indices], "indices must be integers")
    a = specs.check_axis(op, axis, len(params.shape), [params, indices])
    return Spec(tuple(params.shape[:a]) + tuple(indices.shape) + tuple(params.shape[a + 1:]), params.dtype)


def _take_kernel(xp, params, indices, axis=0):
    n = params.shape[axis]
    if xp is np:
        bad = (indices < 0) | (indices >= n)
        if np.any(bad):
            raise IndexShapeError(f"take: index {int(indices[bad].flat[0])} is not in [0, {n}) "
                                  f"(params shape {params.shape}, axis {axis})")
        return np.take(params, indices, axis=axis)
    # a compiled program cannot raise: an index out of [0, n) reads the fill value (TakeCheck)
    return xp.take(params, xp.where(indices < 0, n, indices), axis=axis, mode="fill")


class TakeCheck(BoundsCheck):
    """take's check: an index out of [0, n) reads the fill value in a jax program, where numpy
    raises; a static run raises from the flags before it commits anything, and eager jax
    checks the concrete indices (`verify`)."""

    @staticmethod
    def message(name: str, index: int, n: int, where: str) -> IndexShapeError:
        return IndexShapeError(f"{name}: index {index} is not in [0, {n}) (at {where})")

    @staticmethod
    def flags(xp, out, params, indices, axis=0):
        n, flat = params.shape[axis], indices.reshape(-1)
        bad = ((flat < 0) | (flat >= n)).astype(flat.dtype)
        return xp.concatenate([bad, flat, xp.full((1,), n, flat.dtype)])

    def verify(self, name: str, out, args, where, attrs: dict) -> None:
        params, indices = args
        shape_only = np.broadcast_to(np.empty((), np.int8), params.shape)  # (no copy of params)
        self.raise_flagged(name, self.flags(np, None, shape_only, np.asarray(indices), **attrs), where())


def _index_values(indices: SymArray, idx: tuple) -> int:
    v = indices.at(*idx)
    if not (is_concrete(idx) and getattr(v, "is_Integer", False) or isinstance(v, (int, np.integer))):
        raise SymbolicUnsupported("take with symbolic indices")
    return int(v)


def _take_form(params: SymArray, indices: SymArray, axis=0) -> SymArray:
    a, k = axis % params.ndim, indices.ndim
    shape = params.shape[:a] + indices.shape + params.shape[a + 1:]
    return SymArray(shape, lambda *i: params.at(*i[:a], _index_values(indices, i[a:a + k]), *i[a + k:]))


def _take_add_kernel(xp, g, like, indices, axis=0):
    key = (slice(None),) * (axis % like.ndim) + (indices,)
    if xp is np and g.dtype in (np.float32, np.float64):
        return _bincount_add(g, like.shape, indices, axis % like.ndim)
    if xp is np:
        out = np.zeros(like.shape, dtype=g.dtype)
        np.add.at(out, key, g)
        return out
    return xp.zeros(like.shape, dtype=g.dtype).at[key].add(g)


def _bincount_add(g, shape: tuple, indices, axis: int):
    """take_add of float g by np.bincount on flat positions: several times faster than
    np.add.at (the scatter behind conv2d's and embedding's gradients); sums in float64, then
    rounds once to g's dtype."""
    outer, n, inner = int(np.prod(shape[:axis])), shape[axis], int(np.prod(shape[axis + 1:]))
    rows = (np.arange(outer)[:, None] * n + np.asarray(indices).reshape(1, -1)) * inner
    flat = (rows[:, :, None] + np.arange(inner)).reshape(-1)
    total = np.bincount(flat, weights=g.reshape(-1), minlength=outer * n * inner)
    return total.astype(g.dtype, copy=False).reshape(shape)


def _take_add_form(g: SymArray, like: SymArray, indices: SymArray, axis=0) -> SymArray:
    a = axis % like.ndim
    positions = list(np.ndindex(*indices.shape))

    def at(*i):
        if not is_concrete(i):
            raise SymbolicUnsupported("take_add with symbolic indices")
        hits = [p for p in positions if _index_values(indices, p) == int(i[a])]
        return sum((g.at(*i[:a], *p, *i[a + 1:]) for p in hits), sp.Integer(0))

    return SymArray(like.shape, at)


def _take_add_shape(op, g: Spec, like: Spec, indices: Spec, axis=0):
    return Spec(tuple(like.shape), g.dtype)


take = declare(
    "take", _take_kernel,
    vjp=(lambda g, out, params, indices, axis=0: take_add(g, params, indices, axis=axis), None),
    sympy=_take_form, shape=_take_shape, nin=2, grad_name="Gather", reads=((1,), ()), check=TakeCheck(),
    doc="params indexed along axis by an integer tensor (TF1's gather); the gradient adds back")
take_add = declare(
    "take_add", _take_add_kernel,
    vjp=(lambda gg, out, g, like, indices, axis=0: take(gg, indices, axis=axis), None, None),
    sympy=_take_add_form, shape=_take_add_shape, nin=3, reads=((2,), (), ()),
    doc="zeros shaped like `like` with g added at indices along axis: the adjoint of take")


# -- pad ------------------------------------------------------------------------------------------
def _pad_shape(op, x: Spec, paddings=(), constant_values=0):
    if len(paddings) != len(x.shape):
        raise shape_error(op, [x], f"paddings has {len(paddings)} rows for a {len(x.shape)}-d tensor")
    if any(int(b) < 0 or int(e) < 0 for b, e in paddings):
        raise shape_error(op, [x], f"paddings must be >= 0, got {[list(p) for p in paddings]}")
    return Spec(tuple(None if d is None else d + b + e for d, (b, e) in zip(x.shape, paddings, strict=True)),
                x.dtype)


def _pad_kernel(xp, x, paddings=(), constant_values=0):
    return xp.pad(x, [tuple(p) for p in paddings], mode="constant",
                  constant_values=xp.asarray(constant_values, dtype=x.dtype))


def _pad_form(x: SymArray, paddings=(), constant_values=0) -> SymArray:
    shape = tuple(d + b + e for d, (b, e) in zip(x.shape, paddings, strict=True))

    def at(*i):
        if not is_concrete(i):
            raise SymbolicUnsupported("pad with symbolic indices")
        inner = tuple(int(j) - b for j, (b, _) in zip(i, paddings, strict=True))
        if all(0 <= j < d for j, d in zip(inner, x.shape, strict=True)):
            return x.at(*inner)
        return as_sympy(float(constant_values))

    return SymArray(shape, at)


def _pad_grad_exact(g, out, x, paddings=(), constant_values=0):
    """The inner block of g: stops counted from the end, so unknown dims work too."""
    from .indexing import getitem

    return getitem(g, key=tuple(slice(int(b), -int(e) if int(e) else None) for b, e in paddings))


pad = declare("pad", _pad_kernel, vjp=(_pad_grad_exact,), sympy=_pad_form, shape=_pad_shape,
              saves_inputs=False, doc="x surrounded by constant_values (TF1's CONSTANT mode)")


# -- composites -----------------------------------------------------------------------------------
def gather_nd(params, indices):
    """TF1's gather_nd: the last axis of `indices` (length k, known) indexes the first k dims of
    params (their sizes known), as a `take` along one flattened axis."""
    k = int(indices.shape[-1])
    lead = tuple(int(d) for d in params.shape[:k])
    strides = np.array([int(np.prod(lead[j + 1:])) for j in range(k)], dtype=np.int64)
    flat_index = rd.sum(ew.multiply(indices, strides), axis=-1)
    rest = tuple(-1 if d is None else d for d in params.shape[k:])
    flat = mv.reshape(params, shape=(int(np.prod(lead)),) + rest)
    return take(flat, flat_index, axis=0)


def clip_by_norm(t, clip_norm, axes=None):
    """TF1's clip_by_norm: t * clip_norm / max(||t||_2, clip_norm) over `axes` (all when None);
    a zero t stays zero with a zero gradient (composite.norm's)."""
    norm = composite.norm(t, 2, axis=axes, keepdims=True)
    return ew.divide(ew.multiply(t, clip_norm), ew.maximum(norm, clip_norm))

