"""Small TF1 names that scripts call and that are compositions of what `ds` already has:

    to_float, to_double, to_int32, to_int64   TF1's deprecated casts: `ds.cast`
    tuple                  identities of `tensors` that wait on all of them (and
                           `control_inputs`): `control_dependencies` + `identity`
    broadcast_to           the registry's broadcast_to (a shape known when built)
    roll                   `take` at the rotated positions of each rolled axis (known sizes)
    top_k                  `ds.nn.top_k`
    executing_eagerly      False: a `ds` graph is never eager
    enable_eager_execution refused: eager code is `import dualgrad as dg`
"""

from __future__ import annotations

import builtins

import numpy as np

from .. import ops
from ..errors import DTypeError, DualgradNotImplementedError, ShapeError, user_line
from .api import _tensor, cast, identity
from .creation import float32, float64, int32, int64
from .graph import Operation, Tensor, get_default_graph, rename
from .tensor_shape import known
from .tf_extra import top_k
from .tf_ops import gather

__all__ = [
    "broadcast_to",
    "enable_eager_execution",
    "executing_eagerly",
    "roll",
    "to_double",
    "to_float",
    "to_int32",
    "to_int64",
    "top_k",
    "tuple",
]


def to_float(x, name: str = "ToFloat") -> Tensor:
    """`x` as float32 (TF1's deprecated tf.to_float: tf.cast)."""
    return cast(x, float32, name=name)


def to_double(x, name: str = "ToDouble") -> Tensor:
    """`x` as float64 (TF1's deprecated tf.to_double: tf.cast)."""
    return cast(x, float64, name=name)


def to_int32(x, name: str = "ToInt32") -> Tensor:
    """`x` as int32, floats truncated toward zero (TF1's deprecated tf.to_int32: tf.cast)."""
    return cast(x, int32, name=name)


def to_int64(x, name: str = "ToInt64") -> Tensor:
    """`x` as int64, floats truncated toward zero (TF1's deprecated tf.to_int64: tf.cast)."""
    return cast(x, int64, name=name)


def tuple(tensors, name=None, control_inputs=None) -> list:  # noqa: A001 (TF's name)
    """Each of `tensors` (None kept) as an identity that runs only after all of them and
    `control_inputs` have been computed (tf.tuple): a gate, so that a fetch of one waits for
    the others. An operation among `tensors` comes back as a group behind the same gate."""
    if isinstance(tensors, (Tensor, Operation)) or not isinstance(tensors, (list, builtins.tuple)):
        raise DTypeError(f"ds.tuple: tensors must be a list of tensors, got {tensors!r} {user_line()}")
    for t in tensors:
        if t is not None and not isinstance(t, (Tensor, Operation)):
            raise DTypeError(f"ds.tuple: tensors must be tensors, operations or None, got {t!r} "
                             f"{user_line()}")
    if control_inputs is not None and (isinstance(control_inputs, (Tensor, Operation))
                                       or not isinstance(control_inputs, (list, builtins.tuple))):
        raise DTypeError(f"ds.tuple: control_inputs must be a list of operations or tensors, got "
                         f"{control_inputs!r} {user_line()}")
    from .variables import group

    gate = [t for t in tensors if t is not None] + list(control_inputs or [])
    graph = get_default_graph()
    with graph.name_scope(name or "tuple"), graph.control_dependencies(gate):
        return [None if t is None else group(t) if isinstance(t, Operation) else identity(t)
                for t in tensors]


def broadcast_to(input, shape, name=None) -> Tensor:  # noqa: A002 (TF's name)
    """`input` broadcast to `shape` (tf.broadcast_to), numpy's rules; `shape` a list of ints
    known when the graph is built."""
    x = _tensor(input)
    dims = _ints("broadcast_to", "shape", shape)
    if any(d < 0 for d in dims):
        raise ShapeError(f"ds.broadcast_to: shape {dims} has a negative dim {user_line()}")
    return rename(ops.broadcast_to(x, shape=builtins.tuple(dims)), name)


def _ints(fn: str, what: str, value) -> list[int]:
    """`value` (an int or a list/tuple/array of ints, known now) as a list of Python ints."""
    if isinstance(value, Tensor):
        raise DTypeError(f"ds.{fn}: {what} must be known when the graph is built (ints), got a "
                         f"tensor {value!r} {user_line()}")
    arr = np.asarray(known(value, f"ds.{fn}: {what}"))  # (TF1's Dimension and TensorShape: their ints)
    if arr.dtype.kind not in "iu" or arr.ndim > 1:
        raise DTypeError(f"ds.{fn}: {what} must be an int or a list of ints, got {value!r} {user_line()}")
    return [int(v) for v in arr.reshape(-1)]


def roll(input, shift, axis, name=None) -> Tensor:  # noqa: A002 (TF's name)
    """Elements shifted cyclically by `shift` along `axis` (tf.roll): ints or lists of ints of
    one length; shifts of a repeated axis add up, as TF's. The rolled axes' sizes must be known
    when the graph is built; gradients go back to each element's old position."""
    x = _tensor(input)
    shifts, axes = _ints("roll", "shift", shift), _ints("roll", "axis", axis)
    if len(shifts) != len(axes):
        raise ShapeError(f"ds.roll: shift and axis must have the same length, got shift={shift!r} "
                         f"and axis={axis!r} {user_line()}")
    if x.shape is None:
        raise ShapeError(f"ds.roll: the input's rank must be known, got an unknown shape {user_line()}")
    rank = len(x.shape)
    total: dict[int, int] = {}
    for s, a in zip(shifts, axes, strict=True):
        if not -rank <= a < rank:
            raise ShapeError(f"ds.roll: axis {a} is out of range for a tensor of shape {x.shape} "
                             f"{user_line()}")
        total[a % rank] = total.get(a % rank, 0) + s
    out = x
    with get_default_graph().name_scope(name or "Roll"):
        for a, s in sorted(total.items()):
            n = x.shape[a]
            if n is None:
                raise ShapeError(f"ds.roll: axis {a} of shape {x.shape} must be known when the graph is "
                                 f"built {user_line()}")
            if n and s % n:
                out = gather(out, (np.arange(n) - s) % n, axis=a)
    return out if out is not x else identity(x)


def executing_eagerly() -> bool:
    """False: `dualgrad.static` builds graphs and runs them in a Session (tf.executing_eagerly
    under TF1's graph mode)."""
    return False


def enable_eager_execution(config=None, device_policy=None, execution_mode=None) -> None:
    """Refused: `dualgrad.static` is graph-only; eager code is `import dualgrad as dg`."""
    raise DualgradNotImplementedError(
        "ds.enable_eager_execution: dualgrad.static builds TF1 graphs only and cannot switch to "
        "eager execution; for eager code use `import dualgrad as dg` (tensors that compute at "
        f"once, PyTorch-style) {user_line()}"
    )

