"""`autograd.Function`: a user-defined op with its own forward and backward.

The ctx passed to `forward` is the graph node itself (as in PyTorch), so `ctx.saved_tensors`
and `ctx.needs_input_grad` live where `backward` can read them.
"""
from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

from ..backend import full_on
from ..errors import DualgradNotImplementedError, GraphError, user_frame, user_line
from . import dual, grad_mode, saved_hooks
from .bind import edge
from .node import FREED, HookedNode, call_grads_hooks, check_nan
from .saved_hooks import pack_function_saved, unpack_function_saved
from .tensor import Tensor, check_version, wrap


class FunctionCtx(HookedNode):
    """What `forward(ctx, ...)` and `backward(ctx, ...)` see; also the backward graph node."""

    def __init__(self, inputs: tuple):
        self.inputs = inputs
        self.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in inputs)
        self.next_edges = tuple(edge(a) if need else (None, 0)
                                for a, need in zip(inputs, self.needs_input_grad, strict=True))
        self.hooks = None
        self.where = user_frame() if grad_mode.state.anomaly else None
        self._saved: tuple | None = ()
        self._versions: tuple = ()
        self.materialize_grads = True
        self.output_shapes: list = []

    post_hooks = None  # (`register_hook`'s list, made at the first one)
    _packed = None  # what saved_tensors_hooks' pack made of the saved tensors (eager/saved_hooks.py)

    def save_for_backward(self, *tensors) -> None:
        """Keeps tensors for backward, checked for in-place changes (ctx.save_for_backward)."""
        self._saved = tensors
        self._versions = tuple(t._version[0] if isinstance(t, Tensor) else None for t in tensors)

    @property
    def saved_tensors(self) -> tuple:
        """The tensors given to save_for_backward; raises once freed or modified (ctx.saved_tensors)."""
        if self._saved is None:
            raise GraphError(FREED)
        if self._packed is not None:
            return unpack_function_saved(self._packed)
        for t, v in zip(self._saved, self._versions, strict=True):
            if v is not None:
                check_version(t, v, self)
        return self._saved

    def save_for_forward(self, *tensors) -> None:
        """Keeps tensors for `jvp` (ctx.save_for_forward); `jvp` reads them as `saved_tensors`."""
        self.save_for_backward(*tensors)

    def mark_dirty(self, *tensors) -> None:
        """Accepted for compatibility: in-place writes are tracked by version counters."""

    def mark_non_differentiable(self, *tensors) -> None:
        """Marks outputs as not requiring grad (ctx.mark_non_differentiable)."""
        for t in tensors:
            t._requires_grad = False
            t.grad_fn = None

    def set_materialize_grads(self, value: bool) -> None:
        """Whether unused outputs' grads reach backward as zeros or as None (ctx.set_materialize_grads)."""
        self.materialize_grads = bool(value)

    # -- the walker's protocol --------------------------------------------------------------
    def input_like(self, i: int):
        """The array of input `i`, to shape and place its zero gradient (the walker's protocol)."""
        return self.inputs[i]._data

    def release(self) -> None:
        """Frees the saved tensors after backward unless retain_graph (the walker's protocol)."""
        self._saved = self._packed = None

    def apply(self, grads: list, needed: list) -> list:
        """Runs the user's `backward` on the output gradients (the walker's protocol)."""
        if self._saved is None:
            raise GraphError(FREED)
        raw = not any(isinstance(g, Tensor) for g in grads)
        shown = []
        for g, shape in zip(grads, self.output_shapes, strict=True):
            if g is None and self.materialize_grads:  # an output that did not reach the loss
                g = full_on(self._reference(), shape, 0)
            shown.append(wrap(g) if g is not None and not isinstance(g, Tensor) else g)
        with grad_mode.set_grad_enabled(not raw):
            result = type(self).backward_fn(self, *shown)
        result = result if isinstance(result, tuple) else (result,)
        if len(result) != len(needed) and (len(result) < len(needed) or any(
                g is not None for g in result[len(needed):])):  # PyTorch lets extra Nones pass
            raise GraphError(f"function {type(self).__name__} returned an incorrect number of "
                             f"gradients (expected {len(needed)}, got {len(result)})")
        out = []
        for i, need in enumerate(needed):
            g = result[i] if need else None
            if g is not None and not isinstance(g, Tensor):
                g = wrap(np.asarray(g))
            out.append(g._data if raw and g is not None else g)
        if grad_mode.state.anomaly:
            check_nan(self, out)
        if self.post_hooks:
            out = call_grads_hooks(self.post_hooks, out, grads, pre=False)
        return out

    def _reference(self):
        """The array of the first floating-point input: zeros for unused outputs follow its
        dtype and device."""
        for a in self.inputs:
            if isinstance(a, Tensor) and a.dtype.is_floating_point:
                return a._data
        return np.zeros((), np.float32)


