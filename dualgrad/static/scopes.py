"""TF1's variable sharing: `variable_scope`, `get_variable` and the initializers they use.

A graph keeps one store of variables made by `get_variable`, keyed by their full name
(`"layer1/w"`). Whether a call makes a variable or returns the stored one is decided by the
`reuse` of the innermost variable scope, as in TF1: `False`/`None` must make a new one,
`True` must find one, `AUTO_REUSE` does whichever applies. A variable scope also opens a name
scope, so ops made inside are named `layer1/MatMul` (`layer1_1/...` on re-entry, while the
variables keep `layer1/...`).
"""
from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator

import numpy as np

from ..errors import DTypeError, ShapeError, user_line
from .convert import ArgumentError
from .creation import as_dtype, constant, float32, ones, random_normal, random_uniform, value_array, zeros
from .graph import Graph, Tensor, get_default_graph
from .variables import Variable

AUTO_REUSE = "AUTO_REUSE"  # get_variable makes the variable if missing, else returns it


class VariableScope:
    """A scope's name, reuse flag and default initializer (what `variable_scope` yields)."""

    def __init__(self, name: str, reuse, initializer=None):
        self.name = name
        self.reuse = reuse
        self.initializer = initializer

    def __repr__(self) -> str:
        return f"<ds.VariableScope {self.name!r} reuse={self.reuse!r}>"

    def reuse_variables(self) -> None:
        """From now on `get_variable` in this scope returns the stored variables (TF1's
        `scope.reuse_variables()`); scopes opened inside inherit it."""
        self.reuse = True


def _scopes(graph: Graph) -> list[VariableScope]:
    return graph.thread_stack("variable")


def get_variable_scope() -> VariableScope:
    """The innermost variable scope of the default graph (the root scope is named '')."""
    stack = _scopes(get_default_graph())
    return stack[-1] if stack else VariableScope("", False)


def variable_scope(name_or_scope, default_name: str | None = None, reuse=None,
                   initializer=None) -> contextlib.AbstractContextManager[VariableScope]:
    """Prefix the names of variables made by `get_variable` inside (and of ops, through a name
    scope); `reuse` (True, False/None: inherit, or `AUTO_REUSE`) decides sharing. Arguments
    are checked here, so an error names the user's line."""
    for key, value in (("name_or_scope", name_or_scope), ("default_name", default_name)):
        if value is not None and not isinstance(value, (str, VariableScope)):
            raise DTypeError(f"variable_scope: {key} must be a str, got {value!r} {user_line()}")
    if reuse not in (None, True, False, AUTO_REUSE):
        raise ArgumentError(f"variable_scope: reuse must be True, False, None or ds.AUTO_REUSE, got "
                            f"{reuse!r} {user_line()}")
    if not (name_or_scope or default_name):
        raise ArgumentError(f"variable_scope needs a name_or_scope or a default_name {user_line()}")
    return _variable_scope(name_or_scope, default_name, reuse, initializer)


@contextlib.contextmanager
def _variable_scope(name_or_scope, default_name, reuse, initializer) -> Iterator[VariableScope]:
    graph = get_default_graph()
    outer = get_variable_scope()
    if isinstance(name_or_scope, VariableScope):
        name = name_or_scope.name
        base = name.rsplit("/", 1)[-1]
    else:
        base = name_or_scope or default_name
        if name_or_scope is None:  # default_name: made unique, as TF1 does
            base = graph.unique_name(base, mark_used=False).rsplit("/", 1)[-1]
        name = f"{outer.name}/{base}" if outer.name else base
    inherited = outer.reuse if reuse is None else reuse
    scope = VariableScope(name, inherited, initializer if initializer is not None else outer.initializer)
    stack = _scopes(graph)
    stack.append(scope)
    try:
        with graph.name_scope(base):
            yield scope
    finally:
        stack.pop()


def get_variable(name: str, shape=None, dtype=None, initializer=None, trainable: bool = True):
    """The variable `<scope>/<name>`: made with `initializer` (the scope's, else Glorot uniform
    for floats and zeros otherwise), or the stored one when the scope reuses."""
    graph = get_default_graph()
    scope = get_variable_scope()
    full = f"{scope.name}/{name}" if scope.name else name
    store = graph._variable_store
    found = store.get(full)
    if found is not None:
        if scope.reuse is not True and scope.reuse != AUTO_REUSE:
            raise ArgumentError(f"Variable {full} already exists, disallowed. Did you mean to set "
                             "reuse=True or reuse=ds.AUTO_REUSE in VarScope?")
        if shape is not None and tuple(shape) != tuple(found.shape):
            raise ShapeError(f"Trying to share variable {full}, but specified shape "
                             f"{tuple(shape)} and found shape {tuple(found.shape)}. {user_line()}")
        return found
    if scope.reuse is True:
        raise ArgumentError(f"Variable {full} does not exist, or was not created with "
                         "ds.get_variable(). Did you mean to set reuse=ds.AUTO_REUSE in VarScope?")
    with graph.control_dependencies(None):  # as Variable itself: never waits on anything
        chosen = initializer if initializer is not None else scope.initializer
        initial = _initial_value(full, shape, dtype, chosen)
        inside = graph.exact_scope(scope.name) if scope.name else contextlib.nullcontext()
        with graph.root_name_scope(), inside:
            var = Variable(initial, name=name, trainable=trainable)
    store[full] = var
    return var


