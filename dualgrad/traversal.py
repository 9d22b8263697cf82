"""Graph walks shared by every front end: a post-order that never recurses, and Kahn's
topological order with a tie-break (HIPS autograd's `util.toposort(end_node, parents=...)`,
tinygrad's `UOp.toposort`). Each takes the graph as a `children` function, so eager nodes,
static operations and symbolic steps are walked by the same code."""
from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Hashable, Iterable
from typing import Any, TypeVar

T = TypeVar("T")


def postorder(roots: Iterable[T], children: Callable[[T], Iterable[T]],
              key: Callable[[T], Hashable] | None = None) -> list[T]:
    """Every node reachable from `roots`, each after all of its children (an explicit stack,
    so a chain of a million nodes is fine). Nodes are told apart by `key(node)` when given
    (values that do not hash by identity), else by the node itself."""
    seen: set = set()
    order: list[T] = []
    for root in roots:
        k = root if key is None else key(root)
        if k in seen:
            continue
        seen.add(k)
        stack = [(root, iter(children(root)))]
        while stack:
            node, pending = stack[-1]
            for child in pending:
                k = child if key is None else key(child)
                if k not in seen:
                    seen.add(k)
                    stack.append((child, iter(children(child))))
                    break
            else:
                stack.pop()
                order.append(node)
    return order


def kahn(nodes: Iterable[T], children: Callable[[T], Iterable[T]],
         priority: Callable[[T], Any]) -> list[T]:
    """`nodes` ordered so each comes after its children among `nodes`; among nodes that are
    ready together, the smallest `priority` first (a deterministic order, e.g. creation)."""
    nodes = list(nodes)
    members = set(nodes)
    waiting = dict.fromkeys(nodes, 0)
    users: dict = {n: [] for n in nodes}
    for n in nodes:
        for c in set(children(n)):
            if c in members:
                waiting[n] += 1
                users[c].append(n)
    ties = itertools.count()  # never compare two nodes themselves
    heap = [(priority(n), next(ties), n) for n in nodes if waiting[n] == 0]
    heapq.heapify(heap)
    order: list[T] = []
    while heap:
        _, _, n = heapq.heappop(heap)
        order.append(n)
        for u in users[n]:
            waiting[u] -= 1
            if waiting[u] == 0:
                heapq.heappush(heap, (priority(u), next(ties), u))
    return order
