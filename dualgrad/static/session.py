"""`ds.Session`: runs pruned graphs and keeps variable values between runs.

Each distinct call shape of `run` (the fetch structure, the feed keys, their shapes and
dtypes) gets a `Runner` once: the pruned plan, the feed checks done ahead of time, and the
compiled function. With `backend='jax'` that function is `jax.jit` of the plan's closure, so
XLA sees the whole step (forward, gradients, assigns) as one program; variable values stay on
the device between runs and only fetched values come back as numpy. With
`backend='numpy'` the same closure is interpreted with numpy kernels. With
`compile_in_background=True` a jax Session interprets a new call shape with numpy until its
program is built on a worker thread (background.py), then switches.

The per-call hot path lives in runner.py, feed checks in feeds.py, `make_callable`'s prepared
calls in callables.py, the choice to donate variables' buffers in donation.py. `run` finds a
repeated call shape (no feeds, or one or two numpy feeds) by checking the feeds against the
last new call shape of its fetches, without building the whole key (`_hot_entry`); anything
else takes the keyed lookup.
"""
from __future__ import annotations

import contextlib
import threading

import numpy as np

from ..backend import namespace_named, to_numpy, x64
from ..errors import DTypeError, FeedError, GraphError, closed_session, user_frame, user_line
from .background import BackgroundProgram, import_jax_soon
from .callables import LEAVES, prepared_callable
from .compile import Plan
from .convert import ArgumentError, cast_array, python_data
from .creation import random_generator
from .data_runs import pipeline_runner, pipelines_of, unfed_pulls
from .defaults import default_session, defaults, get_default_session  # noqa: F401  (re-exported)
from .feeds import check_feed, feed_array, feed_key
from .fetches import flatten, structure_key
from .graph import Graph, describe, get_default_graph
from .guarded import GuardedRunner
from .narrow import traced_alike
from .placement import Placement
from .planning import build_plan
from .runner import Runner
from .sparse_tensor import SparseTensor, expanded_feeds
from .variables import Variable


