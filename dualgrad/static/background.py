"""XLA programs built off the caller's thread, for `ds.Session(compile_in_background=True)`.

A new (fetches, feeds) signature would otherwise wait for jax's import and an XLA compile
(tens of milliseconds each, seconds for the import) before its first result. Instead its
first runs go through the numpy interpreter — the numpy backend's own path, which the test
suite holds to the jax backend's results — while one worker thread imports jax and compiles
the program; the Session switches to the compiled program on the first run after it is
ready. A build that fails leaves the signature on the interpreter and is reported once as a
`RuntimeWarning`.
"""
from __future__ import annotations

import os
import threading
import warnings
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor

import numpy as np

from ..backend import jax_numpy

_pool: Executor | None = None
_pool_lock = threading.Lock()


def _worker() -> Executor:
    """The one compile thread (programs build in the order they are first run)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dualgrad-compile")
        return _pool


def _forget_worker() -> None:
    """A forked child has no worker thread: its next build starts a fresh one (builds the
    parent had queued stay on the interpreter in the child)."""
    global _pool, _pool_lock
    _pool, _pool_lock = None, threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_worker)


def import_jax_soon() -> None:
    """Start importing jax on the worker while the user builds the graph."""
    _worker().submit(jax_numpy)


class BackgroundProgram:
    """One plan's program: `interpret(*args)` (numpy) until `build(specs)` — run once on the
    worker with the arguments' (shape, dtype) — has returned the compiled function."""

    __slots__ = ("interpret", "_build", "_future", "_lock", "compiled", "error", "_warned")

    def __init__(self, interpret: Callable, build: Callable[[list], Callable]):
        self.interpret = interpret
        self._build = build
        self._future = None
        self._lock = threading.Lock()
        self.compiled: Callable | None = None
        self.error: BaseException | None = None
        self._warned = False

    def start(self, args) -> None:
        """Submit the build for these arguments' shapes and dtypes (the first call only)."""
        if self._future is not None:
            return
        with self._lock:
            if self._future is None:
                specs = [(tuple(a.shape), np.dtype(a.dtype)) for a in args]
                self._future = _worker().submit(self._build, specs)

    def poll(self) -> Callable | None:
        """The compiled function once it is built; None while it builds or if it failed."""
        if self.compiled is not None:
            return self.compiled
        future = self._future
        if future is None or not future.done():
            return None
        error = future.exception()
        if error is None:
            self.compiled = future.result()
        else:
            self.error = error
        return self.compiled

    def warn_failed(self, what: str, where: str) -> None:
        """Report a failed build once; the runs stay on the interpreter."""
        if self._warned:
            return
        self._warned = True
        e = self.error
        warnings.warn(f"ds.Session: the XLA program for {what} failed to compile in the background "
                      f"({type(e).__name__}: {e}); its runs continue on the numpy interpreter (at "
                      f"{where})", RuntimeWarning, stacklevel=4)
