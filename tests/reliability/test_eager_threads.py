"""Eager autograd from several threads: independent graphs give correct gradients, and grad
mode is per thread, as in PyTorch."""
from __future__ import annotations

import threading

import numpy as np

import dualgrad as dg

from .report import report

THREADS = 8
STEPS = 200


def test_backward_on_independent_graphs_from_threads():
    errors: list = []

    def work(seed: int) -> None:
        rng = np.random.default_rng(seed)
        for _ in range(STEPS):
            a = rng.standard_normal(5)
            x = dg.tensor(a, requires_grad=True)
            (x.sin() * x).sum().backward()
            expected = np.cos(a) * a + np.sin(a)
            if not np.allclose(x.grad.numpy(), expected):
                errors.append((seed, x.grad.numpy(), expected))

    threads = [threading.Thread(target=work, args=(s,)) for s in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    report("eager backward from threads", f"{THREADS} threads x {STEPS} backwards, 0 wrong gradients")


def test_grad_mode_is_per_thread():
    inside = threading.Event()
    release = threading.Event()
    seen: dict = {}

    def no_grad_thread() -> None:
        with dg.no_grad():
            seen["other"] = dg.is_grad_enabled()
            inside.set()
            release.wait(5)

    t = threading.Thread(target=no_grad_thread)
    t.start()
    inside.wait(5)
    x = dg.ones(2, requires_grad=True)
    y = x * 2
    release.set()
    t.join()
    assert seen["other"] is False
    assert dg.is_grad_enabled() and y.requires_grad and y.grad_fn is not None


def test_concurrent_backward_into_one_large_leaf_loses_no_update():
    """numpy releases the GIL inside a large in-place add: without the engine's accumulation
    lock, threads adding into one 100,000-element `.grad` lose updates (and two first
    backwards can both see `.grad is None`). Every element must end at exactly the count."""
    n, rounds, steps = 100_000, 3, 40
    w = dg.zeros(n, requires_grad=True)
    c = dg.ones(n)
    for _ in range(rounds):
        start = threading.Barrier(THREADS)

        def work(barrier: threading.Barrier) -> None:
            barrier.wait(5)
            for _ in range(steps):
                (w * c).sum().backward()

        threads = [threading.Thread(target=work, args=(start,)) for _ in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    expected = float(rounds * THREADS * steps)  # exact in float32
    got = w.grad.numpy()
    short = int(np.count_nonzero(got != expected))
    assert short == 0, f"{short} of {n} elements lost updates (min {got.min()}, expected {expected})"
    report("concurrent accumulation into one leaf",
           f"{THREADS} threads x {rounds * steps} backwards into a {n:,}-element leaf, 0 lost updates")
