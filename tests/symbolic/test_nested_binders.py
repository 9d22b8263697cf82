"""Closed forms whose sums and products nest: each binder keeps its own index.

Three ways a nested form went wrong without an error: sympy folded a `Piecewise` (a stacked
array, `where`) out of an inner `Product` that used the Product's own index, when the Product
was the body of a `Sum` (`stack([x, y], 1).prod(1).sum()` read `Piecewise((Product(x, ...),
Eq(p0, 0)), ...)`, with `p0` free); `prod`, `cumprod` and `cumsum` named their index by the
rank (`p0`, `c2`), so one nested in another of its kind captured the outer index
(`x.cumprod(0).cumprod(1)`); and printing renamed the indices past the 17th nesting level all
alike. The oracle is numpy float64 on the same arrays, through `symbolic.lambdify`.
"""
from __future__ import annotations

import os

import numpy as np
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dualgrad as dg
from dualgrad import symbolic
from dualgrad.symbolic.canonical import tidy_indices

# (dualgrad step, numpy step): each keeps a 2-d (rows, cols) array, so any chain composes
STEPS = {
    "prod0": (lambda t: t.prod(0, keepdim=True), lambda a: a.prod(0, keepdims=True)),
    "prod1": (lambda t: t.prod(1, keepdim=True), lambda a: a.prod(1, keepdims=True)),
    "cumprod0": (lambda t: t.cumprod(0), lambda a: a.cumprod(0)),
    "cumprod1": (lambda t: t.cumprod(1), lambda a: a.cumprod(1)),
    "cumsum0": (lambda t: t.cumsum(0), lambda a: a.cumsum(0)),
    "cumsum1": (lambda t: t.cumsum(1), lambda a: a.cumsum(1)),
    "sum1": (lambda t: t.sum(1, keepdim=True), lambda a: a.sum(1, keepdims=True)),
    "stack_prod": (lambda t: dg.stack([t, t * 0.5 + 1], 1).prod(1),
                   lambda a: np.stack([a, a * 0.5 + 1], 1).prod(1)),
    "where": (lambda t: dg.where(t > 1, t, t * t), lambda a: np.where(a > 1, a, a * a)),
}


def closed_form_value(out, **inputs) -> np.ndarray:
    return np.asarray(symbolic.lambdify(symbolic.expr(out, budget=30))(**inputs), dtype=np.float64)


@settings(max_examples=int(os.environ.get("NESTED_EXAMPLES", 8)), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(st.sampled_from(sorted(STEPS)), min_size=2, max_size=3),
       seed=st.integers(0, 2**16))
def test_nested_reductions_evaluate_to_numpys_numbers(steps, seed):
    a = np.random.default_rng(seed).uniform(0.5, 1.5, (2, 3))
    x = dg.tensor(a, dtype=dg.float64, requires_grad=True, name="x")
    y, expected = x, a
    for name in steps:
        step, numpy_step = STEPS[name]
        y, expected = step(y), numpy_step(expected)
    total = y.sum()
    assert np.isclose(closed_form_value(total, x=a), expected.sum(), rtol=1e-10), steps
    report = symbolic.check(total, [x], budget=20)
    assert report.ok, (steps, report)


def test_stacked_product_summed_keeps_its_index_bound():
    a, b = np.array([[0.5, 1.5, -2.0], [1.1, 0.3, 0.7]]), np.array([[2.0, -1.0, 0.4], [0.9, 1.3, -0.6]])
    x = dg.tensor(a, requires_grad=True, name="x")
    y = dg.tensor(b, requires_grad=True, name="y")
    loss = dg.stack([x, y], 1).prod(1).sum()
    form = symbolic.expr(loss)
    product = next(iter(form.atoms(sp.Product)))
    index = product.limits[0][0]
    assert index not in form.free_symbols
    assert np.isclose(closed_form_value(loss, x=a, y=b), (a * b).sum(), rtol=1e-12)
    report = symbolic.check(loss)
    assert report.ok and not report.failed, report


def test_printed_indices_stay_distinct_however_deep():
    indices = [sp.Symbol(f"z{k}", integer=True) for k in range(20)]
    # a leaf named like a fallback index name must stay free
    x, leaf = sp.IndexedBase("x"), sp.Symbol("i0", real=True)
    tidy = tidy_indices(sp.Sum(x[tuple(indices)] * leaf, *[(v, 0, 1) for v in indices]))
    names = [var.name for var, *_ in tidy.limits]
    assert len(set(names)) == 20 and "i0" not in names
    assert leaf in tidy.free_symbols


def test_a_condition_on_a_sum_keeps_its_index_bound():
    """sympy folded `where(s > 2, ...)` of a row sum `s` into conditions on the sum's body,
    leaving the sum's index free (`missing inputs: i0` at best)."""
    a = np.random.default_rng(0).uniform(0.5, 1.5, (2, 3))
    x = dg.tensor(a, dtype=dg.float64, requires_grad=True, name="x")
    s = dg.where(x > 1, x, x * x).sum(1)
    s = dg.where(s > 2, s, s * s)
    loss = dg.where(s > 1, s, s * s).sum()
    rows = np.where(a > 1, a, a * a).sum(1)
    rows = np.where(rows > 2, rows, rows * rows)
    assert np.isclose(closed_form_value(loss, x=a), np.where(rows > 1, rows, rows * rows).sum(), rtol=1e-12)
    assert symbolic.check(loss).ok


def test_a_cumulative_sum_summed_over_its_axis():
    """The sum over a cumsum's axis bounds the cumsum's inner sum (`(i, 0, r), (r, 0, 1)`):
    tidying counted it as a sum of equal terms (`2*Sum(x[i, p], (i, 0, r))`, `r` free), and
    printing renamed `r` without its use in the inner bound."""
    for shape in ((2, 3), (1, 3), (3, 1)):
        a = np.random.default_rng(1).uniform(0.5, 1.5, shape)
        x = dg.tensor(a, dtype=dg.float64, requires_grad=True, name="x")
        for loss, expected in ((x.cumsum(0).sum(), a.cumsum(0).sum()),
                               (x.cumsum(0).cumsum(0).sum(), a.cumsum(0).cumsum(0).sum()),
                               (x.cumprod(0).cumsum(0).sum(), a.cumprod(0).cumsum(0).sum())):
            form = symbolic.expr(loss)
            assert {s.name for s in form.free_symbols if isinstance(s, sp.Symbol)} == {"x"}, form
            assert np.isclose(closed_form_value(loss, x=a), expected, rtol=1e-12), (shape, form)
