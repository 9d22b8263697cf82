"""What a `dg.compile`d step reads as its own state besides its arguments, and how a scalar
of it stands in a guard key: the user's classes
(their methods' globals, their numbers, tensors and containers) and the user's modules, told
apart from the libraries'. `discover.Walk` guards what these name."""
from __future__ import annotations

import functools
import sys
import types

import numpy as np

from ..eager.lazy import Pending
from ..eager.tensor import Tensor

SCALARS = frozenset((bool, int, float, str, bytes, complex, type(None)))  # guarded by value
# classes whose numbers are not the step's state (their own constants, e.g. `np.float32`'s)
_LIBRARY_MODULES = ("builtins", "dualgrad", "numpy", "jax", "jaxlib", "abc", "typing", "collections",
                    "enum", "functools", "types")
USER_CLASSES: dict[type, tuple] = {}  # a type -> the classes of its MRO outside the libraries


def user_classes(kind: type) -> tuple:
    """(class, its methods) of each class `kind` derives from (itself first) whose numbers,
    tensors and containers are the step's state, and whose methods' globals are (a Module
    subclass's `forward` reading a global `SCALE` or a tensor in another module: before, baked
    into the trace unguarded)."""
    return tuple((c, _methods(c)) for c in kind.__mro__ if not c.__module__.startswith(_LIBRARY_MODULES))


def _methods(cls: type) -> tuple:
    """The Python functions `cls` defines (plain, static and class methods, properties), but
    its dunders other than `__call__` (construction and printing are not the step)."""
    out = []
    for name, v in vars(cls).items():
        if name.startswith("__") and name != "__call__":
            continue
        if isinstance(v, (staticmethod, classmethod)):
            v = v.__func__
        if isinstance(v, property):
            out.extend(f for f in (v.fget, v.fset) if isinstance(f, types.FunctionType))
        elif isinstance(v, types.FunctionType):
            out.append(v)
    return tuple(out)


def class_state(name: str, value) -> bool:
    """Whether a class attribute is state a step may read: a number, string or bool, a
    tensor, or a dict, list or tuple (`Config.scale`, `Config.table = dg.tensor(...)`)."""
    kind = type(value)
    if kind in SCALARS or kind is Tensor or kind is Pending or kind is dict or kind is list or kind is tuple:
        return not name.startswith("__")
    return isinstance(value, np.generic)


def user_module(module: types.ModuleType) -> bool:
    """Whether `module` is the user's own (not the standard library, an installed package or
    dualgrad): the attributes its functions and the step read are the step's state."""
    user = _USER_MODULES.get(module.__name__)
    if user is None:
        name = module.__name__
        path = getattr(module, "__file__", None) or ""
        user = _USER_MODULES[name] = bool(path) and not (
            name.startswith(_LIBRARY_MODULES) or name.split(".")[0] in sys.stdlib_module_names
            or "site-packages" in path or "dist-packages" in path)
    return user


_USER_MODULES: dict[str, bool] = {}


@functools.lru_cache(maxsize=1024)
def global_names(code: types.CodeType) -> tuple[str, ...]:
    """The names `code` and the functions defined in it may read as globals."""
    names = list(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names.extend(global_names(const))
    return tuple(dict.fromkeys(names))


def numpy_number(value) -> tuple:
    """A numpy number's (or 0-d array's) place in the key: its dtype and value (a NaN or a
    zero as its repr: a NaN equals itself, -0.0 differs from 0.0)."""
    number = value.item()
    return (value.dtype.str, repr(number) if number != number or number == 0 else number)


def scalar_token(value):
    """A Python scalar's place in a guard key, by type and value: `1`, `1.0` and `True` are
    equal in Python but give other dtypes (`x * 1.0` of an int tensor is float), and `-0.0`
    equals `0.0` but gives other signs (`1 / (x * -0.0)` is -inf); a NaN equals itself here.
    (Before, they shared a key, and the first trace's dtype or sign was kept.)"""
    kind = type(value)
    if kind is float:
        return (float, repr(value)) if value != value or value == 0.0 else (float, value)
    if kind is int or kind is str:
        return value
    return (kind, value)
