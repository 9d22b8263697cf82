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
import io
import types

import numpy as np

from ..backend import is_jax_array
from ..eager.lazy import Pending, computed
from ..eager.storage_writes import root as _root
from ..eager.storage_writes import same_bytes
from ..eager.tensor import Tensor
from ..errors import Untraceable
from . import host_random
from .symbolic import Traced
from .user_state import SCALARS as _SCALARS
from .user_state import USER_CLASSES, class_state, global_names, scalar_token, user_classes, user_module
from .user_state import numpy_number as _numpy_number

_SKIPPED = (types.ModuleType, type, types.BuiltinFunctionType, types.BuiltinMethodType)
MAX_DEPTH = 8  # object nesting followed from a root
MAX_ENTRIES = 20000  # more than this is not a training step's state; refused, runs eagerly
_NDARRAY = np.ndarray


class Walk:
    """The tensors and scalars a step can reach, in a fixed order.

    `record=False` is the guard check of every call: the same traversal and the same `key`
    (and `tensors`, the same refusals), without noting where tensors and scalars live
    (`slots`, `scalars`, `grad_of`, `generators`), which only a trace reads. `feed=False`
    guards an optimizer's fed hyperparameters by value instead (`_groups`), for a step that
    reads them as Python numbers."""

    __slots__ = ("tensors", "grad_of", "slots", "key", "scalars", "arguments", "generators", "_seen",
                 "record", "rates", "feed", "host_randoms", "containers")

    def __init__(self, arguments=(), record: bool = True, feed: bool = True) -> None:
        # the call's tensor arguments: guarded by shape and dtype (the argument key), not identity
        self.arguments = {id(t) for t in arguments}
        self.record = record
        self.feed = feed
        self.tensors: dict[int, Tensor] = {}  # id -> tensor, in the order found
        # id(grad) -> the tensor whose `.grad` it is: guarded by where it lives, not by identity
        # (each backward after `zero_grad()` makes a new one, as in PyTorch)
        self.grad_of: dict[int, Tensor] = {}
        self.slots: list = []  # (owner, key, is_attr, object held): where tensors and grads live
        self.key: list = []
        # (id(owner), key) -> (the value as compared, owner, is_attr, the value) of a Python
        # or numpy number held there
        self.scalars: dict = {}
        self.generators: list = []  # dg.Generators the step can draw from
        self.host_randoms: list = []  # numpy's and Python's generators it can draw from (host_random.py)
        self.containers: list = []  # the lists, dicts and objects' attribute dicts met (a trace's undo)
        # (optimizer, group index, key, tuple index or None) of each hyperparameter fed each call
        self.rates: list = []  # (`_groups`: a number lr, momentum, betas)
        self._seen: set[int] = set()

    def visit(self, obj, depth: int = 0) -> None:
        """Add what `obj` holds to the walk."""
        kind = type(obj)
        if kind in _SCALARS:
            self.key.append(obj if kind is str or kind is int else scalar_token(obj))
        elif kind is Tensor or kind is Pending:  # (a lazy tensor is computed: the program reads it)
            self._tensor(computed(obj))
        else:
            how = _HOW.get(kind)
            if how is None:
                how = _how(kind)
            if how != _SKIP and depth <= MAX_DEPTH and self._first(obj):
                self._contents(obj, how, depth)

    def _first(self, obj) -> bool:
        """Whether the walk meets `obj` for the first time (then it is counted as seen)."""
        seen = self._seen
        if id(obj) in seen:
            return False
        seen.add(id(obj))
        if len(seen) > MAX_ENTRIES:
            raise Untraceable(f"the step reaches more than {MAX_ENTRIES} objects")
        return True

    def _contents(self, obj, how: int, depth: int) -> None:
        """What `obj` (met for the first time, treated as `how` says) holds."""
        if how == _DICT:
            if self.record:
                self.containers.append(obj)
            self.key.append(len(obj))
            if obj:
                self._held(obj, list(obj.items()), _BY_KEY, depth + 1)
        elif how == _SEQUENCE:
            if self.record and isinstance(obj, list):
                self.containers.append(obj)
            self.key.append(len(obj))
            if obj:
                self._held(obj, enumerate(obj), _UNNAMED, depth + 1)
        elif how == _FUNCTION:
            self._function(obj, depth)
        elif how == _PARTIAL:  # its function, arguments and keywords (`partial(f, k=0.5)`)
            self.visit(obj.func, depth + 1)
            self.visit(obj.args, depth + 1)
            self.visit(obj.keywords, depth + 1)
        elif how == _METHOD:
            self.visit(obj.__self__, depth + 1)
            self.visit(obj.__func__, depth + 1)
        elif how == _GENERATOR:
            if self.record:
                self.generators.append(obj)
        elif how == _HOST_RANDOM:
            if self.record:
                self.host_randoms.append(obj)
        elif how == _ITERATOR:  # (a trace would bake in the items it took: the first batch, always)
            raise Untraceable(f"the step can reach an iterator ({type(obj).__name__}); what `next()` "
                              "gives inside a compiled step would be the traced item at every call: "
                              "pass each item as an argument")
        elif how == _OPTIMIZER:
            self._optimizer(obj, depth)
        elif how == _NUMBER:
            self.key.append(_numpy_number(obj) if obj.ndim == 0 else _ArrayGuard.of(obj))
        elif how == _CLASS:  # (reached itself: already counted as seen)
            self._class_numbers(obj, depth, reached=obj)
        elif hasattr(obj, "__dict__"):
            self.key.append(id(obj))
            if self.record:
                self.containers.append(vars(obj))
            self._held(obj, list(vars(obj).items()), _ATTRIBUTE, depth + 1)
            self._class_numbers(type(obj), depth)

    def _class_numbers(self, kind: type, depth: int, reached: type | None = None) -> None:
        """The numbers, strings and bools set on `kind` and the user classes it derives from
        (`Config.scale = 0.5`, a Module subclass's `temperature = 1.0` read as
        `self.temperature`): read by the step, they are baked into a trace like any number, so
        they are guarded like one (TorchDynamo guards them too)."""
        classes = USER_CLASSES.get(kind)
        if classes is None:
            classes = USER_CLASSES[kind] = user_classes(kind)
        for cls, functions in classes:
            if cls is not reached and not self._first(cls):
                continue
            pairs = [(k, v) for k, v in vars(cls).items() if class_state(k, v)]
            if pairs:
                self.key.append(id(cls))
                self._held(cls, pairs, _ATTRIBUTE, depth + 1)
            for fn in functions:  # its methods: the globals they read (a forward's SCALE)
                self.visit(fn, depth + 1)

    def _held(self, owner, pairs, named: int, depth: int) -> None:
        """The (key, value) `pairs` `owner` holds, each value `depth` deep: the key
        (`_BY_KEY`: a dict's, by value where it is a scalar, else by identity; `_ATTRIBUTE`:
        an attribute's name; `_UNNAMED`: a sequence's index, not in the key), then what the
        value holds. `visit` of each value, unrolled (this loop is most of a call's guard)."""
        key = self.key
        record = self.record
        is_attr = named == _ATTRIBUTE
        deep = depth <= MAX_DEPTH
        seen = self._seen
        how_of = _HOW.get
        for k, v in pairs:
            if named == _ATTRIBUTE:
                key.append(k)
            elif named == _BY_KEY:
                key.append(k if type(k) in _SCALARS else id(k))
            kind = type(v)
            if kind in _SCALARS:
                key.append(v if kind is str or kind is int else scalar_token(v))
                if record:
                    self.scalars[(id(owner), k)] = (v, owner, is_attr, v)
            elif kind is Tensor or kind is Pending:
                if record:
                    self.slots.append((owner, k, is_attr, v))
                self._tensor(computed(v))
            else:
                how = how_of(kind)
                if how is None:
                    how = _how(kind)
                if how == _NUMBER and v.ndim == 0:  # as a Python number (a step changing it is seen)
                    number = _numpy_number(v)
                    key.append(number)
                    if record:
                        self.scalars[(id(owner), k)] = (number, owner, is_attr, v)
                    continue
                if how == _SKIP or not deep:
                    continue
                i = id(v)
                if i in seen:
                    continue
                seen.add(i)
                if len(seen) > MAX_ENTRIES:
                    raise Untraceable(f"the step reaches more than {MAX_ENTRIES} objects")
                if how == _DICT and not v:  # an empty dict (modules hold several)
                    key.append(0)
                else:
                    self._contents(v, how, depth)

    def _tensor(self, t: Tensor, grad_of: Tensor | None = None) -> None:
        key = id(t)
        if key in self.tensors:
            self.key.append(key)
            return
        self.tensors[key] = t
        data = t._data
        kind = type(data)
        on_jax = kind is not _NDARRAY and kind is not Traced
        if on_jax and not is_jax_array(data):
            raise Untraceable(f"the step reaches a tensor holding a {kind.__name__}")
        if grad_of is not None:
            guard = "grad"
            if self.record:
                self.grad_of[key] = grad_of
        else:
            guard = "argument" if key in self.arguments else key
        self.key.append((guard, data.shape, data.dtype, on_jax,
                         t._requires_grad, t.grad_fn is None))
        if t._requires_grad and t.grad_fn is not None:
            raise Untraceable("the step reaches a tensor made outside it with a grad_fn; backward "
                              "into a graph recorded before the call cannot be compiled")
        for kind, hooks in (("hooks", t._hooks), ("post hooks", t._post_accumulate_hooks)):
            if hooks is not None:  # a hook added or removed between calls changes what backward
                self.key.append(kind)  # gives or does (before: the trace's hooks, kept)
                self.visit(hooks, 1)
        grad = t._grad
        if self.record:
            self.slots.append((t, "_grad", True, grad))
        if grad is not None:
            self._tensor(grad, t)

    def _function(self, fn: types.FunctionType, depth: int) -> None:
        key = self.key
        key.append(fn.__code__)
        depth += 1
        visit = self.visit
        for cell in fn.__closure__ or ():
            try:
                visit(cell.cell_contents, depth)
            except ValueError:  # an empty cell (a name assigned later)
                key.append("<empty>")
        scope = fn.__globals__
        names = global_names(fn.__code__)
        for name in names:
            if name in scope:
                key.append(name)
                value = scope[name]
                visit(value, depth)
                if type(value) is types.ModuleType and user_module(value):
                    # `helpers.SCALE`, `helpers.f(x)`: the attributes the code may name
                    attributes = vars(value)
                    for attr in names:
                        if attr in attributes:
                            key.append(attr)
                            visit(attributes[attr], depth)
        for default in fn.__defaults__ or ():
            visit(default, depth)
        if fn.__kwdefaults__:
            for default in fn.__kwdefaults__.values():
                visit(default, depth)

    def _optimizer(self, opt, depth: int) -> None:
        """An optimizer, walked as any object except its `param_groups` (`_groups`)."""
        self.key.append(id(opt))
        for name, value in list(vars(opt).items()):
            if name == "param_groups" and type(value) is list:
                self.key.append(name)
                self._groups(opt, value, depth + 1)
            else:
                self._held(opt, [(name, value)], _ATTRIBUTE, depth + 1)

    def _groups(self, opt, groups: list, depth: int) -> None:
        """An optimizer's param_groups: the hyperparameters a schedule moves every step
        (`_fed`: the lr, a positive momentum, the betas), where they are numbers, are guarded
        by their type only and noted in `rates` — a compiled step is fed their values each
        call (a scheduler's new lr or momentum runs the same program); everything else as
        usual (so a momentum of 0 or below, which changes the step's shape, is a value).
        Without `feed` they are guarded by value (numpy numbers too) and not fed."""
        if depth > MAX_DEPTH or not self._first(groups):
            return
        key = self.key
        key.append(len(groups))
        for i, group in enumerate(groups):
            fed = _fed(group) if type(group) is dict else None
            if not fed or depth + 1 > MAX_DEPTH or not self._first(group):
                self._held(groups, [(i, group)], _UNNAMED, depth + 1)
                continue
            key.append(len(group))
            for name, j in fed:
                value = group[name]
                value = value if j is None else value[j]
                key.append((name, j, type(value)) if self.feed else (name, j, type(value), _number(value)))
            if self.record and self.feed:
                self.rates.extend((opt, i, name, j) for name, j in fed)
            names = {name for name, _ in fed}
            self._held(group, [(k, v) for k, v in group.items() if k not in names], _BY_KEY, depth + 2)


