"""Hooks for saved tensors (torch.autograd.graph.saved_tensors_hooks) and the node class that
runs a grad_fn's own hooks.

Inside `saved_tensors_hooks(pack, unpack)`, every tensor an op saves for its backward goes
through `pack` when the op is recorded, and the node keeps only what `pack` returned; the
backward calls `unpack` on it and differentiates with the tensor `unpack` returns. Which
tensors an op saves is what its VJP rules read: for ops that declare `reads` (ops/reads.py)
that is PyTorch's set, in PyTorch's order (`x * y` packs y, then x); for the others, every
tensor input the rules may read and the output where they read it.

This costs nothing when no hooks are set: `bind` checks one module-level count (`_packing`)
per recorded op, and a packed node (or one with `grad_fn.register_hook` post-hooks) is
re-classed to a subclass whose `apply` does the extra work, so plain nodes run as before.
"""
from __future__ import annotations

import contextlib
import threading
import weakref
from collections.abc import Callable, Iterator

import numpy as np

from .. import ops
from ..autodiff import _in_dtype_of
from ..errors import DualgradRuntimeError, GraphError, user_line
from . import bind, grad_mode
from . import node as _node
from .node import FREED, AccumulateGrad, Node, call_grads_hooks
from .tensor import Tensor, stored, wrap
from .views import _VIEWING


class _State(threading.local):
    stack: tuple = ()  # (pack, unpack) pairs, the innermost last (PyTorch's hooks are per thread)
    disabled: str | None = None  # disable_saved_tensors_hooks's message while it is on


state = _State()
_COUNT_LOCK = threading.Lock()


def _count(delta: int) -> None:
    """bind's `_packing`: hook contexts open over all threads (read once per recorded op)."""
    with _COUNT_LOCK:
        bind._packing += delta


class saved_tensors_hooks:
    """Context manager: `pack_hook(tensor)` runs when an op saves `tensor` for backward, and
    `unpack_hook(packed)` when backward reads it, returning the tensor to use
    (torch.autograd.graph.saved_tensors_hooks)."""

    def __init__(self, pack_hook: Callable, unpack_hook: Callable) -> None:
        self.pack_hook = pack_hook
        self.unpack_hook = unpack_hook

    def __enter__(self) -> saved_tensors_hooks:
        if state.disabled is not None:
            raise DualgradRuntimeError(state.disabled)
        state.stack = state.stack + ((self.pack_hook, self.unpack_hook),)
        _count(1)
        return self

    def __exit__(self, *exc) -> None:
        state.stack = state.stack[:-1]
        _count(-1)


class save_on_cpu(saved_tensors_hooks):
    """Saved tensors are kept on the CPU and moved back to their device when backward reads
    them (torch.autograd.graph.save_on_cpu); `pin_memory` is accepted (there is no pinned
    memory here), `device_type` too."""

    def __init__(self, pin_memory: bool = False, device_type: str = "cuda") -> None:
        def pack_to_cpu(tensor: Tensor) -> tuple:
            return (tensor.device, tensor.cpu())

        def unpack_from_cpu(packed: tuple) -> Tensor:
            device, tensor = packed
            return tensor.to(device)

        super().__init__(pack_to_cpu, unpack_from_cpu)


@contextlib.contextmanager
def disable_saved_tensors_hooks(error_message: str) -> Iterator[None]:
    """While on, entering `saved_tensors_hooks` raises RuntimeError(error_message); entering
    it while hooks are set raises too (torch.autograd.graph.disable_saved_tensors_hooks)."""
    if state.stack:
        raise DualgradRuntimeError(error_message)
    previous = state.disabled
    state.disabled = error_message
    try:
        yield
    finally:
        state.disabled = previous


# -- packing at record time -------------------------------------------------------------------
_ORDERS: dict = {}  # (op, mask of inputs without a gradient) -> (positions in PyTorch's order, out)
_NOTHING = object()


