"""Reductions over an `axis` (None: all axes) with `keepdims`: sum, mean, prod, amax/amin
(ties share the gradient), max_dim/min_dim (the gradient goes to the first extreme, like
PyTorch's `max(dim)`), argmax/argmin and size."""
from __future__ import annotations

import math

import numpy as np

from . import elementwise as ew
from . import movement as mv
from . import specs
from .lazy import sympy as sp
from .registry import Spec, declare, named_by_axis
from .symarray import SymArray, SymbolicUnsupported, fresh_index, is_concrete, summed


def reduce_axes(x, axis) -> tuple[int, ...]:
    ndim = len(x.shape)
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    return tuple(sorted(a % ndim for a in axes)) if ndim else ()


def expand_back(g, x, axis, keepdims):
    """Broadcast a reduced gradient back over the reduced axes of x. A whole reduction's
    gradient is 0-d and broadcasts as it is, so x's rank may be unknown (a static
    placeholder with no shape)."""
    if not keepdims and axis is not None:
        axes = reduce_axes(x, axis)
        if axes:
            g = mv.expand_dims(g, axis=axes)
    return mv.broadcast_to_like(g, x)


def reduced_count(x, axis):
    """How many elements go into each output: a Python int when those dims are known."""
    if x.shape is None:  # unknown rank: counted at run time
        return size(x, axis=axis)
    dims = [tuple(x.shape)[a] for a in reduce_axes(x, axis)]
    if None not in dims:
        return math.prod(dims)
    return size(x, axis=axis)


def _reduce_form(combine):
    """A sympy form for a reduction written as `combine(term, dims)` over fresh indices."""

    def form(x: SymArray, axis=None, keepdims=False) -> SymArray:
        axes = reduce_axes(x, axis)
        kept = [k for k in range(x.ndim) if k not in axes]
        shape = [1 if k in axes else x.shape[k] for k in range(x.ndim)] if keepdims else \
            [x.shape[k] for k in kept]

        def at(*idx):
            outer = [idx[k] for k in kept] if keepdims else list(idx)

            def term(*inner):
                full, it_o, it_i = [], iter(outer), iter(inner)
                for k in range(x.ndim):
                    full.append(next(it_i) if k in axes else next(it_o))
                return x.at(*full)

            return combine(term, [x.shape[k] for k in axes])

        return SymArray(shape, at)

    return form


def _mean_combine(term, dims):
    return summed(term, dims) / math.prod(dims) if dims else term()


def _product(term, dims):
    if not dims:
        return term()
    indices = [fresh_index("p") for _ in dims]  # fresh: a nested product binds its own
    return sp.Product(term(*indices), *[(i, 0, d - 1) for i, d in zip(indices, dims, strict=True)])


def _extreme(pick):
    def combine(term, dims):
        if not all(isinstance(d, int) for d in dims):
            raise SymbolicUnsupported("max/min over a symbolic size")
        return pick(*(term(*idx) for idx in np.ndindex(*dims))) if dims else term()

    return combine


def sum_kernel(xp, x, axis=None, keepdims=False):
    """xp.sum; on numpy the ufunc reduction np.sum runs (the same result, bit for bit),
    without np.sum's Python wrapper, 2-3 µs a call (eager losses, softmax-like kernels)."""
    dtype = _unsigned_total(x)
    if xp is np:
        if x.dtype == np.float16:  # float32 accumulator, as XLA, TF1 and PyTorch: numpy adds
            # along a strided axis in float16 (300 values near 100 summed 1.5% low)
            total = np.add.reduce(x, axis=axis, keepdims=keepdims, dtype=np.float32)
            with np.errstate(over="ignore"):  # beyond float16: inf, as float16 addition gives
                return total.astype(np.float16)
        return np.add.reduce(x, axis=axis, keepdims=keepdims, dtype=dtype)
    return xp.sum(x, axis=axis, keepdims=keepdims, dtype=dtype)


def _unsigned_total(x):
    """int64 for the sum or product of unsigned ints (PyTorch's; numpy's uint64 is not a
    dualgrad dtype), else None: the kernel's own."""
    return np.int64 if x.dtype.kind == "u" else None


def max_kernel(xp, x, axis=None, keepdims=False):
    """xp.max; on numpy the ufunc reduction np.max runs, without its Python wrapper."""
    if xp is np:
        return np.maximum.reduce(x, axis=axis, keepdims=keepdims)
    return xp.max(x, axis=axis, keepdims=keepdims)


sum = declare(
    "sum", sum_kernel,
    vjp=(lambda g, out, x, axis=None, keepdims=False: expand_back(g, x, axis, keepdims),),
    sympy=_reduce_form(summed), shape=specs.reduce, saves_inputs=False, doc="sum over axis",
    grad_name=named_by_axis("SumBackward0", "SumBackward1"))

