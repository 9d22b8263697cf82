"""`dg.compile(fn)`: trace an eager step once per guard key, then run it as one program.

The guard key (docs/compile.md) is made of the arguments (tensors by shape, dtype and
requires_grad; Python values by value; other objects by identity), the grad mode, the default
dtype (dg.set_default_dtype), and the
walk of what the function can reach (discover.py). A step that cannot be traced runs eagerly
from then on for that key, with one warning per function naming the user's line.
"""
from __future__ import annotations

import functools
import importlib.util
import os
import threading
import traceback
import warnings

import numpy as np

from .. import dtypes
from ..backend import is_jax_array
from ..eager import bind as eager_bind
from ..eager import dual, grad_mode
from ..eager.lazy import Pending, computed
from ..eager.tensor import Tensor
from ..errors import (
    CompileWarning,
    SharedMemory,
    Untraceable,
    ValueNeeded,
    _skipped_dirs,
    user_frame,
    user_stacklevel,
)
from .discover import Walk
from .on_device import on_device
from .program import Program
from .trace import memory_of, trace
from .user_state import scalar_token

CACHE_LIMIT = 8  # traces kept per function (torch.compile's cache_size_limit)
_EAGER = object()  # a guard key whose step runs eagerly


class CompiledFunction:
    """The callable `dg.compile` returns; `fn` is the eager function it stands for."""

    __slots__ = ("fn", "backend", "programs", "warned", "lock", "__wrapped__", "__dict__")

    def __init__(self, fn, backend: str | None) -> None:
        self.fn = fn
        self.backend = backend or _default_backend()
        self.programs: dict = {}
        self.warned: set[str] = set()  # fallback messages already shown
        # an optimizer's lr, momentum and betas are fed to the program each call, until a
        # trace fails with them fed (the step reads one as a Python number): then guarded
        self.feeds_hyperparameters = True
        # one call at a time: a call syncs the eager tensors and the Session's copies of them
        # around its run, and a trace swaps the eager tensors' values for graph values
        self.lock = threading.RLock()
        functools.update_wrapper(self, fn)

    def __call__(self, /, *args, **kwargs):  # `/`: the step may take a keyword named self
        if eager_bind.tracing.hook is not None:  # called by a step being traced: inline it
            return self.fn(*args, **kwargs)
        if dual.current() is not None:  # forward-mode AD pushes tangents op by op: eagerly
            return self.fn(*args, **kwargs)
        with self.lock:
            return self._call(args, kwargs)

    def _call(self, args, kwargs):
        feeds: list[Tensor] = []
        try:
            arg_key = _arguments((args, kwargs), feeds)
            # the guard: the walk's key alone; where things live is noted only for a trace
            before = self._walk(feeds, args, kwargs, record=False)
            # the default dtype too: a trace bakes in what Python floats and int-to-float
            # results became (dg.set_default_dtype between calls traces again)
            key = (arg_key, tuple(before.key), (grad_mode.state.enabled, dtypes.DEFAULT_FLOAT))
            program = self.programs.get(key)
            if program is None and len(self.programs) < CACHE_LIMIT:
                # a trace: the same walk again, noting what the trace needs
                before = self._walk(feeds, args, kwargs, record=True)
                key = (arg_key, tuple(before.key), key[2])
                program = self.programs.get(key)
        except Untraceable as e:
            self._fallback(e)
            return self.fn(*args, **kwargs)
        if program is None:
            program = self._trace(key, args, kwargs, feeds, before)
        if program is _EAGER:
            return self.fn(*args, **kwargs)
        try:
            return program.run(feeds)
        except SharedMemory as e:  # (raised before the program ran)
            self._fallback(e)
            return self.fn(*args, **kwargs)

    def _walk(self, feeds: list, args, kwargs, record: bool) -> Walk:
        """What the step reaches (`record`: and where, for a trace); refuses device tensors
        the backend does not run."""
        walk = self._roots(Walk(feeds, record, self.feeds_hyperparameters), args, kwargs)
        if self.backend != "jax" and (on_device(feeds) or on_device(walk.tensors.values())):
            raise Untraceable("the step reaches tensors on the jax device, which "
                              f"dg.compile(backend={self.backend!r}) does not run (backend='jax' does)")
        return walk

    def _roots(self, walk: Walk, args, kwargs) -> Walk:
        walk.visit(self.fn)
        walk.visit(args)
        walk.visit(kwargs)
        return walk

    def _trace(self, key, args, kwargs, feeds, before):
        if len(self.programs) >= CACHE_LIMIT:
            self._fallback(Untraceable(f"it was traced {CACHE_LIMIT} times (guards keep changing; "
                                       "see docs/compile.md)"))
            return _EAGER
        try:
            parts = trace(self.fn, args, kwargs, feeds, before,
                          lambda: self._roots(Walk(feeds, True, self.feeds_hyperparameters), args, kwargs))
            program = Program(*parts, before, feeds, self.backend)
        except Exception as e:  # noqa: BLE001 - any failure to trace means: run it eagerly
            if before.rates and isinstance(e, ValueNeeded):  # (perhaps of a fed lr)
                return self._trace_guarded(key, args, kwargs, feeds)
            self.programs[key] = _EAGER
            self._fallback(e)
            return _EAGER
        self.programs[key] = program
        return program

    def _trace_guarded(self, key, args, kwargs, feeds):
        """Trace again with the hyperparameters as guards, as for every later call: a step
        that reads its lr as a Python number (`if lr > 0.01:`, a format) cannot take it fed
        (a step needing another tensor's value fails again and runs eagerly).
        The programs traced with them fed are dropped (their keys are not made any more)."""
        self.feeds_hyperparameters = False
        self.programs.clear()
        try:
            before = self._walk(feeds, args, kwargs, record=True)
        except Untraceable as e:
            self._fallback(e)
            return _EAGER
        return self._trace((key[0], tuple(before.key), key[2]), args, kwargs, feeds, before)

    def _fallback(self, error: Exception) -> None:
        name = getattr(self.fn, "__qualname__", repr(self.fn))
        message = f"dg.compile: {name} runs eagerly: {_reason(error)} (at {_user_line(error)})"
        if message not in self.warned:
            self.warned.add(message)
            warnings.warn(message, CompileWarning, stacklevel=user_stacklevel())


