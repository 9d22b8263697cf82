"""Optimizers: TF1 update rules, slot variables and names, global_step, var_list."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad.static as ds

W0 = np.array([1.0, -2.0, 0.5])
TARGET = np.array([0.3, 0.1, -0.4])


def quadratic():
    w = ds.Variable(W0.copy(), name="w")
    loss = ds.reduce_sum(ds.square(w - TARGET))
    return w, loss


def grad(w):
    return 2 * (w - TARGET)


def run_steps(opt, n, backend, global_step=False):
    w, loss = quadratic()
    step = ds.train.get_or_create_global_step() if global_step else None
    train_op = opt.minimize(loss, global_step=step)
    assert train_op.type == "NoOp"
    values = []
    with ds.Session(backend=backend) as sess:
        sess.run(ds.global_variables_initializer())
        for _ in range(n):
            assert sess.run(train_op) is None
            values.append(sess.run(w))
        extra = sess.run(step) if global_step else None
    return w, values, extra


def test_gradient_descent(backend):
    _, values, step = run_steps(ds.train.GradientDescentOptimizer(0.1), 3, backend, global_step=True)
    w = W0.copy()
    for got in values:
        w = w - 0.1 * grad(w)
        np.testing.assert_allclose(got, w, rtol=1e-12)
    assert step == 3


@pytest.mark.parametrize("nesterov", [False, True])
def test_momentum(backend, nesterov):
    opt = ds.train.MomentumOptimizer(0.05, momentum=0.9, use_nesterov=nesterov)
    wvar, values, _ = run_steps(opt, 4, backend)
    assert opt.get_slot_names() == ["momentum"]
    assert opt.get_slot(wvar, "momentum").op.name == "w/Momentum"
    w, accum = W0.copy(), np.zeros(3)
    for got in values:
        g = grad(w)
        accum = 0.9 * accum + g
        w = w - 0.05 * (g + 0.9 * accum if nesterov else accum)
        np.testing.assert_allclose(got, w, rtol=1e-12)


def test_adam(backend):
    opt = ds.train.AdamOptimizer(0.1)
    wvar, values, _ = run_steps(opt, 5, backend)
    names = sorted(v.op.name for v in ds.global_variables())
    assert names == ["beta1_power", "beta2_power", "w", "w/Adam", "w/Adam_1"]
    assert opt.get_slot(wvar, "m").op.name == "w/Adam" and opt.get_slot(wvar, "v").op.name == "w/Adam_1"
    assert ds.trainable_variables() == [wvar]
    w, m, v, b1p, b2p = W0.copy(), np.zeros(3), np.zeros(3), 0.9, 0.999
    for got in values:
        g = grad(w)
        lr_t = 0.1 * np.sqrt(1 - b2p) / (1 - b1p)
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        w = w - lr_t * m / (np.sqrt(v) + 1e-8)
        b1p, b2p = b1p * 0.9, b2p * 0.999
        np.testing.assert_allclose(got, w, rtol=1e-10)


def test_var_list_and_compute_apply_gradients(backend):
    a = ds.Variable(1.0, name="a")
    b = ds.Variable(1.0, name="b")
    frozen = ds.Variable(5.0, name="frozen", trainable=False)
    loss = a * a + b * b + frozen
    opt = ds.train.GradientDescentOptimizer(0.25)
    gv = opt.compute_gradients(loss)
    assert [v for _, v in gv] == [a, b]
    train_b = opt.minimize(loss, var_list=[b])
    with ds.Session(backend=backend) as sess:
        sess.run(ds.global_variables_initializer())
        sess.run(train_b)
        assert sess.run([a, b, frozen]) == [1.0, 0.5, 5.0]
        sess.run(opt.apply_gradients(gv))
        assert sess.run([a, b]) == [0.5, 0.25]


def test_learning_rate_placeholder(backend):
    w, loss = quadratic()
    lr = ds.placeholder(ds.float64, shape=())
    train_op = ds.train.GradientDescentOptimizer(lr).minimize(loss)
    with ds.Session(backend=backend) as sess:
        sess.run(ds.global_variables_initializer())
        sess.run(train_op, {lr: 0.5})
        np.testing.assert_allclose(sess.run(w), W0 - 0.5 * grad(W0))


def test_mlp_training_reduces_the_loss(backend):
    rng = np.random.default_rng(0)
    xs = rng.normal(size=(64, 8)).astype(np.float32)
    labels = (xs[:, :1] > 0).astype(np.int64).ravel()
    x = ds.placeholder(ds.float32, shape=(None, 8))
    y = ds.placeholder(ds.int64, shape=(None,))
    w1 = ds.Variable(ds.random_normal([8, 16], stddev=0.3, seed=1))
    b1 = ds.Variable(ds.zeros([16]))
    w2 = ds.Variable(ds.truncated_normal([16, 2], stddev=0.3, seed=2))
    logits = ds.matmul(ds.nn.relu(ds.matmul(x, w1) + b1), w2)
    loss = ds.reduce_mean(ds.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
    accuracy = ds.reduce_mean(ds.cast(ds.equal(ds.argmax(logits, 1), y), ds.float32))
    train_op = ds.train.AdamOptimizer(0.05).minimize(loss)
    with ds.Session(backend=backend) as sess:
        sess.run(ds.global_variables_initializer())
        first = sess.run(loss, {x: xs, y: labels})
        for _ in range(60):
            sess.run(train_op, {x: xs, y: labels})
        last, acc = sess.run([loss, accuracy], {x: xs, y: labels})
    assert last < first / 4 and acc > 0.9


def test_tf1_softmax_tutorial_idioms():
    """The TF1 'MNIST for beginners' program, on synthetic data, as written for TF1."""
    rng = np.random.default_rng(5)
    centers = rng.normal(size=(10, 20)) * 3
    labels = rng.integers(0, 10, 500)
    images = (centers[labels] + rng.normal(size=(500, 20))).astype(np.float32)
    onehot = np.eye(10, dtype=np.float32)[labels]

    x = ds.placeholder(ds.float32, [None, 20])
    W = ds.Variable(ds.zeros([20, 10]))
    b = ds.Variable(ds.zeros([10]))
    y = ds.nn.softmax(ds.matmul(x, W) + b)
    y_ = ds.placeholder(ds.float32, [None, 10])
    cross_entropy = ds.reduce_mean(-ds.reduce_sum(y_ * ds.log(y + 1e-9), reduction_indices=[1]))
    train_step = ds.train.GradientDescentOptimizer(0.1).minimize(cross_entropy)
    sess = ds.InteractiveSession()
    ds.global_variables_initializer().run()
    for i in range(100):
        batch = slice(i % 5 * 100, i % 5 * 100 + 100)
        sess.run(train_step, feed_dict={x: images[batch], y_: onehot[batch]})
    correct_prediction = ds.equal(ds.argmax(y, 1), ds.argmax(y_, 1))
    accuracy = ds.reduce_mean(ds.cast(correct_prediction, ds.float32))
    assert accuracy.eval(feed_dict={x: images, y_: onehot}) > 0.95
    sess.close()
    assert ds.get_default_session() is None


def test_logistic_regression_with_one_hot_and_sigmoid_loss(backend):
    rng = np.random.default_rng(2)
    xs = rng.normal(size=(200, 2))
    ys = (xs @ np.array([2.0, -1.0]) > 0).astype(np.float64)
    x = ds.placeholder(ds.float64, shape=(None, 2))
    y = ds.placeholder(ds.float64, shape=(None,))
    w = ds.Variable(np.zeros(2))
    logits = ds.reduce_sum(x * w, axis=1)
    loss = ds.reduce_mean(ds.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=logits))
    train_op = ds.train.GradientDescentOptimizer(1.0).minimize(loss)
    hot = ds.one_hot(ds.cast(y, ds.int64), 2)
    with ds.Session(backend=backend) as sess:
        sess.run(ds.global_variables_initializer())
        start = sess.run(loss, {x: xs, y: ys})
        np.testing.assert_allclose(start, np.log(2))
        for _ in range(100):
            sess.run(train_op, {x: xs, y: ys})
        assert sess.run(loss, {x: xs, y: ys}) < 0.2
        np.testing.assert_array_equal(sess.run(hot, {y: ys[:3]}), np.eye(2)[ys[:3].astype(int)])
