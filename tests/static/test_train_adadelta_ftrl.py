"""ds.train.AdadeltaOptimizer and FtrlOptimizer against TF1's kernels' update equations
(tensorflow/core/kernels/training_ops.cc: ApplyAdadelta, ApplyFtrl, ApplyFtrlV2, and their
sparse forms, which touch only the gathered rows) written out in numpy float64, several steps
on both backends; TF1's slot names and argument errors; tf.compat.v1 2.21 as an extra check
where installed (it matched to the last bit in float64 with hyperparameters exact in float32)."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad.static as ds
from dualgrad.static.convert import ArgumentError

W0 = np.random.default_rng(18).normal(size=(4, 2))
TARGET = np.random.default_rng(19).normal(size=(4, 2))
SPARSE = [[0, 1], [2, 2], [0, 3], [1]]


def grad(w):  # of sum((w - target)^3 / 3 + w^2)
    return (w - TARGET) ** 2 + 2 * w


def run(make, steps, backend, sparse=False, lib=ds):
    lib.reset_default_graph()
    w = lib.Variable(W0)
    if sparse:
        ids = lib.placeholder(lib.int32, [None])
        picked = lib.gather(w, ids)
        near = picked - lib.gather(lib.constant(TARGET), ids)
        loss = lib.reduce_sum(lib.pow(near, 3) / 3 + lib.square(picked))
        feeds = [{ids: r} for r in SPARSE[:steps]]
    else:
        loss = lib.reduce_sum(lib.pow(w - lib.constant(TARGET), 3) / 3 + lib.square(w))
        feeds = [{}] * steps
    opt = make(lib)
    train = opt.minimize(loss)
    with (lib.Session(backend=backend) if lib is ds else lib.Session()) as sess:
        sess.run(lib.global_variables_initializer())
        for f in feeds:
            sess.run(train, f)
        return sess.run(w), opt, w


def batches(steps, sparse):
    """(gradient, rows it updates) per step, the gradient summed over repeated rows (TF1
    sums duplicate indices before its sparse kernels)."""
    for rows in (SPARSE[:steps] if sparse else [None] * steps):
        def g_of(w, rows=rows):
            if rows is None:
                return grad(w), np.arange(len(w))
            return grad(w) * np.bincount(rows, minlength=len(w))[:, None], np.unique(rows)
        yield g_of


# -- TF1's kernels, numpy float64 ------------------------------------------------------------------
def adadelta_reference(lr, rho, eps, steps, sparse):
    w, accum, accum_update = W0.copy(), np.zeros_like(W0), np.zeros_like(W0)
    for g_of in batches(steps, sparse):
        g, live = g_of(w)
        g = g[live]
        accum[live] = accum[live] * rho + g * g * (1 - rho)
        update = np.sqrt(accum_update[live] + eps) / np.sqrt(accum[live] + eps) * g
        w[live] -= update * lr
        accum_update[live] = accum_update[live] * rho + update * update * (1 - rho)
    return w


def ftrl_reference(lr, steps, sparse, lr_power=-0.5, initial=0.1, l1=0.0, l2=0.0, shrinkage=0.0, beta=0.0):
    w, accum, linear = W0.copy(), np.full_like(W0, initial), np.zeros_like(W0)
    l2 = l2 + beta / (2 * lr)  # TF1's FtrlOptimizer folds beta into l2
    for g_of in batches(steps, sparse):
        g, live = g_of(w)
        g, v, a = g[live], w[live], accum[live]
        g_shrunk = g + 2 * shrinkage * v  # ApplyFtrlV2 (g itself when shrinkage is 0)
        new_accum = a + g * g
        linear[live] += g_shrunk - (new_accum ** -lr_power - a ** -lr_power) / lr * v
        lin = linear[live]
        x = l1 * np.sign(lin) - lin
        y = new_accum ** -lr_power / lr + 2 * l2
        w[live] = np.where(np.abs(lin) > l1, x / y, 0.0)
        accum[live] = new_accum
    return w


@pytest.mark.parametrize(("backend", "sparse"), [("numpy", False), ("numpy", True), ("jax", True)])
def test_adadelta_follows_tf1_kernel(backend, sparse):
    got, opt, w = run(lambda lib: lib.train.AdadeltaOptimizer(0.5, rho=0.9, epsilon=1e-3), 4, backend, sparse)
    np.testing.assert_allclose(got, adadelta_reference(0.5, 0.9, 1e-3, 4, sparse), rtol=1e-13)
    assert [opt.get_slot(w, s).op.name for s in ("accum", "accum_update")] == ["Variable/Adadelta",
                                                                              "Variable/Adadelta_1"]


def test_adadelta_defaults_are_tf1s():
    got, _, _ = run(lambda lib: lib.train.AdadeltaOptimizer(), 3, "numpy")
    np.testing.assert_allclose(got, adadelta_reference(0.001, 0.95, 1e-8, 3, False), rtol=1e-13)


FTRL_CASES = [
    dict(),
    dict(lr_power=-0.3, l1=0.3, l2=0.1),  # the pow form, and L1 setting some weights to 0
    dict(l1=0.3, shrinkage=0.2, beta=0.5),  # ApplyFtrlV2, beta folded into l2
    dict(lr_power=0.0, initial=0.0),  # a fixed rate; accum starting at 0
]


# every case on numpy; jax (one compile per run, ~1.5 s each) for the V2 kernel and a sparse run
RUNS = [("numpy", case, sparse) for case in range(len(FTRL_CASES)) for sparse in (False, True)]
RUNS += [("jax", 2, False), ("jax", 1, True)]


@pytest.mark.parametrize(("backend", "case", "sparse"), RUNS)
def test_ftrl_follows_tf1_kernel(backend, case, sparse):
    kw = FTRL_CASES[case]

    def make(lib):
        return lib.train.FtrlOptimizer(
            0.3, learning_rate_power=kw.get("lr_power", -0.5),
            initial_accumulator_value=kw.get("initial", 0.1),
            l1_regularization_strength=kw.get("l1", 0.0), l2_regularization_strength=kw.get("l2", 0.0),
            l2_shrinkage_regularization_strength=kw.get("shrinkage", 0.0), beta=kw.get("beta"))

    got, opt, w = run(make, 4, backend, sparse)
    want = ftrl_reference(0.3, 4, sparse, **kw)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
    if kw.get("l1"):  # L1 zeroes the weights whose |linear| <= l1, exactly
        assert (want == 0).any()
        np.testing.assert_array_equal(got[want == 0], 0.0)
    assert [opt.get_slot(w, s).op.name for s in ("accum", "linear")] == ["Variable/Ftrl", "Variable/Ftrl_1"]


def test_ftrl_slot_names_and_a_decayed_rate_with_global_step(backend):
    step = ds.train.get_or_create_global_step()
    lr = ds.train.exponential_decay(ds.constant(0.3, dtype=ds.float64), step, 1, 0.5)
    w = ds.Variable(W0, name="w")
    opt = ds.train.FtrlOptimizer(lr, accum_name="acc", linear_name="lin")
    loss = ds.reduce_sum(ds.pow(w - ds.constant(TARGET), 3) / 3 + ds.square(w))
    train = opt.minimize(loss, global_step=step)
    assert [opt.get_slot(w, s).op.name for s in ("accum", "linear")] == ["w/acc", "w/lin"]
    with ds.Session(backend=backend) as sess:
        sess.run(ds.global_variables_initializer())
        for _ in range(3):
            sess.run(train)
        got, at = sess.run([w, step])
    # the rate halves each step: the reference with lr_t = 0.3 * 0.5^t
    v, accum, linear = W0.copy(), np.full_like(W0, 0.1), np.zeros_like(W0)
    for t in range(3):
        lr_t, g = 0.3 * 0.5 ** t, grad(v)
        new_accum = accum + g * g
        linear += g - (np.sqrt(new_accum) - np.sqrt(accum)) / lr_t * v
        v = -linear / (np.sqrt(new_accum) / lr_t)
        accum = new_accum
    np.testing.assert_allclose(got, v, rtol=1e-12)
    assert at == 3


def test_ftrl_argument_errors_are_tf1s():
    cases = ((dict(initial_accumulator_value=-0.1), "initial_accumulator_value -0.100000 needs to be "),
             (dict(learning_rate_power=0.5), "learning_rate_power 0.500000 needs to be negative or zero"),
             (dict(l1_regularization_strength=-1), "l1_regularization_strength -1.000000 needs"),
             (dict(l2_regularization_strength=-1), "l2_regularization_strength -1.000000 needs"),
             (dict(l2_shrinkage_regularization_strength=-1), "l2_shrinkage_regularization_strength"))
    for kw, message in cases:
        with pytest.raises(ArgumentError, match="FtrlOptimizer: " + message):
            ds.train.FtrlOptimizer(0.1, **kw)
    with pytest.raises(TypeError, match="AdadeltaOptimizer: rho must be a finite number"):
        ds.train.AdadeltaOptimizer(0.1, rho=float("nan"))


@pytest.mark.parametrize("sparse", [False, True])
def test_against_tf_compat_v1(tf, sparse):
    for make in (lambda lib: lib.train.AdadeltaOptimizer(0.5, rho=0.875, epsilon=2 ** -10),
                 lambda lib: lib.train.FtrlOptimizer(0.25, learning_rate_power=-0.375,
                                                     l1_regularization_strength=0.0625,
                                                     l2_regularization_strength=0.125),
                 lambda lib: lib.train.FtrlOptimizer(0.25, l2_shrinkage_regularization_strength=0.25,
                                                     beta=0.5)):
        want, _, _ = run(make, 4, None, sparse, lib=tf)
        got, _, _ = run(make, 4, "numpy", sparse)
        np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-15)
