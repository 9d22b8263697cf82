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