def _saved_positions(op, edges: tuple, args: tuple) -> tuple:
    """The inputs the node's needed rules read (in the order their rules name them, which is
    the order PyTorch's generated nodes save them) and whether the output is read."""
    if op.reads is None:
        if not op.saves_inputs:
            return (), op.saves_out
        return tuple(j for j, a in enumerate(args) if isinstance(a, Tensor)), op.saves_out
    mask = sum(1 << k for k, (child, _) in enumerate(edges) if child is None)
    entry = _ORDERS.get((op, mask))
    if entry is None:
        order: list = []
        out = False
        for i, (read, reads_out) in enumerate(op.reads):
            if not mask >> i & 1:
                order.extend(j for j in sorted(read) if j not in order)
                out = out or reads_out
        entry = _ORDERS[(op, mask)] = (tuple(order), out)
    order, out = entry
    return tuple(j for j in order if isinstance(args[j], Tensor)), out


class _Like:
    """What a packed node keeps of a saved input: its shape and dtype, which the walker reads
    to shape and cast the input's gradient (the tensor itself is what `pack` returned)."""

    __slots__ = ("shape", "dtype")

    def __init__(self, t: Tensor) -> None:
        d = t._data if type(t) is Tensor else stored(t)
        self.shape = tuple(d.shape)
        self.dtype = d.dtype


def _shape_only(t: Tensor) -> np.ndarray:
    """An input the node's rules read only for its shape, dtype or place (the `h` of `h + 1`,
    of `h.sum()`): zeros broadcast from one element, so the graph no longer holds `h` itself
    (PyTorch saves nothing for those); jax rules get them as numpy operands."""
    d = t._data if type(t) is Tensor else stored(t)
    return np.broadcast_to(np.zeros((), d.dtype), d.shape)


def pack_node(node: Node, out: Tensor) -> None:
    """Called by `bind` for a node just recorded while some thread has hooks set: pack what
    the node saves with this thread's innermost hooks and drop the node's own references."""
    stack = state.stack
    if not stack:
        return
    pack, unpack = stack[-1]
    args = node.inputs
    op = node.op
    order, saves_out = _saved_positions(op, node.next_edges, args)
    if op.name in _VIEWING and not order and not saves_out:
        return  # (a view's base stays: in-place writes through the view need it)
    with grad_mode.no_grad():  # (PyTorch runs pack hooks without recording)
        saved = tuple((j, pack(args[j])) for j in order)
        packed_out = pack(out) if saves_out else _NOTHING
    kept = list(args)
    shape_only = []
    for j, a in enumerate(args):
        if isinstance(a, Tensor):
            if j in order:
                kept[j] = _Like(a)
            else:
                kept[j] = _shape_only(a)
                shape_only.append(j)
    node.inputs = tuple(kept)
    if saves_out:
        node.out = None
    node.versions = node.out_version = None  # (PyTorch checks no versions of packed tensors)
    node.__class__ = extended_class(type(node))
    node.packed = (unpack, saved, packed_out, tuple(shape_only))


def unpacked(unpack: Callable, packed) -> Tensor:
    """`unpack(packed)`, which must be a tensor (PyTorch's rule)."""
    t = unpack(packed)
    if not isinstance(t, Tensor):
        raise DualgradRuntimeError(f"Output of saved tensor unpack_hook expected to be a Tensor but got "
                                   f"result of type {type(t).__name__} {user_line()}")
    return t


def reattached(t: Tensor, edge: tuple) -> Tensor:
    """The unpacked tensor on its original's place in the graph, so that a double backward
    reaches what the saved tensor came from even if `pack` detached it (as PyTorch's
    SavedVariable rebuilds the variable around the unpacked data)."""
    child, index = edge
    if child is None or (t.grad_fn is child and t._output_nr == index) or (
            t.grad_fn is None and t._acc is not None and t._acc() is child):
        return t
    out = wrap(t._data, requires_grad=True)
    if isinstance(child, AccumulateGrad):
        out._acc = weakref.ref(child)  # (`edge` of it: the leaf's own accumulator)
    else:
        out.grad_fn, out._output_nr = child, index
    return out


