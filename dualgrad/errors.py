"""dualgrad's error types and the 'where did the user build this' helper.

Errors subclass the Python type a user would catch (RuntimeError, ValueError, TypeError), so
code written for PyTorch or TF1 keeps working, and share `DualgradError` so tests and users
can tell ours from a raw numpy/jax failure.
"""
from __future__ import annotations

import contextlib
import functools
import os
import re
import sys
from collections.abc import Callable

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


class SymbolicUnsupported(DualgradError, RuntimeError):
    """This form needs concrete indices (a table lookup, a Max over elements), or the
    expression cannot be built (too deep); callers retry with a small concrete shape or
    compare numbers."""


class NotClosedForm(SymbolicUnsupported):
    """A static graph has no closed form: a `ds.while_loop` whose trip count is known only when
    it runs (its condition reads the data) or that runs more iterations than `symbolic`
    unrolls."""


class FeedError(DualgradError, ValueError):
    """A feed_dict value that cannot match its placeholder."""


class UninitializedError(DualgradError, RuntimeError):
    """A static Variable read before it was initialised (TF1's FailedPreconditionError)."""


class CheckpointError(DualgradError, ValueError):
    """A checkpoint or saved file that is missing, not a regular file, truncated, altered, or
    that does not match the graph; the message names the file and the reason."""


class MissingCheckpointError(CheckpointError):
    """A checkpoint file that is not there, as opposed to one refused for what it is: "no
    checkpoint at ..." (a reader that raced the first save into a directory reads again)."""


class ValueOverflowError(DualgradError, OverflowError, ValueError, RuntimeError):
    """A value that does not fit the dtype it is stored in, eager or static (PyTorch raises
    RuntimeError or ValueError for these, TF1 ValueError, Python OverflowError; all catch it)."""


class LinAlgError(DualgradError, RuntimeError):
    """A matrix an op cannot factor: singular for inv/solve (PyTorch's
    `torch.linalg.LinAlgError`, also a RuntimeError)."""


class OutOfRangeError(DualgradError):
    """A `ds.data` iterator has no element left (TF1's `tf.errors.OutOfRangeError`, "End of
    sequence"): the run that needed one applied nothing. The end of a TF1 input loop."""


class DualgradTypeError(DualgradError, TypeError):
    """An argument of a type the function cannot take."""


class DualgradValueError(DualgradError, ValueError):
    """An argument whose value the function cannot take."""


class DualgradIndexError(DualgradError, IndexError):
    """A dimension or index out of range."""


class DualgradRuntimeError(DualgradError, RuntimeError):
    """A call that cannot run as asked."""


class DualgradNotImplementedError(DualgradError, NotImplementedError):
    """A form of a call dualgrad does not offer."""


class StateDictError(DualgradError, RuntimeError):
    """A state dict that does not fit the module (missing or unexpected keys, wrong shapes)."""


class GradcheckError(DualgradError, RuntimeError):
    """Raised by gradcheck when the analytical and numerical Jacobians disagree."""


class GradcheckInputError(DualgradError, ValueError):
    """gradcheck was given nothing it can check (PyTorch raises ValueError)."""


class DeviceError(DualgradError, RuntimeError):
    """A device that does not exist here, or a mix of devices in one op."""


class AllocationError(DualgradError, RuntimeError):
    """A tensor larger than memory."""


class CopyRequiredError(DualgradError, ValueError):
    """`np.array(t, copy=False)` where no array can share the tensor's memory."""


class NotImplementedForDType(DTypeError, NotImplementedError):
    """An op that PyTorch does not implement for a dtype (random numbers of an integer dtype)."""


class ReductionError(ShapeError):
    """An unknown `reduction` (PyTorch raises ValueError)."""


class OptimizerError(DualgradError, ValueError):
    """A bad optimizer argument, parameter group or state dict (PyTorch raises ValueError)."""


class DuplicateArgumentError(DualgradError, TypeError):
    """One argument given under both of its names (PyTorch raises TypeError)."""


class DuplicateStaticArgumentError(DualgradError, ValueError):
    """One argument given under both of its names (TF1 raises ValueError: 'Cannot specify
    both ...')."""


class GraphvizMissing(DualgradError, RuntimeError):
    """Rendering needs Graphviz's `dot` program, which is not on PATH."""


class UnsupportedSaverOption(DualgradError, NotImplementedError):
    """A TF1 Saver option that would change what is kept or restored, which dualgrad lacks."""


