"""What a compiled step can see besides its arguments, and the guard key built from it.

A step reads and writes state it was not given: a model's parameters and buffers, an
optimizer's state and hyperparameters, `.grad` slots, Python numbers in closures and
globals. Like TorchDynamo's guards (and unlike tf.function, which re-traces only on its
arguments), the walk here visits what the function can reach — its closure, the globals its
code names, defaults, a bound method's `self`, and non-tensor arguments — through modules,
optimizers, dicts, lists, tuples and plain objects. It records every eager tensor found (and
where it lives, so values made during the trace can be put back there after each call), and
a key made of the tensors' identities, shapes and dtypes and of every Python number, string
or bool met on the way. A different key means a different trace.
"""
from __future__ import annotations

import functools
import types

import numpy as np

from ..backend import is_jax_array
from ..eager.tensor import Tensor
from ..errors import Untraceable
from .symbolic import Traced

_SCALARS = (bool, int, float, str, bytes, complex, type(None))
_SKIPPED = (types.ModuleType, type, types.BuiltinFunctionType, types.BuiltinMethodType)
MAX_DEPTH = 8  # object nesting followed from a root
MAX_ENTRIES = 20000  # more than this is not a training step's state; refused, runs eagerly


class Walk:
    """The tensors and scalars a step can reach, in a fixed order."""

    __slots__ = ("tensors", "grad_of", "slots", "key", "scalars", "arguments", "generators", "_seen")

    def __init__(self, arguments=()) -> None:
        # the call's tensor arguments: guarded by shape and dtype (the argument key), not identity
        self.arguments = {id(t) for t in arguments}
        self.tensors: dict[int, Tensor] = {}  # id -> tensor, in the order found
        # id(grad) -> the tensor whose `.grad` it is: guarded by where it lives, not by identity
        # (each backward after `zero_grad()` makes a new one, as in PyTorch)
        self.grad_of: dict[int, Tensor] = {}
        self.slots: list = []  # (owner, key, is_attr, object held): where tensors and grads live
        self.key: list = []
        self.scalars: dict = {}  # (id(owner), key) -> a Python value held there
        self.generators: list = []  # dg.Generators the step can draw from
        self._seen: set[int] = set()

    def visit(self, obj, depth: int = 0) -> None:
        """Add what `obj` holds to the walk."""
        kind = type(obj)
        if kind in _SCALARS:
            self.key.append(obj)
            return
        if kind is Tensor:
            self._tensor(obj)
            return
        how = _HOW.get(kind)
        if how is None:
            how = _how(kind)
        if how == _SKIP or id(obj) in self._seen or depth > MAX_DEPTH:
            return
        self._seen.add(id(obj))
        if len(self._seen) > MAX_ENTRIES:
            raise Untraceable(f"the step reaches more than {MAX_ENTRIES} objects")
        key = self.key
        if how == _DICT:
            key.append(len(obj))
            for k, v in list(obj.items()):
                key.append(k if type(k) in _SCALARS else id(k))
                self._held(obj, k, False, v, depth)
        elif how == _SEQUENCE:
            key.append(len(obj))
            for i, v in enumerate(obj):
                self._held(obj, i, False, v, depth)
        elif how == _FUNCTION:
            self._function(obj, depth)
        elif how == _METHOD:
            self.visit(obj.__self__, depth + 1)
            self.visit(obj.__func__, depth + 1)
        elif how == _GENERATOR:
            self.generators.append(obj)
        elif hasattr(obj, "__dict__"):
            key.append(id(obj))
            for k, v in list(vars(obj).items()):
                key.append(k)
                self._held(obj, k, True, v, depth)

    def _held(self, owner, key, is_attr: bool, value, depth: int) -> None:
        kind = type(value)
        if kind is Tensor:
            self.slots.append((owner, key, is_attr, value))
        elif kind in _SCALARS:
            self.scalars[(id(owner), key)] = value
        self.visit(value, depth + 1)

    def _tensor(self, t: Tensor, grad_of: Tensor | None = None) -> None:
        key = id(t)
        if key in self.tensors:
            self.key.append(key)
            return
        self.tensors[key] = t
        if grad_of is not None:
            self.grad_of[key] = grad_of
        data = t._data
        on_jax = type(data) is not np.ndarray and type(data) is not Traced
        if on_jax and not is_jax_array(data):
            raise Untraceable(f"the step reaches a tensor holding a {type(data).__name__}")
        guard = "grad" if grad_of is not None else "argument" if key in self.arguments else key
        self.key.append((guard, data.shape, data.dtype, on_jax,
                         t._requires_grad, t.grad_fn is None))
        if t._requires_grad and t.grad_fn is not None:
            raise Untraceable("the step reaches a tensor made outside it with a grad_fn; backward "
                              "into a graph recorded before the call cannot be compiled")
        self.slots.append((t, "_grad", True, t._grad))
        if t._grad is not None:
            self._tensor(t._grad, t)

    def _function(self, fn: types.FunctionType, depth: int) -> None:
        self.key.append(fn.__code__)
        for cell in fn.__closure__ or ():
            try:
                self.visit(cell.cell_contents, depth + 1)
            except ValueError:  # an empty cell (a name assigned later)
                self.key.append("<empty>")
        for name in global_names(fn.__code__):
            if name in fn.__globals__:
                self.key.append(name)
                self.visit(fn.__globals__[name], depth + 1)
        for default in fn.__defaults__ or ():
            self.visit(default, depth + 1)
        for default in (fn.__kwdefaults__ or {}).values():
            self.visit(default, depth + 1)


_SKIP, _DICT, _SEQUENCE, _FUNCTION, _METHOD, _GENERATOR, _OBJECT = range(7)
_HOW: dict[type, int] = {}  # how the walk treats each type, decided once per type


def _how(kind: type) -> int:
    from ..nn.module import Module
    from ..optim.optimizer import Optimizer
    from ..random import Generator

    if issubclass(kind, dict):
        how = _DICT
    elif issubclass(kind, (list, tuple)):
        how = _SEQUENCE
    elif issubclass(kind, types.FunctionType):
        how = _FUNCTION
    elif issubclass(kind, types.MethodType):
        how = _METHOD
    elif issubclass(kind, Generator):
        how = _GENERATOR
    elif issubclass(kind, _SKIPPED) or callable(getattr(kind, "__array__", None)):
        how = _SKIP  # modules, classes, builtins; arrays are read when traced (docs/compile.md)
    elif kind.__module__.startswith("dualgrad.") and not issubclass(kind, (Module, Optimizer)):
        how = _SKIP  # dualgrad's own objects (graphs, sessions, compiled functions)
    else:
        how = _OBJECT
    _HOW[kind] = how
    return how


def changed_scalars(before: Walk, after: Walk) -> list:
    """The Python values the step changed where both walks saw them (side effects a
    compiled call would not repeat)."""
    return [k for k, v in before.scalars.items()
            if k in after.scalars and (type(after.scalars[k]) is not type(v) or after.scalars[k] != v)]


@functools.lru_cache(maxsize=1024)
def global_names(code: types.CodeType) -> tuple[str, ...]:
    """The names `code` and the functions defined in it may read as globals."""
    names = list(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names.extend(global_names(const))
    return tuple(dict.fromkeys(names))
