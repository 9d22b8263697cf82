"""`ds.Session`: runs pruned graphs and keeps variable values between runs.

Each distinct call shape of `run` (the fetch structure, the feed keys, their shapes and
dtypes) gets a `_Runner` once: the pruned plan, the feed checks done ahead of time, and the
compiled function. With `backend='jax'` that function is `jax.jit` of the plan's closure, so
XLA sees the whole step (forward, gradients, assigns) as one program; variable values stay on
the device between runs and only fetched values come back as numpy. With
`backend='numpy'` the same closure is interpreted with numpy kernels. With
`compile_in_background=True` a jax Session interprets a new call shape with numpy until its
program is built on a worker thread (background.py), then switches.

A run that updates state holds the session lock from reading the variables to committing
their new values, so concurrent `assign_add` runs never lose an update; a run that fails
(an error anywhere before the commit) changes nothing.
"""
from __future__ import annotations

import threading

import numpy as np

from .. import dtypes
from ..backend import describe_arrays, namespace_named, x64, x64_state
from ..errors import (
    DTypeError,
    DualgradError,
    FeedError,
    GraphError,
    UninitializedError,
    is_out_of_memory,
    out_of_memory,
    user_frame,
)
from .background import BackgroundProgram, import_jax_soon
from .compile import Plan, build_plan
from .convert import ArgumentError, cast_array, check_int_range, python_data
from .creation import draw, random_generator
from .donation import fits
from .fetches import flatten, structure_key
from .graph import Graph, Operation, Tensor, describe, get_default_graph
from .placement import Placement
from .variables import Variable

_LEAVES = frozenset({Tensor, Variable, Operation, str})  # exact types: the hot-path key test


class _DefaultSessions(threading.local):
    def __init__(self) -> None:
        self.stack: list[Session] = []


_defaults = _DefaultSessions()


def default_session() -> Session:
    if not _defaults.stack:
        raise ValueError("Cannot evaluate tensor using `eval()`: No default session is registered. "
                         "Use `with sess.as_default()` or pass an explicit session to `eval(session=sess)`")
    return _defaults.stack[-1]


def get_default_session() -> Session | None:
    """The innermost session entered with `with`, or None (tf.get_default_session)."""
    return _defaults.stack[-1] if _defaults.stack else None


