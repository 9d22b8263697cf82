"""A traced step as one Session call, and the syncs that keep eager tensors current.

Captured tensors live in the Session as Variables between calls (so the jax backend keeps
them on the device and donates the buffers it overwrites). Before a call, a captured tensor
that eager code changed since the last sync (another array, or a new version) is loaded
again; after it, every value the step wrote is copied into its eager tensor in place (with a
new version, as the eager in-place update would), and slots the step filled (`.grad` after
`zero_grad()` + `backward()`, new optimizer state) get fresh tensors. An optimizer's number
lr is fed: each call reads it from its param_group (trace.py), so a scheduler's new value
runs the same program.
"""
from __future__ import annotations

import copy
import dataclasses

import numpy as np

from ..backend import to_numpy
from ..eager import storage_writes
from ..eager.tensor import Tensor
from ..errors import SharedMemory, Untraceable
from ..optim.optimizer import write
from ..static.session import Session
from ..static.variables import Variable
from . import on_device
from .trace import LiveStream, fresh, memory_of, put


class _State:
    """A captured tensor and its Variable; `locate(feeds)` finds the tensor now (a `.grad` is
    found through its owner: each backward may make a new one), `tensor` is the tensor itself
    where it is always the same one. `host`: the storage last synced is a writable numpy
    array, which the next sync can copy a new value into (decided when the storage changes,
    not on every call). `writes`: a numpy storage's write count (eager/storage_writes.py),
    which sees eager writes through aliases with versions of their own (`p.data.clamp_()`);
    `seen`: its value at the last sync. `root`: the id of a numpy storage's root array, looked
    up among the storages handed out to numpy code (`storage_writes.exposed`) at each call."""

    __slots__ = ("locate", "var", "data", "version", "tensor", "host", "writes", "seen", "root")

    def __init__(self, locate, var: Variable, tensor, fixed: bool) -> None:
        self.locate = locate
        self.var = var
        self.tensor = tensor if fixed else None
        self.data = None
        self.synced(tensor)

    def synced(self, t) -> None:
        data = t._data
        if data is not self.data:
            self.data = data
            self.host = type(data) is np.ndarray and data.flags.writeable
            self.writes = storage_writes.watch(data) if type(data) is np.ndarray else None
            self.root = id(storage_writes.root(data)) if type(data) is np.ndarray else None
        self.version = t._version[0]
        if self.writes is not None:
            self.seen = self.writes[0]


def _locator(t, owner, feed_pos: dict):
    """How each call finds the captured tensor `t`: itself, or the `.grad` of its owner (of
    this call's argument where the owner is an argument)."""
    if owner is None:
        return lambda feeds: t
    if id(owner) in feed_pos:
        index = feed_pos[id(owner)]
        return lambda feeds: feeds[index]._grad
    return lambda feeds: owner._grad


class _Argument:
    """A slot's owner that is the call's argument at `index` (a new tensor each call)."""

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index


