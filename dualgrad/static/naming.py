"""Names and per-thread scopes of a graph: unique op names, `name_scope`, the stacks of
name, variable and control-dependency scopes (each thread has its own, as in TF1), and the
name check every API applies. `Graph` inherits them (`graph.py`)."""
from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

from ..errors import DTypeError, user_frame


class Naming:
    """The naming half of `Graph`; it uses the graph's `_lock`, `_name_counts`, `_used_names`
    and `_scope_stacks`, which `Graph.__init__` creates."""

    _lock: threading.RLock
    _name_counts: dict[str, int]
    _used_names: set[str]
    _scope_stacks: threading.local

    def name_scope(self, name: str | None) -> contextlib.AbstractContextManager[str]:
        """Prefix the names of ops created inside with ``name/`` (unique per graph). The name
        is checked here, so an error names the user's line, not the `with` machinery."""
        if name:
            check_name("name_scope", name)
        return self._name_scope(name)

    @contextlib.contextmanager
    def _name_scope(self, name: str | None) -> Iterator[str]:
        if not name:
            yield self._prefix()
            return
        scope = self.unique_name(name.rstrip("/"), mark_used=True)
        self._scopes.append(scope)
        try:
            yield scope + "/"
        finally:
            self._scopes.pop()

    @contextlib.contextmanager
    def _control_frame(self, ops: list | None) -> Iterator[None]:
        frames = self.thread_stack("control")
        if ops is None:
            with emptied(frames):
                yield
            return
        frames.append(ops)
        try:
            yield
        finally:
            frames.pop()

    def thread_stack(self, kind: str) -> list:
        """This thread's stack of `kind` ('names', 'control', 'variable' scopes)."""
        stack = getattr(self._scope_stacks, kind, None)
        if stack is None:
            stack = []
            setattr(self._scope_stacks, kind, stack)
        return stack

    def root_name_scope(self) -> contextlib.AbstractContextManager:
        """No name scope inside (variables made by `get_variable` are named by their variable
        scope alone, whatever name scope is open)."""
        return emptied(self._scopes)

    @contextlib.contextmanager
    def exact_scope(self, scope: str) -> Iterator[str]:
        """Re-enter the scope `scope` (a full name such as an op's) without renaming it."""
        self._scopes.append(scope)
        try:
            yield scope + "/"
        finally:
            self._scopes.pop()

    @property
    def _scopes(self) -> list[str]:
        return self.thread_stack("names")

    def _prefix(self) -> str:
        scopes = self._scopes
        return scopes[-1] + "/" if scopes else ""

    def unique_name(self, name: str, mark_used: bool = True) -> str:
        """`name` inside the current scope, with ``_1``, ``_2``... appended when taken."""
        full = self._prefix() + name
        with self._lock:
            count = self._name_counts.get(full, 0)
            candidate = full if count == 0 else f"{full}_{count}"
            while candidate in self._used_names:
                count += 1
                candidate = f"{full}_{count}"
            if mark_used:
                self._name_counts[full] = count + 1
                self._used_names.add(candidate)
        return candidate


def check_name(op: str, name) -> None:
    """Op and scope names are strings (TF1 refuses anything else)."""
    if not isinstance(name, str):
        raise DTypeError(f"{op}: name must be a str, got {name!r} of type {type(name).__name__} (at "
                         f"{user_frame()})")


@contextlib.contextmanager
def emptied(stack: list) -> Iterator[None]:
    """`stack` empty inside the block, as it was after."""
    saved = stack[:]
    stack.clear()
    try:
        yield
    finally:
        stack[:] = saved
