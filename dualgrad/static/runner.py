"""The per-call hot path of `Session.run`: one `_Runner` per call shape (fetch structure,
feed keys, their shapes and dtypes) holds the pruned plan, its compiled function and the
feed casts decided ahead of time.

A run that updates state holds the session lock from reading the variables to committing
their new values (and to copying fetches, which may be a variable's own buffer that the next
run donates), so concurrent `assign_add` runs never lose an update; a run that fails (an
error anywhere before the commit) changes nothing.
"""
from __future__ import annotations

from operator import call as apply
from typing import TYPE_CHECKING

import numpy as np

from ..backend import describe_arrays, host_snapshot, x64, x64_state
from ..errors import (
    UninitializedError,
    closed_session,
    is_out_of_memory,
    out_of_memory,
    user_frame,
)
from .background import BackgroundProgram
from .compile import Plan
from .convert import check_int_range
from .creation import draw
from .donation import fits
from .fetches import _same
from .graph import Tensor, describe
from .run_errors import reraise
from .run_values import converter, device_of, numerics_verifier, store_unaliased, unaliased_store, waiter

if TYPE_CHECKING:
    from .session import Session


class Runner:
    """One compiled call shape of `Session.run`; `call` (the closure of the commonest shape,
    else `_call_x64` and `run`) is the hot path."""

    __slots__ = ("plan", "fn", "feed_pos", "casts", "rebuild", "state_in", "writes", "write_src",
                 "randoms", "nf", "copy", "donates", "all_tensors", "convert", "single", "stateless",
                 "feeds_as_given", "stores", "x64", "swap", "program", "host", "unchecked", "undonated",
                 "checks", "verify", "wait", "waits_for_writes", "placed", "slots", "unalias", "call")

    def __init__(self, plan: Plan, fn, feed_pos, casts, rebuild, copy: bool, donates: bool,
                 n_given: int, program: BackgroundProgram | None = None, undonated=None,
                 swap: bool = True, wait_for_writes: bool = True, placed: bool = False,
                 unalias: bool = False):
        self.plan = plan
        self.fn = fn
        self.feed_pos = feed_pos
        self.casts = casts
        self.rebuild = rebuild
        self.state_in = plan.state_in
        self.writes = plan.writes
        self.write_src = plan.write_src
        self.stores = tuple(zip(plan.writes, plan.write_src, strict=True))  # (variable, output)
        self.randoms = plan.randoms
        self.nf = plan.n_fetch_values
        self.copy = copy
        # x64: jax's 64-bit flag (to switch on around the call) for a jax program, traced and
        # run with jax's 64-bit types on; None: `host` runs the rest (numpy backend; or
        # interpreted while `program` compiles, switching once it is built)
        self.program = program
        self.x64 = x64_state() if not copy and program is None else None
        # False: a program jax traces alike in either mode (narrow.py) runs without the swap,
        # in and out of `call` alike, so one jitted function is never traced twice
        self.swap = swap
        self.host = self.run if program is None else self._run_pending
        self.donates = donates
        # the session donates variables' buffers (this run's or a later run's): a new value
        # must never be a buffer that another variable or a feed also holds
        self.unalias = unalias or donates
        # a donating program's memory need is checked against free memory before its first run
        self.unchecked = donates
        self.undonated = undonated
        self.checks = plan.checks
        self.verify = numerics_verifier(plan.checks) if plan.checks else None
        tensors = [f for f in plan.fetches if isinstance(f, Tensor)]
        self.all_tensors = len(tensors) == len(plan.fetches)
        # where each fetched tensor's value goes among the fetches (operations fetch None)
        self.slots = tuple(j for j, f in enumerate(plan.fetches) if isinstance(f, Tensor))
        # variables kept where a Session(device=, mesh=) puts them, after each write
        self.placed = placed
        self.convert = tuple(converter(t.shape) for t in tensors)
        # fast paths: one fetched tensor (`sess.run(t)`), and runs that touch no state
        self.single = self.convert[0] if len(plan.fetches) == 1 and self.all_tensors and \
            rebuild([0]) == 0 else None
        self.stateless = not (plan.state_in or plan.writes or plan.randoms)
        # jax results are waited for before any is fetched or written (see `_call`), except
        # the writes of a run that fetches nothing in a pipelined Session; a background
        # program finds jaxlib's wait once it is built (no jax import before)
        self.waits_for_writes = wait_for_writes
        self.wait = waiter() if self.x64 is not None and self._waits() else None
        self.feeds_as_given = not casts and feed_pos == tuple(range(n_given))
        # what Session.run calls: `_call_x64`, or the closure of the commonest call shape
        self.call = self._choose_call()

    def _waits(self) -> bool:
        return bool(self.convert or (self.writes and self.waits_for_writes))

    def _choose_call(self):
        if self.x64 is None:
            return self._call_x64
        if self.stateless:
            return self._plain_call() if self.feeds_as_given and self.single is not None \
                and not self.checks else self._call_x64
        if self.placed or self.unchecked:  # `_check_fits` chooses again
            return self._call_x64
        return self._state_call()

    def _plain_call(self):
        """The whole call of the commonest shape (a jax program that touches no state, feeds
        used as given, no numerics checks, one fetched tensor) as one closure: `_call_x64`,
        `run` and `_call` without their branches and attribute reads (fewer steps between the
        user's call and jax's on a ~20 us run). The wait stays, though converting waits too
        (~1 us): the conversion of a failed program's output aborts the process in jaxlib
        ("Check failed: buffer_.IsConcrete()", tests/reliability/test_oom.py) where the wait
        raises the error."""
        fn, wait, convert, flag = self.fn, self.wait, self.single, self.x64
        order = self.plan.order
        if not self.swap:  # a program jax traces alike in either mode: the same, unswapped
            def call(sess: Session, vals):
                if sess._closed:
                    raise closed_session()
                outs = None
                try:
                    outs = fn(*vals)
                    wait(outs)
                except Exception as e:
                    if not is_out_of_memory(e):
                        reraise(e, order)
                    raise self._out_of_memory(sess, e, outs) from None
                return convert(outs[0])

            return call

        def call(sess: Session, vals):
            if sess._closed:
                raise closed_session()
            prev = flag.swap_local(True)
            outs = None
            try:
                outs = fn(*vals)
                wait(outs)
            except Exception as e:
                if not is_out_of_memory(e):
                    reraise(e, order)
                raise self._out_of_memory(sess, e, outs) from None
            finally:
                flag.set_local(prev)
            return convert(outs[0])

        return call

    def _state_call(self):
        """A jax run that reads or writes variables (no placement; its memory check done) as
        one closure: `_call_x64`, `run` and `_call` without their branches and attribute
        reads. Same order as `run`: feeds cast before the lock; under it, the state read, the
        random draws, the call, the wait, the numerics checks (a run that fails them commits
        nothing: such a program donates no buffer), the writes, the conversions."""
        fn, wait, flag, swap, unalias = self.fn, self.wait, self.x64, self.swap, self.unalias
        order = self.plan.order
        state_in, stores, randoms, verify = self.state_in, self.stores, self.randoms, self.verify
        store = unaliased_store(stores)
        given, feeds_of = self.feeds_as_given, self._feeds
        no_feeds = not self.feed_pos and not given
        copies = wait is None and not no_feeds  # a pipelined run: `_own_feeds`
        results = self._results_function()

        def call(sess: Session, vals):
            feeds = vals if given else () if no_feeds else feeds_of(vals)
            if copies:
                feeds = self._own_feeds(feeds)
            prev = flag.swap_local(True) if swap else None
            try:
                with sess._lock:
                    if sess._closed:
                        raise closed_session()
                    state = sess._values
                    try:
                        args = [state[v] for v in state_in]
                    except KeyError:
                        raise self._uninitialized(state) from None
                    args += feeds
                    if randoms:
                        args += [draw(op, sess._rng(op)) for op in randoms]
                    outs = None
                    try:
                        outs = fn(*args)
                        if wait is not None:
                            wait(outs)
                    except Exception as e:
                        if not is_out_of_memory(e):
                            reraise(e, order)
                        raise self._out_of_memory(sess, e, outs) from None
                    if verify is not None:
                        verify(outs)
                    if unalias:
                        store(state, outs, args)
                    else:
                        for v, i in stores:
                            state[v] = outs[i]
                    # still under the lock: a fetch may be a variable's own buffer
                    return results(outs)
            finally:
                if swap:
                    flag.set_local(prev)

        return call

    def _results_function(self):
        """`_results`, specialised: one tensor, a flat list of distinct tensors, or generic."""
        if self.single is not None:
            single = self.single
            return lambda outs: single(outs[0])
        if self.all_tensors and self.rebuild is _same:
            convert = self.convert
            if len(convert) == 2:  # unrolled: a third of a list comprehension's cost
                c0, c1 = convert
                return lambda outs: [c0(outs[0]), c1(outs[1])]
            if len(convert) == 3:
                c0, c1, c2 = convert
                return lambda outs: [c0(outs[0]), c1(outs[1]), c2(outs[2])]
            return lambda outs: list(map(apply, convert, outs))
        n_ops = len(self.plan.fetches) - len(self.slots)
        if self.rebuild is _same and self.slots == tuple(range(n_ops, len(self.plan.fetches))):
            # operations first, then tensors (dg.compile's assigns, then its values): a None
            # per operation, then the values in order
            convert = self.convert
            return lambda outs: [None] * n_ops + list(map(apply, convert, outs))
        return self._results

    def _call_x64(self, sess: Session, vals):
        """`run` inside jax's 64-bit mode for this thread (the user's jax is untouched), or
        `host` (numpy backend; interpreted until a background build is done)."""
        flag = self.x64
        if flag is not None:  # `with x64():` inlined (a third of its cost)
            if not self.swap:
                return self.run(sess, vals)
            prev = flag.swap_local(True)
            try:
                return self.run(sess, vals)
            finally:
                flag.set_local(prev)
        return self.host(sess, vals)

    def run(self, sess: Session, vals):
        if self.stateless:  # no variables, no random draws: no lock, no bookkeeping
            if sess._closed:
                raise closed_session()
            outs = self._call(sess, vals if self.feeds_as_given else self._feeds(vals))
            if self.checks:
                self.verify(outs)
            if self.single is not None:
                return self.single(outs[0])
            return self._results(outs)
        feeds = vals if self.feeds_as_given else self._feeds(vals)
        if self.wait is None and self.x64 is not None:
            feeds = self._own_feeds(feeds)
        with sess._lock:
            if sess._closed:
                raise closed_session()
            state = sess._values
            try:
                args = [state[v] for v in self.state_in]
            except KeyError:
                raise self._uninitialized(state) from None
            args += feeds
            if self.randoms:
                args += [draw(op, sess._rng(op)) for op in self.randoms]
            outs = self._call(sess, args)
            if self.checks:
                self.verify(outs)
            if self.writes:
                if self.copy:  # numpy backend: never share storage with feeds or results
                    for v, i in zip(self.writes, self.write_src, strict=True):
                        state[v] = np.array(outs[i])
                elif self.unalias:  # a buffer donated later must belong to one variable only
                    store_unaliased(state, self.stores, outs, args)
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
            self.wait = waiter() if self._waits() else None
            self.program = None
            self.x64 = x64_state()
            self.call = self._choose_call()
        if not self.swap:
            return self.run(sess, vals)
        with x64():
            return self.run(sess, vals)

    def _interpret(self, sess: Session, program: BackgroundProgram, vals):
        """One run on the numpy interpreter, with the numpy backend's semantics (state read
        as host arrays, new values stored as copies); the first call starts the build."""
        vals = [np.asarray(v) for v in vals]
        feeds = self._feeds(vals)
        if self.stateless:
            if sess._closed:
                raise closed_session()
            program.start(feeds)
            outs = self._interpret_call(sess, program, feeds)
            if self.checks:
                self.verify(outs)
            return self._results(outs)
        with sess._lock:
            if sess._closed:
                raise closed_session()
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
            if self.checks:
                self.verify(outs)
            for v, i in zip(self.writes, self.write_src, strict=True):
                state[v] = np.array(outs[i])
            return self._results(outs)

    def _interpret_call(self, sess: Session, program: BackgroundProgram, args) -> list:
        try:
            return program.interpret(*args)
        except MemoryError as e:
            raise self._out_of_memory(sess, e, None) from None
        except Exception as e:
            reraise(e, self.plan.order)  # (naming this plan's op: see run_errors.py)

    def _call(self, sess: Session, args) -> list:
        """The program's outputs, computed. Out of memory (numpy's MemoryError; XLA's
        RESOURCE_EXHAUSTED, which jax reports only when a result is waited for, and converting
        the failed buffer to numpy would abort the process) raises before anything is committed:
        jax results are waited for before any is fetched or written to a variable. (On a GPU
        even the compile in `_check_fits` can fail for memory: XLA's autotuner runs each
        candidate kernel on buffers of the program's sizes.)"""
        outs = None
        try:
            if self.unchecked:
                self._check_fits(args)
            outs = self.fn(*args)
            if self.wait is not None:
                self.wait(outs)
        except Exception as e:
            if not is_out_of_memory(e):
                reraise(e, self.plan.order)
            raise self._out_of_memory(sess, e, outs) from None
        return outs

    def _check_fits(self, args) -> None:
        """Before the first run of a donating program: keep donation only if the program fits
        in free memory (donation.py), so a run that fails for memory has donated nothing."""
        if not fits(self.fn, args, device_of(args[0])):
            self.fn = self.undonated()
            self.donates = False
        self.unchecked = False
        self.call = self._choose_call()  # the closure takes the program now decided on

    def _out_of_memory(self, sess: Session, error: Exception, outs) -> Exception:
        fetched = ", ".join(describe(f) for f in self.plan.fetches) or "no fetches"
        # a buffer donated to the failed program is gone: its variable reads as uninitialized
        lost = [v for v in self.state_in if getattr(sess._values.get(v), "is_deleted", bool)()]
        for v in lost:
            sess._values.pop(v, None)
        results = f" computing {describe_arrays(outs)}" if outs is not None else ""
        note = f"; variables {', '.join(v.op.name for v in lost)} lost their donated buffers" if lost else ""
        if not self.waits_for_writes:
            note += ("; in this pipelined Session the failure may be an earlier run's that fetched "
                     "nothing and wrote what this run reads")
        return out_of_memory(f"Session.run of {fetched}{results}{note}", error)

    @staticmethod
    def _own_feeds(feeds) -> list:
        """A run that returns before its program has run (a pipelined Session's run that
        fetches nothing) takes copies of its numpy feeds: jax reads them when the program
        starts, behind the runs still queued, and TF1's loop `buf[:] = batch; sess.run(op,
        {x: buf})` refills the buffer before then."""
        return list(map(host_snapshot, feeds))

    def _feeds(self, vals) -> list:
        feeds = [vals[i] for i in self.feed_pos]
        if not self.casts:
            return feeds
        for j, dt in self.casts:
            t = self.plan.feeds[j]
            if t.dtype.is_integer:  # an int feed narrower than its data: every value must fit
                check_int_range(feeds[j], t.dtype, f"Cannot feed Tensor '{t.name}' (created at "
                                                   f"{t.op.where})")
            feeds[j] = feeds[j].astype(dt)
        return feeds

    def _results(self, outs):
        if self.all_tensors:  # (outs may go on past the fetches: extra writes, checks)
            return self.rebuild(list(map(apply, self.convert, outs)))
        values = [None] * len(self.plan.fetches)  # operations fetch None
        for j, c, o in zip(self.slots, self.convert, outs, strict=False):
            values[j] = c(o)
        return self.rebuild(values)

    def _uninitialized(self, state) -> UninitializedError:
        missing = [v for v in self.state_in if v not in state]
        v = min(missing, key=lambda v: v.op._id)
        return UninitializedError(f"Attempting to use uninitialized value {v.op.name} (variable "
                                  f"created at {v.op.where})")