class Program:
    """What one trace compiled to: a Session callable and the syncs around it."""

    def __init__(self, tracer, out, writes: list, slots: list, before, feeds: list, backend: str):
        graph = tracer.graph
        self.on_device = on_device.on_device(e.t for e in tracer.lifted.values())
        # on the device: asynchronous, as eager jax ops are, and eager tensors share the
        # Session's arrays, so nothing is donated (on_device.py)
        self.session = Session(graph, backend=backend, pipelined=self.on_device)
        if self.on_device:
            self.session._donate = False
        self.state: list[_State] = []
        by_tensor: dict[int, _State] = {}
        initial = {}
        feed_pos = {id(t): i for i, t in enumerate(feeds)}
        for e in tracer.lifted.values():
            if isinstance(e.source, Variable):
                owner = before.grad_of.get(id(e.t))
                by_tensor[id(e.t)] = s = _State(_locator(e.t, owner, feed_pos), e.source, e.t,
                                                owner is None)
                self.state.append(s)
                initial[e.source] = e.saved[0]
        on_device.load(self.session, initial)
        for op, owner in tracer.streams.items():  # random ops draw from the eager streams
            self.session._draw_from(op, LiveStream(owner))
        fetches = []
        self.syncs = []  # (kind, target, fetch position)
        with graph.as_default():
            for e, new in writes:
                if isinstance(e.source, Variable):  # run, not fetched: read from the Session
                    self.syncs.append(("state", by_tensor[id(e.t)], None))
                    fetches.append(e.source.assign(new.t).op)
                else:  # an argument the step changed in place
                    self.syncs.append(("feed", feed_pos[id(e.t)], len(fetches)))
                    fetches.append(new.t)
            # (owner or argument position, key, is_attr, traced tensor or object, fetch position)
            self.slots = []
            for owner, key, is_attr, value in slots:
                where = _Argument(feed_pos[id(owner)]) if id(owner) in feed_pos else owner
                if not _is_traced(value):
                    self.slots.append((where, key, is_attr, value, None))
                    continue
                before_value = _slot_tensor(before, owner, key)
                kept = by_tensor.get(id(before_value)) if before_value is not None else None
                # a `.grad` replaced by a new one: its Variable takes the value too, so the
                # Session and the eager tensor agree without a load next call
                fetch = value._data.t if kept is None else kept.var.assign(value._data.t)
                self.slots.append((where, key, is_attr, value, len(fetches), kept))
                fetches.append(fetch)
        self.out_tree, out_fetches = _flatten(out, len(fetches), feed_pos, before.tensors, before.grad_of)
        fetches += out_fetches
        self.reads = on_device.kept_on_device(self.session, fetches) if self.on_device else None
        # (argument position or tensor, flag) of each requires_grad the step set
        self.flips = [(_Argument(feed_pos[id(e.t)]) if id(e.t) in feed_pos else e.t, flag)
                      for e, flag in tracer.flips]
        # the states the step writes: an argument sharing their memory is refused
        written = [target for kind, target, _ in self.syncs if kind == "state"]
        self.written_roots = written or None
        # (optimizer, group index, key, tuple index or None) of each fed hyperparameter: fed
        # after the arguments
        self.rates = [tuple(rate[:4]) for rate in tracer.rates]
        self.call = self.session.make_callable(
            fetches, [tracer.lifted[id(t)].source for t in feeds] + [rate[4] for rate in tracer.rates])

    def run(self, feeds: list):
        if self.written_roots is not None:
            self._check_shared(feeds)
        loads = None
        exposed = storage_writes.exposed
        for s in self.state:
            t = s.tensor
            if t is None:
                t = s.locate(feeds)
            writes = s.writes
            if t._data is not s.data or t._version[0] != s.version or (
                    writes is not None and writes[0] != s.seen) or (
                    exposed and s.root in exposed and self._written_by_numpy(s)):
                if loads is None:
                    loads = {}
                loads[s.var] = t._data
                s.synced(t)
        if loads:
            on_device.load(self.session, loads)
        values = self.call(*[t._data for t in feeds], *_rates(self.rates))
        if self.reads is not None:
            values = on_device.read(self.session, self.reads, values)
        written = iter(self._written())
        host = not self.on_device
        for kind, target, i in self.syncs:
            if kind == "state":
                value = next(written)
                t = target.tensor
                if t is None:
                    t = target.locate(feeds)
                data = t._data
                if host:
                    if target.host and data is target.data:
                        # the storage synced last (a writable numpy array): the new value
                        # copied into it, with a new version, as `write` would
                        try:
                            data[...] = np.asarray(value)
                        except ValueError:  # (made read-only since): `write` below
                            pass
                        else:
                            version = t._version
                            version[0] += 1
                            target.version = version[0]
                            continue
                    if type(data) is np.ndarray:
                        # storage numpy will not write into: the tensor takes an array of its
                        # own, never a view of the Session's buffer (the next call may donate it)
                        value = np.array(value)
                write(t, on_device.like_tensor(t, value, self.on_device))
                target.synced(t)
            else:
                write(feeds[target], on_device.like_tensor(feeds[target], values[i], self.on_device))
        made: dict = {}  # id(traced tensor) -> its eager tensor now (one tensor in two slots)
        handed: set = set()  # ids of the numpy arrays slots' tensors took this call
        for where, key, is_attr, value, i, *kept in self.slots:
            owner = feeds[where.index] if type(where) is _Argument else where
            if i is None:
                put(owner, key, is_attr, value)
                continue
            t = made.get(id(value))
            if t is None:
                array = values[i]
                if type(array) is np.ndarray:
                    # one fetched array for two tensors (SGD's first momentum buffer, the
                    # traced `grad.copy()`): each takes storage of its own, as eagerly
                    if id(array) in handed:
                        array = array.copy()
                    handed.add(id(array))
                t = made[id(value)] = fresh(value, on_device.like_tensor(owner, array, self.on_device)
                                            if isinstance(owner, Tensor) else array)
            put(owner, key, is_attr, t)
            if kept[0] is not None:
                kept[0].synced(t)
        for where, flag in self.flips:
            (feeds[where.index] if type(where) is _Argument else where)._requires_grad = flag
        return _build(self.out_tree, values, feeds, made)

    def _check_shared(self, feeds: list) -> None:
        """An argument sharing memory with a tensor the step writes in place (`w.detach()`
        passed to a step that updates w) would not see the write in the program, as it does
        eagerly: that call runs eagerly (the trace refused such a step outright)."""
        roots = set()
        for s in self.written_roots:
            t = s.tensor if s.tensor is not None else s.locate(feeds)
            roots.add(memory_of(t, t._data))
        for t in feeds:
            if memory_of(t, t._data) in roots:
                raise SharedMemory("an argument shares memory with a tensor the step writes in place "
                                   "(a view or `.detach()` of it); the program holds them as two values")

    def _written_by_numpy(self, s: _State) -> bool:
        """Whether a storage numpy code may write (`t.numpy()[0] = v`, the array given to
        `from_numpy`) differs, bit for bit, from the value the Session holds for it: only numpy
        writes without a count (an eager write changes the version or the write count)."""
        with self.session._lock:
            value = self.session._values.get(s.var)
        if value is None:
            return True
        return not storage_writes.same_bytes(s.data, to_numpy(value))  # (the CPU: a view of the jax buffer)

    def _written(self) -> list:
        """The new values of the variables the step wrote (in the order of `syncs`), as the
        Session holds them: one copy (into a numpy-backed eager tensor) instead of a fetch's
        copy and then that one; the sync reads a jax buffer before the next call can donate it."""
        session = self.session
        with session._lock:
            held = session._values
            return [held[s.var] for kind, s, _ in self.syncs if kind == "state"]