mean = declare(
    "mean", lambda xp, x, axis=None, keepdims=False: xp.mean(x, axis=axis, keepdims=keepdims),
    vjp=(lambda g, out, x, axis=None, keepdims=False:
         ew.divide(expand_back(g, x, axis, keepdims), reduced_count(x, axis)),),
    sympy=_reduce_form(_mean_combine), shape=specs.reduce, floating=True,
    grad_name=named_by_axis("MeanBackward0", "MeanBackward1"),
    saves_inputs=False, doc="mean over axis (a primitive, so grad_fn prints MeanBackward0)")

def _prod_grad(g, out, x, axis=None, keepdims=False):
    """out / x where x != 0; at a zero, the product of the others (PyTorch's finite gradient;
    dividing by x would give nan there): the product of the nonzeros if it is the only zero
    in its slice; with exactly two zeros that product times the other zero, whose value 0
    keeps the gradient 0 but whose derivative is the second derivative's (a constant 0 lost
    it: the Hessian of prod([0, 2, 0]) read 0 where it is 2 between the zeros); with more
    zeros, 0. The zeros are replaced by 1 before dividing, so no branch divides by zero."""
    zero = ew.equal(x, 0)
    safe = ew.where(zero, 1, x)
    # "the only zero" as "all the others are nonzero", counted with sign(|x|): a count built
    # from where(...) would put a Piecewise inside the condition, which sympy mangles
    nonzero = expand_back(sum(ew.sign(ew.abs(x)), axis=axis, keepdims=keepdims), x, axis, keepdims)
    count = reduced_count(x, axis)
    alone = ew.equal(nonzero, ew.subtract(count, 1))
    pair = ew.equal(nonzero, ew.subtract(count, 2))
    others = expand_back(prod(safe, axis=axis, keepdims=keepdims), x, axis, keepdims)
    zeros_total = expand_back(sum(ew.where(zero, x, 0), axis=axis, keepdims=keepdims), x, axis, keepdims)
    other_zero = ew.subtract(zeros_total, x)  # (at a zero of a pair: the other zero, 0 in value)
    at_zero = ew.where(alone, others, ew.where(pair, ew.multiply(others, other_zero), 0))
    local = ew.where(zero, at_zero, ew.divide(expand_back(out, x, axis, keepdims), safe))
    return ew.multiply(expand_back(g, x, axis, keepdims), local)


prod = declare(
    "prod", lambda xp, x, axis=None, keepdims=False: xp.prod(x, axis=axis, keepdims=keepdims,
                                                             dtype=_unsigned_total(x)),
    vjp=(_prod_grad,), sympy=_reduce_form(_product), shape=specs.reduce, domain=((-1.5, 1.5),),
    grad_name=named_by_axis("ProdBackward0", "ProdBackward1"),
    saves_out=True, doc="product over axis; at a zero the gradient is the product of the others")


def _shared_extreme_grad(g, out, x, axis=None, keepdims=False):
    """Ties share the gradient; where the extreme is nan (numpy's max propagates it), the nans
    are the ties, as PyTorch's `max()` has it (`[nan, 1]` gives `[1, 0]`, not nan everywhere)."""
    wide = expand_back(out, x, axis, keepdims)
    hits = ew.where(ew.not_equal(wide, wide), ew.not_equal(x, x), ew.equal(x, wide))
    # count the ties as numbers, not by summing booleans (sympy cannot add True and False)
    share = expand_back(sum(ew.where(hits, 1, 0), axis=axis, keepdims=keepdims), x, axis, keepdims)
    return ew.divide(ew.where(hits, expand_back(g, x, axis, keepdims), 0), share)


amax = declare(
    "amax", lambda xp, x, axis=None, keepdims=False: xp.max(x, axis=axis, keepdims=keepdims),
    vjp=(_shared_extreme_grad,), sympy=_reduce_form(_extreme(lambda *a: sp.Max(*a))),
    shape=specs.reduce, grad_name=named_by_axis("MaxBackward1", "AmaxBackward0"), saves_out=True,
    doc="max over axis; tied maxima share the gradient")
amin = declare(
    "amin", lambda xp, x, axis=None, keepdims=False: xp.min(x, axis=axis, keepdims=keepdims),
    vjp=(_shared_extreme_grad,), sympy=_reduce_form(_extreme(lambda *a: sp.Min(*a))),
    shape=specs.reduce, grad_name=named_by_axis("MinBackward1", "AminBackward0"), saves_out=True,
    doc="min over axis; tied minima share the gradient")


def _first_extreme_mask(xp, x, axis, find):
    idx = xp.expand_dims(find(x, axis=axis), axis)
    positions = xp.arange(x.shape[axis]).reshape((-1,) + (1,) * (x.ndim - axis % x.ndim - 1))
    return positions == idx


