"""Each leaf's `.grad` is a storage of its own in a compiled step, as eagerly: leaves given the
same gradient (`(a + b) * x`: add's backward hands both the same one) and an in-place write
into one `.grad` (`a.grad.mul_(0.5)`, `clip_grad_norm_`, `p.grad.data.clamp_()`) leave the
others alone. Before, the trace's leaves shared one graph value, so the write reached both
(b's update halved too); a `.grad` made by a view op refused the write and the step ran
eagerly (so `clip_grad_norm_` never compiled). Oracle: the same steps run eagerly."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
from dualgrad import nn, optim

from .steps import quietly, runs_agree, same, same_tensors

WRITES = {
    "mul_": lambda g: g.mul_(0.5), "div_": lambda g: g.div_(4.0), "clamp_": lambda g: g.clamp_(-0.5, 0.5),
    "zero_": lambda g: g.zero_(), "data clamp_": lambda g: g.data.clamp_(-0.25, 0.25),
    "add_": lambda g: g.add_(1.0),
}


def run(writes: list, backend: str | None):
    leaves = [dg.tensor([1.0, -2.0, 0.5], requires_grad=True) for _ in range(3)]

    def step(x):
        a, b, c = leaves
        loss = ((a + b) * x).sum() + (c * x).sum()  # (a and b: the same gradient)
        loss.backward()
        for i, name in writes:  # each leaf's own .grad, written in place
            WRITES[name](leaves[i].grad)
        with dg.no_grad():
            for p in leaves:
                p.sub_(0.1 * p.grad)
                p.grad = None
        return loss

    f = step if backend is None else dg.compile(step, backend=backend)
    losses = [quietly(f, dg.tensor([1.0, 2.0, -1.0]) * (i + 1)) for i in range(3)]
    return losses, leaves


def check(writes: list, backend: str) -> None:
    runs_agree(run, writes, backend)


@settings(max_examples=20, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2), st.sampled_from(sorted(WRITES))), min_size=1, max_size=3))
def test_a_write_into_one_leafs_grad_leaves_the_others_alone(writes):
    check(writes, "numpy")


def test_on_xla_too():
    check([(0, "mul_"), (2, "clamp_")], "jax")


def test_clip_grad_norm_compiles_with_the_eager_numbers():
    backend = "numpy"
    def run_loop(compiled: bool):
        dg.manual_seed(0)
        model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
        opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)

        def step(x, y):
            opt.zero_grad()
            loss = ((model(x) - y) ** 2).mean()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 0.1)
            opt.step()
            return loss

        f = dg.compile(step, backend=backend) if compiled else step
        rng = np.random.default_rng(0)
        losses = [quietly(f, dg.tensor(rng.standard_normal((5, 3)).astype(np.float32)),
                          dg.tensor(rng.standard_normal((5, 2)).astype(np.float32))) for _ in range(3)]
        return losses, model

    want, eager_model = run_loop(False)
    got, model = run_loop(True)  # (quietly: no fallback warning; before, it ran eagerly)
    for g, w in zip(got, want, strict=True):
        same(g, w, backend)
    same_tensors(model.parameters(), eager_model.parameters(), backend)
