"""float16 parameters: the running square averages are PyTorch's float16 addcmul_, computed
in float32 and rounded once. Squared in float16, a gradient past 255.9 overflowed, so Adam's,
AdamW's, RMSprop's and Adagrad's square average became inf and that element stopped moving
for good (update m / inf = 0), and RMSprop's centred grad_avg**2 gave NaN. Gradients of
300-900: past float16's square, while the averages themselves stay inside its range (Adagrad's
plain sum of squares overflows its float16 state in PyTorch too). Oracle: the optimizers'
formulas in numpy float64 (PyTorch's documented algorithms)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg

LR, STEPS = 0.01, 6


def adam64(p, grads, amsgrad=False, decoupled=0.0):
    m = v = vmax = np.zeros_like(p)
    for t, g in enumerate(grads, 1):
        p = p * (1 - LR * decoupled)
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        vmax = np.maximum(vmax, v) if amsgrad else v
        p = p - LR / (1 - 0.9 ** t) * m / (np.sqrt(vmax / (1 - 0.999 ** t)) + 1e-8)
    return p


def rmsprop64(p, grads, centered=False, momentum=0.0):
    sq = avg = buf = np.zeros_like(p)
    for g in grads:
        sq = 0.99 * sq + 0.01 * g * g
        avg = 0.99 * avg + 0.01 * g
        denom = np.sqrt(sq - avg * avg if centered else sq) + 1e-8
        buf = momentum * buf + g / denom
        p = p - LR * (buf if momentum else g / denom)
    return p


CASES = {
    "Adam": (lambda ps: dg.optim.Adam(ps, lr=LR), adam64),
    "Adam amsgrad": (lambda ps: dg.optim.Adam(ps, lr=LR, amsgrad=True), lambda p, g: adam64(p, g, True)),
    "AdamW": (lambda ps: dg.optim.AdamW(ps, lr=LR), lambda p, g: adam64(p, g, decoupled=0.01)),
    "RMSprop": (lambda ps: dg.optim.RMSprop(ps, lr=LR), rmsprop64),
    "RMSprop centered momentum": (lambda ps: dg.optim.RMSprop(ps, lr=LR, centered=True, momentum=0.5),
                                  lambda p, g: rmsprop64(p, g, True, 0.5)),
}


@pytest.mark.parametrize("name", sorted(CASES))
@settings(max_examples=4, deadline=None)
@given(size=st.floats(300.0, 900.0), seed=st.integers(0, 2**16))
def test_float16_params_with_large_gradients_follow_the_float64_rule(name, size, seed):
    make, rule = CASES[name]
    rng = np.random.default_rng(seed)
    start = rng.uniform(-2, 2, 8).astype(np.float16)
    grads = [(rng.uniform(0.5, 1.0, 8) * size * rng.choice([-1, 1], 8)).astype(np.float16)
             for _ in range(STEPS)]
    p = dg.nn.Parameter(dg.tensor(start))
    opt = make([p])
    for g in grads:
        p.grad = dg.tensor(g)
        opt.step()
    assert p.dtype is dg.float16
    got = p.detach().numpy().astype(np.float64)
    expected = rule(start.astype(np.float64), [g.astype(np.float64) for g in grads])
    assert np.isfinite(got).all()
    # float16 rounds the parameter each step (2**-10 at 1..2): a frozen element is 0.06 off
    np.testing.assert_allclose(got, expected, rtol=0, atol=6e-3)