class CacheDirectoryError(DualgradError, PermissionError):
    """The cache directory is not the user's own, or others can write to it."""


class NumericsError(DualgradError, ValueError):
    """A tensor under `check_numerics` held a NaN or an infinity (TF1's InvalidArgumentError)."""


class InvalidArgumentError(DualgradError, ValueError):
    """Inputs an op of a static graph refused when the graph ran (TF1's
    `tf.errors.InvalidArgumentError`): shapes that meet only at run time, through `None` dims
    of placeholders, that do not fit, or a failed run-time assertion. The message names the
    op, its inputs and where the user built it; the run commits nothing."""


class InvalidArgumentIndexError(InvalidArgumentError, IndexShapeError):
    """An `InvalidArgumentError` of an index out of range (numpy and jax raise IndexError)."""


class ArgumentError(DualgradError, ValueError):
    """An argument value a static function cannot take (an empty random range, a negative
    standard deviation, a learning rate that is not a number...)."""


class BudgetExceeded(DualgradError, RuntimeError):
    """The time budget ran out while a symbolic step was running."""


class DepthExceeded(SymbolicUnsupported, DualgradError, RecursionError):
    """An expression nests more deeply than sympy's recursive algorithms (and printing) take."""


class Untraceable(DualgradError, RuntimeError):
    """`dg.compile` cannot trace a step (it needs a tensor's value, draws random numbers,
    changes Python state...): the compiled function runs it eagerly instead."""


class ValueNeeded(Untraceable):
    """The step needs a traced tensor's value as a Python value (`bool()`, `float()`, a
    format, numpy): data-dependent Python, which a trace cannot follow."""


class SharedMemory(Untraceable):
    """A `dg.compile`d call's argument shares memory with a tensor the program writes in
    place: the step runs eagerly, where the write reaches both."""


class CompileWarning(UserWarning):
    """A `dg.compile`d function runs a step eagerly; the message says why and names the line."""


# -- PyTorch's types for eager errors -----------------------------------------------------------
# PyTorch raises RuntimeError for a shape or dtype mismatch and IndexError for a bad index; an
# eager op's error is also one of those, so code written for PyTorch catches it. Each pair is
# declared here, never built at run time.


class EagerShapeError(ShapeError, RuntimeError):
    """A shape mismatch in an eager op (PyTorch raises RuntimeError)."""


class EagerIndexShapeError(IndexShapeError, RuntimeError):
    """A dim or index out of range found by an eager op whose kernel failed otherwise."""


class EagerDTypeError(DTypeError, RuntimeError):
    """A dtype an eager op cannot take (PyTorch raises RuntimeError)."""


class EagerDTypeIndexError(DTypeError, IndexError):
    """A dtype an eager indexing op cannot take (PyTorch raises IndexError)."""


_EAGER_TWINS = {
    (ShapeError, RuntimeError): EagerShapeError,
    (ShapeError, IndexError): IndexShapeError,
    (IndexShapeError, RuntimeError): EagerIndexShapeError,
    (DTypeError, RuntimeError): EagerDTypeError,
    (DTypeError, IndexError): EagerDTypeIndexError,
    (DualgradError, RuntimeError): DualgradRuntimeError,
    (DualgradError, IndexError): DualgradIndexError,
}


def eager_twin(cls: type, also: type) -> type:
    """The declared error class that is both the nearest `_EAGER_TWINS` base of `cls` and
    `also` (RuntimeError or IndexError)."""
    for base in cls.__mro__:
        twin = _EAGER_TWINS.get((base, also))
        if twin is not None:
            return twin
    raise TypeError(f"eager_twin: {cls.__name__} is not a DualgradError")  # a bug of ours, never a user's


_REFUSALS = ((NotImplementedError, DualgradNotImplementedError),
             (IndexError, DualgradIndexError), (TypeError, DualgradTypeError),
             (AttributeError, DualgradTypeError), (ValueError, DualgradValueError),
             (KeyError, DualgradValueError))
REFUSED = (TypeError, ValueError, IndexError, AttributeError, KeyError, RuntimeError, ArithmeticError)


def refusal(name: str, args, error: BaseException) -> DualgradError:
    """A raw numpy/jax/Python error from inside `name`, as the dualgrad error of the matching
    Python type (an attribute missing on a wrong-typed argument is a TypeError, an axis out
    of range an IndexError, as in PyTorch), naming the function, its arguments and the
    user's line."""
    if is_out_of_memory(error):
        return out_of_memory(f"{name} of {describe_args(args)}", error)
    kind = next((k for raw, k in _REFUSALS if isinstance(error, raw)), DualgradRuntimeError)
    return kind(f"{name}: {error} (arguments {describe_args(args)}; at {user_frame()})")