class Session:
    """`ds.Session(graph=None, backend='jax')`: a context manager that runs graphs.

    `run(fetches, feed_dict)` accepts a tensor, variable, operation, a name, or any nesting of
    lists/tuples/dicts of them, and returns numpy values in the same structure (None for an
    operation).
    """

    def __init__(self, graph: Graph | None = None, backend: str = "jax", config=None,
                 target: str | None = None, device=None, mesh=None, batch_axis: str | None = None,
                 compile_in_background: bool = False):
        if isinstance(graph, str):  # TF1's positional `target`
            graph, target = None, graph
        if graph is not None and not isinstance(graph, Graph):
            raise DTypeError(f"ds.Session: graph must be a ds.Graph or None, got {type(graph).__name__} "
                             f"(at {user_frame()})")
        if target is not None and not isinstance(target, str):
            raise DTypeError(f"ds.Session: target must be a str, got {type(target).__name__} (at "
                             f"{user_frame()})")
        self.graph: Graph = graph if graph is not None else get_default_graph()
        if backend not in ("jax", "numpy"):
            raise ArgumentError(f"ds.Session: unknown backend {backend!r}: expected 'jax' or 'numpy' "
                                f"(at {user_frame()})")
        self.backend = backend
        if not isinstance(compile_in_background, bool):
            raise DTypeError(f"ds.Session: compile_in_background must be a bool, got "
                             f"{type(compile_in_background).__name__} (at {user_frame()})")
        # first runs of each new signature interpreted while XLA compiles (background.py)
        self._background = compile_in_background and backend == "jax" and device is None \
            and mesh is None
        self._xp = None if self._background else namespace_named(backend)
        if self._background:
            import_jax_soon()
        self._values: dict[Variable, object] = {}
        self._lock = threading.RLock()
        self._runners: dict = {}
        self._compiled: dict = {}
        self._rngs: dict = {}
        self._closed = False
        self._contexts: list = []
        self.compile_count = 0  # jax traces so far (each is one XLA compilation)
        self._donate = False
        self._placement = None
        if backend == "jax":
            self._donate = True  # variables' old buffers are reused in place (CPU and GPU)
            if device is not None or mesh is not None:
                self._placement = Placement(device=device, mesh=mesh, batch_axis=batch_axis)
                self._donate = False  # placed arguments are fresh buffers: nothing to donate
        elif device is not None or mesh is not None:
            raise ArgumentError("device= and mesh= need backend='jax' (the numpy backend runs on the CPU)")

    # -- context ----------------------------------------------------------------------------
    def __enter__(self) -> Session:
        ctx = self.graph.as_default()
        ctx.__enter__()
        self._contexts.append(ctx)
        _defaults.stack.append(self)
        return self

    def __exit__(self, *exc) -> None:
        if _defaults.stack and _defaults.stack[-1] is self:
            _defaults.stack.pop()
        if self._contexts:
            self._contexts.pop().__exit__(None, None, None)
        self.close()

    def as_default(self):
        """Make this the default session (for `t.eval()`) inside a `with` block."""
        import contextlib

        @contextlib.contextmanager
        def ctx():
            _defaults.stack.append(self)
            try:
                yield self
            finally:
                _defaults.stack.remove(self)

        return ctx()

    def close(self) -> None:
        """Free the variable values and compiled programs; later runs raise."""
        with self._lock:
            self._closed = True
            self._values = {}
            self._runners.clear()
            self._compiled.clear()

    @property
    def closed(self) -> bool:
        """Whether `close()` was called on this session."""
        return self._closed

    # -- running ------------------------------------------------------------------------------
    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        """Compute `fetches` given `feed_dict`; assigns in the pruned graph are committed when
        the run succeeds. A read ordered after an assign sees its value, other reads the value
        from before the run (SPEC §3)."""
        ft = type(fetches)
        if ft in _LEAVES:
            key = fetches
        elif ft is list or ft is tuple:
            key = (ft, *fetches)
        else:
            key = structure_key(fetches)
        if not feed_dict:
            vals = ()
        elif type(feed_dict) is dict and len(feed_dict) == 1:  # the common case, unrolled
            ((k, v),) = feed_dict.items()
            if type(v) is not np.ndarray:
                v = _feed_array(v)
            vals = (v,)
            key = (key, k, v.shape, v.dtype)
        else:
            if not isinstance(feed_dict, dict):
                raise DTypeError(f"Session.run: feed_dict must be a dict of tensor: value, got "
                                 f"{type(feed_dict).__name__} (at {user_frame()})")
            parts = [key]
            vals = []
            for k, v in feed_dict.items():
                if type(v) is not np.ndarray:
                    v = _feed_array(v)
                vals.append(v)
                parts += (k, v.shape, v.dtype)
            key = tuple(parts)
        try:
            runner = self._runners[key]
        except (KeyError, TypeError):
            runner = self._runner_for(fetches, feed_dict, vals, key)
        if runner.x64:  # jax's float64 for this run only (the user's jax is untouched)
            flag = x64_state()  # `with x64():` inlined (a third of its cost)
            prev = flag.swap_local(True)
            try:
                return runner.run(self, vals)
            finally:
                flag.set_local(prev)
        return runner.host(self, vals)

    def make_callable(self, fetches, feed_list=()):
        """A function `f(*feed_values)` equivalent to `run(fetches, dict(zip(feed_list,
        feed_values)))` (TF1's `Session.make_callable`)."""
        if isinstance(feed_list, (str, Tensor)) or not isinstance(feed_list, (list, tuple)):
            raise DTypeError(f"Session.make_callable: feed_list must be a list of tensors, got "
                             f"{type(feed_list).__name__} (at {user_frame()})")
        feed_list = list(feed_list)

        def call(*values):
            if len(values) != len(feed_list):
                raise DTypeError(f"expected {len(feed_list)} feed values, got {len(values)}")
            return self.run(fetches, dict(zip(feed_list, values, strict=True)) if feed_list else None)

        return call

    def _runner_for(self, fetches, feed_dict, vals, fast_key) -> _Runner:
        if self._closed:
            raise RuntimeError("Attempted to use a closed Session.")
        skey = structure_key(fetches)
        fkeys = tuple((k, v.shape, v.dtype) for k, v in zip(feed_dict or (), vals, strict=True))
        slow_key = ("structural", skey, fkeys)
        with self._lock:
            runner = self._runners.get(slow_key)
            if runner is None:
                runner = self._make_runner(fetches, feed_dict or {}, vals)
                self._runners[slow_key] = runner
            try:
                self._runners[fast_key] = runner
            except TypeError:
                pass
        return runner

    def _make_runner(self, fetches, feed_dict, vals) -> _Runner:
        graph = self.graph
        items, rebuild = flatten(graph, fetches)
        fed: dict = {}
        for pos, (k, v) in enumerate(zip(feed_dict, vals, strict=True)):
            t = _feed_key(graph, k)
            cast = _check_feed(t, v)
            fed[t] = (pos, cast)
        plan = build_plan(graph, items, set(fed))
        ckey = plan.signature()
        try:
            hash(ckey)
        except TypeError:  # an attribute we cannot describe: share by identity only
            ckey = (tuple(items), plan.feeds)
        fn = self._compiled.get(ckey)
        if fn is None:
            fn = self._compile(plan)
            self._compiled[ckey] = fn
        feed_pos = tuple(fed[t][0] for t in plan.feeds)
        casts = tuple((j, fed[t][1]) for j, t in enumerate(plan.feeds) if fed[t][1] is not None)
        donates = bool(self._donated(plan))
        program = None
        if isinstance(fn, BackgroundProgram):
            fn, program = fn.compiled, (None if fn.compiled is not None else fn)
        return _Runner(plan, fn, feed_pos, casts, rebuild, self.backend == "numpy", donates, len(vals),
                       program, lambda: self._jit(plan, donate=False))

    def _namespace(self):
        if self._xp is None:
            self._xp = namespace_named(self.backend)
        return self._xp

    def _compile(self, plan: Plan):
        if self.backend == "numpy":
            return plan.function(self._xp)
        if self._background:
            return BackgroundProgram(plan.function(np), lambda specs: self._build(plan, specs))
        return self._jit(plan)

    def _build(self, plan: Plan, specs: list):
        """On the compile worker: jit the plan and compile it for these argument specs (a
        later call with arrays of the same shapes and dtypes finds jax's cached program)."""
        import jax

        jitted = self._jit(plan)
        with x64():
            jitted.lower(*[jax.ShapeDtypeStruct(s, d) for s, d in specs]).compile()
        return jitted

    def _jit(self, plan: Plan, donate: bool = True):
        def traced():
            self.compile_count += 1

        import jax

        fn = plan.function(self._namespace(), on_trace=traced)
        jitted = jax.jit(fn, donate_argnums=self._donated(plan) if donate else ())
        if self._placement is not None:
            return self._placement.wrap(jitted, len(plan.state_in))
        return jitted

    def _donated(self, plan: Plan) -> tuple:
        """Positions of the variables whose old buffers XLA may reuse for their new values:
        those the run overwrites. None of them when a numerics check can still fail the run
        after the program ran: a donated buffer is gone, and a failed run must commit nothing."""
        if not self._donate or plan.checks:
            return ()
        return tuple(i for i, v in enumerate(plan.state_in) if v in plan.writes)

    def _rng(self, op) -> np.random.Generator:
        rng = self._rngs.get(op)
        if rng is None:
            rng = self._rngs[op] = random_generator(op)
        return rng

    # -- state access (Saver, Variable.load, tests) --------------------------------------------
    def _device(self, value, var: Variable):
        """`value` as the variable's dtype: Python data exactly (a Python float into an int
        variable, or an int out of range, is refused), arrays by `cast_array`'s rules."""
        what = f"load into variable {var.op.name} (created at {var.op.where})"
        if isinstance(value, (np.ndarray, np.generic)) or hasattr(value, "__array__"):
            arr = cast_array(np.asarray(value), var.dtype, what)
        else:
            arr, _ = python_data(value, var.dtype, what)
        if arr.shape != var.shape:
            raise FeedError(f"Cannot load a value of shape {arr.shape} into variable {var.op.name} of "
                            f"shape {var.shape}")
        arr = np.array(arr, dtype=var.dtype.np, copy=True)
        if self.backend == "numpy":
            return arr
        with x64():
            return self._placement.state(arr) if self._placement is not None else \
                self._namespace().asarray(arr)

    def load(self, var: Variable, value) -> None:
        """Set one variable's value (TF1's `Variable.load`)."""
        self.set_values({var: value})

    def set_values(self, values: dict) -> None:
        """Set several variables at once: every value is checked first, then all are stored."""
        if self._closed:
            raise RuntimeError("Attempted to use a closed Session.")
        staged = {}
        for var, value in values.items():
            if var.graph is not self.graph:
                raise GraphError(f"{describe(var)} is not an element of this session's graph")
            staged[var] = self._device(value, var)
        with self._lock:
            self._values.update(staged)

    def get_values(self, variables) -> dict:
        """Current values (numpy copies) of initialised variables among `variables`."""
        with self._lock:
            return {v: np.array(self._values[v]) for v in variables if v in self._values}

    def is_initialized(self, var: Variable) -> bool:
        """Whether `var` has a value in this session (as tf.is_variable_initialized)."""
        return var in self._values