class Session:
    """`ds.Session(graph=None, backend='jax')`: a context manager that runs graphs.

    `run(fetches, feed_dict)` accepts a tensor, variable, operation, a name, or any nesting of
    lists/tuples/dicts of them, and returns numpy values in the same structure (None for an
    operation).
    """

    def __init__(self, graph: Graph | None = None, backend: str = "jax", config=None,
                 target: str | None = None, device=None, mesh=None, batch_axis: str | None = None,
                 compile_in_background: bool = False, pipelined: bool = False):
        if isinstance(graph, str):  # TF1's positional `target`
            graph, target = None, graph
        if graph is not None and not isinstance(graph, Graph):
            raise DTypeError(f"ds.Session: graph must be a ds.Graph or None, got {type(graph).__name__} "
                             f"{user_line()}")
        if target is not None and not isinstance(target, str):
            raise DTypeError(f"ds.Session: target must be a str, got {type(target).__name__} (at "
                             f"{user_frame()})")
        self.graph: Graph = graph if graph is not None else get_default_graph()
        if backend not in ("jax", "numpy"):
            raise ArgumentError(f"ds.Session: unknown backend {backend!r}: expected 'jax' or 'numpy' "
                                f"{user_line()}")
        self.backend = backend
        for name, flag in (("compile_in_background", compile_in_background), ("pipelined", pipelined)):
            if not isinstance(flag, bool):
                raise DTypeError(f"ds.Session: {name} must be a bool, got {type(flag).__name__} "
                                 f"{user_line()}")
        # a jax run that fetches nothing returns once dispatched, not once done (static.md)
        self._pipelined = pipelined
        # first runs of each new signature interpreted while XLA compiles (background.py)
        self._background = compile_in_background and backend == "jax" and device is None \
            and mesh is None
        self._xp = None if self._background else namespace_named(backend)
        if self._background:
            import_jax_soon()
        self._values: dict[Variable, object] = {}
        self._lock = threading.RLock()
        self._runners: dict = {}
        # fetch key -> runner (no feeds), or (runner, then each feed's key, shape, dtype) for
        # one and two feeds: `run`'s check of a repeated call shape without building and
        # looking up its whole key (`_hot_entry`)
        self._hot0: dict = {}
        self._hot1: dict = {}
        self._hot2: dict = {}
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
        defaults.stack.append(self)
        return self

    def __exit__(self, *exc) -> None:
        if defaults.stack and defaults.stack[-1] is self:
            defaults.stack.pop()
        if self._contexts:
            self._contexts.pop().__exit__(None, None, None)
        self.close()

    def as_default(self):
        """Make this the default session (for `t.eval()`) inside a `with` block."""
        @contextlib.contextmanager
        def ctx():
            defaults.stack.append(self)
            try:
                yield self
            finally:
                defaults.stack.remove(self)

        return ctx()

    def close(self) -> None:
        """Free the variable values and compiled programs; later runs raise."""
        with self._lock:
            self._closed = True
            self._values = {}
            self._runners.clear()
            for hot in (self._hot0, self._hot1, self._hot2):
                hot.clear()
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
        if ft in LEAVES:
            fkey = fetches
        elif ft is list or ft is tuple:
            fkey = (ft, *fetches)
        else:
            fkey = structure_key(fetches)
        # this fetch key's last new call shape (`_hot_entry`): its feeds checked against it
        # (a TypeError is an unhashable structure, a list inside the list: the general path)
        if type(feed_dict) is dict:
            n = len(feed_dict)
            if n == 1:
                try:
                    hot = self._hot1.get(fkey)
                except TypeError:
                    hot = None
                if hot is not None:
                    runner, k, shape, dtype = hot
                    v = feed_dict.get(k)
                    if type(v) is np.ndarray and v.dtype is dtype and v.shape == shape:
                        return runner.call(self, (v,))
            elif n == 2:
                try:
                    hot = self._hot2.get(fkey)
                except TypeError:
                    hot = None
                if hot is not None:
                    runner, k, shape, dtype, k2, shape2, dtype2 = hot
                    v = feed_dict.get(k)
                    v2 = feed_dict.get(k2)
                    if type(v) is np.ndarray and type(v2) is np.ndarray and v.dtype is dtype \
                            and v2.dtype is dtype2 and v.shape == shape and v2.shape == shape2:
                        return runner.call(self, (v, v2))
        if feed_dict is None or (type(feed_dict) is dict and not feed_dict):
            try:
                hot = self._hot0.get(fkey)
            except TypeError:
                hot = None
            if hot is not None:
                return hot.call(self, ())
        return self._run(fetches, fkey, feed_dict)

    def _run(self, fetches, key, feed_dict):
        """`run` by the call-shape key (fetch key, then each feed's key, shape and dtype)."""
        if not feed_dict:
            vals = ()
        elif type(feed_dict) is dict and len(feed_dict) == 1:  # the common case, unrolled
            k, = feed_dict
            v = feed_dict[k]
            if type(v) is not np.ndarray:
                if isinstance(k, SparseTensor):  # (its parts are fed: sparse_tensor.py)
                    return self._run(fetches, key, expanded_feeds(feed_dict))
                v = feed_array(v)
            vals = (v,)
            key = (key, k, v.shape, v.dtype)
        elif type(feed_dict) is dict and len(feed_dict) == 2:  # inputs and labels: unrolled too
            (k, v), (k2, v2) = feed_dict.items()
            if type(v) is not np.ndarray:
                if isinstance(k, SparseTensor):
                    return self._run(fetches, key, expanded_feeds(feed_dict))
                v = feed_array(v)
            if type(v2) is not np.ndarray:
                if isinstance(k2, SparseTensor):
                    return self._run(fetches, key, expanded_feeds(feed_dict))
                v2 = feed_array(v2)
            vals = (v, v2)
            key = (key, k, v.shape, v.dtype, k2, v2.shape, v2.dtype)  # the loop's key, as below
        else:
            if not isinstance(feed_dict, dict):
                raise DTypeError(f"Session.run: feed_dict must be a dict of tensor: value, got "
                                 f"{type(feed_dict).__name__} {user_line()}")
            parts = [key]
            vals = []
            for k, v in feed_dict.items():
                if type(v) is not np.ndarray:
                    if isinstance(k, SparseTensor):
                        return self._run(fetches, key, expanded_feeds(feed_dict))
                    v = feed_array(v)
                vals.append(v)
                parts += (k, v.shape, v.dtype)
            key = tuple(parts)
        try:
            runner = self._runners[key]
        except (KeyError, TypeError):
            runner = self._runner_for(fetches, feed_dict, vals, key)
        return runner.call(self, vals)

    def make_callable(self, fetches, feed_list=()):
        """A function `f(*feed_values)` equivalent to `run(fetches, dict(zip(feed_list,
        feed_values)))` (TF1's `Session.make_callable`); see callables.py."""
        return prepared_callable(self, fetches, feed_list)

    def _runner_for(self, fetches, feed_dict, vals, fast_key) -> Runner:
        if self._closed:
            raise closed_session()
        skey = structure_key(fetches)
        fkeys = tuple((k, v.shape, v.dtype) for k, v in zip(feed_dict or (), vals, strict=True))
        slow_key = ("structural", skey, fkeys)
        with self._lock:
            runner = self._runners.get(slow_key)
            if runner is None:
                runner = self._make_runner(fetches, feed_dict or {}, vals)
                self._runners[slow_key] = runner
            try:
                if fast_key is not None:
                    self._runners[fast_key] = runner
                    self._hot_entry(fast_key, runner, feed_dict, vals)
            except TypeError:
                pass
        return runner

    def _hot_entry(self, key, runner, feed_dict, vals) -> None:
        """Remember a new call shape of `run` under its fetch key (the key's first part): a
        later run with the same fetches and feed keys, each fed a numpy array of this shape
        and dtype, finds its runner by checking the feeds against it instead of building and
        looking up the whole key. Runs of other shapes take the general path, unchanged."""
        n = len(vals)
        if n > 2 or any(type(v) is not np.ndarray for v in vals):
            return
        if n == 0:
            self._hot0[key] = runner
            return
        entry: tuple = (runner,)
        for k, v in zip(feed_dict, vals, strict=True):
            entry += (k, v.shape, v.dtype)
        (self._hot1 if n == 1 else self._hot2)[key[0]] = entry

    def _make_runner(self, fetches, feed_dict, vals, status: dict | None = None,
                     initializing: bool = False):
        """The Runner of this call shape; a `GuardedRunner` over one Runner per state of the
        variables whose `initialized_value()` the fetches reach (`status`: that state). In a
        graph with `ds.data` iterators, a run that reads `get_next()` or runs an iterator's
        initializer gets data_runs.py's wrapper (`initializing`: the initializer's own run)."""
        graph = self.graph
        items, rebuild = flatten(graph, fetches)
        fed: dict = {}
        for pos, (k, v) in enumerate(zip(feed_dict, vals, strict=True)):
            t = feed_key(graph, k)
            cast = check_feed(t, v)
            fed[t] = (pos, cast)
        pipes = pipelines_of(graph)
        fed_set = set(fed) if pipes is None else set(fed).union(unfed_pulls(pipes, fed))
        plan = build_plan(graph, items, fed_set, self._values.__contains__ if status is None
                          else status.__getitem__)
        runner = None if pipes is None else pipeline_runner(
            self, pipes, plan, items, fed, rebuild, vals, fetches, feed_dict, status, initializing)
        if runner is None:
            runner = self._runner_of(plan, items, fed, rebuild, vals)
        if plan.guards and status is None:
            guards = plan.guards
            runner = GuardedRunner(guards, runner, tuple(v in self._values for v in guards),
                                   lambda key: self._make_runner(fetches, feed_dict, vals,
                                                                 dict(zip(guards, key, strict=True)),
                                                                 initializing))
        return runner

    def _runner_of(self, plan: Plan, items, fed: dict, rebuild, vals) -> Runner:
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
        return Runner(plan, fn, feed_pos, casts, rebuild, self.backend == "numpy", donates, len(vals),
                       program, lambda: self._jit(plan, donate=False),
                       swap=self._placement is not None or not traced_alike(plan),
                       wait_for_writes=not self._pipelined, placed=self._placement is not None,
                       unalias=self._donate)

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
        with x64() if not traced_alike(plan) else contextlib.nullcontext():  # as runs call it
            jitted.lower(*[jax.ShapeDtypeStruct(s, d) for s, d in specs]).compile()
        return jitted

    def _jit(self, plan: Plan, donate: bool = True):
        def traced(count: int = 1):  # (-1: the trace failed, nothing was compiled)
            self.compile_count += count

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

    def _draw_from(self, op, stream) -> None:
        """Random op `op` draws from `stream` (a Generator-like object) in this session,
        instead of its own seeded generator: dg.compile's traced dropout keeps drawing from
        the eager generator."""
        self._rngs[op] = stream

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
            raise closed_session()
        staged = {}
        for var, value in values.items():
            if var.graph is not self.graph:
                raise GraphError(f"{describe(var)} is not an element of this session's graph")
            staged[var] = self._device(value, var)
        with self._lock:
            self._values.update(staged)

    def get_values(self, variables) -> dict:
        """Current values (numpy copies) of initialised variables among `variables`. Each jax
        value is waited for first: a value a pipelined run failed to compute then raises
        `OutOfMemoryError` (handing its buffer to numpy would abort the process)."""
        with self._lock:
            return {v: np.array(to_numpy(self._values[v])) for v in variables if v in self._values}

    def is_initialized(self, var: Variable) -> bool:
        """Whether `var` has a value in this session (as tf.is_variable_initialized)."""
        return var in self._values


class InteractiveSession(Session):
    """A Session that installs itself as the default session when created (for notebooks)."""

    def __init__(self, graph: Graph | None = None, backend: str = "jax", config=None,
                 target: str | None = None, device=None, mesh=None, batch_axis: str | None = None):
        super().__init__(graph, backend, config=config, target=target, device=device, mesh=mesh,
                         batch_axis=batch_axis)
        defaults.stack.append(self)

    def close(self) -> None:
        """Closes the session and stops it being the default (tf.InteractiveSession.close)."""
        if self in defaults.stack:
            defaults.stack.remove(self)
        super().close()
