"""Forward-mode AD (`dg.autograd.forward_ad`): a tangent carried beside a tensor, pushed
through each op as it runs.

While a dual level is open, the eager front end's `bind` is wrapped (`open_level`); after an
op runs, if a tensor argument carries a tangent, the result's tangent is J t, computed from
the op's registry VJP rules, so every registry op and composite has forward mode from the
rules it already has:
  * an elementwise op's Jacobian is diagonal, so J t is its rules applied to the tangents
    themselves, everything broadcast to the output's shape (no reduction back);
  * any other op: the rules are linear in the cotangent g, so J t is the gradient in g of
    <vjp(g), t>, one reverse pass through the rules (PyTorch's "double backward" trick).
Tangents are values, not graphs (forward over reverse is `dg.func.jvp`'s), and a level holds one
tangent per tensor. A view's tangent is that view of its base's tangent (on the CPU, numpy memory
shared), so a write in place into a dual tensor writes its new tangent into the same memory and
every view follows; writing a dual value into a tensor without a tangent is refused (its views,
made before, would keep none), as is a write into a dual tensor on the jax device."""
from __future__ import annotations

import weakref

import numpy as np

from .. import ops
from ..backend import full_on, namespace_of
from ..errors import DualgradNotImplementedError, DualgradRuntimeError, user_line
from ..ops.operands import _FRONTENDS
from . import bind as _bind
from .engine import grad
from .grad_mode import enable_grad
from .tensor import Tensor, wrap

_KEY = "_fw"  # a tensor's __dict__ entry: (level, tangent)


class Level:
    """An open dual level: the tensors given tangents at it, cleared when it closes."""

    def __init__(self, index: int) -> None:
        self.index = index
        self.tensors: list[weakref.ref] = []
        self.plain_bind = _bind.bind


_level: Level | None = None


def current() -> Level | None:
    """The open level, or None."""
    return _level


def open_level() -> Level:
    """Open the one dual level PyTorch allows at a time; ops record tangents until it closes."""
    global _level
    if _level is not None:
        raise DualgradNotImplementedError(f"enter_dual_level: Nested forward mode AD is not supported at the "
                                          f"moment {user_line()}")
    from .lazy import is_lazy_enabled  # (lazy tensors' values are computed later than ops run)

    if is_lazy_enabled():
        raise DualgradNotImplementedError(f"enter_dual_level: forward-mode AD needs each op's value when it "
                                          f"runs: call dg.set_lazy_enabled(False) first {user_line()}")
    _level = Level(0)
    _install(_dual_bind)
    return _level


def close_level(level: Level) -> None:
    """Close `level`: its tangents are dropped (unpack_dual gives None after)."""
    global _level
    if level is not _level:
        raise DualgradRuntimeError(f"exit_dual_level: Trying to exit a forward AD level that was not the "
                                   f"last one that was created. This is not supported. {user_line()}")
    _install(level.plain_bind)
    for ref in level.tensors:
        t = ref()
        if t is not None:
            t.__dict__.pop(_KEY, None)
    _level = None


def _install(fn) -> None:
    """`fn` as the eager front end's bind: the registry's dispatch and the operators' fast path."""
    for kind, front in list(_FRONTENDS.items()):  # (Tensor, and lazy tensors' class)
        if front is _bind.bind or front is _dual_bind:
            _FRONTENDS[kind] = fn
    for rebind in _REBINDERS:
        rebind(fn)


_REBINDERS: list = []


def on_install(rebind) -> None:
    """`rebind(fn)` at each switch of bind: for a module that calls bind directly (the
    operators' fast path in methods.py, which imports this module)."""
    _REBINDERS.append(rebind)


def tangent_of(t: Tensor) -> Tensor | None:
    """`t`'s tangent at the open level, or None."""
    entry = t.__dict__.get(_KEY)
    return entry[1] if entry is not None and entry[0] is _level else None


def set_tangent(t: Tensor, tangent: Tensor) -> None:
    t.__dict__[_KEY] = (_level, tangent)
    _level.tensors.append(weakref.ref(t))


def own_tangent(primal: Tensor, tangent: Tensor) -> Tensor:
    """make_dual's copy of the user's tangent: its own memory (writes in place update it), on
    the CPU in the primal's dtype and layout (so views of the dual share their tangents)."""
    data = primal._data
    if isinstance(data, np.ndarray) and isinstance(tangent._data, np.ndarray):
        return wrap(laid_out_as(data, tangent._data))
    return tangent.detach().clone()


def drop_tangent(t: Tensor) -> None:
    t.__dict__.pop(_KEY, None)


def any_dual(values) -> bool:
    """Whether a tensor among `values` carries a tangent at the open level."""
    return _level is not None and any(isinstance(v, Tensor) and tangent_of(v) is not None for v in values)


def writable_tangent(t: Tensor) -> Tensor | None:
    """`t`'s tangent when a write in place into `t` can carry it: a writable numpy array (the
    CPU; its views' tangents are views of it, `_viewed_tangent`); None when `t` has none."""
    tangent = tangent_of(t)
    if tangent is None:
        return None
    if not (isinstance(tangent._data, np.ndarray) and tangent._data.flags.writeable):
        raise DualgradNotImplementedError(
            f"forward-mode AD writes in place into a dual tensor on the CPU only (its tangent here is "
            f"not a writable numpy array: a jax device, or a broadcast view); use the out-of-place op "
            f"{user_line()}")
    return tangent


