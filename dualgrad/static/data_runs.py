"""How `Session.run` serves `ds.data` iterators: each graph that has iterators keeps a
`Pipelines` record of its `get_next()` tensors and iterator initializers; a run whose pruned
plan reaches them gets a wrapped runner, decided once when the call shape's runner is built
(runs of graphs without iterators never look here).

`get_next()`'s outputs are placeholders that the Session feeds itself: `PullRunner` pulls one
element per `get_next()` op the run needs from the iterator's host-side state in this session
(once per run, however many fetches or ops read it) and passes it to the compiled program as
extra feeds, so the program stays one program. An exhausted iterator raises
`OutOfRangeError` before the program runs: nothing in that run is applied.

`InitRunner` runs the plan with the dataset's graph tensors (a placeholder fed in the same
run, constants) added to the fetches, then restarts the iterator from their values.
"""
from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .graph import Graph, Operation, Tensor


class Pipelines:
    """A graph's iterator tensors: `pulls` (get_next output -> (its GetNext, component)) and
    `inits` (initializer op -> (its iterator, the dataset it starts))."""

    __slots__ = ("pulls", "inits", "__weakref__")

    def __init__(self) -> None:
        self.pulls: dict[Tensor, tuple] = {}
        self.inits: dict[Operation, object] = {}


_GRAPHS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def pipelines_of(graph: Graph, create: bool = False) -> Pipelines | None:
    """The graph's iterator record (None if it has no iterator and `create` is False)."""
    p = _GRAPHS.get(graph)
    if p is None and create:
        p = _GRAPHS[graph] = Pipelines()
    return p


def unfed_pulls(pipes: Pipelines, fed: dict) -> list:
    """The get_next tensors the Session feeds itself in a run (those the user does not feed)."""
    return [t for t in list(pipes.pulls) if t not in fed]  # (a copy: get_next may add to it)


def pipeline_runner(sess, pipes: Pipelines, plan, items, fed: dict, rebuild, vals, fetches, feed_dict,
                    status, initializing: bool):
    """The run's runner if its plan pulls from an iterator or runs an initializer, else None.
    `fed` gains the pulled tensors' positions (after the user's feeds)."""
    inits = [] if initializing else [op for op in plan.order if op in pipes.inits]
    if inits:
        starts = [pipes.inits[op] for op in inits]  # (iterator, dataset)
        sources = [s for _, dataset in starts for s in dataset._sources()]
        inner = sess._make_runner((fetches, sources), feed_dict, vals, status, initializing=True)
        return InitRunner(inner, starts)
    pulled = [t for t in plan.feeds if t in pipes.pulls and t not in fed]
    if not pulled:
        return None
    groups: dict = {}  # GetNext -> positions of its components among the pulled values
    for t in pulled:
        get_next, i = pipes.pulls[t]
        groups.setdefault(get_next, []).append(i)
    order = [t for g, idx in groups.items() for t in (g.tensors[i] for i in idx)]
    n = len(vals)
    for j, t in enumerate(order):
        fed[t] = (n + j, None)
    inner = sess._runner_of(plan, items, fed, rebuild, (*vals, *order))
    return PullRunner(inner, tuple((g, tuple(idx)) for g, idx in groups.items()))


class PullRunner:
    """A runner whose program reads `get_next()` tensors: one element of each iterator per
    run, pulled before the program runs (an exhausted iterator fails the run whole)."""

    __slots__ = ("inner", "groups")

    def __init__(self, inner, groups: tuple):
        self.inner = inner
        self.groups = groups

    def call(self, sess, vals):
        extra = []
        for get_next, idx in self.groups:
            element = get_next.iterator._next(sess)
            extra += [element[i] for i in idx]
        return self.inner.call(sess, (*vals, *extra))


class InitRunner:
    """A run that also fetches the datasets' graph tensors, then restarts each iterator on its
    dataset in this session from them."""

    __slots__ = ("inner", "starts")

    def __init__(self, inner, starts: list):
        self.inner = inner
        self.starts = starts

    def call(self, sess, vals):
        result, sources = self.inner.call(sess, vals)
        k = 0
        for it, dataset in self.starts:
            n = len(dataset._sources())
            it._restart(sess, dataset, sources[k:k + n])
            k += n
        return result