def _is_first_extreme(x: SymArray, axis: int, idx: tuple, beats):
    """True where x[idx] is the first extreme along axis: it beats every earlier element
    strictly and is not beaten by any later one (concrete sizes and indices only)."""
    n, k = x.shape[axis], idx[axis]
    if not (isinstance(n, int) and is_concrete([k])):
        raise SymbolicUnsupported("the first max/min needs concrete sizes and indices")
    k = int(k)
    at = lambda j: x.at(*idx[:axis], j, *idx[axis + 1:])
    return sp.And(*(beats(at(k), at(j)) if j < k else sp.Not(beats(at(j), at(k)))
                    for j in range(n) if j != k))


def _first_extreme_form(beats):
    def form(x: SymArray, axis) -> SymArray:
        return SymArray(x.shape, lambda *idx: _is_first_extreme(x, axis % x.ndim, idx, beats))

    return form


first_max_mask = declare(
    "first_max_mask", lambda xp, x, axis: _first_extreme_mask(xp, x, axis, xp.argmax),
    shape=lambda op, x, axis: Spec(tuple(x.shape), specs.dtypes.bool_), differentiable=False,
    sympy=_first_extreme_form(lambda a, b: a > b), doc="one-hot of the first maximum along axis")
first_min_mask = declare(
    "first_min_mask", lambda xp, x, axis: _first_extreme_mask(xp, x, axis, xp.argmin),
    shape=lambda op, x, axis: Spec(tuple(x.shape), specs.dtypes.bool_), differentiable=False,
    sympy=_first_extreme_form(lambda a, b: a < b), doc="one-hot of the first minimum along axis")


def _first_extreme_grad(mask_op):
    def rule(g, out, x, axis, keepdims=False):
        return ew.where(mask_op(x, axis=axis), expand_back(g, x, axis, keepdims), 0)

    return rule


max_dim = declare(
    "max_dim", lambda xp, x, axis, keepdims=False: xp.max(x, axis=axis, keepdims=keepdims),
    vjp=(_first_extreme_grad(first_max_mask),), sympy=_reduce_form(_extreme(lambda *a: sp.Max(*a))),
    shape=specs.reduce, grad_name="Max", doc="max along one dim; the gradient goes to argmax")
min_dim = declare(
    "min_dim", lambda xp, x, axis, keepdims=False: xp.min(x, axis=axis, keepdims=keepdims),
    vjp=(_first_extreme_grad(first_min_mask),), sympy=_reduce_form(_extreme(lambda *a: sp.Min(*a))),
    shape=specs.reduce, grad_name="Min", doc="min along one dim; the gradient goes to argmin")


def _arg_kernel(find):
    def kernel(xp, x, axis=None, keepdims=False):
        if axis is None:
            r = find(xp.reshape(x, (-1,)))
            return xp.reshape(r, (1,) * x.ndim) if keepdims else r
        return find(x, axis=axis, keepdims=keepdims)

    return kernel


def _arg_form(beats):
    """sum_k k * [x_k is the first extreme], over the flattened x when axis is None."""

    def form(x: SymArray, axis=None, keepdims=False) -> SymArray:
        if axis is None:
            flat = mv.reshape(x, shape=(-1,))
            found = form(flat, axis=0)
            return mv.reshape(found, shape=(1,) * x.ndim) if keepdims else found
        axis = axis % x.ndim

        def at(*idx):
            outer = [i for k, i in enumerate(idx) if k != axis] if keepdims else list(idx)
            full = lambda j: tuple(outer[:axis]) + (j,) + tuple(outer[axis:])
            return sp.Add(*(sp.Piecewise((j, _is_first_extreme(x, axis, full(j), beats)), (0, True))
                            for j in range(x.shape[axis])))

        shape = [1 if k == axis else d for k, d in enumerate(x.shape)] if keepdims else \
            [d for k, d in enumerate(x.shape) if k != axis]
        return SymArray(shape, at)

    return form


argmax = declare("argmax", _arg_kernel(lambda a, **kw: a.argmax(**kw)), shape=specs.index_result,
                 sympy=_arg_form(lambda a, b: a > b), differentiable=False, doc="index of the first maximum")
argmin = declare("argmin", _arg_kernel(lambda a, **kw: a.argmin(**kw)), shape=specs.index_result,
                 sympy=_arg_form(lambda a, b: a < b), differentiable=False, doc="index of the first minimum")


def _size_kernel(xp, x, axis=None):
    return xp.asarray(math.prod(x.shape[a] for a in reduce_axes(x, axis)), dtype=np.int64)


def _size_form(x: SymArray, axis=None):
    return SymArray((), lambda: sp.Integer(math.prod(x.shape[a] for a in reduce_axes(x, axis))))


size = declare("size", _size_kernel, shape=lambda op, x, axis=None: Spec((), specs.dtypes.int64),
               differentiable=False, sympy=_size_form,
               doc="the number of elements (along axis), read at run time")
