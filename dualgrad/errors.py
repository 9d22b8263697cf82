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


def user_frame(skip_package: str = _PACKAGE_DIR) -> str:
    """'file.py:LINE' of the innermost frame outside dualgrad (cheap: no traceback objects)."""
    f = sys._getframe(1)
    while f is not None and f.f_code.co_filename.startswith(skip_package):
        f = f.f_back
    if f is None:
        return "<unknown>"
    return f"{os.path.basename(f.f_code.co_filename)}:{f.f_lineno}"

