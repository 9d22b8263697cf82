"""The default session stack (per thread): what `t.eval()`, `op.run()` and
`tf.get_default_session()` use. Its own module so that graph.py and variables.py can reach it
without importing session.py (which imports them)."""
from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .session import Session


class _DefaultSessions(threading.local):
    def __init__(self) -> None:
        self.stack: list[Session] = []


defaults = _DefaultSessions()


def default_session() -> Session:
    """The innermost default session; a ValueError (TF1's message) when there is none."""
    if not defaults.stack:
        raise ValueError("Cannot evaluate tensor using `eval()`: No default session is registered. "
                         "Use `with sess.as_default()` or pass an explicit session to `eval(session=sess)`")
    return defaults.stack[-1]


def get_default_session() -> Session | None:
    """The innermost session entered with `with`, or None (tf.get_default_session)."""
    return defaults.stack[-1] if defaults.stack else None
