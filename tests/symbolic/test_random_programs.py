"""Random small programs: `check` agrees with the engine on whatever hypothesis composes."""
from __future__ import annotations

import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dualgrad as dg
from dualgrad import symbolic

UNARY = {
    "sin": (dg.sin, sp.sin),
    "tanh": (dg.tanh, sp.tanh),
    "exp_half": (lambda t: dg.exp(0.5 * t), lambda s: sp.exp(s / 2)),
    "square": (lambda t: t * t, lambda s: s * s),
    "sigmoid": (dg.sigmoid, lambda s: 1 / (1 + sp.exp(-s))),
}


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=st.lists(st.sampled_from(sorted(UNARY)), min_size=1, max_size=4),
       x0=st.floats(-1.5, 1.5), reduce_mean=st.booleans())
def test_random_unary_chains(ops, x0, reduce_mean):
    x = dg.tensor([x0, x0 + 0.3], dtype=dg.float64, requires_grad=True, name="x")
    s = sp.Symbol("x", real=True)
    y, form = x, s
    for name in ops:
        f, g = UNARY[name]
        y, form = f(y), g(form)
    if not reduce_mean:  # elementwise: the gradient is the scalar derivative
        assert sp.simplify(symbolic.grad(y, x) - sp.diff(form, s)) == 0
    loss = y.mean() if reduce_mean else y.sum()
    report = symbolic.check(loss, [x], budget=5)
    assert report.ok, report