class InteractiveSession(Session):
    """A Session that installs itself as the default session when created (for notebooks)."""

    def __init__(self, graph: Graph | None = None, backend: str = "jax", config=None,
                 target: str | None = None, device=None, mesh=None, batch_axis: str | None = None):
        super().__init__(graph, backend, config=config, target=target, device=device, mesh=mesh,
                         batch_axis=batch_axis)
        _defaults.stack.append(self)

    def close(self) -> None:
        """Closes the session and stops it being the default (tf.InteractiveSession.close)."""
        if self in _defaults.stack:
            _defaults.stack.remove(self)
        super().close()


class _Runner:
    """One compiled call shape of `Session.run`; `run` is the hot path."""

    __slots__ = ("plan", "fn", "feed_pos", "casts", "rebuild", "state_in", "writes", "write_src",
                 "randoms", "nf", "copy", "donates", "all_tensors", "convert", "single", "stateless",
                 "feeds_as_given", "x64", "program", "host", "unchecked", "undonated")

    def __init__(self, plan: Plan, fn, feed_pos, casts, rebuild, copy: bool, donates: bool,
                 n_given: int, program: BackgroundProgram | None = None, undonated=None):
        self.plan = plan
        self.fn = fn
        self.feed_pos = feed_pos
        self.casts = casts
        self.rebuild = rebuild
        self.state_in = plan.state_in
        self.writes = plan.writes
        self.write_src = plan.write_src
        self.randoms = plan.randoms
        self.nf = plan.n_fetch_values
        self.copy = copy
        # x64: a jax program, traced and run with jax's 64-bit types on; `host` runs the rest
        # (numpy backend; or interpreted while `program` compiles, switching once it is built)
        self.program = program
        self.x64 = not copy and program is None
        self.host = self.run if program is None else self._run_pending
        self.donates = donates
        # a donating program's memory need is checked against free memory before its first run
        self.unchecked = donates
        self.undonated = undonated
        tensors = [f for f in plan.fetches if isinstance(f, Tensor)]
        self.all_tensors = len(tensors) == len(plan.fetches)
        self.convert = tuple(_converter(t.shape) for t in tensors)
        # fast paths: one fetched tensor (`sess.run(t)`), and runs that touch no state
        self.single = self.convert[0] if len(plan.fetches) == 1 and self.all_tensors and \
            rebuild([0]) == 0 else None
        self.stateless = not (plan.state_in or plan.writes or plan.randoms)
        self.feeds_as_given = not casts and feed_pos == tuple(range(n_given))

    def run(self, sess: Session, vals):
        if self.stateless:  # no variables, no random draws: no lock, no bookkeeping
            if sess._closed:
                raise RuntimeError("Attempted to use a closed Session.")
            outs = self._call(sess, vals if self.feeds_as_given else self._feeds(vals))
            if self.plan.checks:
                _verify_numerics(self.plan.checks, outs)
            if self.single is not None:
                return self.single(outs[0])
            return self._results(outs)
        feeds = self._feeds(vals)
        with sess._lock:
            if sess._closed:
                raise RuntimeError("Attempted to use a closed Session.")
            state = sess._values
            try:
                args = [state[v] for v in self.state_in]
            except KeyError:
                raise self._uninitialized(state) from None
            args += feeds
            if self.randoms:
                args += [draw(op, sess._rng(op)) for op in self.randoms]
            outs = self._call(sess, args)
            if self.plan.checks:
                _verify_numerics(self.plan.checks, outs)
            if self.writes:
                if self.copy:  # numpy backend: never share storage with feeds or results
                    for v, i in zip(self.writes, self.write_src, strict=True):
                        state[v] = np.array(outs[i])
                elif self.donates:  # a buffer donated next run must belong to one variable only
                    _store_unaliased(state, self.writes, [outs[i] for i in self.write_src], args)
                else:
                    for v, i in zip(self.writes, self.write_src, strict=True):
                        state[v] = outs[i]
                if sess._placement is not None:  # keep variables where the session puts them
                    for v in self.writes:
                        state[v] = sess._placement.state(state[v])
            # still under the lock: a fetch may be a variable's own buffer, which the next run
            # (another thread's) donates to XLA
            if self.single is not None:
                return self.single(outs[0])
            return self._results(outs)

    def _run_pending(self, sess: Session, vals):
        """Interpret until the background build is done, then switch to the compiled program
        for good (`fn` is set before `program` is cleared and `x64` set: a thread that read
        the old `x64` comes here and finds the compiled program)."""
        program = self.program
        if program is not None:
            compiled = program.poll()
            if compiled is None:
                if program.error is not None:
                    program.warn_failed(", ".join(describe(f) for f in self.plan.fetches) or
                                        "no fetches", user_frame())
                return self._interpret(sess, program, vals)
            with sess._lock, x64():  # interpreted runs left host arrays: upload them once
                state = sess._values
                for v in self.state_in:
                    if type(state.get(v)) is np.ndarray:
                        state[v] = sess._namespace().asarray(state[v])
            self.fn = compiled
            self.program = None
            self.x64 = True
        with x64():
            return self.run(sess, vals)

    def _interpret(self, sess: Session, program: BackgroundProgram, vals):
        """One run on the numpy interpreter, with the numpy backend's semantics (state read
        as host arrays, new values stored as copies); the first call starts the build."""
        vals = [np.asarray(v) for v in vals]
        feeds = self._feeds(vals)
        if self.stateless:
            if sess._closed:
                raise RuntimeError("Attempted to use a closed Session.")
            program.start(feeds)
            outs = self._interpret_call(sess, program, feeds)
            if self.plan.checks:
                _verify_numerics(self.plan.checks, outs)
            return self._results(outs)
        with sess._lock:
            if sess._closed:
                raise RuntimeError("Attempted to use a closed Session.")
            state = sess._values
            try:
                args = [np.asarray(state[v]) for v in self.state_in]
            except KeyError:
                raise self._uninitialized(state) from None
            args += feeds
            if self.randoms:
                args += [draw(op, sess._rng(op)) for op in self.randoms]
            program.start(args)
            outs = self._interpret_call(sess, program, args)
            if self.plan.checks:
                _verify_numerics(self.plan.checks, outs)
            for v, i in zip(self.writes, self.write_src, strict=True):
                state[v] = np.array(outs[i])
            return self._results(outs)

    def _interpret_call(self, sess: Session, program: BackgroundProgram, args) -> list:
        try:
            return program.interpret(*args)
        except MemoryError as e:
            raise self._out_of_memory(sess, e, None) from None

    def _call(self, sess: Session, args) -> list:
        """The program's outputs, computed. Out of memory (numpy's MemoryError; XLA's
        RESOURCE_EXHAUSTED, which jax reports only when a result is waited for, and converting
        the failed buffer to numpy would abort the process) raises before anything is committed:
        jax results are waited for before any is fetched or written to a variable."""
        if self.unchecked:
            self._check_fits(args)
        try:
            outs = self.fn(*args)
        except Exception as e:
            if not is_out_of_memory(e):
                raise
            raise self._out_of_memory(sess, e, None) from None
        if not self.copy and (self.convert or self.writes):
            try:
                for o in outs:  # each array's own wait: a tenth of `jax.block_until_ready`'s cost
                    o.block_until_ready()
            except Exception as e:
                if not is_out_of_memory(e):
                    raise
                raise self._out_of_memory(sess, e, outs) from None
        return outs

    def _check_fits(self, args) -> None:
        """Before the first run of a donating program: keep donation only if the program fits
        in free memory (donation.py), so a run that fails for memory has donated nothing."""
        if not fits(self.fn, args, _device_of(args[0])):
            self.fn = self.undonated()
            self.donates = False
        self.unchecked = False

    def _out_of_memory(self, sess: Session, error: Exception, outs) -> Exception:
        fetched = ", ".join(describe(f) for f in self.plan.fetches) or "no fetches"
        # a buffer donated to the failed program is gone: its variable reads as uninitialized
        lost = [v for v in self.state_in if getattr(sess._values.get(v), "is_deleted", bool)()]
        for v in lost:
            sess._values.pop(v, None)
        results = f" computing {describe_arrays(outs)}" if outs is not None else ""
        note = f"; variables {', '.join(v.op.name for v in lost)} lost their donated buffers" if lost else ""
        return out_of_memory(f"Session.run of {fetched}{results}{note}", error)

    def _feeds(self, vals) -> list:
        feeds = [vals[i] for i in self.feed_pos]
        for j, dt in self.casts:
            t = self.plan.feeds[j]
            if t.dtype.is_integer:  # an int feed narrower than its data: every value must fit
                check_int_range(feeds[j], t.dtype, f"Cannot feed Tensor '{t.name}' (created at "
                                                   f"{t.op.where})")
            feeds[j] = feeds[j].astype(dt)
        return feeds

    def _results(self, outs):
        if self.all_tensors:
            return self.rebuild([c(o) for c, o in zip(self.convert, outs, strict=False)])
        it = iter(zip(self.convert, outs, strict=False))
        values = []
        for f in self.plan.fetches:
            if isinstance(f, Tensor):
                c, o = next(it)
                values.append(c(o))
            else:
                values.append(None)
        return self.rebuild(values)

    def _uninitialized(self, state) -> UninitializedError:
        missing = [v for v in self.state_in if v not in state]
        v = min(missing, key=lambda v: v.op._id)
        return UninitializedError(f"Attempting to use uninitialized value {v.op.name} (variable "
                                  f"created at {v.op.where})")


