"""`dg.compile`: an eager step traced into one static graph and run as one program.

The static graph machinery is imported on the first `dg.compile` call, so `import dualgrad`
stays as fast as before."""
from __future__ import annotations


def compile(fn=None, *, backend: str | None = None):  # noqa: A001 - PyTorch's name
    """`dg.compile(fn)` or `@dg.compile(backend='numpy')`: `fn` traced into one static graph
    and run as one program (XLA on the jax backend, interpreted by the numpy one), with the
    eager run's results. See docs/compile.md for what is traced, the guards and the fallbacks."""
    from .function import CompiledFunction

    def wrap(f):
        if not callable(f):
            from ..errors import DualgradTypeError, user_line

            raise DualgradTypeError(f"dg.compile: expected a function, got {type(f).__name__} {user_line()}")
        return CompiledFunction(f, backend)

    return wrap if fn is None else wrap(fn)


__all__ = ["compile"]
