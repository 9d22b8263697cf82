"""PyTorch's view semantics where dualgrad's arrays do not give them by themselves.

A numpy view shares its base's memory, so a write through either is seen by both. A jax
array is immutable: `t[1:]`, `t.t()` or `t.view(6)` of a jax tensor holds a copy, and an
in-place op on it (`t[1:].add_(1)`, `t[0].fill_(5)`) changed the copy only, silently. Here a
view remembers its base and the op that made it; after an in-place write anywhere in a family
(a root tensor and the views made from it), the write is carried up to the root (the view's
op inverted), and every live view is recomputed from the root, in the order they were made,
so reads through any path see the new values. Versions are shared in the family, as for numpy
views (and PyTorch's).

History, on both devices: a view of a tensor that requires grad keeps the `grad_fn` it was
made with, so after an in-place op on its base it would still differentiate the base's old
value (`c = b.view(-1); b.mul_(2); (c * c).sum()` gave half of PyTorch's gradient). After a
recorded in-place write, every other live view of the family gets its history again from its
(new) base, as PyTorch regenerates a view's grad_fn when its base's version moved.
"""
from __future__ import annotations

import weakref

import numpy as np

from ..backend import is_jax_array, x64
from ..errors import GraphError, user_line
from ..ops import REGISTRY
from . import grad_mode

_VIEWING = frozenset(("getitem", "reshape", "transpose", "expand_dims", "squeeze", "broadcast_to"))


def layout(t) -> np.ndarray:
    """A uint8 stand-in for `t` with the strides PyTorch (and numpy) give it: a jax tensor's
    family replayed on numpy from a contiguous root (jax arrays have no strides)."""
    chain = []
    while t._view is not None:
        chain.append(t)
        t = t._view[0]
    proxy = np.empty(tuple(t.shape), np.uint8)  # (never read: only views of it are made)
    for view in reversed(chain):
        _, op, attrs = view._view
        strided = getattr(view, "_strided", None)  # (a gather that is a strided view: `strided`)
        proxy = strided(proxy) if strided is not None else op.kernel(np, proxy, **attrs)
    return proxy


def is_contiguous(t) -> bool:
    """PyTorch's `is_contiguous`: row-major with no gaps (a transpose, a column slice or an
    expand is not)."""
    data = t._data
    if isinstance(data, np.ndarray):
        return bool(data.flags.c_contiguous)
    return t._view is None or bool(layout(t).flags.c_contiguous)


def is_view(op, attrs, base=None) -> bool:
    """Whether this call makes a view in PyTorch: a basic index (ints, slices, None, ...),
    never index arrays or masks, which copy; or a transpose, squeeze or expand; a reshape
    when `base`'s strides allow it (of a transposed or column-sliced base it copies)."""
    if op.name not in _VIEWING:
        return False
    if op.name == "reshape" and base is not None and base._view is not None:
        proxy = layout(base)
        return bool(np.may_share_memory(np.reshape(proxy, attrs["shape"]), proxy))
    if op.name != "getitem":
        return True
    key = attrs["key"]
    parts = key if isinstance(key, tuple) else (key,)
    return all(p is None or p is Ellipsis or isinstance(p, (slice, int, np.integer))
               and not isinstance(p, (bool, np.bool_)) for p in parts)


def track(view, base, op, attrs) -> None:
    """`view` was made from `base` by `op` (a jax view, or a numpy view of a tensor in the
    graph that is not a leaf: a recorded in-place op on a leaf or its views raises, so their
    views never need their history replayed): share the version counter and join the family
    of base's root."""
    view._version = base._version
    view._view = (base, op, attrs)
    root = base
    while root._view is not None:
        root = root._view[0]
    family = root._views
    if family is None:
        family = root._views = []
    family.append(weakref.ref(view))  # (in the order made; the dead are dropped as it doubles)
    n = len(family)
    if n >= 64 and not n & (n - 1):
        family[:] = [ref for ref in family if ref() is not None]


def track_alias(alias, base) -> None:
    """`alias` holds `base`'s jax array as its own (`.data`, `.detach()`): join the family as
    a view of all of it, so an in-place write through either reaches the other, as the shared
    memory of a numpy (or CUDA) alias carries it. It keeps its own version counter where it
    had one (`.data`) and never takes the base's history (`replay_history` skips it)."""
    version = alias._version
    track(alias, base, REGISTRY["reshape"], {"shape": tuple(base._data.shape)})
    alias._version = version
    alias._alias = True


def cut_family(root) -> None:
    """`root` took other storage (`t.data = ...`): its views keep the old values, as views of
    the old storage do, and no longer follow writes either way."""
    for view in _alive(root):
        view._view = None
    root._views = None


