"""One trace of an eager step into a static graph, and the program that replays it.

The trace runs the user's function once with every reachable eager tensor holding a
`Traced` value: arguments read placeholders, captured tensors (parameters, buffers, `.grad`
slots, optimizer state) read Variables. Eager code runs unchanged — its ops (forward, the
eager engine's VJP rules during `backward()`, optimizer updates under `no_grad`) reach
`bind`, whose trace hook turns each into a graph op. Afterwards, every captured tensor whose
value the step replaced gets an `assign`, and tensors the step stored where none were
(`.grad` after backward, new optimizer state) are fetched. Then everything is put back as it
was, and the `Program` runs the graph through a `ds.Session` for this call and the next ones.

The hyperparameters of an optimizer's param_group that schedulers change between calls, where
they are numbers (its 'lr', a positive 'momentum', each of its 'betas'), are not guards
(discover.py notes where they live, `Walk.rates`): for the trace the group holds a 0-d
float64 tensor reading a placeholder in place of each (a new tuple for the betas), so the
update ops take it as their operand, and the `Program` feeds the group's value of each call
to it. A step that replaces one of them itself (a scheduler stepped inside it) is refused: a
compiled call would not repeat that.
"""
from __future__ import annotations

import threading

import numpy as np

from ..backend import is_jax_array
from ..dtypes import float64
from ..eager import bind as eager_bind
from ..eager import creation, trace_reads
from ..eager.devices import Device
from ..eager.storage_writes import root as storage_root
from ..eager.tensor import Tensor, wrap
from ..errors import Untraceable
from ..static.creation import placeholder, random_normal, random_uniform
from ..static.graph import Graph
from ..static.variables import Variable
from . import host_random
from .discover import Walk, changed_scalars, guard_reads
from .symbolic import VIEW_OPS, Traced, graph_operand, noting_moves, stop_noting_moves


class Lifted:
    """An eager tensor the trace swapped to a graph value, with what to put back."""

    __slots__ = ("t", "source", "start", "saved")

    def __init__(self, t: Tensor, source) -> None:
        self.t = t
        self.source = source  # a placeholder (arguments) or a Variable (captured)
        self.start = Traced(source)  # eager in-place writes change its `.t` (write_in_place)
        self.saved = (t._data, t._version[0], t.grad_fn, t._requires_grad, t._output_nr, t._grad)
        t._data = self.start

    def restore(self) -> None:
        t = self.t
        t._data, t._version[0], t.grad_fn, t._requires_grad, t._output_nr, t._grad = self.saved


class Tracer:
    """The state of one trace: the graph and the tensors swapped into it."""

    def __init__(self) -> None:
        self.graph = Graph()
        self.lifted: dict[int, Lifted] = {}
        self.streams: dict = {}  # a random op -> the owner of the stream it draws from
        # (optimizer, group index, key, tuple index or None, placeholder) of each fed value
        self.rates: list = []
        self.moves: list = []  # the devices the step's `.to()` calls asked for
        self.flips: list = []  # (lifted, requires_grad) of the leaves whose flag the step set

    def lift(self, t: Tensor, as_feed: bool = False) -> Lifted:
        entry = self.lifted.get(id(t))
        if entry is None:
            data = t._data
            with self.graph.as_default():
                if as_feed:
                    from ..dtypes import from_numpy_dtype

                    source = placeholder(from_numpy_dtype(data.dtype), data.shape)
                else:
                    source = Variable(np.zeros(data.shape, data.dtype), trainable=False)
            entry = self.lifted[id(t)] = Lifted(t, source)
        return entry

    def hook(self, op, args: tuple, data: list, attrs: dict) -> Traced:
        """bind's trace hook: the op becomes a graph op; an eager tensor still holding an
        array (made in the step, or reached some way the walk did not see) becomes a
        Variable holding that array (so a later change of it is seen, never baked in)."""
        conv = []
        with self.graph.as_default():
            for a, d in zip(args, data, strict=True):
                if isinstance(a, Tensor) and type(d) is not Traced:
                    d = self.lift(a).start
                elif isinstance(d, np.generic):  # a numpy number is weak eagerly, as Python's
                    d = d.item()  # (a constant of its dtype would be strong: `xi * np.float64(2)`
                conv.append(graph_operand(d))  # of an int tensor was float64, eagerly float32)
            return Traced(op(*conv, **attrs), op.name in VIEW_OPS)