class NumericsError(DualgradError, ValueError):
    """A tensor under `check_numerics` held a NaN or an infinity (TF1's InvalidArgumentError)."""


def _verify_numerics(checks, outs) -> None:
    """Raise before the run commits anything if a checked tensor is not finite."""
    flags = outs[len(outs) - len(checks):]
    for (t, message), ok in zip(checks, flags, strict=True):
        if not bool(ok):
            raise NumericsError(f"{message} : Tensor had NaN or Inf values ({describe(t)})")


def _store_unaliased(state: dict, writes, values, args) -> None:
    """Store new values, copying any that is an input or another variable's value (jax may
    forward an input unchanged): donating it later would free someone else's buffer."""
    seen = {id(a) for a in args} | {id(v) for k, v in state.items() if k not in writes}
    for var, value in zip(writes, values, strict=True):
        if id(value) in seen:
            value = value.copy()
        seen.add(id(value))
        state[var] = value


def _device_of(array):
    """The device holding a variable's value (jax's default device for a host array)."""
    if hasattr(array, "devices"):
        return next(iter(array.devices()))
    import jax

    return jax.devices()[0]


def _scalar(o):
    return np.asarray(o)[()]


def _any_shape(o):
    a = np.array(o)
    return a[()] if a.ndim == 0 else a


