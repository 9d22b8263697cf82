"""Running a traced function (a `SubGraph` of `ds.cond` / `ds.while_loop`) like a run: its
ops pruned and ordered by `planning.py` and compiled by `compile.py`, with parameters and
captures as feeds. Its checks come back as flags (`SubGraph.checks`), its `ds.Print`s print
when it runs."""
from __future__ import annotations

from collections.abc import Sequence

from .control_flow_trace import SubGraph, is_numpy
from .planning import build_plan
from .variables import Variable


class SubProgram:
    """A traced function compiled like a run: `call(param values, capture values)` returns
    (output values, {variable: new value}, a flag per `sub.checks`). Variables among the
    captures are state. `checked=False` (a gradient re-running forward ops): no flags, no
    prints."""

    def __init__(self, sub: SubGraph, xp, captures: Sequence, checked: bool = True):
        fed = set(sub.params) | {c for c in captures if not isinstance(c, Variable)}
        plan = build_plan(sub.outputs[0].graph, list(sub.outputs), fed)
        position = {t: ("p", i) for i, t in enumerate(sub.params)}
        position.update({t: ("c", i) for i, t in enumerate(captures)})
        self.state = tuple(position[v] for v in plan.state_in)
        self.feeds = tuple(position[t] for t in plan.feeds)
        self.n_out = plan.n_fetch_values
        self.writes = tuple(zip(plan.writes, plan.write_src, strict=True))
        self.fn = plan.function(xp)
        # where each check's value is among the plan's check outputs (the last of its outputs)
        # (by (tensor, check): a tensor may hold two, a registry op's and a set_shape promise)
        at = {c: i for i, c in enumerate(plan.checks)}
        self.n_checks = len(plan.checks)
        self.flags = tuple(at[c] for c in sub.checks) if checked else ()
        self.prints = tuple((at[(t, m)], m) for t, m in sub.prints) if checked else ()
        self.numpy = is_numpy(xp)

    def call(self, params: Sequence, captures: Sequence) -> tuple[list, dict, list]:
        pick = {"p": params, "c": captures}
        args = [pick[k][i] for k, i in self.state] + [pick[k][i] for k, i in self.feeds]
        outs = self.fn(*args)
        checked = outs[len(outs) - self.n_checks:]
        if self.prints:
            values = [checked[i] for i, _ in self.prints]
            if self.numpy:
                self._report(*values)
            else:
                import jax

                jax.debug.callback(self._report, *values, ordered=True)
        return (list(outs[:self.n_out]), {v: outs[i] for v, i in self.writes},
                [checked[i] for i in self.flags])

    def _report(self, *values) -> None:
        """Print each `ds.Print` line whose values these complete (static/tf_print.py)."""
        for (_, message), value in zip(self.prints, values, strict=True):
            message.report(value)
