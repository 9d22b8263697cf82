"""PyTorch's in-place view methods: `squeeze_`, `unsqueeze_`, `t_`, `transpose_`, `swapaxes_`,
`swapdims_`. Each changes the tensor's shape in place, not its values: the tensor takes the
view's array (a numpy view of the same memory, so the other views of its storage still see its
writes and it theirs) and, where it records, the view's history, one version later, as PyTorch's.

The tensor's old self stays in its place in the graph and in its view family as a stand-in
(`_stand_in`): the views made from the tensor before stay views of that storage (PyTorch's
`v = x[0]; x.t_(); x.mul_(10)` changes v), the tensor becomes a view of the stand-in, and an
in-place write into it later rebases its bases as any view's does (`inplace.view_chain`).
"""
from __future__ import annotations

import weakref

from ..backend import is_jax_array
from ..errors import GraphError, user_line
from . import dual, grad_mode
from .attach import install
from .inplace import check_leaf_inplace, shadow, view_chain
from .tensor import Tensor, wrap
from .views import _alive, track

_FAMILY = ("_strided", "_overlap", "_alias")  # (a strided view's layout, its windows, a jax `.data`)


def _stand_in(t: Tensor) -> Tensor:
    """A tensor with `t`'s present value, history, version counter and place in its view family,
    and the views made from `t` moved onto it; `t` leaves the family."""
    old = shadow(t)
    old._version = t._version
    old._view, old._views = t._view, t._views
    for name in _FAMILY:
        if name in t.__dict__:
            setattr(old, name, t.__dict__.pop(name))
    root = old
    while root._view is not None:
        root = root._view[0]
    for view in _alive(root):
        if view._view is not None and view._view[0] is t:
            view._view = (old, *view._view[1:])
    if old._view is not None:  # `t`'s place in the order the family is replayed in
        family = root._views
        for k, ref in enumerate(family):
            if ref() is t:
                family[k] = weakref.ref(old)
                break
    t._view = t._views = None
    return old


def _view_inplace(name: str, t: Tensor, make) -> Tensor:
    """`t` becomes `make(t)` (one view op of t) in place: its shape, its history and its place
    among the views of its storage."""
    given = wrap(t._data)
    plain = make(given)  # (the view's own checks, before anything changes: dims out of range)
    recording = grad_mode.state.enabled and t._requires_grad
    if recording:
        check_leaf_inplace(t, view_chain(t), name)
    elif t.grad_fn is not None and t._requires_grad:
        raise GraphError(f"{name}: changing the shape in place under no_grad of a tensor with history "
                         f"(a non-leaf that requires grad) would leave its history with the old shape "
                         f"(PyTorch's backward fails later); call it outside no_grad, or on a detach()ed "
                         f"tensor {user_line()}")
    if plain is given:  # (`t()` of a tensor of at most 1 dim: nothing changes but the version)
        t._version[0] += 1
        return t
    tangent = dual.tangent_of(t) if dual.current() is not None else None
    family = t._view is not None or t._views is not None
    # (on the jax device always: the stand-in keeps the layout, `is_contiguous` after `t_()`)
    old = _stand_in(t) if family or recording or tangent is not None or is_jax_array(t._data) else None
    if tangent is not None:
        dual.carry(old, t)
    result = make(old) if old is not None else plain  # (plain: a numpy view of t's memory on the CPU)
    t._data = result._data
    if old is not None and result._view is not None:  # a jax view, or one replayed after its base's writes
        track(t, old, *result._view[1:])
    if recording:
        old_node, old_index = t.grad_fn, t._output_nr
        t.grad_fn, t._output_nr = result.grad_fn, result._output_nr
        t._move_retain_grad(old_node, old_index)
    if tangent is not None:
        dual.set_tangent(t, dual.tangent_of(result))
    t._version[0] += 1
    return t


def squeeze_(input: Tensor, dim=None) -> Tensor:
    """Drop the size-1 dims (or those of `dim`, an int or a tuple) of this tensor in place
    (Tensor.squeeze_)."""
    return _view_inplace("squeeze_", input, lambda x: x.squeeze() if dim is None else x.squeeze(dim))


def unsqueeze_(input: Tensor, dim: int) -> Tensor:
    """Insert a size-1 dim at `dim` into this tensor's shape in place (Tensor.unsqueeze_)."""
    return _view_inplace("unsqueeze_", input, lambda x: x.unsqueeze(dim))


def t_(input: Tensor) -> Tensor:
    """Transpose this tensor of at most 2 dims in place (Tensor.t_)."""
    return _view_inplace("t_", input, lambda x: x.t())


def transpose_(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap dims `dim0` and `dim1` of this tensor in place (Tensor.transpose_)."""
    return _view_inplace("transpose_", input, lambda x: x.transpose(dim0, dim1))


def swapaxes_(input: Tensor, axis0: int, axis1: int) -> Tensor:
    """Swap axes `axis0` and `axis1` of this tensor in place (Tensor.swapaxes_, numpy's name)."""
    return _view_inplace("swapaxes_", input, lambda x: x.transpose(axis0, axis1))


def swapdims_(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap dims `dim0` and `dim1` of this tensor in place (Tensor.swapdims_)."""
    return _view_inplace("swapdims_", input, lambda x: x.transpose(dim0, dim1))


OWN = install(globals(), {"squeeze_": squeeze_, "unsqueeze_": unsqueeze_, "t_": t_, "transpose_": transpose_,
                          "swapaxes_": swapaxes_, "swapdims_": swapdims_})
