"""A step that reads its optimizer's lr as a Python number (a branch on it, a format) cannot
take the lr fed: dg.compile traces it again with the lr (and momentum, betas) as guards, as
before they were fed, instead of running it eagerly. The branch is then decided per lr value:
a new value traces again and takes the other branch where eager does."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad as dg
from dualgrad import nn, optim

from .steps import mse_step, quietly, same

RNG = np.random.default_rng(9)
X = RNG.standard_normal((5, 4)).astype(np.float32)
Y = RNG.standard_normal((5, 2)).astype(np.float32)
RATES = [0.1, 0.1, 0.01, 0.01, 0.2]


def train(backend: str | None, reads: str):
    dg.manual_seed(4)
    model = nn.Linear(4, 2)
    opt = optim.SGD(model.parameters(), lr=RATES[0], momentum=0.9)

    def step(x, y):
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        lr = opt.param_groups[0]["lr"]
        if reads == "branch":
            if lr > 0.05:  # a warm-up rule written on the Python number
                opt.step()
        else:
            label = f"lr={lr:.3f}"  # (a progress line: the number formatted)
            assert label.startswith("lr=")
            opt.step()
        return loss

    f = dg.compile(step, backend=backend) if backend else step
    losses = []
    for lr in RATES:
        opt.param_groups[0]["lr"] = lr
        losses.append(quietly(f, dg.tensor(X), dg.tensor(Y)))
    return losses, list(model.parameters()), f


@pytest.mark.parametrize("backend", ["numpy", "jax"])
@pytest.mark.parametrize("reads", ["branch", "format"])
def test_a_step_reading_its_lr_is_traced_with_the_lr_guarded(reads, backend):
    eager_losses, eager_params, _ = train(None, reads)
    losses, params, f = train(backend, reads)
    for a, b in zip(losses + params, eager_losses + eager_params, strict=True):
        same(a, b, backend)
    assert f.feeds_hyperparameters is False
    # one program per lr value the step saw (and one for the first call, without .grad)
    assert 1 <= len(f.programs) <= len(set(RATES)) + 1


def test_a_step_not_reading_its_lr_keeps_it_fed():
    dg.manual_seed(4)
    model = nn.Linear(4, 2)
    opt = optim.SGD(model.parameters(), lr=0.1)
    f = dg.compile(mse_step(model, opt), backend="numpy")
    for lr in RATES:
        opt.param_groups[0]["lr"] = lr
        quietly(f, dg.tensor(X), dg.tensor(Y))
    assert f.feeds_hyperparameters is True and len(f.programs) == 2