def strided(out, base, key: tuple, view_of, overlap: bool = False) -> None:
    """`out` = getitem(`base`, key=`key`) with index arrays (a copy) is one of PyTorch's strided
    views (`diagonal`, `unfold`): a write into it reaches `base`, and base's writes show in it
    (a copy changed neither, silently). On the CPU it takes `view_of(base's array)`, a numpy
    view of base's memory with the same values (its gather stays its graph node, and a write
    into it rebases the base as any view's does); on the jax device it joins the view family,
    which carries writes either way. `overlap`: windows that share elements (`unfold` with
    step < size) are read-only, as numpy's sliding windows: PyTorch writes an element seen
    twice twice, in its kernel's order (`x.unfold(0, 3, 1).mul_(10)` multiplies the middle of
    x by 100 or 1000)."""
    data = base._data
    if type(data) is np.ndarray:
        view = view_of(data)
        if overlap or not data.flags.writeable:
            view.flags.writeable = False
        out._data = view
        out._version = base._version
        if base.grad_fn is not None and out.grad_fn is not None:  # (history replayed after writes)
            track(out, base, REGISTRY["getitem"], {"key": key})
    elif is_jax_array(data) and is_jax_array(out._data):
        track(out, base, REGISTRY["getitem"], {"key": key})
        out._strided = view_of  # (its layout: `contiguous()` and `reshape` copy where PyTorch's do)
        if overlap:
            out._overlap = True  # (check_writable refuses writes into it and its views)


def overlaps(data: np.ndarray) -> bool:
    """Whether two elements of the strided array `data` may share memory (sliding windows)."""
    if data.size == 0:
        return False
    extent = data.itemsize
    for stride, n in sorted((abs(s), n) for s, n in zip(data.strides, data.shape, strict=True) if n > 1):
        if stride < extent:
            return True
        extent += stride * (n - 1)
    return False


def check_writable(t) -> None:
    """An in-place write into an expanded view, or into overlapping windows (`unfold` with
    step < size), is refused, as PyTorch refuses the first and numpy both (before anything
    is written)."""
    while t._view is not None:
        base, op, _ = t._view
        if getattr(t, "_overlap", False) or (op.name == "broadcast_to"
                                             and tuple(t._data.shape) != tuple(base._data.shape)):
            raise GraphError("unsupported operation: more than one element of the written-to tensor "
                             "refers to a single memory location. Please clone() the tensor before "
                             f"performing the operation. {user_line()}")
        t = base


def after_write(t) -> None:
    """`t`'s (jax) data changed in place: carry it up to the root, then recompute every live
    view."""
    if t._view is None and t._views is None:
        return
    with x64():
        root = t
        while root._view is not None:
            base, op, attrs = root._view
            base._data = _inverse(op, attrs, base._data, root._data)
            root = base
        for view in _alive(root):
            base, op, attrs = view._view
            view._data = op.compute_jax([base._data], attrs)


def replay_history(t) -> None:
    """A recorded in-place write into `t` (its history and its ancestors' are new): every other
    live view of the family takes its history again from its base, in the order they were made."""
    written = set()
    root = t
    while True:
        written.add(id(root))
        if root._view is None:
            break
        root = root._view[0]
    if root._views is None:
        return
    with grad_mode.enable_grad():
        for view in _alive(root):  # (the replays join the family too, and die)
            if id(view) in written:
                continue
            base, op, attrs = view._view
            if base._requires_grad and not view._alias:
                replayed = op(base, **attrs)
                old_node, old_index = view.grad_fn, view._output_nr
                view.grad_fn = replayed.grad_fn
                view._output_nr = 0
                view._requires_grad = replayed._requires_grad
                view._move_retain_grad(old_node, old_index)


def _alive(root) -> list:
    """The live views of `root`'s family, in the order they were made (a copy: replays made
    while it is walked join the family)."""
    return [view for view in (ref() for ref in root._views or ()) if view is not None]


def _inverse(op, attrs, base, view):
    """The base's new data after `view` = op(base) was written."""
    name = op.name
    if name == "getitem":
        return base.at[attrs["key"]].set(view.astype(base.dtype))
    if name == "transpose":
        axes = attrs.get("axes")
        axes = tuple(range(base.ndim))[::-1] if axes is None else tuple(a % base.ndim for a in axes)
        return view.transpose(tuple(int(i) for i in np.argsort(axes)))
    return view.reshape(base.shape)  # reshape, squeeze, expand_dims, a broadcast that added no data
