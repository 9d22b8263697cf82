"""In-place writes on eager tensors: `t op= other`, `t[k] = v`, `fill_`, `copy_`...

The value is computed functionally, written into the tensor's storage, and the tensor moves
to the new node in the graph one version later (PyTorch's semantics, views included: an
in-place op on a view rebases its base, as PyTorch's CopySlices does).
"""
from __future__ import annotations

import sys

import numpy as np

from .. import dtypes, ops
from ..backend import is_jax_array, x64
from ..errors import DualgradRuntimeError, GraphError, ShapeError, user_line
from ..ops import Op
from . import bind as _bind
from . import dual, grad_mode, views
from .bind import _VIEW_OPS
from .convert import write_value
from .lazy import LazyValue, force_value, hold
from .storage_writes import watched, wrote
from .tensor import Tensor, stored, wrap

_ndarray = np.ndarray


def check_leaf_inplace(t: Tensor, views: list = (), op: str = "") -> None:
    """PyTorch's rule: outside no_grad, no in-place write to a leaf that requires grad, directly
    or through a view of it (`views`: the tensor's `view_chain`); `op` names the write."""
    if not grad_mode.state.enabled:
        return
    if t.grad_fn is None and t._requires_grad:
        raise GraphError(f"{_named(op)}a leaf Variable that requires grad is being used in an in-place "
                         f"operation. {user_line()}")
    if views and views[-1][2].grad_fn is None:
        raise GraphError(f"{_named(op)}a view of a leaf Variable that requires grad is being used in an "
                         f"in-place operation. {user_line()}")


def _named(op: str) -> str:
    """The refusal's `op: ` prefix (built only when refusing: check_leaf_inplace runs per write)."""
    return f"{op}: " if op else ""



def refuse_outside_view(t: Tensor, op: Op) -> None:
    """A value that requires grad written into `t`, a tensor outside the graph that shares its
    memory with another live tensor (a view of a tensor that does not require grad, or made
    under no_grad): the write would reach the base's values but not its history, so gradients
    through the base silently missed it (`b.narrow(0, 2, 2).copy_(w * 3)`: w's gradient
    through b was 0). Refused; `b[2:4] = w * 3` records it on b. On the CPU the version
    counter, which a view shares with its base, tells whether another holder is alive; on the
    jax device the tracked base's own references do."""
    data = t._data
    if t._view is not None:  # (a jax view: only `_view`s hold temporary bases, `zeros(4).view(2, 2)`)
        aliased, node = False, t
        while node._view is not None and not aliased:
            aliased = sys.getrefcount(node._view[0]) > 2  # (the `_view` tuple and the argument)
            node = node._view[0]
    else:
        aliased = type(data) is _ndarray and data.base is not None and sys.getrefcount(t._version) > 2
    if aliased:
        raise GraphError(f"{op.name}_: a value that requires grad is written in place into a view of a "
                         f"tensor outside the graph (one that does not require grad, or a view made "
                         f"under no_grad): the base would not get the gradient. Write through the base "
                         f"instead (b[2:4] = value) {user_line()}")


def view_chain(t: Tensor) -> list:
    """[(view, node, base), ...] from `t` outwards while `t` is a recorded view that shares
    memory with a base in the graph (what an in-place op on `t` silently writes through).
    It ends at a tensor already in it: after a write through a reshape, the base's history is
    a reshape of the view and the view's a reshape of the base (`rebase_views`), and walking
    on looped forever."""
    chain = []
    seen = {id(t)}
    while True:
        node = t.grad_fn
        if node is None or getattr(node, "op", None) is None or node.op.name not in _VIEW_OPS \
                or not node.inputs:
            return chain
        base = node.inputs[0]
        shares = (type(t._data) is _ndarray and type(base._data) is _ndarray
                  and np.shares_memory(t._data, base._data)) or (t._view is not None and t._view[0] is base)
        if not (isinstance(base, Tensor) and base._requires_grad and shares) or id(base) in seen:
            return chain
        chain.append((t, node, base))
        seen.add(id(base))
        t = base