def trace(fn, args: tuple, kwargs: dict, feeds: list, before: Walk, roots) -> tuple:
    """Run `fn` once on traced values; (tracer, outputs, writes, slots) where `writes` are
    (lifted, new Traced value) and `slots` (owner, key, is_attr, value or Traced tensor)."""
    tracer = Tracer()
    contents = [(c, c.copy()) for c in before.containers]  # put back if the trace is refused
    # random streams (the global one, dg.Generators the step reaches) draw graph ops meanwhile
    streams = [(creation, creation._rng), *((g, g._rng) for g in before.generators)]
    drawers = [_TracedDraws(owner, rng, tracer) for owner, rng in streams]
    for (owner, _), drawer in zip(streams, drawers, strict=True):
        owner._rng = drawer
    try:
        for t in feeds:
            tracer.lift(t, as_feed=True)
        for t in before.tensors.values():
            tracer.lift(t)
        placed = _feed_rates(tracer, before.rates)
        randoms = host_random.states(before.host_randoms)
        reads = trace_reads.start()
        tracer.moves = noting_moves()
        eager_bind.tracing.hook = tracer.hook
        try:
            out = fn(*args, **kwargs)
        finally:
            eager_bind.tracing.hook = None
            trace_reads.stop()
            stop_noting_moves()
            moved = _moved(placed)
            for group, name, value, _, _ in placed:
                group[name] = value
        if any(owner._rng is not drawer for (owner, _), drawer in zip(streams, drawers, strict=True)):
            # (put back below: the eager run reseeds it, from the state before the call)
            raise Untraceable("the step reseeds a random stream (dg.manual_seed, dg.set_rng_state, "
                              "Generator.manual_seed); a compiled call would not repeat that")
        if moved:
            raise Untraceable(f"the step sets an optimizer's {moved[0]!r} (a scheduler stepped inside "
                              "it?); a compiled call would not repeat that")
        _check_moves(tracer)
        drawn = host_random.drawn_from(randoms)  # (their states put back for the eager run)
        if drawn:
            raise Untraceable(f"the step draws from {host_random.describe(drawn[0])}, whose numbers a "
                              "compiled call would repeat as traced")
        after = roots()
        side = changed_scalars(before, after)
        if side:
            for owner, key, is_attr, value in side:  # as before the trace: the eager run sets them
                put(owner, key, is_attr, value)
            raise Untraceable(f"the step changes {len(side)} Python value(s) it can reach (e.g. "
                              f"{side[0][1]!r}); a compiled call would not repeat that")
        guard_reads(before.key, reads)  # (arrays the step read: guarded by their bytes too)
        writes = [(e, e.t._data) for e in tracer.lifted.values()
                  if e.t._data is not e.start or e.start.t is not e.source]
        _check_shared_memory(tracer, writes)
        tracer.flips = _requires_grad_flips(tracer)
        slots = _new_slots(before, after, tracer)
        return tracer, out, writes, slots
    except BaseException:
        _restore_contents(contents)
        _empty_new_slots(before, roots)
        raise
    finally:
        for owner, rng in streams:
            owner._rng = rng
        for e in tracer.lifted.values():
            e.restore()
        for owner, key, is_attr, value in before.slots:
            put(owner, key, is_attr, value)


def _feed_rates(tracer: Tracer, rates: list) -> list:
    """Put a tensor reading a float64 placeholder in place of each number the walk noted (an
    optimizer reads it at its step, `optim.optimizer.value_of`; a beta inside a new tuple);
    (group, key, value to put back, what the group holds meanwhile, [(stand-in, its data)])
    of each key changed."""
    placed: dict = {}  # (id(group), key) -> that list
    for opt, i, name, j in rates:
        group = opt.param_groups[i]
        with tracer.graph.as_default():
            source = placeholder(float64, ())
        rate = wrap(np.zeros((), np.float64))
        rate._data = Traced(source)
        tracer.rates.append((opt, i, name, j, source))
        entry = placed.setdefault((id(group), name), [group, name, group[name], None, []])
        if j is None:
            entry[3] = rate
        else:
            values = list(group[name])
            values[j] = rate
            entry[3] = tuple(values)
        entry[4].append((rate, rate._data))
        group[name] = entry[3]
    return list(placed.values())