class Function:
    """Subclass with static `forward(ctx, *args)` and `backward(ctx, *grads)`; call `.apply`."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        """The computation on plain values; subclasses define it (torch.autograd.Function.forward)."""
        raise NotImplementedError("a Function subclass must implement forward")

    @staticmethod
    def backward(ctx, *grad_outputs):
        """Gradients of the inputs from those of the outputs; subclasses define it (Function.backward)."""
        raise NotImplementedError("a Function subclass must implement backward")

    jvp = None  # (a subclass's `jvp(ctx, *tangents)` gives forward-mode AD its outputs' tangents)

    @classmethod
    def apply(cls, *args):
        """Runs forward and records a node whose backward is this class's (torch.autograd.Function.apply)."""
        node_type = _node_type(cls)
        ctx = node_type(args)
        with grad_mode.no_grad():
            raw = cls.forward(ctx, *args)
        many = isinstance(raw, tuple)
        outs = raw if many else (raw,)
        record = grad_mode.state.enabled and any(ctx.needs_input_grad)
        result = []
        for i, o in enumerate(outs):
            if isinstance(o, Tensor) and record and o.dtype.is_floating_point:
                t = wrap(o._data, ctx, True)
                t._output_nr = i
                result.append(t)
            else:
                result.append(o)
        if record and ctx._saved and saved_hooks.state.stack:  # packed once forward returned, as
            ctx._packed = pack_function_saved(ctx._saved)  # PyTorch does; the node keeps the packed
            ctx._saved, ctx._versions = (), ()
        ctx.num_outputs = len(outs)
        ctx.output_shapes = [tuple(o.shape) if isinstance(o, Tensor) else () for o in outs]
        if dual.any_dual(args):  # forward-mode AD: the class's jvp gives the outputs' tangents
            _push_tangents(cls, ctx, args, result)
        return tuple(result) if many else result[0]


def _push_tangents(cls: type, ctx: FunctionCtx, args: tuple, outputs: list) -> None:
    """Each floating output's tangent from `cls.jvp(ctx, *input tangents)` (zeros for a tensor
    input without one, None for other arguments), as PyTorch's forward-mode Function."""
    if cls.jvp is None:
        raise DualgradNotImplementedError(f"{cls.__name__}: You must implement the jvp function for custom "
                                          f"autograd.Function to use it with forward mode AD. {user_line()}")
    tangents = [None if not isinstance(a, Tensor) else dual.tangent_of(a) if dual.tangent_of(a) is not None
                else wrap(full_on(a._data, tuple(a.shape), 0)) for a in args]
    with grad_mode.no_grad():
        pushed = cls.jvp(ctx, *tangents)
    pushed = pushed if isinstance(pushed, tuple) else (pushed,)
    for out, tangent in zip(outputs, pushed, strict=False):
        if isinstance(out, Tensor) and out.dtype.is_floating_point and isinstance(tangent, Tensor):
            dual.set_tangent(out, tangent.detach())


_NODE_TYPES: dict[type, type] = {}


def register_node_type(cls: type, name: str) -> type:
    """The node type of `cls`'s calls, named `name`: a library-internal Function takes
    PyTorch's name for its node (`ToCopyBackward0`), a user's the class name plus `Backward`."""
    node = _NODE_TYPES[cls] = type(name, (FunctionCtx,), {"backward_fn": staticmethod(cls.backward)})
    return node


def _node_type(cls: type) -> type:
    node = _NODE_TYPES.get(cls)
    return node if node is not None else register_node_type(cls, f"{cls.__name__}Backward")


_TWICE = "trying to differentiate twice a function that was marked with @once_differentiable"


def once_differentiable(backward: Callable) -> Callable:
    """Marks a Function's backward as not differentiable itself
    (torch.autograd.function.once_differentiable): it runs without recording, and where its
    incoming gradients have history (a double backward), its results carry a node that raises
    when reached, so a second derivative never silently leaves the function's part out."""

    @functools.wraps(backward)
    def wrapper(ctx, *grads):
        with grad_mode.no_grad():
            result = backward(ctx, *grads)
        if not grad_mode.state.enabled or not any(
                isinstance(g, Tensor) and g.requires_grad for g in grads):
            return result
        many = isinstance(result, tuple)
        marked = [_mark_twice(g) for g in (result if many else (result,))]
        return tuple(marked) if many else marked[0]

    return wrapper


def _mark_twice(g):
    """`g` with a node that refuses to be differentiated (PyTorch's DelayedError)."""
    if not isinstance(g, Tensor):
        return g
    return _DelayedError.apply(g.detach().requires_grad_(True))


class _DelayedError(Function):
    """The node under once_differentiable's results: reaching it raises."""

    @staticmethod
    def forward(ctx, g):
        """The gradient, unchanged."""
        return g

    @staticmethod
    def backward(ctx, g):
        """Refuses: the function it stands for has no derivative of its backward."""
        raise GraphError(_TWICE)


register_node_type(_DelayedError, "Error")  # PyTorch's name for the node
