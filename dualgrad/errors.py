"""dualgrad's error types and the 'where did the user build this' helper.

Errors subclass the Python type a user would catch (RuntimeError, ValueError, TypeError), so
code written for PyTorch or TF1 keeps working, and share `DualgradError` so tests and users
can tell ours from a raw numpy/jax failure.
"""
from __future__ import annotations

import os
import sys

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


class DualgradError(Exception):
    """Base of every error dualgrad raises on purpose."""


class ShapeError(DualgradError, ValueError):
    """Shapes that an op cannot combine."""


class IndexShapeError(ShapeError, IndexError):
    """A dimension or index out of range (PyTorch raises IndexError for these)."""


class DTypeError(DualgradError, TypeError):
    """A dtype an op cannot take."""


class GraphError(DualgradError, RuntimeError):
    """Misuse of a graph: freed buffers, in-place conflicts, wrong graph, unfed placeholders."""


class FeedError(DualgradError, ValueError):
    """A feed_dict value that cannot match its placeholder."""


class UninitializedError(DualgradError, RuntimeError):
    """A static Variable read before it was initialised (TF1's FailedPreconditionError)."""


class CheckpointError(DualgradError, ValueError):
    """A checkpoint or saved file that is missing, not a regular file, truncated, altered, or
    that does not match the graph; the message names the file and the reason."""


class OutOfMemoryError(DualgradError, RuntimeError):
    """A result larger than the memory left (PyTorch's `torch.OutOfMemoryError` is a
    RuntimeError too). Nothing is committed: the process, its tensors, variables and
    sessions stay usable."""


def is_out_of_memory(error: BaseException) -> bool:
    """numpy's MemoryError, or XLA's RESOURCE_EXHAUSTED (a jax RuntimeError; dispatching a
    program on a buffer that failed to allocate says 'Out of memory' under INTERNAL)."""
    if isinstance(error, MemoryError):
        return True
    return isinstance(error, RuntimeError) and ("RESOURCE_EXHAUSTED" in str(error) or
                                                "Out of memory" in str(error))


def out_of_memory(what: str, error: BaseException) -> OutOfMemoryError:
    """`what` ('multiply of shapes (2, 1), (1, 2)', 'fetching ...') ran out of memory."""
    detail = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return OutOfMemoryError(f"out of memory: {what} ({detail}; at {user_frame()})")


def user_frame(skip_package: str = _PACKAGE_DIR) -> str:
    """'file.py:LINE' of the innermost frame outside dualgrad (cheap: no traceback objects)."""
    f = sys._getframe(1)
    while f is not None and f.f_code.co_filename.startswith(skip_package):
        f = f.f_back
    if f is None:
        return "<unknown>"
    return f"{os.path.basename(f.f_code.co_filename)}:{f.f_lineno}"