def _moved(placed: list) -> list:
    """The keys whose stand-in the step replaced or wrote in place (a scheduler's `fill_` of
    a Tensor lr): a compiled call would not repeat that."""
    return [name for group, name, _, held, rates in placed
            if group.get(name) is not held or any(t._data is not data or t._version[0] for t, data in rates)]


class _TracedDraws:
    """A random stream while a step is traced. A draw on the tracing thread becomes a random
    op of the graph (`random(shape)` a uniform [0, 1), `standard_normal(shape)` a normal, both
    float64 as numpy draws them) whose numbers the Session draws, at every call, from this
    stream's real generator (`LiveStream`): a compiled step takes the numbers the eager step
    would take, in the same order, and the stream moves on as eagerly. Other draws (another
    dtype, `integers`, `permutation`) are refused where they happen, before the stream
    changes. Other threads draw from the real generator as usual."""

    WHY = ("the step draws random numbers other than dropout's (dg.rand*, randint, randperm, "
           "init): not traced")

    def __init__(self, owner, real, tracer: Tracer) -> None:
        self.owner, self.real, self.tracer = owner, real, tracer
        self.thread = threading.get_ident()

    def random(self, size=None, dtype=np.float64, out=None):
        return self._draw("random", size, dtype, out, lambda shape: random_uniform(
            shape, 0.0, 1.0, dtype=float64))

    def standard_normal(self, size=None, dtype=np.float64, out=None):
        return self._draw("standard_normal", size, dtype, out, lambda shape: random_normal(
            shape, 0.0, 1.0, dtype=float64))

    def _draw(self, name: str, size, dtype, out, make):
        if threading.get_ident() != self.thread:
            return getattr(self.real, name)(size, dtype=dtype, out=out)
        if np.dtype(dtype) != np.float64 or out is not None:
            raise Untraceable(self.WHY)
        shape = () if size is None else (size,) if isinstance(size, (int, np.integer)) else tuple(size)
        with self.tracer.graph.as_default():
            t = make(shape)
        self.tracer.streams[t.op] = self.owner
        return Traced(t)

    def __getattr__(self, name):
        if threading.get_ident() == self.thread:
            raise Untraceable(self.WHY)
        return getattr(self.real, name)


class LiveStream:
    """What a Session draws a traced random op's numbers from: the generator its owner (the
    eager module, a dg.Generator) holds at that moment (`dg.manual_seed` replaces it)."""

    __slots__ = ("owner",)

    def __init__(self, owner) -> None:
        self.owner = owner

    def __getattr__(self, name):
        return getattr(self.owner._rng, name)


def _new_slots(before: Walk, after: Walk, tracer: Tracer) -> list:
    """Slots the step filled with a tensor made during the trace, or emptied."""
    known = {(id(o), k): v for o, k, _, v in before.slots}
    out = []
    for owner, key, is_attr, value in after.slots:
        if isinstance(value, Tensor) and type(value._data) is Traced and id(value) not in tracer.lifted:
            out.append((owner, key, is_attr, value))
        elif (id(owner), key) in known and known[(id(owner), key)] is not value:
            out.append((owner, key, is_attr, value))
    return out


def _check_shared_memory(tracer: Tracer, writes: list) -> None:
    """Two tensors of the trace that share memory (an argument that is a view of another,
    `w.detach()` or `w[0:2]` passed in, a captured view of a parameter) are two graph values:
    a write into one would not reach the other, as it does eagerly. A step writing in place a
    tensor that shares its memory with another it reaches runs eagerly."""
    if not writes:
        return
    written = {id(e.t) for e, _ in writes}
    owners: dict = {}  # memory_of -> a lifted tensor on it
    for e in tracer.lifted.values():
        memory = memory_of(e.t, e.saved[0])
        if memory is None:
            continue
        other = owners.setdefault(memory, e.t)
        if other is not e.t and (id(other) in written or id(e.t) in written):
            raise Untraceable("the step writes in place a tensor that shares memory with another "
                              "tensor it reaches (a view or `.detach()` of it passed as an argument "
                              "or kept); the trace holds them as two values")


