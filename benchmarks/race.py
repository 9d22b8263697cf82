"""The timing harness the benchmarks share: contenders measured in interleaved rounds."""
from __future__ import annotations

import time
from collections.abc import Callable


class Race:
    """Contenders measured in interleaved rounds (each round runs every contender once), so a
    burst of load on a shared machine hits all of them alike; the best round counts."""

    def __init__(self, rounds: int, clock: Callable[[], float] = time.perf_counter):
        """`clock`: wall time by default; `time.process_time` counts the CPU time of all the
        process's threads, which load from other processes on a shared machine disturbs less."""
        self.rounds = rounds
        self.clock = clock
        self.entries: dict[str, tuple[Callable[[], object], int, int] | None] = {}

    def add(self, label: str, fn: Callable[[], object], calls: int = 1, units: int = 1) -> None:
        """A round times `calls` calls of `fn`, each doing `units` units of work, and reports
        seconds per unit. `fn` is called once here first (warm-up: compiles)."""
        fn()
        self.entries[label] = (fn, calls, units)

    def skip(self, label: str) -> None:
        """A contender that is not installed: reported as such, never timed."""
        self.entries[label] = None

    def run(self) -> dict[str, float | None]:
        times: dict[str, list[float]] = {label: [] for label in self.entries}
        for _ in range(self.rounds):
            for label, entry in self.entries.items():
                if entry is None:
                    continue
                fn, calls, units = entry
                t = self.clock()
                for _ in range(calls):
                    fn()
                times[label].append((self.clock() - t) / (calls * units))
        return {label: (min(ts) if ts else None) for label, ts in times.items()}
