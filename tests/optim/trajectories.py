"""The harness the update-rule tests share (NAdam/RAdam, Adamax/Adadelta, Rprop/ASGD): a
nonconvex least-squares loss with its gradient in closed form, an optimizer's run against its
equations written out in numpy float64, a float32 run resumed from its state_dict, and a
compiled step against the eager one."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

import dualgrad as dg
from dualgrad import optim
from dualgrad.testing import assert_close

STEPS = 30


class Problem:
    """0.5 |A w - Y|^2 + 0.1 sum(sin(3 w)) from a seed, in dualgrad and in numpy."""

    def __init__(self, seed: int) -> None:
        rng = np.random.default_rng(seed)
        self.A, self.Y = rng.standard_normal((6, 4)), rng.standard_normal((6, 3))
        self.W0 = rng.standard_normal((4, 3)) * 0.5

    def loss_dg(self, w: dg.Tensor) -> dg.Tensor:
        r = dg.matmul(dg.tensor(self.A, dtype=w.dtype), w) - dg.tensor(self.Y, dtype=w.dtype)
        return (r * r).sum() * 0.5 + (dg.sin(w * 3.0)).sum() * 0.1

    def grad_np(self, w: np.ndarray) -> np.ndarray:
        return self.A.T @ (self.A @ w - self.Y) + 0.3 * np.cos(3 * w)


def follow(problem: Problem, name: str, ref: Callable, kwargs: dict, each_step: Callable | None = None):
    """(the optimizer, its parameter, the reference's state) after STEPS steps of optim.`name`
    on `problem`, its parameter checked against `ref(p, g, state, t, **kwargs)` after each;
    `each_step(w, p, state)` runs before each step's check."""
    w = dg.tensor(problem.W0.copy(), requires_grad=True)
    opt = getattr(optim, name)([w], **kwargs)
    p, s = problem.W0.copy(), {}
    for t in range(1, STEPS + 1):
        opt.zero_grad()
        problem.loss_dg(w).backward()
        if each_step is not None:
            each_step(w, p, s)
        opt.step()
        p = ref(p, problem.grad_np(p), s, t, **kwargs)
        assert_close(w.detach().numpy(), p, rtol=1e-11, atol=1e-12)
    assert np.abs(p - problem.W0).max() > 1e-3  # (it moved)
    return opt, w, s


def resumed_float32(problem: Problem, name: str, kwargs: dict) -> tuple:
    """(the float32 parameter and optimizer after 4 steps, a twin resumed from the state_dict
    after 3): the parameters must be equal, bit for bit."""
    w = dg.tensor(problem.W0.astype(np.float32), requires_grad=True)
    opt = getattr(optim, name)([w], **kwargs)
    for _ in range(3):
        opt.zero_grad()
        problem.loss_dg(w).backward()
        opt.step()
    assert w.dtype == dg.float32 and all(v.dtype == dg.float32 for v in opt.state[w].values())
    twin = dg.tensor(w.detach().numpy().copy(), requires_grad=True)
    resumed = getattr(optim, name)([twin], **kwargs)
    resumed.load_state_dict(opt.state_dict())
    for o, q in ((opt, w), (resumed, twin)):
        o.zero_grad()
        problem.loss_dg(q).backward()
        o.step()
    assert_close(twin.detach().numpy(), w.detach().numpy(), rtol=0, atol=0)
    return (w, opt), (twin, resumed)


def compiled_and_eager(problem: Problem, name: str, kwargs: dict, steps: int = 5) -> tuple:
    """((parameter, state arrays) after `steps` dg.compile'd steps, the same eagerly)."""
    def run(compiled: bool):
        w = dg.tensor(problem.W0.copy(), requires_grad=True)
        opt = getattr(optim, name)([w], **kwargs)

        def step():
            opt.zero_grad()
            loss = problem.loss_dg(w)
            loss.backward()
            opt.step()
            return loss

        f = dg.compile(step, backend="numpy") if compiled else step
        for _ in range(steps):
            f()
        return w.detach().numpy(), {k: v.numpy() for k, v in opt.state[w].items()}

    return run(True), run(False)


def against_torch(torch, name: str, kwargs: dict, x0: np.ndarray, steps: int = 20) -> tuple:
    """(dualgrad's, torch's) optimizers and parameters after `steps` steps of optim.`name` from
    `x0` on 0.5 sum(q^2) + 0.1 sum(q^3), torch being the optional oracle."""
    ours = dg.tensor(x0.copy(), requires_grad=True)
    theirs = torch.tensor(x0.copy(), requires_grad=True)
    opts = getattr(optim, name)([ours], **kwargs), getattr(torch.optim, name)([theirs], **kwargs)
    for _ in range(steps):
        for o, q in zip(opts, (ours, theirs), strict=True):
            o.zero_grad()
            ((q * q).sum() * 0.5 + (q * q * q).sum() * 0.1).backward()
            o.step()
    return opts, (ours, theirs)
