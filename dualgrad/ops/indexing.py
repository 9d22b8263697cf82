"""Indexing: reading (`getitem`), functional writing (`setitem`), and `scatter_like`, the
adjoint of reading. Keys are numpy-style: ints, slices, None, Ellipsis, integer arrays and
boolean masks (front ends turn tensors inside keys into arrays)."""
from __future__ import annotations

import numpy as np

from ..errors import IndexShapeError
from .registry import Spec, declare, shape_error
from .symarray import SymArray, SymbolicUnsupported, is_concrete


def as_key_tuple(key) -> tuple:
    return key if isinstance(key, tuple) else (key,)


def is_basic(key) -> bool:
    """Only ints, slices, None and Ellipsis: a view, and a map from output to input index."""
    return all(k is None or k is Ellipsis or isinstance(k, (int, slice, np.integer))
               for k in as_key_tuple(key))


def basic_plan(shape: tuple, key) -> tuple[tuple, list]:
    """(output shape, per-input-dim plan) of a basic key. A plan entry is ('at', i) for an int
    index or ('slice', output_dim, start, step); unknown (None) dims stay unknown."""
    items = list(as_key_tuple(key))
    consumed = sum(1 for k in items if k is not None and k is not Ellipsis)
    if Ellipsis in items:
        pos = items.index(Ellipsis)
        items[pos:pos + 1] = [slice(None)] * (len(shape) - consumed)
    else:
        items += [slice(None)] * (len(shape) - consumed)
    if sum(1 for k in items if k is not None) != len(shape):
        raise IndexError(f"too many indices for tensor of dimension {len(shape)}")
    out_shape, plan, dim = [], [], 0
    for k in items:
        if k is None:
            out_shape.append(1)
            continue
        size = shape[dim]
        if isinstance(k, slice):
            if size is None:
                start, step, n = k.start or 0, k.step or 1, None
            else:
                start, stop, step = k.indices(size)
                n = len(range(start, stop, step))
            plan.append(("slice", len(out_shape), start, step))
            out_shape.append(n)
        else:
            i = int(k)
            if size is not None and not -size <= i < size:
                raise IndexError(f"index {i} is out of bounds for dimension {dim} with size {size}")
            plan.append(("at", i % size if size is not None else i))
        dim += 1
    return tuple(out_shape), plan


def _is_mask(k) -> bool:
    return isinstance(k, np.ndarray) and k.dtype == np.bool_


def advanced_unknown_shape(shape: tuple, key) -> tuple:
    """The result shape of an advanced key on a shape with unknown (None) dims.

    Index a probe twice, the unknown dims at two different sizes (larger than any index in
    the key): the result dims that change with them are unknown. A boolean mask fixes the dims
    it covers (they must match it), so its count of True is known."""
    items = list(as_key_tuple(key))
    width = lambda k: np.ndim(k) if _is_mask(k) else 1
    consumed = sum(width(k) for k in items if k is not None and k is not Ellipsis)
    ellipsis = [i for i, k in enumerate(items) if k is Ellipsis]
    if ellipsis:
        items[ellipsis[0]:ellipsis[0] + 1] = [slice(None)] * (len(shape) - consumed)
    fixed, dim, bound = list(shape), 0, 1
    for k in items:
        if k is None or k is Ellipsis:
            continue
        if _is_mask(k):
            for j, n in enumerate(k.shape):
                fixed[dim + j] = n if fixed[dim + j] is None else fixed[dim + j]
        elif isinstance(k, slice):
            bound = max([bound] + [abs(int(b)) + 1 for b in (k.start, k.stop) if b is not None])
        elif np.size(k):
            bound = max(bound, int(np.max(np.abs(k))) + 1)
        dim += width(k)
    results = [np.broadcast_to(np.empty((), np.int8), tuple(bound + extra if d is None else d
                                                             for d in fixed))[key].shape
               for extra in (1, 2)]
    return tuple(a if a == b else None for a, b in zip(*results, strict=True))


def _getitem_shape(op, x: Spec, key):
    try:
        if None in x.shape:
            if not is_basic(key):
                return Spec(advanced_unknown_shape(tuple(x.shape), key), x.dtype)
            return Spec(basic_plan(x.shape, key)[0], x.dtype)
        probe = np.broadcast_to(np.empty((), np.int8), x.shape)
        return Spec(probe[key].shape, x.dtype)
    except IndexError as e:
        raise shape_error(op, [x], str(e), IndexShapeError) from None
    except ValueError as e:  # a zero step: numpy's words, our error
        raise shape_error(op, [x], f"invalid index {key!r}: {e}", IndexShapeError) from None