class _ArrayGuard:
    """A numpy array's place in the key (its values are baked into the program): a small
    one by its bytes, so a change in place is a new key; a larger one by identity (the array
    is kept alive by the key: a new array is a new key) and, where the trace read it
    (`snapshot`, set after the trace: eager/trace_reads.py), by its bytes then too, compared
    with the copy taken after the trace; an array the step reaches but never reads costs
    no comparison."""

    __slots__ = ("array", "ident", "snapshot")
    SMALL = 4096  # bytes compared each call

    def __init__(self, array, ident) -> None:
        self.array = array
        self.ident = ident
        self.snapshot = None

    @classmethod
    def of(cls, array) -> tuple | _ArrayGuard:
        if array.nbytes <= cls.SMALL:
            return (array.dtype.str, array.shape, array.tobytes())
        return cls(array, id(array))

    def __eq__(self, other) -> bool:
        if type(other) is not _ArrayGuard or other.array is not self.array:
            return False
        snapshot = self.snapshot if self.snapshot is not None else other.snapshot
        return snapshot is None or same_bytes(self.array, snapshot)

    def __hash__(self) -> int:
        return self.ident


def _fed(group: dict) -> list:
    """(key, index in the key's tuple or None) of each hyperparameter of an optimizer's
    param_group that a compiled step is fed: a number `lr` (`_is_rate`); a number `momentum`
    above 0 (SGD's and RMSprop's: whether it is 0 decides the step's shape, so 0 and below
    stay guarded values); each of the `betas`, where all are Python numbers (a numpy beta
    enters `1 - beta` in its own precision eagerly; a float64 feed would not)."""
    fed = []
    if _is_rate(group.get("lr")):
        fed.append(("lr", None))
    momentum = group.get("momentum")
    if _is_rate(momentum) and momentum > 0:
        fed.append(("momentum", None))
    betas = group.get("betas")
    if type(betas) is tuple and betas and all(type(b) is float or type(b) is int for b in betas):
        fed.extend(("betas", j) for j in range(len(betas)))
    return fed


