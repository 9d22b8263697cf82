"""ds.train.AdagradOptimizer and RMSPropOptimizer against TF1's update rules written in numpy
float64 (tf.compat.v1's training_ops: ApplyAdagrad, ApplyRMSProp, ApplyCenteredRMSProp and
their sparse forms); a differential run against tf.compat.v1 2.21 matched them too (float32,
and float64 with hyperparameters exact in float32)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad.static as ds
from dualgrad.static.convert import ArgumentError

W0 = np.random.default_rng(8).normal(size=(4, 2))
TARGET = np.random.default_rng(9).normal(size=(4, 2))


def grad(w):  # of sum((w - target)^3 / 3 + w^2)
    return (w - TARGET) ** 2 + 2 * w


def run(opt, steps, backend, rows=None):
    ds.reset_default_graph()
    w = ds.Variable(W0)
    if rows is None:
        target = ds.constant(TARGET)
        loss = ds.reduce_sum(ds.pow(w - target, 3) / 3 + ds.square(w))
        feeds = [{}] * steps
    else:
        ids = ds.placeholder(ds.int32, [None])
        picked = ds.gather(w, ids)
        loss = ds.reduce_sum(ds.pow(picked - ds.gather(ds.constant(TARGET), ids), 3) / 3 + ds.square(picked))
        feeds = [{ids: r} for r in rows]
    step = opt().minimize(loss)
    with ds.Session(backend=backend) as sess:
        sess.run(ds.global_variables_initializer())
        for f in feeds:
            sess.run(step, f)
        return sess.run(w)


def adagrad_reference(lr, initial, steps):
    w, accum = W0.copy(), np.full_like(W0, initial)
    for _ in range(steps):
        g = grad(w)
        accum += g * g
        w -= lr * g / np.sqrt(accum)
    return w


def rmsprop_reference(lr, decay, momentum, eps, centered, batches):
    w, ms, mg, mom = W0.copy(), np.ones_like(W0), np.zeros_like(W0), np.zeros_like(W0)
    for rows in batches:
        g = np.zeros_like(w)
        live = np.arange(len(w)) if rows is None else np.unique(rows)
        g[live] = grad(w)[live] * (1 if rows is None else np.bincount(rows, minlength=len(w))[live, None])
        ms[live] = decay * ms[live] + (1 - decay) * g[live] ** 2
        denominator = ms[live]
        if centered:
            mg[live] = decay * mg[live] + (1 - decay) * g[live]
            denominator = ms[live] - mg[live] ** 2
        mom[live] = momentum * mom[live] + lr * g[live] / np.sqrt(denominator + eps)
        w[live] -= mom[live]
    return w


@settings(max_examples=5, deadline=None)
@given(lr=st.sampled_from([0.05, 0.3]), initial=st.sampled_from([0.1, 2.0]), steps=st.integers(1, 4),
       backend=st.sampled_from(["numpy", "jax"]))
def test_adagrad_follows_tf1(lr, initial, steps, backend):
    got = run(lambda: ds.train.AdagradOptimizer(lr, initial_accumulator_value=initial), steps, backend)
    np.testing.assert_allclose(got, adagrad_reference(lr, initial, steps), rtol=1e-12)


@settings(max_examples=6, deadline=None)
@given(decay=st.sampled_from([0.9, 0.5]), momentum=st.sampled_from([0.0, 0.7]), centered=st.booleans(),
       sparse=st.booleans(), backend=st.sampled_from(["numpy", "jax"]))
def test_rmsprop_follows_tf1_dense_and_sparse(decay, momentum, centered, sparse, backend):
    rows = [[0, 1], [2, 2], [0, 3]] if sparse else None
    batches = rows if sparse else [None] * 3
    opt = lambda: ds.train.RMSPropOptimizer(0.01, decay=decay, momentum=momentum, epsilon=1e-6,  # noqa: E731
                                            centered=centered)
    got = run(opt, 3, backend, rows)
    want = rmsprop_reference(0.01, decay, momentum, 1e-6, centered, batches)
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_slots_and_refusals():
    w = ds.Variable(W0, name="w")
    rms = ds.train.RMSPropOptimizer(0.1, centered=True)
    rms.minimize(ds.reduce_sum(w))
    ada = ds.train.AdagradOptimizer(0.1)
    ada.minimize(ds.reduce_sum(w))
    assert rms.get_slot_names() == ["mg", "momentum", "rms"] and ada.get_slot_names() == ["accumulator"]
    assert [v.name for v in ds.global_variables()] == ["w:0", "w/RMSProp:0", "w/RMSProp_1:0", "w/RMSProp_2:0",
                                                       "w/Adagrad:0"]
    with pytest.raises(ArgumentError, match="initial_accumulator_value must be positive: 0"):
        ds.train.AdagradOptimizer(0.1, initial_accumulator_value=0)
