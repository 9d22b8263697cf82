"""The error of an op that fails inside `Session.run`: shapes that meet only at run time
(placeholders with `None` dims) reach a kernel (numpy backend) or a jax trace that cannot take
them, and numpy's or jax's own words name neither the graph op nor the user's line.

`Plan.function` catches such an error around its whole loop (a Python 3.11 `try` costs
nothing until it raises) and `op_failed` turns it into TF1's `InvalidArgumentError` naming the
op (its graph name and type), the input shapes and dtypes, the line that built the op and the
line of the run, with the original as `__cause__`. Programs are shared between plans that
compute the same thing (compile.py's `Plan.signature`), so the op a program names may be
another plan's twin: the runner calls `reraise` with its own plan to name its own op.
"""
from __future__ import annotations

from typing import NoReturn

from ..errors import (
    DualgradError,
    InvalidArgumentError,
    InvalidArgumentIndexError,
    OutOfMemoryError,
    is_out_of_memory,
    user_frame,
)
from .graph import Operation

# what numpy and jax raise for inputs a kernel cannot take (a shape, an index, a dtype); other
# errors (an injected fault, FloatingPointError, a RuntimeError) keep their type and get a note
_CONVERTED = (ValueError, TypeError, IndexError)


class Failure:
    """What an op's failure says, kept on the error it raised (`error._dualgrad_failure`) so
    that a runner can name its own twin of the op, and an enclosing `ds.cond`/`ds.while_loop`
    can add itself: `chain` is the failing op, then each control-flow op it ran inside, and
    `position` is the outermost one's place in its plan's order."""

    __slots__ = ("position", "chain", "kind", "detail", "inputs", "run_at", "cause")

    def __init__(self, position: int, chain: tuple, kind: type, detail: str, inputs: str,
                 run_at: str, cause: BaseException):
        self.position = position
        self.chain = chain
        self.kind = kind
        self.detail = detail
        self.inputs = inputs
        self.run_at = run_at
        self.cause = cause

    def error(self) -> BaseException | None:
        """The error to raise: `kind` with the whole message, the original as its cause (None
        where `kind` takes other arguments: the original is raised as it is)."""
        op = self.chain[0]
        text = f"{op.type} (op '{op.name}', created at {op.where}): {self.detail}; inputs {self.inputs}"
        for outer in self.chain[1:]:
            text += f"; inside {outer.type} (op '{outer.name}', created at {outer.where})"
        text += f"; run at {self.run_at}"
        try:
            error = self.kind(text)
        except Exception:  # noqa: BLE001 - a class with other arguments: keep the original
            return None
        error.__cause__ = self.cause
        error._dualgrad_failure = self
        return error

    def moved(self, position: int, outer: Operation, inside: bool) -> Failure:
        """This failure with the outermost op replaced (`inside`: added) by `outer`."""
        chain = (*self.chain, outer) if inside else (*self.chain[:-1], outer)
        return Failure(position, chain, self.kind, self.detail, self.inputs, self.run_at, self.cause)


def op_failed(position: int, op: Operation, values, error: BaseException) -> BaseException | None:
    """The error to raise for `error`, raised while `op` (the `position`th op of its plan) ran
    on input `values`; None: raise `error` as it is (out of memory, which the runner reports;
    an error that already names the op's line; a fault that is no bad input)."""
    inner = getattr(error, "_dualgrad_failure", None)
    if inner is not None:  # from an op inside this control-flow op's branch or body
        return inner.moved(position, op, inside=True).error()
    if is_out_of_memory(error) or isinstance(error, OutOfMemoryError):
        return None
    text = str(error).strip()
    if isinstance(error, DualgradError):
        if op.where in text:  # (an assign's shape check, a jax check's error)
            return None
        kind = type(error)
    elif isinstance(error, _CONVERTED):
        kind = InvalidArgumentIndexError if isinstance(error, IndexError) else InvalidArgumentError
        text = text.splitlines()[0].rstrip(".") if text else type(error).__name__  # (jax adds pages)
    else:
        error.add_note(f"while running op '{op.name}' ({op.type}, created at {op.where})")
        return None
    prefix = f"{op.type}: "
    if text.startswith(prefix):  # a kernel's own error already leads with the op's type
        text = text[len(prefix):]
    return Failure(position, (op,), kind, text, describe_values(values), user_frame(), error).error()


def reraise(error: BaseException, order) -> NoReturn:
    """Raise `error` (the runner's program failed), naming the op of the runner's plan
    (`order`) where the program came from a plan with the same signature but other ops
    (built at another line, or named otherwise)."""
    failure = getattr(error, "_dualgrad_failure", None)
    if failure is not None and failure.position < len(order):
        op = order[failure.position]
        moved = failure.moved(failure.position, op, inside=False).error() \
            if op is not failure.chain[-1] else None
        if moved is not None:
            raise moved from failure.cause
    raise error


def describe_values(values) -> str:
    """'float32 of shape (2, 3), int 2' for arrays, jax tracers and Python numbers."""
    parts = []
    for v in values:
        shape = getattr(v, "shape", None)
        if shape is not None and hasattr(v, "dtype"):
            parts.append(f"{getattr(v.dtype, 'name', v.dtype)} of shape {tuple(shape)}")
        elif isinstance(v, (bool, int, float)):
            parts.append(f"{type(v).__name__} {v!r}")
        else:
            parts.append(type(v).__name__)
    return ", ".join(parts) or "none"
