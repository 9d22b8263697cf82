"""ds.train's ProximalGradientDescentOptimizer, ProximalAdagradOptimizer and AdagradDAOptimizer
against TF1's kernels' update equations (tensorflow/core/kernels/training_ops.cc:
ApplyProximalGradientDescent, ApplyProximalAdagrad, ApplyAdagradDA, and their sparse forms,
which touch only the gathered rows) written out in numpy float64, several steps on both
backends; TF1's slot names and argument errors; tf.compat.v1 as an extra check where installed."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad.static as ds
from dualgrad.static.convert import ArgumentError
from tests.static.test_train_adadelta_ftrl import SPARSE, TARGET, W0, batches, run


def prox(v, a, l1, l2):
    if l1 > 0:
        v = np.sign(v) * np.maximum(np.abs(v) - a * l1, 0)
    return v / (1 + a * l2)


def proximal_gd_reference(lr, l1, l2, steps, sparse):
    w = W0.copy()
    for g_of in batches(steps, sparse):
        g, live = g_of(w)
        w[live] = prox(w[live] - lr * g[live], lr, l1, l2)
    return w


def proximal_adagrad_reference(lr, initial, l1, l2, steps, sparse):
    w, accum = W0.copy(), np.full_like(W0, initial)
    for g_of in batches(steps, sparse):
        g, live = g_of(w)
        g = g[live]
        accum[live] += g * g
        a = lr / np.sqrt(accum[live])
        w[live] = prox(w[live] - a * g, a, l1, l2)
    return w


def adagrad_da_reference(lr, initial, l1, l2, steps, sparse):
    w, g_acc, gg_acc = W0.copy(), np.zeros_like(W0), np.full_like(W0, initial)
    for step, g_of in enumerate(batches(steps, sparse)):
        g, live = g_of(w)
        g = g[live]
        g_acc[live] += g
        gg_acc[live] += g * g
        t = step + 1  # the global step before this step's increment, plus one
        num = np.sign(g_acc[live]) * np.maximum(np.abs(g_acc[live]) - l1 * t, 0) if l1 > 0 else g_acc[live]
        w[live] = -lr * num / (l2 * t * lr + np.sqrt(gg_acc[live]))
    return w


def run_with_step(make, steps, backend, sparse=False, lib=ds, dtype=np.float64):
    """`run`, but minimize advances a global step the optimizer also reads (AdagradDA)."""
    lib.reset_default_graph()
    w = lib.Variable(W0.astype(dtype))
    step = lib.train.get_or_create_global_step()
    if sparse:
        ids = lib.placeholder(lib.int32, [None])
        picked = lib.gather(w, ids)
        loss = lib.reduce_sum(lib.pow(picked - lib.gather(lib.constant(TARGET.astype(dtype)), ids), 3) / 3
                              + lib.square(picked))
        feeds = [{ids: r} for r in SPARSE[:steps]]
    else:
        loss = lib.reduce_sum(lib.pow(w - lib.constant(TARGET.astype(dtype)), 3) / 3 + lib.square(w))
        feeds = [{}] * steps
    opt = make(lib, step)
    train = opt.minimize(loss, global_step=step)
    with (lib.Session(backend=backend) if lib is ds else lib.Session()) as sess:
        sess.run(lib.global_variables_initializer())
        for f in feeds:
            sess.run(train, f)
        return sess.run(w), opt, w


L1L2 = [(0.0, 0.0), (0.0, 0.2), (0.4, 0.1)]
RUNS = [("numpy", case, sparse) for case in range(len(L1L2)) for sparse in (False, True)]
RUNS += [("jax", 2, False), ("jax", 2, True)]


@pytest.mark.parametrize(("backend", "case", "sparse"), RUNS)
def test_proximal_gradient_descent_follows_tf1_kernel(backend, case, sparse):
    l1, l2 = L1L2[case]
    got, opt, _ = run(lambda lib: lib.train.ProximalGradientDescentOptimizer(
        0.2, l1_regularization_strength=l1, l2_regularization_strength=l2), 4, backend, sparse)
    np.testing.assert_allclose(got, proximal_gd_reference(0.2, l1, l2, 4, sparse), rtol=1e-13, atol=1e-15)
    assert opt.get_slot_names() == []


@pytest.mark.parametrize(("backend", "case", "sparse"), RUNS)
def test_proximal_adagrad_follows_tf1_kernel(backend, case, sparse):
    l1, l2 = L1L2[case]
    got, opt, w = run(lambda lib: lib.train.ProximalAdagradOptimizer(
        0.3, initial_accumulator_value=0.2, l1_regularization_strength=l1, l2_regularization_strength=l2),
        4, backend, sparse)
    np.testing.assert_allclose(got, proximal_adagrad_reference(0.3, 0.2, l1, l2, 4, sparse), rtol=1e-13,
                               atol=1e-15)
    assert opt.get_slot(w, "accumulator").op.name == "Variable/ProximalAdagrad"


@pytest.mark.parametrize(("backend", "case", "sparse"), RUNS)
def test_adagrad_da_follows_tf1_kernel(backend, case, sparse):
    l1, l2 = L1L2[case]
    got, opt, w = run_with_step(lambda lib, step: lib.train.AdagradDAOptimizer(
        0.3, step, initial_gradient_squared_accumulator_value=0.2, l1_regularization_strength=l1,
        l2_regularization_strength=l2), 4, backend, sparse)
    np.testing.assert_allclose(got, adagrad_da_reference(0.3, 0.2, l1, l2, 4, sparse), rtol=1e-13, atol=1e-15)
    assert [opt.get_slot(w, s).op.name for s in ("gradient_accumulator", "gradient_squared_accumulator")] \
        == ["Variable/AdagradDA", "Variable/AdagradDA_1"]


def test_argument_errors_are_tf1s():
    ds.reset_default_graph()
    step = ds.train.get_or_create_global_step()
    with pytest.raises(ArgumentError, match="initial_accumulator_value must be positive"):
        ds.train.ProximalAdagradOptimizer(0.1, initial_accumulator_value=0.0)
    with pytest.raises(ArgumentError, match="initial_gradient_squared_accumulator_value must be positive"):
        ds.train.AdagradDAOptimizer(0.1, step, initial_gradient_squared_accumulator_value=-1.0)
    with pytest.raises(ArgumentError, match="l1_regularization_strength"):
        ds.train.ProximalGradientDescentOptimizer(0.1, l1_regularization_strength=-0.5)
    with pytest.raises(TypeError, match="global_step"):
        ds.train.AdagradDAOptimizer(0.1, 3)


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("which", ["pgd", "padagrad", "da"])
def test_matches_tf1(tf, which, sparse):
    """tf.compat.v1's own optimizers, hyperparameters exact in float32 (TF1 keeps them as
    float32 tensors); float32 variables for the proximal ones, whose TF1 kernels refuse a
    float64 variable with Python-number hyperparameters."""
    make = {
        "pgd": lambda lib, step: lib.train.ProximalGradientDescentOptimizer(0.25, 0.375, 0.125),
        "padagrad": lambda lib, step: lib.train.ProximalAdagradOptimizer(0.25, 0.25, 0.375, 0.125),
        "da": lambda lib, step: lib.train.AdagradDAOptimizer(0.25, step, 0.25, 0.375, 0.125),
    }[which]
    dtype = np.float64 if which == "da" else np.float32
    ours, _, _ = run_with_step(make, 4, "numpy", sparse, dtype=dtype)
    theirs, _, _ = run_with_step(make, 4, None, sparse, lib=tf, dtype=dtype)
    tol = dict(rtol=1e-12, atol=1e-14) if which == "da" else dict(rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours, theirs, **tol)
