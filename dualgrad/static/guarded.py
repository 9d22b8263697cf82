"""A call shape whose plan depends on which variables are initialised (a Session's
initializer runs): one Runner per state, built the first time that state is met."""
from __future__ import annotations

from .runner import Runner


class GuardedRunner:
    """The runners of one call shape whose plan depends on which of `guards` are initialised
    (its fetches reach `initialized_value()` ops, planning.py): `call` looks up the runner of
    the present state, building it the first time. Only such runs (initializers) pay for it;
    every other call shape gets its Runner directly."""

    __slots__ = ("guards", "runners", "make")

    def __init__(self, guards: tuple, runner: Runner, key: tuple, make):
        self.guards = guards
        self.runners = {key: runner}
        self.make = make

    def call(self, sess, vals):
        values = sess._values
        key = tuple(v in values for v in self.guards)
        runner = self.runners.get(key)
        if runner is None:
            with sess._lock:
                runner = self.runners.get(key)
                if runner is None:
                    runner = self.runners[key] = self.make(key)
        return runner.call(sess, vals)
