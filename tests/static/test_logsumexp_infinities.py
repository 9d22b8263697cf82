"""ds.reduce_logsumexp (the registry's logsumexp composition) where the max is infinite: all -inf
gave NaN (TF1 and PyTorch: log(0) = -inf) and a +inf gave NaN (TF1 and PyTorch: +inf); found by
a differential run against tf.compat.v1 2.21. Oracle: math.fsum in Python floats."""
from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad.static as ds

ELEMENT = st.one_of(st.sampled_from([-math.inf, math.inf]), st.floats(-30, 30))
ROWS = st.lists(st.lists(ELEMENT, min_size=3, max_size=3), min_size=1, max_size=4)


def reference(row: list[float]) -> float:
    if math.inf in row:
        return math.inf
    finite = [v for v in row if v != -math.inf]
    if not finite:
        return -math.inf
    top = max(finite)
    return top + math.log(math.fsum(math.exp(v - top) for v in finite))


@settings(max_examples=12, deadline=None)
@given(rows=ROWS, backend=st.sampled_from(["numpy", "jax"]))
def test_logsumexp_with_infinite_elements_matches_the_math(rows, backend):
    ds.reset_default_graph()
    x = ds.placeholder(ds.float64, [None, 3])
    y = ds.reduce_logsumexp(x, axis=1)
    with ds.Session(backend=backend) as sess, np.errstate(all="ignore"):
        got = sess.run(y, {x: np.array(rows)})
    # top + log(sum) cancels where the result is near 0: its error is absolute (|top| * eps)
    np.testing.assert_allclose(got, [reference(r) for r in rows], rtol=1e-12, atol=1e-13)


def test_logsumexp_gradient_is_the_softmax_when_finite(backend):
    xv = np.array([[-math.inf, 0.0, 1.0], [2.0, 2.0, -1.0]])
    x = ds.Variable(xv)
    (g,) = ds.gradients(ds.reduce_sum(ds.reduce_logsumexp(x, axis=1)), [x])
    with ds.Session(backend=backend) as sess:
        sess.run(ds.global_variables_initializer())
        got = sess.run(g)
    e = np.exp(xv - xv.max(1, keepdims=True))
    np.testing.assert_allclose(got, e / e.sum(1, keepdims=True), rtol=1e-12)