def _requires_grad_flips(tracer: Tracer) -> list:
    """The tensors whose `requires_grad` the step set (`p.requires_grad_(False)` to freeze a
    layer, `x.requires_grad_()` for an input gradient): each compiled call sets them as the
    eager step does (before, the flag was put back after the trace and never set: a frozen
    layer kept training). A tensor the step made part of its graph (an in-place write of a
    value that requires grad into a captured tensor) would keep the step's history eagerly,
    which a compiled call cannot give: refused."""
    flips = []
    for e in tracer.lifted.values():
        t = e.t
        if t.grad_fn is not e.saved[2]:
            raise Untraceable("the step writes a value that requires grad into a tensor it was "
                              "given or reaches (its history would outlive the call)")
        if t._requires_grad != e.saved[3]:
            flips.append((e, t._requires_grad))
    return flips


def memory_of(t: Tensor, data) -> int | None:
    """Which memory `t` holds: the id of its numpy storage's root array; on the jax device,
    where arrays are immutable and eager views are tracked (eager/views.py), the id of the
    root of its view family (a view, a `.detach()` and their base write through each other)."""
    if type(data) is np.ndarray:
        return id(storage_root(data))
    if is_jax_array(data):
        while t._view is not None:
            t = t._view[0]
        return id(t)
    return None


def _check_moves(tracer: Tracer) -> None:
    """A move in the trace is a view of the value (`Traced.moved`): right where it goes to the
    device the program runs on (`x = x.to(device)` of a batch), wrong where it leaves it (a
    jax step's `loss.to('cpu')` would come back on the device): that step runs eagerly."""
    program_on_device = any(is_jax_array(e.saved[0]) for e in tracer.lifted.values())
    for device in tracer.moves:
        if (Device(device).type != "cpu") != program_on_device:
            raise Untraceable(f"the step moves a value to {device!r}, not the device its program runs "
                              f"on ({'the jax device' if program_on_device else 'the CPU'})")


def _restore_contents(contents: list) -> None:
    """After a refused trace: every list, dict and attribute dict the walk met holds what it
    held before (`history.append(loss)`, `log['n'] = 1` or `self.last = y` ahead of an
    `.item()` would otherwise stay, a graph value among them, and the eager run that follows
    would add its own)."""
    for container, held in contents:
        if isinstance(container, list):
            if len(container) != len(held) or any(a is not b for a, b in zip(container, held, strict=True)):
                container[:] = held
        elif container.keys() != held.keys() or any(container[k] is not v for k, v in held.items()):
            container.clear()
            container.update(held)


def _empty_new_slots(before: Walk, roots) -> None:
    """After a refused trace: the tensor slots the step filled (new optimizer state, some of
    it graph values) are emptied again, and the numbers it changed before it stopped
    (`self.count += 1` ahead of an `.item()`) are put back, so the eager run that follows
    starts from the state before the call."""
    try:
        after = roots()
    except Untraceable:
        return
    for owner, key, is_attr, value in changed_scalars(before, after):
        put(owner, key, is_attr, value)
    known = {(id(o), k) for o, k, _, _ in before.slots}
    for owner, key, is_attr, value in after.slots:
        if (id(owner), key) in known or not isinstance(value, Tensor):
            continue
        if is_attr:
            if key in getattr(owner, "__dict__", ()):
                delattr(owner, key)
        elif isinstance(owner, dict):
            owner.pop(key, None)


def put(owner, key, is_attr: bool, value) -> None:
    """Store `value` where a walk found a tensor (a tuple's items never change)."""
    if is_attr:
        if getattr(owner, key, None) is not value:
            setattr(owner, key, value)
    elif not isinstance(owner, tuple) and owner[key] is not value:
        owner[key] = value


def fresh(t: Tensor, value) -> Tensor:
    """A new eager tensor for a slot the step filled: `value`, a leaf like the traced one (a
    0-d array where the numpy Session gave a numpy scalar: a tensor holds an array)."""
    if isinstance(value, np.generic):
        value = np.asarray(value)
    out = wrap(value)
    out._requires_grad = t._requires_grad and t.grad_fn is None
    return out
