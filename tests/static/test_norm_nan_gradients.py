"""A NaN inside a norm or a standard deviation makes the whole gradient NaN, eager and static
(`ops.composite._where_positive`): found by a differential run of `ds.math.reduce_euclidean_norm`
against tf.compat.v1, whose gradient for [1, NaN] was [2, NaN] (the masked branch that gives
a zero norm its zero gradient caught the NaN too, and passed 2x on). Oracle: the
derivatives written out in numpy float64, sign(x) abs(x)^(p-1) / norm^(p-1) and
(x - mean) / ((n - 1) std), which mask nothing (the arrays drawn have no zero norm); PyTorch's
norm_backward and std_backward give the same NaNs and infinities."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
import dualgrad.static as ds

# finite values on a grid of 1/64: two of them are equal or 1/64 apart, never an ulp apart,
# where (x - mean) is all rounding and the oracle's and PyTorch's (0, 1) differ from any
# other rounding's (dualgrad's (-0.5, 0.5) for [-4, -4 + 4e-16]; exactly, +-0.71)
GRID = st.integers(16, 256).map(lambda k: k / 64)
VALUES = st.lists(st.one_of(GRID, GRID.map(lambda v: -v), st.just(np.nan), st.just(np.inf)),
                  min_size=2, max_size=6)
ORDERS = st.sampled_from([2, 3, 0.5, "std"])
STATIC_ORDERS = st.sampled_from([2, "std"])


def oracle(x, order):
    with np.errstate(all="ignore"):
        if order == "std":
            if np.all(np.isfinite(x)) and np.all(x == x[0]):  # PyTorch's std_backward masks it to 0
                return np.zeros_like(x)
            return (x - np.mean(x)) / ((len(x) - 1) * np.std(x, ddof=1))
        norm = np.sum(np.abs(x) ** order) ** (1.0 / order)
        return np.sign(x) * np.abs(x) ** (order - 1) / norm ** (order - 1)


@settings(max_examples=60, deadline=None)
@given(values=VALUES, order=ORDERS)
def test_eager_norm_and_std_gradients_at_nan_and_inf(values, order):
    x = np.array(values)
    t = dg.tensor(x, requires_grad=True)
    (t.std() if order == "std" else dg.linalg.vector_norm(t, order)).backward()
    np.testing.assert_allclose(t.grad.numpy(), oracle(x, order), rtol=1e-9, equal_nan=True)


@settings(max_examples=12, deadline=None)
@given(values=VALUES, order=STATIC_ORDERS, backend=st.sampled_from(["numpy", "jax"]))
def test_static_norm_gradients_at_nan_and_inf(values, order, backend):
    x = np.array(values)
    ds.reset_default_graph()
    p = ds.placeholder(ds.float64, [None])
    if order == "std":
        y = ds.math.reduce_std(p) * np.sqrt(len(x) / (len(x) - 1))  # TF's std has ddof 0
    else:
        y = ds.math.reduce_euclidean_norm(p)
    g, = ds.gradients(y, p)
    with ds.Session(backend=backend) as sess:
        got = sess.run(g, {p: x})
    np.testing.assert_allclose(got, oracle(x, order), rtol=1e-9, equal_nan=True)
