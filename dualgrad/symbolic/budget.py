"""A time budget for symbolic work, so no call can hang, in any thread; and room for deep trees.

sympy's `simplify` and `doit` can run for minutes on an expression that swelled. Every public
entry point takes `budget` seconds; `Budget.limit()` interrupts the running sympy call when the
deadline passes, and callers fall back to cheaper methods (numeric evaluation, a small concrete
shape) and say so in their result.

How the running call is interrupted:
- main thread (POSIX): SIGALRM, no overhead while it runs;
- any other thread: a `sys.settrace` hook on that thread alone, checked at every Python call,
  raises inside the running sympy code once the deadline passes. sympy is pure Python, so the
  hook fires often; it roughly doubles sympy's run time in that thread, which is the price of a
  deadline that holds everywhere. A worker thread we abandon was the alternative; it would leave
  sympy running in the background and lose the fallbacks (`check` compares numbers after an
  interrupted simplification, which needs the interrupted call to actually stop).
The alarm raises `BudgetExceeded` and fires again every 50 ms until the body has ended, so an
exception swallowed by sympy or a `__del__` does not let the step run on. A trace hook is unset
by CPython once it raises, so it raises a private BaseException instead, which sympy's own
`except Exception` blocks cannot swallow; `limit()` turns it into `BudgetExceeded`. Our own
loops also call `Budget.check()` between steps.

`deep_call` gives a recursive sympy call (printing, lambdify) room for a deep tree: a worker
thread with a large stack and a raised recursion limit, and a clear `DepthExceeded` if even that
is not enough; `check_depth` refuses expressions too deep to print at the caller's limit.
"""
from __future__ import annotations

import contextlib
import contextvars
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from ..errors import BudgetExceeded, DepthExceeded, DualgradError

DEFAULT_BUDGET = 10.0


class _Interrupt(BaseException):
    """Raised inside the interrupted sympy call; a BaseException, so `except Exception` in
    sympy does not swallow it. `limit()` turns it into BudgetExceeded."""


class Budget:
    """A deadline shared by the steps of one public call."""

    __slots__ = ("seconds", "deadline")

    def __init__(self, seconds: float | None = DEFAULT_BUDGET):
        self.seconds = DEFAULT_BUDGET if seconds is None else float(seconds)
        self.deadline = time.monotonic() + self.seconds

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def expired(self) -> bool:
        return self.left() <= 0

    def check(self) -> None:
        if self.expired():
            raise BudgetExceeded(f"symbolic work ran past its budget of {self.seconds:g} s")

    @contextlib.contextmanager
    def limit(self, fraction: float = 1.0, cap: float | None = None) -> Iterator[None]:
        """Run the body with at most `fraction` of the remaining time (and at most `cap`
        seconds); raise BudgetExceeded inside it when that runs out, in any thread."""
        seconds = self.left() * fraction
        if cap is not None:
            seconds = min(seconds, cap)
        if seconds <= 0:
            raise BudgetExceeded(f"symbolic work ran past its budget of {self.seconds:g} s")
        interrupt = _alarm if _can_alarm() else _traced
        try:
            with interrupt(seconds):
                yield
        except _Interrupt:
            raise BudgetExceeded(f"symbolic step interrupted after {seconds:.2g} s (budget "
                                 f"{self.seconds:g} s)") from None


_REFIRE_SECONDS = 0.05


def _can_alarm() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def _alarm(seconds: float) -> Iterator[None]:
    previous_timer = signal.getitimer(signal.ITIMER_REAL)
    if previous_timer[0] and previous_timer[0] < seconds:  # an outer limit fires first: keep it
        yield
        return

    done = [False]

    def _raise(signum, frame):
        # The exception can land where Python swallows it (a gc callback, a __del__): fire
        # again shortly, until it reaches the body and the `finally` below disarms the timer.
        # Once the `finally` has begun, a late firing is ignored: raised there, it skipped the
        # disarming, and the timer went on firing in the caller's code (a pytest worker died).
        if done[0]:
            return
        signal.setitimer(signal.ITIMER_REAL, _REFIRE_SECONDS)
        raise BudgetExceeded(f"symbolic step interrupted after {seconds:.2g} s")

    previous = signal.signal(signal.SIGALRM, _raise)
    start = time.monotonic()
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        done[0] = True
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if previous_timer[0]:  # restore an outer timer, less the time we used
            signal.setitimer(signal.ITIMER_REAL, max(previous_timer[0] - (time.monotonic() - start), 1e-3))