def _input_index_fn(shape: tuple, key):
    """out index -> in index for `key`; advanced keys need concrete indices (a lookup table)."""
    if is_basic(key):
        _, plan = basic_plan(shape, key)

        def basic(*idx):
            return tuple(p[1] if p[0] == "at" else p[2] + p[3] * idx[p[1]] for p in plan)

        return basic
    table = np.arange(int(np.prod(shape))).reshape(shape)[key]

    def advanced(*idx):
        if not is_concrete(idx):
            raise SymbolicUnsupported("advanced indexing with symbolic indices")
        return tuple(int(i) for i in np.unravel_index(int(table[tuple(int(i) for i in idx)]), shape))

    return advanced


def _getitem_form(x: SymArray, key) -> SymArray:
    if not all(isinstance(d, (int, np.integer)) or getattr(d, "is_Integer", False) for d in x.shape):
        # a slice's start and length on an axis of unknown size (`::-1`, `1:`) are expressions
        # of that size: the small concrete shape is used instead (symbolic/expr.py)
        raise SymbolicUnsupported(f"indexing an array of unknown size {tuple(x.shape)}")
    out_shape = np.broadcast_to(np.empty((), np.int8), x.shape)[key].shape
    source = _input_index_fn(x.shape, key)
    return SymArray(out_shape, lambda *idx: x.at(*source(*idx)))


def check_bounds(shape: tuple, key) -> None:
    """numpy's IndexError for a key that leaves `shape` (jax clamps such reads and drops such
    writes, where numpy and PyTorch raise): the key applied to a zero-memory probe."""
    np.broadcast_to(np.empty((), np.int8), shape)[key]


def is_bool_scalar(k) -> bool:
    """A 0-d bool entry of a key (True, np.True_, a 0-d bool array)."""
    return isinstance(k, (bool, np.bool_)) or isinstance(k, np.ndarray) and k.ndim == 0 and k.dtype == bool


def unit_dims_for_bools(shape: tuple, key) -> tuple[tuple, tuple]:
    """(shape with a unit dim where each 0-d bool of `key` stands, the key with each such bool
    an index array of one element (True) or none (False) into its dim): numpy's (and PyTorch's)
    meaning of a 0-d bool, for jax, which places the dim wrongly after a None (jax 0.10:
    `x[None, True]` of shape (2, 3) is (1, 1, 1, 3), numpy's (1, 1, 2, 3))."""
    items = as_key_tuple(key)
    width = lambda k: np.ndim(k) if _is_mask(k) else 1
    consumed = sum(width(k) for k in items if k is not None and k is not Ellipsis and not is_bool_scalar(k))
    new_shape, new_key, dim = list(shape), [], 0
    for k in items:
        if is_bool_scalar(k):
            new_shape.insert(dim, 1)
            new_key.append(np.arange(1 if k else 0))
            dim += 1
            continue
        new_key.append(k)
        if k is Ellipsis:
            dim += len(shape) - consumed
        elif k is not None:
            dim += width(k)
    return tuple(new_shape), tuple(new_key)


def _has_bool_scalar(key) -> bool:
    return any(map(is_bool_scalar, as_key_tuple(key)))


def _getitem_kernel(xp, x, key):
    if xp is not np:  # jax clamps out-of-range indices; numpy's rules say IndexError
        check_bounds(x.shape, key)
        if _has_bool_scalar(key):
            shape, key = unit_dims_for_bools(x.shape, key)
            x = x.reshape(shape)
        return x[key]
    out = x[key]
    if type(out) is not np.ndarray and is_basic(key):  # `x[1]` of a vector: numpy's copied
        out = x[(*as_key_tuple(key), Ellipsis)]  # scalar; a 0-d view, so `x[1].fill_(7)` writes x
    return out


def _index_grad_name(arrays, attrs) -> str:
    """PyTorch names basic indexing after the last view it applies (`x[0]` SelectBackward0,
    `x[1:]` SliceBackward0, `x[:, None]` UnsqueezeBackward0, `x[...]` AliasBackward0);
    indexing with arrays or masks is IndexBackward0."""
    key = attrs["key"]
    parts = key if isinstance(key, tuple) else (key,)
    last = "Alias"
    for k in parts:
        if k is None:
            last = "Unsqueeze"
        elif isinstance(k, slice):
            if k != slice(None) or len(parts) == 1:
                last = "Slice"
        elif isinstance(k, (int, np.integer)) and not isinstance(k, bool):
            last = "Select"
        elif k is not Ellipsis:
            return "IndexBackward0"
    return f"{last}Backward0"


