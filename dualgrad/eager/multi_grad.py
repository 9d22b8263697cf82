"""`torch.autograd.graph.register_multi_grad_hook`: one hook over the gradients of several
tensors, per backward.

Each backward (`engine.backward`, `engine.grad`) runs inside `walk()`, which gives this thread
a fresh list of callbacks to run once the walk is done (before any `.grad` is written, so a
callback that raises leaves them as they were). A multi-grad hook's tensor hooks collect the
gradients of one walk and, in mode "all", queue one call of the user's function with them.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from ..errors import DualgradValueError, GraphError, user_line
from .tensor import Tensor


class _State(threading.local):
    callbacks: list | None = None  # the running walk's, on this thread


state = _State()


class walk:
    """One backward walk: the callbacks queued during it run when it ends without error."""

    __slots__ = ("outer", "callbacks")

    def __enter__(self) -> walk:
        self.outer = state.callbacks
        self.callbacks = state.callbacks = []
        return self

    def __exit__(self, error_type, *exc) -> None:
        state.callbacks = self.outer
        if error_type is None:
            for fn in self.callbacks:
                fn()


def _current(name: str) -> list:
    callbacks = state.callbacks
    if callbacks is None:
        raise GraphError(f"{name}: expected this hook to be called inside a backward call {user_line()}")
    return callbacks


class _MultiHandle:
    """What register_multi_grad_hook returns: `.remove()` removes every tensor hook."""

    def __init__(self, handles: tuple) -> None:
        self.handles = handles

    def remove(self) -> None:
        for handle in self.handles:
            handle.remove()

    def __enter__(self) -> _MultiHandle:
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


def register_multi_grad_hook(tensors: Sequence[Tensor], fn: Callable, *, mode: str = "all") -> _MultiHandle:
    """mode "all": `fn(grads)` once per backward that reaches any of `tensors`, with the list of
    their gradients (None for those not reached); mode "any": `fn(grad)` with the first of them
    computed (torch.autograd.graph.register_multi_grad_hook)."""
    if mode not in ("all", "any"):
        raise DualgradValueError(f"Expects mode to be one of ('all', 'any') but got {mode} {user_line()}")
    tensors = tuple(tensors)
    seen: dict = {}  # id of a walk's callback list -> its gradients so far (all) / True (any)

    def hook_for(index: int) -> Callable:
        def inner_hook(grad: Tensor) -> None:
            callbacks = _current("register_multi_grad_hook")
            key = id(callbacks)
            if mode == "any":
                if key not in seen:
                    seen[key] = True
                    callbacks.append(lambda: seen.pop(key, None))
                    fn(grad)
                return
            buffer = seen.get(key)
            if buffer is None:
                buffer = seen[key] = [None] * len(tensors)

                def finish() -> None:
                    fn(seen.pop(key))

                callbacks.append(finish)
            buffer[index] = grad

        return inner_hook

    handles = tuple(t.register_hook(hook_for(i)) for i, t in enumerate(tensors) if t.requires_grad)
    return _MultiHandle(handles)