def _rates(rates: list) -> list:
    """Each fed hyperparameter's value now (its param_group's lr, momentum or beta), a 0-d
    float64 array."""
    values = []
    for opt, i, key, j in rates:
        value = opt.param_groups[i][key]
        values.append(np.array(float(value if j is None else value[j])))
    return values


def _is_traced(value) -> bool:
    from ..eager.tensor import Tensor
    from .symbolic import Traced

    return isinstance(value, Tensor) and type(value._data) is Traced


def _slot_tensor(walk, owner, key):
    for o, k, _, v in walk.slots:
        if o is owner and k == key:
            return v
    return None


def _flatten(tree, start: int, feed_pos: dict, captured: dict, grad_of: dict) -> tuple:
    """(a template of `tree` with fetch positions for traced tensors, the fetches). A result
    that is no graph value is what the eager step would return: an argument returned is this
    call's argument itself (`return x`), a captured tensor the tensor found now (a parameter,
    `.grad`), and a tensor the step made without the arguments or state (`dg.zeros(3)`) a
    new tensor with its value at each call (before, each of them was the object of the call
    that traced: the first call's argument at every call, one constant tensor shared by all
    calls, so a write into one result changed the later ones)."""
    fetches: list = []

    def go(x):
        if _is_traced(x):
            fetches.append(x._data.t)
            return ("fetch", (start + len(fetches) - 1, id(x)))
        if isinstance(x, Tensor):
            if id(x) in feed_pos:
                return ("feed", feed_pos[id(x)])
            owner = grad_of.get(id(x))
            if owner is not None:  # a `.grad`: the one its owner holds now
                return ("grad", _Argument(feed_pos[id(owner)]) if id(owner) in feed_pos else owner)
            if id(x) in captured:
                return ("value", x)
            return ("copy", x)
        if isinstance(x, (tuple, list)):
            return (type(x), [go(v) for v in x])
        if isinstance(x, dict):
            return (dict, {k: go(v) for k, v in x.items()})
        if dataclasses.is_dataclass(x) and not isinstance(x, type):  # (a model's output record)
            fields = {f.name: go(getattr(x, f.name)) for f in dataclasses.fields(x)}
            if any(part[0] != "value" for part in fields.values()):
                return ("dataclass", (x, fields))
        elif hasattr(x, "__dict__") and any(_is_traced(v) for v in vars(x).values()):
            # (before: returned holding the trace's graph values, which no later use could read)
            raise Untraceable(f"the step returns a {type(x).__name__} holding tensors it computed; "
                              "return them in a tuple, list, dict or dataclass")
        return ("value", x)

    return go(tree), fetches


def _build(template, values, feeds: list, made: dict):
    """The call's results from `template`; `made`: the tensors the slots took this call (a
    result that is a new `.grad` or state entry is that tensor, as eagerly)."""
    kind, body = template
    if kind == "fetch":
        from ..eager.tensor import wrap

        slot = made.get(body[1])
        return slot if slot is not None else wrap(values[body[0]])
    if kind == "value":
        return body
    if kind == "feed":
        return feeds[body]
    if kind == "grad":
        return (feeds[body.index] if type(body) is _Argument else body)._grad
    if kind == "copy":
        data = body._data
        return fresh(body, np.array(data) if type(data) is np.ndarray else data)
    if kind is dict:
        return {k: _build(v, values, feeds, made) for k, v in body.items()}
    if kind == "dataclass":
        record, fields = body
        out = copy.copy(record)  # a new record each call, as the eager step makes
        for name, part in fields.items():
            if part[0] != "value":
                object.__setattr__(out, name, _build(part, values, feeds, made))  # (frozen too)
        return out
    items = [_build(v, values, feeds, made) for v in body]
    return kind(items) if kind in (list, tuple) else kind(*items)