def rebase_views(chain: list) -> None:
    """After an in-place op on a view: give each base the history of its new contents
    (PyTorch's CopySlices), so gradients through the base see the change."""
    for view, node, base in chain:
        attrs = node.attrs
        with grad_mode.enable_grad():
            if node.op.name == "getitem":
                new = ops.setitem(shadow(base), view, key=attrs["key"])
            elif node.op.name == "transpose":
                axes = attrs.get("axes")
                n = base._data.ndim
                axes = tuple(range(n))[::-1] if axes is None else tuple(a % n for a in axes)
                new = ops.transpose(view, axes=tuple(int(i) for i in np.argsort(axes)))
            else:
                new = ops.reshape(view, shape=tuple(base._data.shape))
        # one write, one version: a base that shares the view's counter was bumped with it (a
        # second bump made the view's own saved output, `v.exp_()`'s, read as modified)
        adopt(base, new, bump=base._version is not view._version)
    # ...then each view is a view of its base's new value again, outermost first (PyTorch
    # regenerates the written view's grad_fn from the CopySlices): its later uses flow through
    # the base, so the base's hooks and retained `.grad` see them, and a second write into the
    # same view finds the chain again (without, `v.mul_(2); v.mul_(3)` left the base at 2x)
    with grad_mode.enable_grad():
        for view, node, base in reversed(chain):
            replayed = node.op(base, **node.attrs)
            old_node, old_index = view.grad_fn, view._output_nr
            view.grad_fn = replayed.grad_fn
            view._output_nr = 0
            view._requires_grad = replayed._requires_grad
            view._move_retain_grad(old_node, old_index)


def shadow(t: Tensor, copy: bool = False) -> Tensor:
    """The value `t` had before an in-place op, as a graph input of that op."""
    s = wrap(t._data.copy() if copy else t._data, t.grad_fn, t._requires_grad)
    s._output_nr = t._output_nr
    s._acc = t._acc
    return s


def adopt(t: Tensor, result: Tensor, bump: bool = True) -> None:
    """After an in-place op: `t` takes the result's place in the graph, one version later
    (`bump` False: its counter, shared with a view written in place, has moved already)."""
    if bump:
        t._version[0] += 1
    old_node, old_index = t.grad_fn, t._output_nr
    t.grad_fn = result.grad_fn
    t._requires_grad = result._requires_grad
    t._output_nr = 0
    t._move_retain_grad(old_node, old_index)
    node = result.grad_fn
    if node is not None and getattr(node, "out_version", None) is not None:  # it saved its output
        node.out_version = (t._version, t._version[0])


def write_into(t: Tensor, op: Op, others: tuple) -> bool:
    """`t op= others` outside recording, written straight into t's memory when that is the
    same computation: the op's kernel is one numpy ufunc (`Op.direct`), and every operand is a numpy array
    of t's float dtype and shape (or 0-d) or a Python number, so there is no promotion and no
    broadcast to check (PyTorch's `sub_` kernel; numpy handles operands overlapping t). Saves
    the new array and the copy back (on a 784x256 weight, two of the step's three passes)."""
    dest = t._data
    if type(dest) is not _ndarray or dest.dtype.kind != "f" or not dest.flags.writeable:
        return False
    if _bind._tracers and _bind.tracing.hook is not None:  # dg.compile records the op instead
        return False
    args = [dest]
    for o in others:
        if isinstance(o, Tensor):
            d = o._data
            if type(d) is not _ndarray or d.dtype is not dest.dtype or d.ndim and d.shape != dest.shape:
                return False
            args.append(d)
        elif type(o) is float or type(o) is int:
            args.append(o)
        else:
            return False
    fn = op.direct  # (not `op.ufunc`: power's kernel differs from np.power at 0.5 exponents)
    if fn is None or fn.nin != len(args):
        return False
    fn(*args, out=dest)
    if watched:
        wrote(dest)
    return True


