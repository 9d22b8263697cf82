"""MomentumOptimizer on a variable read through gathers updates only the gathered rows, as
TF1's sparse_apply_momentum does with the IndexedSlices gradient of tf.gather (found by a
differential run against tf.compat.v1 2.21: every row moved, the others by their decaying
momentum). Oracle: TF1's sparse kernel written in numpy float64 (accum[i] = mu * accum[i] +
g[i]; var[i] -= lr * accum[i], or lr * (g[i] + mu * accum[i]) with Nesterov, for the unique
gathered rows i, duplicates summed); any other use of the variable makes the update dense."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad.static as ds

E0 = np.random.default_rng(4).normal(size=(5, 2))
LR, MU = 0.125, 0.875


def reference(batches, nesterov: bool, dense_extra: float = 0.0):
    e, accum = E0.copy(), np.zeros_like(E0)
    for ids in batches:
        g = np.zeros_like(e)
        np.add.at(g, ids, 2 * (e[ids] - 1.0))
        g[:, 0] += dense_extra  # d/de of dense_extra * sum(e[:, 0])
        rows = np.unique(ids) if not dense_extra else np.arange(len(e))
        accum[rows] = MU * accum[rows] + g[rows]
        e[rows] -= LR * (g[rows] + MU * accum[rows] if nesterov else accum[rows])
    return e, accum


def train(batches, nesterov: bool, backend: str, dense_extra: float = 0.0):
    ds.reset_default_graph()
    e = ds.Variable(E0)
    ids = ds.placeholder(ds.int32, [None])
    loss = ds.reduce_sum(ds.square(ds.nn.embedding_lookup(e, ids) - 1.0))
    if dense_extra:
        loss = loss + dense_extra * ds.reduce_sum(e[:, 0])
    opt = ds.train.MomentumOptimizer(LR, MU, use_nesterov=nesterov)
    step = opt.minimize(loss)
    with ds.Session(backend=backend) as sess:
        sess.run(ds.global_variables_initializer())
        for b in batches:
            sess.run(step, {ids: b})
        return sess.run([e, opt.get_slot(e, "momentum")])


BATCHES = st.lists(st.lists(st.integers(0, 4), min_size=1, max_size=4), min_size=1, max_size=4)


@settings(max_examples=15, deadline=None)
@given(batches=BATCHES, nesterov=st.booleans(), backend=st.sampled_from(["numpy", "jax"]))
def test_momentum_moves_only_the_gathered_rows(batches, nesterov, backend):
    got = train(batches, nesterov, backend)
    for g, want in zip(got, reference(batches, nesterov), strict=True):
        np.testing.assert_allclose(g, want, rtol=1e-12, atol=1e-14)


def test_a_dense_use_of_the_variable_makes_the_update_dense(backend):
    batches = [[0, 1], [2, 2], [0]]
    got = train(batches, False, backend, dense_extra=0.5)
    for g, want in zip(got, reference(batches, False, dense_extra=0.5), strict=True):
        np.testing.assert_allclose(g, want, rtol=1e-12, atol=1e-14)