def _number(value):
    """A hyperparameter's value as a key can hold it (a 0-d array is not hashable)."""
    return value.item() if type(value) is _NDARRAY else value


def _is_rate(value) -> bool:
    """A hyperparameter a compiled step can be fed: a real number (Python's or numpy's, not
    a bool) or a 0-d numpy array of one (otherwise baked in unguarded, as other arrays)."""
    kind = type(value)
    if kind is float or kind is int:
        return True
    if kind is _NDARRAY:
        return value.ndim == 0 and value.dtype.kind in "iuf"
    return isinstance(value, (np.floating, np.integer))


_UNNAMED, _ATTRIBUTE, _BY_KEY = range(3)  # how `Walk._held` keys what an owner holds


_SKIP, _DICT, _SEQUENCE, _FUNCTION, _METHOD, _GENERATOR, _OBJECT = range(7)
_OPTIMIZER = 7  # an optimizer: its groups' lr, momentum, betas are fed, not guarded (`Walk._groups`)
_NUMBER = 8  # a numpy number, or a 0-d numpy array: guarded by value, as a Python number
_HOST_RANDOM = 9  # numpy's or Python's random generators: their states are read around a trace
_ITERATOR = 10  # an iterator or generator (not a file): refused, `next()` would be traced once
_CLASS = 11  # a class: its numbers are guarded (`Walk._class_numbers`)
_PARTIAL = 12  # a functools.partial: its function, arguments and keywords
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
    elif issubclass(kind, functools.partial):
        how = _PARTIAL
    elif issubclass(kind, types.MethodType):
        how = _METHOD
    elif issubclass(kind, Generator):
        how = _GENERATOR
    elif issubclass(kind, host_random.KINDS):
        how = _HOST_RANDOM
    elif callable(getattr(kind, "__next__", None)) and not issubclass(kind, io.IOBase):
        how = _ITERATOR
    elif issubclass(kind, type):
        how = _CLASS
    elif issubclass(kind, np.generic) or kind is _NDARRAY:
        how = _NUMBER  # (`np.cos(t) * lr`, a schedule computed with numpy, is a numpy number)
    elif issubclass(kind, _SKIPPED) or callable(getattr(kind, "__array__", None)):
        how = _SKIP  # modules, classes, builtins; arrays are read when traced (docs/compile.md)
    elif issubclass(kind, Optimizer):
        how = _OPTIMIZER
    elif kind.__module__.startswith("dualgrad.") and not issubclass(kind, Module):
        how = _SKIP  # dualgrad's own objects (graphs, sessions, compiled functions)
    else:
        how = _OBJECT
    _HOW[kind] = how
    return how


def changed_scalars(before: Walk, after: Walk) -> list:
    """The Python values the step changed where both walks saw them (side effects a
    compiled call would not repeat): (owner, key, is_attr, the value before) of each."""
    changed = []
    for k, (v, owner, is_attr, original) in before.scalars.items():
        now = after.scalars.get(k)
        if now is not None and (type(now[0]) is not type(v) or now[0] != v):
            changed.append((owner, k[1], is_attr, original))
    return changed


def guard_reads(key: list, roots: set) -> None:
    """After a trace: each large array in `key` whose memory the trace read (`roots`, ids of
    root arrays) is guarded by a copy of its bytes from now on."""
    for g in key:
        if type(g) is _ArrayGuard and id(_root(g.array)) in roots:
            g.snapshot = g.array.copy()