getitem = declare(
    "getitem", _getitem_kernel,
    vjp=(lambda g, out, x, key: scatter_like(g, x, key=key),), sympy=_getitem_form,
    shape=_getitem_shape, grad_name=_index_grad_name,
    saves_inputs=False,
    doc="x[key] with numpy's rules; the gradient scatters back (adding at repeated indices)")


def _writes(shape: tuple, key) -> dict:
    """input flat position -> list of positions (in key's result) written there."""
    table = np.arange(int(np.prod(shape))).reshape(shape)[key]
    writes: dict[int, list] = {}
    for pos in np.ndindex(table.shape):
        writes.setdefault(int(table[pos]), []).append(pos)
    return writes


def _setitem_kernel(xp, x, value, key):
    if xp is np:
        out = x.copy()
        out[key] = value
        return out
    check_bounds(x.shape, key)  # (jax would drop the writes out of range, silently)
    return jax_set(x, key, value)


def jax_set(x, key, value):
    """`x.at[key].set(value)` of a jax array, a 0-d bool in `key` read as numpy reads it."""
    if _has_bool_scalar(key):
        shape, key = unit_dims_for_bools(x.shape, key)
        return x.reshape(shape).at[key].set(value).reshape(x.shape)
    return x.at[key].set(value)


def _setitem_shape(op, x: Spec, value: Spec, key) -> Spec:
    """x's shape and dtype, once the key is checked against it (as getitem's rule does)."""
    _getitem_shape(op, x, key)
    return Spec(tuple(x.shape), x.dtype)


def _setitem_form(x: SymArray, value: SymArray, key) -> SymArray:
    writes = _writes(x.shape, key)
    out_shape = np.broadcast_to(np.empty((), np.int8), x.shape)[key].shape
    n = len(out_shape)

    def at(*idx):
        if not is_concrete(idx):
            raise SymbolicUnsupported("setitem with symbolic indices")
        hit = writes.get(int(np.ravel_multi_index(tuple(int(i) for i in idx), x.shape)))
        if hit is None:
            return x.at(*idx)
        lead = n - value.ndim
        return value.at(*(0 if d == 1 else hit[-1][lead + k] for k, d in enumerate(value.shape)))

    return SymArray(x.shape, at)


setitem = declare(
    "setitem", _setitem_kernel,
    vjp=(lambda g, out, x, value, key: setitem(g, 0, key=key),
         lambda g, out, x, value, key: getitem(g, key=key)),
    sympy=_setitem_form, shape=_setitem_shape, nin=2,
    grad_name="CopySlices", saves_inputs=False,
    doc="a copy of x with x[key] = value (the eager front end writes in place)")


def _scatter_kernel(xp, x, like, key):
    if xp is np:
        out = np.zeros(like.shape, dtype=x.dtype)
        if is_basic(key):
            out[key] = x
        else:
            np.add.at(out, key, x)
        return out
    if _has_bool_scalar(key):
        shape, key = unit_dims_for_bools(like.shape, key)
        return xp.zeros(shape, dtype=x.dtype).at[key].add(x).reshape(like.shape)
    return xp.zeros(like.shape, dtype=x.dtype).at[key].add(x)


def _scatter_form(x: SymArray, like: SymArray, key) -> SymArray:
    writes = _writes(like.shape, key)
    n = len(np.broadcast_to(np.empty((), np.int8), like.shape)[key].shape)

    def at(*idx):
        if not is_concrete(idx):
            raise SymbolicUnsupported("scatter with symbolic indices")
        hits = writes.get(int(np.ravel_multi_index(tuple(int(i) for i in idx), like.shape)), [])
        lead = n - x.ndim
        return sum((x.at(*(0 if d == 1 else h[lead + k] for k, d in enumerate(x.shape))) for h in hits),
                   0)

    return SymArray(like.shape, at)


scatter_like = declare(
    "scatter_like", _scatter_kernel, vjp=(lambda g, out, x, like, key: getitem(g, key=key), None),
    sympy=_scatter_form, shape=lambda op, x, like, key: Spec(tuple(like.shape), x.dtype), nin=2,
    grad_name="IndexBackward",
    saves_inputs=False, doc="zeros shaped like `like` with x added at key: the adjoint of getitem")