def inplace(t: Tensor, op: Op, *others, **attrs) -> Tensor:
    """`t op= other`: compute functionally, write into t's storage, move t in the graph."""
    dual_target = None
    if dual.current() is not None:  # forward-mode AD: the target's tangent follows the write
        dual.refuse_inplace(f"in-place {op.name}", t, others)
        dual_target = dual.writable_tangent(t)
    if others and op.name == "setitem":  # fill_, copy_, scatter_...: a checked, exact value
        others = (write_value(others[0], t.dtype, op.name), *others[1:])
    if t._view is not None:
        views.check_writable(t)
    recording = grad_mode.state.enabled and (
        t._requires_grad or any(isinstance(o, Tensor) and o._requires_grad for o in others))
    if recording:
        if not t._requires_grad:
            refuse_outside_view(t, op)
        chain = view_chain(t)
        check_leaf_inplace(t, chain, op.name)
        before = shadow(t, copy=op.saves_inputs)
        result = op(before if dual_target is None else dual.carry(before, t), *others, **attrs)
    elif not attrs and dual_target is None and write_into(t, op, others):
        t._version[0] += 1
        return t
    else:
        # (plain leaves of the values: a jax `detach()` would join the family, views.track_alias)
        before = wrap(t._data) if dual_target is None else dual.carry(wrap(t._data), t)
        result = op(before, *(o if dual_target is not None and isinstance(o, Tensor) else wrap(o._data)
                              if isinstance(o, Tensor) else o for o in others), **attrs)
    value = result._data if type(result) is Tensor else stored(result)  # (a LazyValue: eager/lazy.py)
    if value.dtype != t._data.dtype and not np.can_cast(value.dtype, t._data.dtype, "same_kind"):
        raise GraphError(f"{op.name}: result type {dtypes.from_numpy_dtype(value.dtype).name} can't be "
                         f"cast to the desired output type {t.dtype.name} {user_line()}")
    if value.shape != t._data.shape:
        raise GraphError(f"{op.name}: output with shape {list(t._data.shape)} doesn't match the "
                         f"broadcast shape {list(value.shape)} {user_line()}")
    if is_jax_array(t._data):
        if type(value) is LazyValue and value.dtype == t._data.dtype:
            hold(t, value)  # the write waits with the op (eager/lazy.py)
        else:
            with x64():
                t._data = force_value(value).astype(t._data.dtype)
        views.after_write(t)
    elif hasattr(t._data, "write_in_place"):  # dg.compile's traced storage (compiler/symbolic.py)
        t._data.write_in_place(value)
    elif not isinstance(t._data, np.ndarray):
        t._data = value.astype(t._data.dtype)
    else:
        if not t._data.flags.writeable:
            if views.overlaps(t._data):  # an expand()ed tensor, overlapping unfold() windows
                raise GraphError("unsupported operation: more than one element of the written-to "
                                 "tensor refers to a single memory location. Please clone() the "
                                 f"tensor before performing the operation. {user_line()}")
            raise GraphError(f"{op.name}_: the tensor's memory is read-only (a numpy array that is not "
                             f"writeable, given to dg.from_numpy: a read-only np.memmap, a view of a "
                             f"jax array); clone() it first {user_line()}")
        t._data[...] = value
        if watched:
            wrote(t._data)
    if dual_target is not None:
        dual.write_tangent(t, result)
    if recording:
        adopt(t, result)
        if chain:
            rebase_views(chain)
        views.replay_history(t)
    else:
        t._version[0] += 1
    return t


def write_result(name: str, input: Tensor, result: Tensor) -> Tensor:
    """`result` (an out-of-place computation's) copied into input, refused where its dtype would
    be cut, as PyTorch's in-place rule (`copy_` alone casts: a float logit written into an int
    tensor became garbage)."""
    if not np.can_cast(result.dtype.np, input.dtype.np, "same_kind"):
        raise DualgradRuntimeError(f"{name}: result type {result.dtype.name} can't be cast to the desired "
                                   f"output type {input.dtype.name} {user_line()}")
    if tuple(result.shape) != tuple(input.shape):
        raise ShapeError(f"{name}: the result's shape {tuple(result.shape)} does not match the shape "
                         f"{tuple(input.shape)} of the tensor written into {user_line()}")
    return input.copy_(result)


def unary_method(name: str, op: Op):
    """`Tensor.<name>`: `op` of the tensor, written into it (`abs_`, `trunc_`, `sinc_`...)."""
    def method(input: Tensor) -> Tensor:
        return inplace(input, op)

    method.__name__ = method.__qualname__ = name  # (Python's argument errors name it)
    method.__doc__ = f"`{op.name}` of this tensor, written into it (Tensor.{name})."
    return method