def refusing(fn: Callable, name: str | None = None) -> Callable:
    """`fn`, with a raw numpy/jax/Python error from a bad argument (`dg.transpose(3, 0, 1)`,
    `t.size(1.5)`) raised as `refusal(name, ...)`; errors we raise on purpose pass through.
    For public functions that do their own argument handling before reaching an op."""
    if getattr(fn, "_dualgrad_refusing", False):
        return fn
    name = name or fn.__name__

    @functools.wraps(fn)
    def call(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except DualgradError as e:
            raise _named(e, name) from None
        except (*REFUSED, MemoryError) as e:
            raise refusal(name, args, e) from None

    call._dualgrad_refusing = True
    return call


_OP_PREFIX = re.compile(r"^[\w.]+(\(\))?: ")


def _named(error: DualgradError, name: str) -> DualgradError:
    """`error`, its message led by `name` when it names no op yet (a tensor used as a size
    deep inside `expand`); the same error where a new one cannot be made."""
    text = str(error)
    if name in text or _OP_PREFIX.match(text) or isinstance(error, OutOfMemoryError):
        return error  # (out of memory names the computation that failed)
    try:
        renamed = type(error)(f"{name}: {text}")
    except Exception:  # noqa: BLE001 - an error class with other arguments: keep it as it is
        return error
    renamed.__traceback__ = error.__traceback__
    return renamed


def describe_args(args) -> str:
    """'Tensor(shape (2, 3), float32), NoneType, int 5' (never a whole value)."""
    parts = []
    for a in args:
        shape = getattr(a, "shape", None) if hasattr(a, "dtype") else None
        if isinstance(shape, (tuple, list)):
            parts.append(f"{type(a).__name__}(shape {tuple(shape)}, {getattr(a.dtype, 'name', a.dtype)})")
        elif isinstance(a, (bool, int, float, complex)):
            parts.append(f"{type(a).__name__} {a!r}")
        else:
            parts.append(type(a).__name__)
    return ", ".join(parts) or "none"


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


_LIBRARIES = ("numpy", "jax", "jaxlib", "sympy")
# The standard library's wrappers between a user's line and dualgrad's code: entering a
# generator-based `with` (contextlib) and partialmethod/singledispatch (functools).
_WRAPPERS = (contextlib.contextmanager.__code__.co_filename, functools.wraps.__code__.co_filename)
_skipped: tuple = ((), (_PACKAGE_DIR,))  # (which libraries were loaded, the paths to skip)


def _skipped_dirs() -> tuple:
    """dualgrad's own directory, the standard library's wrapper modules and the directories
    of the array libraries it calls into (an error raised while numpy calls back into a
    tensor, or on entering a dualgrad `with`, still names the user's line)."""
    global _skipped
    loaded = tuple(name in sys.modules for name in _LIBRARIES)
    if loaded != _skipped[0]:
        dirs = [_PACKAGE_DIR, *_WRAPPERS]
        dirs += [os.path.dirname(os.path.abspath(sys.modules[n].__file__)) + os.sep
                 for n, here in zip(_LIBRARIES, loaded, strict=True)
                 if here and getattr(sys.modules[n], "__file__", None)]
        _skipped = (loaded, tuple(dirs))
    return _skipped[1]


def user_frame() -> str:
    """'file.py:LINE' of the innermost frame outside dualgrad and the array libraries
    (cheap: no traceback objects)."""
    skipped = _skipped_dirs()
    f = sys._getframe(1)
    while f is not None and f.f_code.co_filename.startswith(skipped):
        f = f.f_back
    if f is None:
        return "<unknown>"
    return f"{os.path.basename(f.f_code.co_filename)}:{f.f_lineno}"


def user_stacklevel() -> int:
    """The `stacklevel` for `warnings.warn` called here that names the user's line: the
    first frame outside dualgrad and the array libraries, counted from the caller."""
    skipped = _skipped_dirs()
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_code.co_filename.startswith(skipped):
        frame, level = frame.f_back, level + 1
    return level


def user_line() -> str:
    """'(at file.py:LINE)', the suffix every located error ends with: the user's line."""
    return f"(at {user_frame()})"


def closed_session() -> RuntimeError:
    """The error of any use of a closed `ds.Session` (TF1's message)."""
    return RuntimeError("Attempted to use a closed Session.")
