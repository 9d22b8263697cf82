"""Movement ops: reshape, transpose, broadcast, squeeze, concatenate, stack, and the `*_like`
pair (`sum_to_like`, `broadcast_to_like`) that the reverse walker and the reduction rules use.

The `*_like` ops take the target shape from a second input at run time, so the same VJP rule
works for eager tensors, for static graphs with unknown (`None`) dims, and under jax tracing.
"""
from __future__ import annotations

import numpy as np

from . import indexing, specs
from .concat_parts import concat_part
from .lazy import sympy as sp
from .registry import Spec, declare, named_by_axis, shape_error
from .symarray import SymArray, aligned, is_concrete, summed


def _shape_of(x) -> tuple:
    return tuple(getattr(x, "shape", ()))


def _ndim(x) -> int:
    return len(_shape_of(x))


# -- reshape ------------------------------------------------------------------------------


def resolve_shape(op, spec: Spec, shape) -> tuple:
    """Replace one -1 in `shape` by the size it must have; None stays unknown."""
    shape = tuple(shape)
    if shape.count(-1) > 1:
        raise shape_error(op, [spec], f"only one dimension can be inferred, got shape {shape}")
    known = [d for d in spec.shape]
    if -1 not in shape:
        if None not in known and None not in shape and int(np.prod(known)) != int(np.prod(shape)):
            raise shape_error(op, [spec], f"shape {shape} is invalid for input of size {int(np.prod(known))}")
        return shape
    if None in known:
        return tuple(None if d == -1 else d for d in shape)
    rest = int(np.prod([d for d in shape if d != -1]))
    total = int(np.prod(known))
    if rest == 0 or total % rest:
        raise shape_error(op, [spec], f"shape {shape} is invalid for input of size {total}")
    return tuple(total // rest if d == -1 else d for d in shape)


def _flat_position(idx, shape):
    pos = 0
    for i, d in zip(idx, shape, strict=True):
        pos = pos * d + i
    return pos


def _unflatten(pos, shape):
    out = []
    for d in reversed(shape):
        out.append(pos % d if isinstance(pos, int) else sp.Mod(pos, d))
        pos = pos // d if isinstance(pos, int) else sp.floor(pos / d)
    return tuple(reversed(out))


def _reshape_form(x: SymArray, shape) -> SymArray:
    n = int(np.prod(x.shape))
    shape = tuple(n // -int(np.prod(shape)) if d == -1 else d for d in shape)
    return SymArray(shape, lambda *idx: x.at(*_unflatten(_flat_position(idx, shape), x.shape)))


reshape = declare(
    "reshape", lambda xp, x, shape: xp.reshape(x, shape),
    vjp=(lambda g, out, x, shape: reshape_like(g, x),), sympy=_reshape_form,
    shape=lambda op, x, shape: Spec(resolve_shape(op, x, shape), x.dtype), grad_name="View",
    saves_inputs=False, doc="the same elements in a new shape (-1 infers one dim)")


def _reshape_like_form(x: SymArray, like: SymArray) -> SymArray:
    return _reshape_form(x, like.shape)


reshape_like = declare(
    "reshape_like", lambda xp, x, like: xp.reshape(x, like.shape),
    vjp=(lambda g, out, x, like: reshape_like(g, x), None), sympy=_reshape_like_form,
    shape=specs.like_second, nin=2, grad_name="Reshape",
    saves_inputs=False, doc="reshape x to the shape of `like` (known only at run time in static graphs)")

# -- transpose ---------------------------------------------------------------------------


def _axes_or_reversed(axes, ndim):
    return tuple(range(ndim))[::-1] if axes is None else tuple(a % ndim for a in axes)


def _inverse(axes):
    return tuple(int(i) for i in np.argsort(axes))


def _transpose_shape(op, x: Spec, axes=None):
    if axes is not None:
        axes = tuple(specs.check_axis(op, a, len(x.shape), [x]) for a in specs.axis_tuple(op, axes, [x]))
    axes = _axes_or_reversed(axes, len(x.shape))
    if sorted(axes) != list(range(len(x.shape))):
        raise shape_error(op, [x], f"axes {axes} are not a permutation of the dims")
    return Spec(tuple(x.shape[a] for a in axes), x.dtype)


def _transpose_form(x: SymArray, axes=None) -> SymArray:
    axes = _axes_or_reversed(axes, x.ndim)
    inv = _inverse(axes)
    return SymArray([x.shape[a] for a in axes], lambda *idx: x.at(*(idx[i] for i in inv)))


def _transpose_kernel(xp, x, axes=None):
    """xp.transpose; a numpy array's own method on numpy (np.transpose calls it, after the
    array-function dispatch: 0.6 of a 0.8 us call), as the matmul VJPs' transposes run."""
    return x.transpose(axes) if xp is np and type(x) is np.ndarray else xp.transpose(x, axes)


transpose = declare(
    "transpose", _transpose_kernel,
    vjp=(lambda g, out, x, axes=None: transpose(g, axes=_inverse(_axes_or_reversed(axes, _ndim(x)))),),
    sympy=_transpose_form, shape=_transpose_shape, grad_name="Permute",
    saves_inputs=False, doc="permute dims (reverse them when axes is None)")

# -- adding and removing unit dims ---------------------------------------------------------


def _expand_dims_axes(axis, ndim_out):
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    return tuple(sorted(a % ndim_out for a in axes))


def _expand_dims_shape(op, x: Spec, axis):
    given = specs.axis_tuple(op, axis, [x])
    n_out = len(x.shape) + len(given)
    axes = [specs.check_axis(op, a, n_out, [x]) for a in given]
    if len(set(axes)) != len(axes):
        raise shape_error(op, [x], f"axes {given} repeat a dimension")
    axes = _expand_dims_axes(axis, n_out)
    shape = list(x.shape)
    for a in axes:
        shape.insert(a, 1)
    return Spec(tuple(shape), x.dtype)


def _expand_dims_form(x: SymArray, axis) -> SymArray:
    n_out = x.ndim + (1 if isinstance(axis, int) else len(axis))
    axes = _expand_dims_axes(axis, n_out)
    shape = list(x.shape)
    for a in axes:
        shape.insert(a, 1)
    return SymArray(shape, lambda *idx: x.at(*(i for k, i in enumerate(idx) if k not in axes)))


expand_dims = declare(
    "expand_dims", lambda xp, x, axis: xp.expand_dims(x, axis),
    vjp=(lambda g, out, x, axis: reshape_like(g, x),), sympy=_expand_dims_form,
    shape=_expand_dims_shape, grad_name="Unsqueeze", saves_inputs=False, doc="insert size-1 dims at `axis`")


def _squeeze_axes(shape, axis):
    if axis is None:
        return tuple(i for i, d in enumerate(shape) if d == 1)
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    n = max(len(shape), 1)
    if any(not -n <= a < n for a in axes):
        raise IndexError(f"squeeze: dimension out of range for a {len(shape)}-d tensor")
    return tuple(a % n for a in axes if shape and shape[a % len(shape)] == 1)


def _squeeze_kernel(xp, x, axis=None):
    return xp.squeeze(x, _squeeze_axes(x.shape, axis))


def _squeeze_shape(op, x: Spec, axis=None):
    if axis is not None:
        specs.normalize_axes(op, axis, len(x.shape), [x])  # raises, naming the op and shape
    axes = _squeeze_axes(x.shape, axis)
    return Spec(tuple(d for i, d in enumerate(x.shape) if i not in axes), x.dtype)


def _squeeze_form(x: SymArray, axis=None) -> SymArray:
    axes = _squeeze_axes(x.shape, axis)
    kept = [i for i in range(x.ndim) if i not in axes]

    def at(*idx):
        full = [0] * x.ndim
        for k, i in zip(kept, idx, strict=True):
            full[k] = i
        return x.at(*full)

    return SymArray([x.shape[i] for i in kept], at)


squeeze = declare(
    "squeeze", _squeeze_kernel, vjp=(lambda g, out, x, axis=None: reshape_like(g, x),),
    sympy=_squeeze_form, shape=_squeeze_shape,
    grad_name=named_by_axis("SqueezeBackward0", "SqueezeBackward1"),
    saves_inputs=False, doc="drop size-1 dims (PyTorch: a named dim that is not 1 is left alone)")

# -- broadcasting and its adjoint --------------------------------------------------------


def _broadcast_to_shape(op, x: Spec, shape):
    target = Spec(tuple(shape), x.dtype)
    out = specs.broadcast_shapes(op, [x, target])
    if len(x.shape) > len(shape) or tuple(out) != tuple(shape):
        raise shape_error(op, [x], f"cannot expand to {tuple(shape)}")
    return target


def _broadcast_form(x: SymArray, shape) -> SymArray:
    return SymArray(shape, lambda *idx: x.at(*aligned(x, idx, len(shape))))


broadcast_to = declare(
    "broadcast_to", lambda xp, x, shape: xp.broadcast_to(x, tuple(shape)),
    vjp=(lambda g, out, x, shape: sum_to_like(g, x),), sympy=_broadcast_form,
    shape=_broadcast_to_shape, grad_name="Expand", saves_inputs=False, doc="repeat size-1 dims to `shape`")


def _broadcast_like_kernel(xp, x, like):
    if xp is np and type(x) is np.ndarray and x.ndim == 0:  # a whole sum's or mean's gradient
        # np.broadcast_to's result (a read-only view, every stride 0) made directly: a third
        # of its cost, which is its Python-level argument handling
        view = np.ndarray(like.shape, x.dtype, x, 0, (0,) * len(like.shape))
        view.flags.writeable = False
        return view
    return xp.broadcast_to(x, like.shape)


broadcast_to_like = declare(
    "broadcast_to_like", _broadcast_like_kernel,
    vjp=(lambda g, out, x, like: sum_to_like(g, x), None),
    sympy=lambda x, like: _broadcast_form(x, like.shape), shape=specs.like_second, nin=2,
    grad_name="Expand", saves_inputs=False, doc="broadcast x to the shape of `like` (read at run time)")


def reduced_axes(shape, target) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Axes to sum so that `shape` becomes `target`: the leading extra ones (dropped) and the
    ones where target has size 1 (kept)."""
    lead = len(shape) - len(target)
    kept = tuple(lead + i for i, d in enumerate(target) if d == 1 and shape[lead + i] != 1)
    return tuple(range(lead)), kept


def _sum_to_like_kernel(xp, x, like):
    target = like.shape
    shape = x.shape
    if shape == target:
        return x
    if xp is np:  # np.sum's own ufunc reduction and ndarray.reshape, without their Python wrappers
        if len(shape) == len(target) + 1 and shape[1:] == target:  # a bias's gradient: over the
            return np.add.reduce(x, axis=0)  # batch (the same reduction as below, no reshape)
        lead, kept = reduced_axes(shape, target)
        if kept:
            x = np.add.reduce(x, axis=kept, keepdims=True)
        if lead:
            x = np.add.reduce(x, axis=lead)
        # (an array of its own, not a view: `.grad` takes it without a copy, engine._accumulate)
        return x if type(x) is np.ndarray and x.shape == target else x.reshape(target)
    lead, kept = reduced_axes(shape, target)
    if kept:
        x = xp.sum(x, axis=kept, keepdims=True)
    if lead:
        x = xp.sum(x, axis=lead)
    return xp.reshape(x, target)


def _sum_to_form(x: SymArray, like: SymArray) -> SymArray:
    target = like.shape
    lead, kept = reduced_axes(x.shape, target)
    summed_axes = lead + kept

    def at(*idx):
        def term(*free):
            full, it = [], iter(free)
            for k in range(x.ndim):
                if k in summed_axes:
                    full.append(next(it))
                else:
                    full.append(idx[k - len(lead)])
            return x.at(*full)

        return summed(term, [x.shape[k] for k in summed_axes])

    return SymArray(target, at)


sum_to_like = declare(
    "sum_to_like", _sum_to_like_kernel, vjp=(lambda g, out, x, like: broadcast_to_like(g, x), None),
    sympy=_sum_to_form, shape=specs.like_second, nin=2, grad_name="SumTo",
    saves_inputs=False, doc="sum x down to the shape of `like`: the adjoint of broadcasting")

# -- joining -------------------------------------------------------------------------------


def _concat_shape(op, *xs: Spec, axis=0):
    ndim = len(xs[0].shape)
    if ndim == 0:
        raise shape_error(op, xs, "zero-dimensional tensors cannot be concatenated")
    axis = specs.check_axis(op, axis, ndim, xs)
    total = 0
    for s in xs:
        if len(s.shape) != ndim:
            raise shape_error(op, xs, "all inputs must have the same number of dims")
        for k in range(ndim):
            if k != axis and None not in (s.shape[k], xs[0].shape[k]) and s.shape[k] != xs[0].shape[k]:
                raise shape_error(op, xs, f"sizes must match except in dimension {axis}")
        total = None if total is None or s.shape[axis] is None else total + s.shape[axis]
    shape = list(xs[0].shape)
    shape[axis] = total
    return Spec(tuple(shape), specs.result_dtype(op, xs))


def _concat_grad(i, g, out, *xs, axis=0):
    axis = axis % _ndim(xs[0])
    if any(_shape_of(x)[axis] is None for x in xs[:i + 1]):  # sizes known only when it runs
        return concat_part(g, *xs, index=i, axis=axis)
    start = sum(_shape_of(x)[axis] for x in xs[:i])
    key = (slice(None),) * axis + (slice(start, start + _shape_of(xs[i])[axis]),)
    return indexing.getitem(g, key=key)


def _concat_form(*xs: SymArray, axis=0) -> SymArray:
    axis = axis % xs[0].ndim
    offsets = np.cumsum([0] + [x.shape[axis] for x in xs])
    shape = list(xs[0].shape)
    shape[axis] = int(offsets[-1])

    def at(*idx):
        pos = idx[axis]
        pieces = []
        for x, lo, hi in zip(xs, offsets[:-1], offsets[1:], strict=True):
            inner = idx[:axis] + (pos - int(lo),) + idx[axis + 1:]
            if is_concrete([pos]):
                if lo <= int(pos) < hi:
                    return x.at(*inner)
                continue
            pieces.append((x.at(*inner), pos < int(hi)))
        return sp.Piecewise(*pieces[:-1], (pieces[-1][0], True))

    return SymArray(shape, at)


concatenate = declare(
    "concatenate", lambda xp, *xs, axis=0: xp.concatenate(xs, axis=axis), vjp=_concat_grad,
    sympy=_concat_form, shape=_concat_shape, nin=None, promotes=True, grad_name="Cat",
    saves_inputs=False, doc="join along an existing axis")


def _stack_shape(op, *xs: Spec, axis=0):
    first = xs[0].shape
    for s in xs:
        if len(s.shape) != len(first) or any(
                None not in (a, b) and a != b for a, b in zip(s.shape, first, strict=True)):
            raise shape_error(op, xs, "stack expects each tensor to be equal size")
    axis = specs.check_axis(op, axis, len(first) + 1, xs)
    shape = list(first)
    shape.insert(axis, len(xs))
    return Spec(tuple(shape), specs.result_dtype(op, xs))


def _stack_grad(i, g, out, *xs, axis=0):
    axis = axis % (_ndim(xs[0]) + 1)
    return indexing.getitem(g, key=(slice(None),) * axis + (i,))


def _stack_form(*xs: SymArray, axis=0) -> SymArray:
    axis = axis % (xs[0].ndim + 1)
    shape = list(xs[0].shape)
    shape.insert(axis, len(xs))

    def at(*idx):
        pos, rest = idx[axis], idx[:axis] + idx[axis + 1:]
        if is_concrete([pos]):
            return xs[int(pos)].at(*rest)
        return sp.Piecewise(*((x.at(*rest), sp.Eq(pos, k)) for k, x in enumerate(xs[:-1])),
                            (xs[-1].at(*rest), True))

    return SymArray(shape, at)


stack = declare(
    "stack", lambda xp, *xs, axis=0: xp.stack(xs, axis=axis), vjp=_stack_grad, sympy=_stack_form,
    shape=_stack_shape, nin=None, promotes=True, saves_inputs=False, doc="join along a new axis")