def refuse_inplace(name: str, t: Tensor, others: tuple) -> None:
    """A dual value written in place into a tensor without a tangent: refused (that tensor's
    views, made before, would keep no tangent while their values follow the write)."""
    if tangent_of(t) is None and any_dual(others):
        raise DualgradNotImplementedError(
            f"{name}: forward-mode AD does not support writing a dual tensor in place into one without "
            f"a tangent (its views would not follow); make the target dual first, or use the "
            f"out-of-place op {user_line()}")


def carry(shadow: Tensor, t: Tensor) -> Tensor:
    """`shadow` (the value `t` had, as an op's input) with `t`'s tangent."""
    tangent = tangent_of(t)
    if tangent is not None:
        set_tangent(shadow, tangent)
    return shadow


def write_tangent(t: Tensor, result: Tensor) -> None:
    """After a write in place into the dual `t`: its tangent becomes the result's, written into
    its tangent's memory (so its views' tangents follow)."""
    tangent = tangent_of(t)
    if tangent is None:
        return
    new = tangent_of(result)
    if new is None:
        tangent._data[...] = 0
    else:
        tangent._data[...] = np.asarray(new._data, tangent._data.dtype)


def _dual_bind(op, args: tuple, attrs: dict) -> Tensor:
    out = _level.plain_bind(op, args, attrs) if _level is not None else _bind.bind(op, args, attrs)
    if _level is None or not op.differentiable:
        return out
    tangents = None
    for k, a in enumerate(args):
        if isinstance(a, Tensor):
            t = tangent_of(a)
            if t is not None:
                if tangents is None:
                    tangents = [None] * len(args)
                tangents[k] = t
    if tangents is not None and out.dtype.is_floating_point:
        viewed = _viewed_tangent(op, args, attrs, out, tangents)
        set_tangent(out, viewed if viewed is not None else _pushed(op, args, attrs, out, tangents))
    return out


def _viewed_tangent(op, args: tuple, attrs: dict, out: Tensor, tangents: list) -> Tensor | None:
    """A view's tangent as the same view of its base's tangent (numpy memory shared), so a write
    in place into the base's tangent reaches it, as the write reaches the view's values; None
    where `out` is not a view of its first argument on the CPU."""
    base, tangent = args[0], tangents[0]
    if op not in _bind._VIEW_OP_SET or tangent is None or any(t is not None for t in tangents[1:]):
        return None
    if not (isinstance(out._data, np.ndarray) and isinstance(tangent._data, np.ndarray)
            and np.shares_memory(out._data, base._data)):
        return None
    view = op.kernel(np, tangent._data, **attrs) if attrs else op.kernel(np, tangent._data)
    if view.shape != out._data.shape or not np.shares_memory(view, tangent._data):
        # (tangents are laid out as their primals, so this is not reached; a view whose tangent
        # could not follow its base's writes must not be made silently)
        raise DualgradNotImplementedError(f"{op.name}: forward-mode AD could not make this view's "
                                          f"tangent a view of its base's {user_line()}")
    return wrap(view)


def _pushed(op, args: tuple, attrs: dict, out: Tensor, tangents: list) -> Tensor:
    """J t of one call: the sum over its dual inputs of each input's Jacobian times its tangent."""
    needed = [t is not None for t in tangents]
    if op.elementwise:
        shape = tuple(out.shape)
        data = [_broadcast(a._data, shape) if isinstance(a, Tensor) else a for a in args]
        total = None
        for k, t in enumerate(tangents):
            if t is not None:
                only = [j == k for j in range(len(args))]
                part = op.vjp(only, _broadcast(t._data, shape), out._data, data, attrs)[k]
                total = part if total is None else total + part
        return wrap(_as(total, out))
    with enable_grad():  # (g of ones: the rules are linear in g, but some skip a block of g that
        # is all zero, a factor the loss does not read: `_read_quotient` in ops/linalg_eigh.py)
        g = wrap(full_on(out._data, out._data.shape, 1)).requires_grad_()
        plain = [wrap(a._data) if isinstance(a, Tensor) else a for a in args]
        rules = op.vjp(needed, g, wrap(out._data), plain, attrs)
        terms = [ops.sum(ops.multiply(r, wrap(t._data))) for r, t in zip(rules, tangents, strict=True)
                 if r is not None and t is not None and isinstance(r, Tensor) and r.requires_grad]
        if not terms:
            return wrap(full_on(out._data, out._data.shape, 0))
        total = terms[0]
        for term in terms[1:]:
            total = ops.add(total, term)
        (jt,) = grad((total,), (g,), allow_unused=True)  # (the reverse pass through the rules)
    return wrap(_as(jt._data if jt is not None else full_on(out._data, out._data.shape, 0), out))


def _broadcast(value, shape: tuple):
    return value if value.shape == shape else namespace_of(value).broadcast_to(value, shape)


def _as(value, out: Tensor):
    """The tangent in the output's dtype and shape (a rule may promote; a 0-d sum gives a scalar)."""
    data = out._data
    if isinstance(data, np.ndarray):
        return laid_out_as(data, value)
    return value.astype(data.dtype).reshape(data.shape)


def laid_out_as(primal: np.ndarray, value) -> np.ndarray:
    """`value` in an array with the primal's dtype and memory layout (numpy's empty_like), so a
    reshape is a view of the tangent exactly where it is one of the primal (`_viewed_tangent`)."""
    out = np.empty_like(primal)
    out[...] = np.asarray(value).reshape(primal.shape)
    return out
