"""A time budget for symbolic work, so no call can hang.

sympy's `simplify` and `doit` can run for minutes on an expression that swelled. Every public
entry point takes `budget` seconds; `Budget.limit()` interrupts the running sympy call with
SIGALRM when the deadline passes (main thread on POSIX), and callers fall back to cheaper
methods (numeric evaluation, a small concrete shape) and say so in their result.
"""
from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Iterator

DEFAULT_BUDGET = 10.0


class BudgetExceeded(Exception):
    """The time budget ran out while a symbolic step was running."""


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
        seconds); raise BudgetExceeded inside it when that runs out (only where SIGALRM is
        usable: the main thread)."""
        seconds = self.left() * fraction
        if cap is not None:
            seconds = min(seconds, cap)
        if seconds <= 0:
            raise BudgetExceeded(f"symbolic work ran past its budget of {self.seconds:g} s")
        with _alarm(seconds):
            yield


_REFIRE_SECONDS = 0.05


def _can_alarm() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def _alarm(seconds: float) -> Iterator[None]:
    if not _can_alarm():
        yield
        return
    previous_timer = signal.getitimer(signal.ITIMER_REAL)
    if previous_timer[0] and previous_timer[0] < seconds:  # an outer limit fires first: keep it
        yield
        return

    def _raise(signum, frame):
        # The exception can land where Python swallows it (a gc callback, a __del__): fire
        # again shortly, until it reaches the body and the `finally` below disarms the timer.
        signal.setitimer(signal.ITIMER_REAL, _REFIRE_SECONDS)
        raise BudgetExceeded(f"symbolic step interrupted after {seconds:.2g} s")

    previous = signal.signal(signal.SIGALRM, _raise)
    start = time.monotonic()
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if previous_timer[0]:  # restore an outer timer, less the time we used
            signal.setitimer(signal.ITIMER_REAL, max(previous_timer[0] - (time.monotonic() - start), 1e-3))