def _initial_value(full: str, shape, dtype, initializer):
    """What the new variable starts from: an initializer called with (shape, dtype), or a
    value (tensor, array, number) whose own shape is the variable's."""
    d = as_dtype(dtype) if dtype is not None else None
    if isinstance(initializer, type):  # `initializer=ds.zeros_initializer`, the class itself
        initializer = initializer()
    if initializer is None:
        d = d or float32
        initializer = glorot_uniform_initializer() if d.is_floating_point else zeros_initializer()
    if callable(initializer) and not isinstance(initializer, Tensor):
        if shape is None:
            raise ArgumentError(f"Shape of a new variable ({full}) must be fully defined, but "
                             "instead was None.")
        return initializer(tuple(shape), d or float32)
    value = initializer if isinstance(initializer, Tensor) else constant(initializer, dtype=d)
    if shape is not None and tuple(shape) != tuple(value.shape):
        raise ShapeError(f"If initializer is a constant, do not specify shape ({full}: shape "
                         f"{tuple(shape)}, initializer shape {tuple(value.shape)}). {user_line()}")
    return value


# -- initializers: called with (shape, dtype), they return the initial-value tensor -------------
class zeros_initializer:  # noqa: N801 (TF1's name)
    """Initialises a variable with zeros (tf.zeros_initializer)."""

    def __init__(self, dtype=None):
        self.dtype = dtype

    def __call__(self, shape, dtype=None) -> Tensor:
        return zeros(shape, dtype=dtype or self.dtype or float32)


class ones_initializer:  # noqa: N801
    """Initialises a variable with ones (tf.ones_initializer)."""

    def __init__(self, dtype=None):
        self.dtype = dtype

    def __call__(self, shape, dtype=None) -> Tensor:
        return ones(shape, dtype=dtype or self.dtype or float32)


class constant_initializer:  # noqa: N801
    """A number (filled in at run time) or values read in row-major order, as TF1's: a list
    of the variable's size (any shape) fills it, a shorter one is continued with its last
    value, a longer one is refused."""

    def __init__(self, value=0):
        self.value = value

    def __call__(self, shape, dtype=float32) -> Tensor:
        d = as_dtype(dtype)
        value, _ = value_array(self.value, d, "constant_initializer")  # exact, or refused
        if value.shape == ():
            return zeros(shape, dtype=d) + value.item()  # a weak scalar: filled in at run time
        shape, flat = tuple(shape), value.ravel()
        size = math.prod(shape)
        if flat.size == 0 or flat.size > size:
            raise ShapeError(f"constant_initializer: too many elements provided: a variable of shape "
                             f"{shape} takes at most {size}, got {flat.size} {user_line()}"
                             if flat.size else f"constant_initializer: no value given {user_line()}")
        filled = np.concatenate([flat, np.repeat(flat[-1:], size - flat.size)])
        return constant(filled.reshape(shape))


class random_uniform_initializer:  # noqa: N801
    """Initialises a variable from U(minval, maxval) (tf.random_uniform_initializer)."""

    def __init__(self, minval=0.0, maxval=None, seed: int | None = None):
        # TF1's defaults: U(0, 1) (Keras' and TF2's are -0.05, 0.05)
        self.minval, self.maxval, self.seed = minval, maxval, seed

    def __call__(self, shape, dtype=float32) -> Tensor:
        return random_uniform(shape, self.minval, self.maxval, dtype=dtype, seed=self.seed)


class random_normal_initializer:  # noqa: N801
    """Initialises a variable from N(mean, stddev^2) (tf.random_normal_initializer)."""

    def __init__(self, mean=0.0, stddev=1.0, seed: int | None = None):
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, shape, dtype=float32) -> Tensor:
        return random_normal(shape, self.mean, self.stddev, dtype=dtype, seed=self.seed)


class glorot_uniform_initializer:  # noqa: N801
    """Uniform in ±sqrt(6 / (fan_in + fan_out)): TF1's default for `get_variable`."""

    def __init__(self, seed: int | None = None):
        self.seed = seed

    def __call__(self, shape, dtype=float32) -> Tensor:
        fan_in, fan_out = _fans(tuple(shape))
        limit = math.sqrt(6.0 / max(1.0, fan_in + fan_out))
        return random_uniform(shape, -limit, limit, dtype=dtype, seed=self.seed)


def _fans(shape: tuple) -> tuple[float, float]:
    """TF1's fan-in and fan-out: the last two dims times the receptive field before them."""
    if not shape:
        return 1.0, 1.0
    if len(shape) == 1:
        return float(shape[0]), float(shape[0])
    receptive = math.prod(shape[:-2])
    return float(shape[-2] * receptive), float(shape[-1] * receptive)