def _default_backend() -> str:
    """jax where it is installed (found without importing it), else numpy."""
    return "jax" if importlib.util.find_spec("jax") is not None else "numpy"


def _arguments(tree, feeds: list):
    """The arguments' part of the guard key; their tensors are appended to `feeds`."""
    kind = type(tree)
    if kind is Pending:  # a lazy tensor (eager/lazy.py): computed, then an argument as any other
        kind = type(computed(tree))
    if kind is Tensor:
        for i, seen in enumerate(feeds):
            if seen is tree:  # the same tensor twice: one placeholder, so part of the key
                return ("same as argument", i)
        data = tree._data
        on_jax = type(data) is not np.ndarray
        if on_jax and not is_jax_array(data):
            raise Untraceable(f"an argument holds a {type(data).__name__}, not an array")
        if tree._requires_grad and tree.grad_fn is not None:
            raise Untraceable("an argument has a grad_fn (backward through a compiled call's "
                              "inputs into an outer graph is not compiled)")
        # an argument sharing memory with an earlier one (`f(x, x[0])`): part of the key
        shared = None
        if feeds:
            memory = memory_of(tree, data)
            for i, seen in enumerate(feeds):
                if memory_of(seen, seen._data) == memory:
                    shared = i
                    break
        feeds.append(tree)
        return ("T", data.shape, data.dtype, on_jax, tree._requires_grad, shared)
    if kind in (tuple, list):
        return (kind, tuple(_arguments(v, feeds) for v in tree))
    if kind is dict:
        return (dict, tuple((k, _arguments(v, feeds)) for k, v in tree.items()))
    if kind in (bool, int, float, str, type(None)):
        return (kind, scalar_token(tree))  # (-0.0 and 0.0 apart, a NaN equal to itself)
    if isinstance(tree, np.ndarray):
        raise Untraceable("an argument is a numpy array; pass a tensor (dg.from_numpy)")
    return ("id", id(tree))


def _reason(error: Exception) -> str:
    """The error's words without its location (the warning names the line itself)."""
    text = str(error)
    cut = text.rfind(" (at ")
    text = text[:cut] if cut > 0 else text
    return text if isinstance(error, Untraceable) else f"{type(error).__name__}: {text}"


def _user_line(error: Exception) -> str:
    """'file.py:LINE' of the innermost frame of the user's code in the error's traceback (the
    call's line when the error arose before the function ran)."""
    skipped = _skipped_dirs()
    line = user_frame()
    for frame in traceback.extract_tb(error.__traceback__):
        if not frame.filename.startswith(skipped):
            line = f"{os.path.basename(frame.filename)}:{frame.lineno}"
    return line