@contextlib.contextmanager
def _traced(seconds: float) -> Iterator[None]:
    """Interrupt this thread's Python code after `seconds` with a trace hook (threads other
    than the main one, where no signal can reach). A debugger's or coverage's hook is chained."""
    deadline = time.monotonic() + seconds
    previous = sys.gettrace()
    outer = getattr(previous, "dualgrad_deadline", None)
    if outer is not None and outer <= deadline:  # an outer limit ends first: keep it
        yield
        return
    clock = time.monotonic

    def hook(frame, event, arg):
        if clock() > deadline:
            raise _Interrupt  # CPython unsets a hook that raises; `finally` puts back `previous`
        return previous(frame, event, arg) if previous is not None else None

    hook.dualgrad_deadline = deadline
    sys.settrace(hook)
    try:
        yield
    finally:
        sys.settrace(previous)


# -- depth ------------------------------------------------------------------------------------
FRAMES_PER_LEVEL = 5     # sympy's str/latex/pretty/srepr use at most ~5 frames per level
HEADROOM_FRAMES = 150    # frames the caller may already be using when it prints the result
DEEP_RECURSION_LIMIT = 60_000
DEEP_STACK_BYTES = 512 * 1024 * 1024

_room_lock = threading.Lock()
_room_users = 0
_saved_limit = 0


def printable_depth() -> int:
    """The deepest expression that `str`, `repr`, `latex` and `pprint` print at the current
    recursion limit with room to spare."""
    return max(10, (sys.getrecursionlimit() - HEADROOM_FRAMES) // FRAMES_PER_LEVEL)


def depth_of(e) -> int:
    """The nesting depth of a sympy tree (or of a sympy Array's entries), without recursion."""
    best = 0
    stack = [(e, 1)]
    while stack:
        node, d = stack.pop()
        if d > best:
            best = d
        args = getattr(node, "args", ())
        if not isinstance(args, tuple):  # an NDimArray's .args holds its flat entry list
            args = tuple(args)
        stack.extend((a, d + 1) for a in args if hasattr(a, "args"))
    return best


def check_depth(e, what: str, spare: int = 0) -> None:
    """Refuse an expression `str()` could not print (a raw RecursionError for the user), with
    `spare` levels left for what will be built from it."""
    depth, limit = depth_of(e), printable_depth() - spare
    if depth > limit:
        raise DepthExceeded(
            f"{what}: the expression nests {depth} levels deep; sympy prints and simplifies at "
            f"most {limit} levels at the recursion limit {sys.getrecursionlimit()} (a chain of "
            "that many ops); compare numbers instead (symbolic.check does), or cut the graph "
            "into parts")


def deep_call(fn: Callable[[], Any], what: str, depth: int | None) -> Any:
    """`fn()`, retried with room (a thread with a large stack and a raised recursion limit)
    if it overflows Python's recursion limit; DepthExceeded if even that is not enough."""
    try:
        return fn()
    except RecursionError as e:
        if isinstance(e, DualgradError):
            raise
    result: dict = {}

    def run():
        try:
            result["value"] = fn()
        except BaseException as e:  # noqa: BLE001 — handed to the calling thread below
            result["error"] = e

    _with_room(run)
    error = result.get("error")
    if isinstance(error, RecursionError) and not isinstance(error, DualgradError):
        levels = f"{depth} levels deep" if depth else "too deep"
        raise DepthExceeded(f"{what}: the expression is {levels}, more than sympy's recursive "
                            f"code takes even with a recursion limit of {DEEP_RECURSION_LIMIT}") from None
    if error is not None:
        raise error
    return result["value"]


def _with_room(run: Callable[[], None]) -> None:
    global _room_users, _saved_limit
    with _room_lock:
        if _room_users == 0:
            _saved_limit = sys.getrecursionlimit()
            sys.setrecursionlimit(max(_saved_limit, DEEP_RECURSION_LIMIT))
        _room_users += 1
    try:
        with _room_lock:  # stack_size is process-wide: set it only around this start
            old_size = threading.stack_size(DEEP_STACK_BYTES)
            try:
                # in the caller's context: check's exact-number mode holds in the worker too
                worker = threading.Thread(target=contextvars.copy_context().run, args=(run,),
                                          name="dualgrad-deep-call", daemon=True)
                worker.start()
            finally:
                threading.stack_size(old_size)
        worker.join()
    finally:
        with _room_lock:
            _room_users -= 1
            if _room_users == 0:
                sys.setrecursionlimit(_saved_limit)