def pack_function_saved(tensors: tuple) -> tuple | None:
    """A custom Function's `save_for_backward` tensors packed with this thread's hooks, as
    (unpack, packed per tensor), or None where no hooks are set."""
    stack = state.stack
    if not stack:
        return None
    pack, unpack = stack[-1]
    with grad_mode.no_grad():
        return unpack, tuple((True, pack(t)) if isinstance(t, Tensor) else (False, t) for t in tensors)


def unpack_function_saved(packed: tuple) -> tuple:
    """The tensors `pack_function_saved` packed, unpacked (on every `ctx.saved_tensors`)."""
    unpack, items = packed
    return tuple(unpacked(unpack, p) if is_tensor else p for is_tensor, p in items)


# -- the node class of packed and post-hooked nodes ------------------------------------------------
class ExtendedNode(Node):
    """A registry node with packed saved tensors or `register_hook` post-hooks."""

    __slots__ = ()
    extended = True
    packed = None  # (unpack, ((input position, packed), ...), packed output or _NOTHING,
    # positions of the shape-only inputs, kept as broadcast zeros)
    post_hooks = None

    def apply(self, grads: list, needed: list) -> list:
        packed = self.packed
        if packed is None:
            result = super().apply(grads, needed)
        else:
            result = self._apply_unpacked(packed, grads, needed)
        if self.post_hooks:
            result = settle(self, result)
            result = call_grads_hooks(self.post_hooks, result, grads, pre=False)
        return result

    def _apply_unpacked(self, packed: tuple, grads: list, needed: list) -> list:
        inputs, out = self.inputs, self.out
        if inputs is None:
            raise GraphError(FREED)
        unpack, saved, packed_out, shape_only = packed
        values = list(inputs)
        graphed = [g for g in grads if isinstance(g, Tensor)]  # create_graph: rules record
        for j, p in saved:
            t = unpacked(unpack, p)
            values[j] = reattached(t, self.next_edges[j]) if graphed else t
        for j in shape_only if graphed else ():  # (the graph the rules record keeps its edges)
            values[j] = reattached(wrap(values[j]).to(graphed[0].device), self.next_edges[j])
        try:
            self.inputs = tuple(values)
            if packed_out is not _NOTHING:
                self.out = unpacked(unpack, packed_out)._data
            result = super().apply(grads, needed)
        finally:
            self.inputs, self.out = inputs, out
        result = list(result)
        for j, _ in saved:  # shaped and cast here, where the unpacked tensor is at hand
            g = result[j] if j < len(result) else None
            if g is not None and tuple(g.shape) != tuple(values[j].shape):
                result[j] = ops.sum_to_like(g, values[j]._data)
        return result

    def release(self) -> None:
        super().release()
        self.packed = None


def settle(node, grads: list) -> list:
    """Each input's gradient summed to the input's shape and cast to its dtype, as the walker
    would: what a post-hook sees (PyTorch's nodes return their inputs' shapes)."""
    result = list(grads)
    for i, g in enumerate(result):
        if g is not None:
            like = node.input_like(i)
            if tuple(g.shape) != tuple(like.shape):
                g = ops.sum_to_like(g, like)
            if g.dtype != like.dtype:
                g = _in_dtype_of(g, like)
            result[i] = g
    return result


_EXTENDED: dict = {}


def extended_class(cls: type) -> type:
    """The ExtendedNode subclass of a generated node class (same name and layout, cached)."""
    if issubclass(cls, ExtendedNode):
        return cls
    ext = _EXTENDED.get(cls)
    if ext is None:
        ext = _EXTENDED[cls] = type(cls.__name__, (ExtendedNode, cls), {"__slots__": ()})
    return ext


# bind and node call these through module slots (they cannot import this module: it imports them)
bind._pack_node = pack_node
_node.extended_class_of = extended_class
