"""Grad mode, per thread as in PyTorch: `no_grad`, `enable_grad`, `set_grad_enabled`.

Each works as a context manager and as a decorator.
"""
from __future__ import annotations

import functools
import threading
from collections.abc import Callable


class _State(threading.local):
    enabled = True
    anomaly = False


state = _State()


def is_grad_enabled() -> bool:
    """Whether operations are recorded for backward now (torch.is_grad_enabled)."""
    return state.enabled


class _GradMode:
    """Base: sets grad mode on enter, restores the previous mode on exit."""

    mode = True

    def __enter__(self):
        self._previous = state.enabled
        state.enabled = self.mode
        return self

    def __exit__(self, *exc) -> None:
        state.enabled = self._previous

    def __call__(self, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_GradMode):
    """Ops inside record no graph: `with dg.no_grad(): w -= lr * w.grad`."""

    mode = False


class enable_grad(_GradMode):
    """Turn recording back on inside a `no_grad` block."""

    mode = True


class set_grad_enabled(_GradMode):
    """`set_grad_enabled(False)` acts at once (like PyTorch) and also as a context manager."""

    def __init__(self, mode: bool):
        self._previous = state.enabled
        self.mode = bool(mode)
        state.enabled = self.mode

    def __enter__(self):
        return self

    def __call__(self, fn: Callable) -> Callable:
        state.enabled = self._previous
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)

        return wrapper
