"""A refused trace leaves the containers the step reaches as they were: before, a step that
appended to a list, set a new dict key or a new attribute ahead of an `.item()` kept the
trace's entry (a graph value nobody can read) beside the eager run's own, so `history` had
one entry too many and a counter in a dict counted the first call twice. Oracle: the same
calls run eagerly (hypothesis draws how many calls and which side effects)."""
from __future__ import annotations

import warnings

from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg


class Recorder:
    pass


def run(effects: list, calls: int, compiled: bool):
    w = dg.ones(1)
    history: list = []
    log: dict = {}
    rec = Recorder()

    def step(x):
        y = (w * x).sum()
        if "append" in effects:
            history.append(y)
        if "new key" in effects:
            log["n"] = log.get("n", 0) + 1
        if "new attribute" in effects:
            rec.last = y
        if "extend" in effects:
            history.extend([1.0, 2.0])
        return y.item()  # needs the value: the trace is refused, the step runs eagerly

    f = dg.compile(step) if compiled else step
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = [f(dg.tensor([float(i)])) for i in range(calls)]
    read = [float(h) if isinstance(h, dg.Tensor) else h for h in history]
    return out, read, dict(log), float(rec.last) if hasattr(rec, "last") else None


@settings(max_examples=20, deadline=None)
@given(st.lists(st.sampled_from(["append", "new key", "new attribute", "extend"]), min_size=1,
                max_size=4, unique=True), st.integers(1, 4))
def test_a_refused_trace_leaves_no_side_effect(effects, calls):
    assert run(effects, calls, True) == run(effects, calls, False)
