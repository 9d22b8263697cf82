"""The shared graph walks (dualgrad/traversal.py): every node once, children first, no
recursion limit, and Kahn's order with its tie-break."""
from __future__ import annotations

import random

from dualgrad.traversal import kahn, postorder


def _random_dag(n: int, seed: int) -> dict[int, list[int]]:
    rng = random.Random(seed)
    return {i: rng.sample(range(i), min(i, rng.randint(0, 3))) for i in range(n)}


def test_postorder_visits_each_reachable_node_once_after_its_children():
    for seed in range(20):
        dag = _random_dag(40, seed)
        roots = [39, 38, 20]
        order = postorder(roots, dag.__getitem__)
        reachable, stack = set(), list(roots)
        while stack:  # the oracle: plain reachability
            n = stack.pop()
            if n not in reachable:
                reachable.add(n)
                stack.extend(dag[n])
        assert sorted(order) == sorted(reachable)
        position = {n: i for i, n in enumerate(order)}
        assert all(position[c] < position[n] for n in order for c in dag[n])


def test_postorder_walks_a_chain_deeper_than_the_recursion_limit():
    n = 200_000
    order = postorder([n], lambda i: [i - 1] if i > 0 else [])
    assert order == list(range(n + 1))


def test_postorder_tells_nodes_apart_by_key():
    # equal keys are one node even when the objects differ
    order = postorder([("a", 1)], lambda t: [("b", 2), ("b", 3)] if t[0] == "a" else [], key=lambda t: t[0])
    assert order == [("b", 2), ("a", 1)]


def test_kahn_orders_children_first_and_breaks_ties_by_priority():
    dag = {0: [], 1: [], 2: [0], 3: [1, 0], 4: []}
    order = kahn([4, 3, 2, 1, 0], dag.__getitem__, priority=lambda n: n)
    assert order == [0, 1, 2, 3, 4]  # ready together: smallest first
    order = kahn([4, 3, 2, 1, 0], dag.__getitem__, priority=lambda n: -n)
    assert order == [4, 1, 0, 3, 2]