def _converter(shape):
    """How a fetched value comes back: numpy scalars for 0-d (as TF1), writable arrays else."""
    if shape == ():
        return _scalar
    if shape is None:
        return _any_shape
    return np.array


def _feed_array(v):
    """A feed value as an array: jax arrays stay on their device, the rest goes to numpy."""
    if hasattr(v, "shape") and hasattr(v, "dtype") and not isinstance(v, (Tensor,)):
        return v
    if isinstance(v, Tensor):
        raise DTypeError(f"The value of a feed cannot be a ds.Tensor ({v.name}); feed numpy arrays, "
                        "Python numbers or lists")
    return np.asarray(v)


def _feed_key(graph: Graph, k) -> Tensor:
    if isinstance(k, str):
        k = graph.get_tensor_by_name(k)
    if not isinstance(k, Tensor):
        raise DTypeError(f"Cannot interpret feed_dict key {k!r} as a Tensor (at {user_frame()})")
    if k.graph is not graph:
        raise GraphError(f"Cannot interpret feed_dict key as Tensor: {describe(k)} is not an element "
                         "of this graph.")
    return k


def _check_feed(t: Tensor, v):
    """Validate one feed against its tensor; return the numpy dtype to cast to, or None."""
    shape = tuple(v.shape)
    if t.shape is not None and (len(shape) != len(t.shape) or any(
            d is not None and d != s for d, s in zip(t.shape, shape, strict=True))):
        raise FeedError(f"Cannot feed value of shape {shape} for Tensor '{t.name}', which has shape "
                        f"{t.shape} (created at {t.op.where})")
    try:
        src = dtypes.from_numpy_dtype(v.dtype)
    except TypeError:
        raise FeedError(f"Cannot feed a value of dtype {v.dtype} for Tensor '{t.name}' of dtype "
                        f"{t.dtype.name} (created at {t.op.where})") from None
    if src is t.dtype:
        return None
    ok = (t.dtype.is_floating_point and not src.is_bool) or (
        t.dtype.is_integer and src.is_integer) or (t.dtype.is_bool and src.is_bool)
    if not ok:
        raise FeedError(f"Cannot feed value of dtype {src.name} for Tensor '{t.name}' of dtype "
                        f"{t.dtype.name} (created at {t.op.where}); cast it first")
    return t.dtype.np
