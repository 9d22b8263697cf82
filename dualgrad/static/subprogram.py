"""Running a traced function (a `SubGraph` of `ds.cond` / `ds.while_loop`) like a run: its
ops pruned and ordered by `planning.py` and compiled by `compile.py`, with parameters and
captures as feeds."""
from __future__ import annotations

from collections.abc import Sequence

from .control_flow_trace import SubGraph
from .planning import build_plan
from .variables import Variable


class SubProgram:
    """A traced function compiled like a run: `call(param values, capture values)` returns
    (output values, {variable: new value}). Variables among the captures are state."""

    def __init__(self, sub: SubGraph, xp, captures: Sequence):
        fed = set(sub.params) | {c for c in captures if not isinstance(c, Variable)}
        plan = build_plan(sub.outputs[0].graph, list(sub.outputs), fed)
        position = {t: ("p", i) for i, t in enumerate(sub.params)}
        position.update({t: ("c", i) for i, t in enumerate(captures)})
        self.state = tuple(position[v] for v in plan.state_in)
        self.feeds = tuple(position[t] for t in plan.feeds)
        self.n_out = plan.n_fetch_values
        self.writes = tuple(zip(plan.writes, plan.write_src, strict=True))
        self.fn = plan.function(xp)

    def call(self, params: Sequence, captures: Sequence) -> tuple[list, dict]:
        pick = {"p": params, "c": captures}
        args = [pick[k][i] for k, i in self.state] + [pick[k][i] for k, i in self.feeds]
        outs = self.fn(*args)
        return list(outs[:self.n_out]), {v: outs[i] for v, i in self.writes}
