"""`ds.layers.dense` against numpy (values) and jax (gradients), with TF1's variable names and
sharing; and the compatibility calls TF1 scripts make."""
from __future__ import annotations

import logging

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dualgrad.static as ds
from dualgrad.errors import DualgradError


@pytest.fixture(autouse=True)
def fresh_graph():
    ds.reset_default_graph()


@pytest.mark.parametrize("backend", ["jax", "numpy"])
def test_dense_matches_numpy_and_its_gradients_match_jax(backend):
    x = ds.placeholder(ds.float64, shape=(None, 3), name="x")
    h = ds.layers.dense(x, 4, activation=ds.tanh)
    y = ds.layers.dense(h, 2, name="head")
    loss = ds.reduce_sum(ds.square(y))
    names = [v.name for v in ds.trainable_variables()]
    assert names == ["dense/kernel:0", "dense/bias:0", "head/kernel:0", "head/bias:0"]
    grads = ds.gradients(loss, ds.trainable_variables())
    data = np.random.default_rng(0).normal(size=(5, 3))
    with ds.Session(backend=backend) as sess:
        sess.run(ds.global_variables_initializer())
        k1, b1, k2, b2 = sess.run(ds.trainable_variables())
        got_y, got_grads = sess.run([y, grads], {x: data})
    assert not b1.any() and not b2.any()  # zeros initializer
    limit = np.sqrt(6 / (3 + 4))  # Glorot uniform bounds
    assert np.all(np.abs(k1) <= limit) and k1.std() > 0
    np.testing.assert_allclose(got_y, np.tanh(data @ k1 + b1) @ k2 + b2, rtol=1e-12)

    def reference(params):
        a, c, d, e = params
        return jnp.sum(jnp.square(jnp.tanh(data @ a + c) @ d + e))

    with jax.enable_x64(True):
        expected = jax.grad(reference)([jnp.asarray(p) for p in (k1, b1, k2, b2)])
    for g, e in zip(got_grads, expected, strict=True):
        np.testing.assert_allclose(g, np.asarray(e), rtol=1e-10)


def test_dense_reuse_batched_inputs_and_training():
    x = ds.placeholder(ds.float32, shape=(None, 2, 3), name="x")
    first = ds.layers.dense(x, 1, name="shared", use_bias=False)
    second = ds.layers.dense(x, 1, name="shared", reuse=True, use_bias=False)
    assert [v.name for v in ds.trainable_variables()] == ["shared/kernel:0"]
    assert first.shape == (None, 2, 1)
    loss = ds.reduce_mean(ds.square(first - 1.0))
    train = ds.train.GradientDescentOptimizer(0.1).minimize(loss)
    data = np.ones((4, 2, 3), np.float32)
    with ds.Session() as sess:
        sess.run(ds.global_variables_initializer())
        before = sess.run(loss, {x: data})
        for _ in range(50):
            sess.run(train, {x: data})
        a, b = sess.run([first, second], {x: data})
        assert sess.run(loss, {x: data}) < before * 1e-3
    np.testing.assert_array_equal(a, b)


def test_dense_refuses_what_cannot_be_built():
    with pytest.raises(DualgradError, match=r"units must be a positive int.*test_layers_compat.py:\d+"):
        ds.layers.dense(ds.zeros([2, 3]), 0)
    with pytest.raises(ValueError, match="last dimension of the inputs should be defined"):
        ds.layers.dense(ds.placeholder(ds.float32, shape=(2, None)), 3)
    with pytest.raises(DualgradError, match="already exists"):
        ds.layers.dense(ds.zeros([2, 3]), 2, name="same")
        ds.layers.dense(ds.zeros([2, 3]), 2, name="same")


def test_tf1_compatibility_calls(caplog):
    ds.disable_v2_behavior()
    ds.disable_eager_execution()
    config = ds.ConfigProto(allow_soft_placement=True, gpu_options=ds.GPUOptions(allow_growth=True))
    assert config.gpu_options.allow_growth and ds.ConfigProto().gpu_options is not None
    c = ds.constant(2.0) * 3.0
    with ds.Session(config=config) as sess:
        assert sess.run(c) == 6.0
    ds.logging.set_verbosity(ds.logging.INFO)
    with caplog.at_level(logging.INFO, logger="tensorflow"):
        ds.logging.info("step %d", 3)
    assert "step 3" in caplog.text
    with pytest.raises(DualgradError, match=r"graphs only .*import dualgrad as dg"):
        ds.enable_eager_execution()  # would mean something: refused, not accepted silently


def test_scope_reuse_variables_shares_from_then_on():
    with ds.variable_scope("model") as scope:
        first = ds.layers.dense(ds.zeros([2, 3]), 2, name="fc")
        scope.reuse_variables()
        second = ds.layers.dense(ds.ones([2, 3]), 2, name="fc")
        with pytest.raises(DualgradError, match="does not exist"):
            ds.get_variable("new", shape=[1])
    assert [v.name for v in ds.trainable_variables()] == ["model/fc/kernel:0", "model/fc/bias:0"]
    with ds.Session() as sess:
        sess.run(ds.global_variables_initializer())
        kernel, bias = sess.run(ds.trainable_variables())
        # float32 sums of random weights can land near 0: a relative tolerance alone failed ~1%
        np.testing.assert_allclose(sess.run(second), np.ones((2, 3)) @ kernel + bias, rtol=1e-6,
                                   atol=1e-6)
        np.testing.assert_allclose(sess.run(first), np.broadcast_to(bias, (2, 2)))


def test_collections_graph_keys_and_device():
    with ds.variable_scope("model"):
        w = ds.Variable(1.0, name="w")
        step = ds.train.get_or_create_global_step()
    v = ds.Variable(2.0, name="other/v", trainable=False)
    loss = ds.square(w)
    summary = ds.summary.scalar("loss", loss)
    # the collections dualgrad fills, under TF1's key names
    assert ds.get_collection(ds.GraphKeys.TRAINABLE_VARIABLES) == [w]
    assert ds.get_collection(ds.GraphKeys.GLOBAL_VARIABLES) == [w, step, v]
    assert ds.get_collection(ds.GraphKeys.VARIABLES, scope="model/") == [w, step]
    assert ds.get_collection(ds.GraphKeys.GLOBAL_VARIABLES, scope="other") == [v]
    assert ds.get_collection(ds.GraphKeys.GLOBAL_STEP) == [step]
    assert ds.get_collection(ds.GraphKeys.SUMMARIES) == [summary]
    ds.add_to_collection(ds.GraphKeys.LOSSES, loss)
    ds.add_to_collections(["a", "b", "a"], 7)  # TF1: once per distinct name; unnamed items
    assert ds.get_collection(ds.GraphKeys.LOSSES) == [loss]
    assert ds.get_collection("a") == ds.get_collection("b") == [7]
    assert ds.get_collection("a", scope=".*") == []  # have no name for a scope to match
    assert ds.get_collection("never filled") == []
    with ds.device("/cpu:0"):  # accepted; the Session places the whole program
        y = w * 3.0
    with ds.Session() as sess:
        sess.run(ds.global_variables_initializer())
        assert sess.run(y) == 3.0


TRUNC = 0.87962566103423978  # TF1's std of a unit normal cut at +-2 (it divides stddevs by it)


@pytest.mark.parametrize(("make", "variance", "bound"), [
    # (initializer, the variance TF1 documents for shape (400, 100), the largest |value|)
    (lambda: ds.truncated_normal_initializer(0.0, 0.5, seed=1), (0.5 * TRUNC) ** 2, 1.0),
    (lambda: ds.variance_scaling_initializer(2.0, "fan_in", seed=2), 2 / 400, 2 * (2 / 400) ** 0.5 / TRUNC),
    (lambda: ds.variance_scaling_initializer(1.0, "fan_out", "uniform", seed=3), 1 / 100, (3 / 100) ** 0.5),
    (lambda: ds.variance_scaling_initializer(1.0, "fan_avg", "untruncated_normal", seed=4), 1.0 / 250, None),
    (lambda: ds.glorot_normal_initializer(seed=5), 2.0 / 500, 2 * (2.0 / 500) ** 0.5 / TRUNC),
])
def test_initializers_draw_tf1s_distributions(make, variance, bound):
    v = ds.get_variable("v", [400, 100], initializer=make())
    with ds.Session(backend="numpy") as sess:
        sess.run(ds.global_variables_initializer())
        values = sess.run(v).astype(np.float64)
    assert abs(values.mean()) < 4 * (variance / values.size) ** 0.5 + 1e-12
    assert values.var() == pytest.approx(variance, rel=0.03)
    if bound is not None:
        assert np.abs(values).max() <= bound * (1 + 1e-6)


def test_variance_scaling_refuses_unknown_modes():
    with pytest.raises(DualgradError, match="mode must be one of"):
        ds.variance_scaling_initializer(mode="fan_sum")
    with pytest.raises(DualgradError, match="scale must be positive"):
        ds.variance_scaling_initializer(scale=0.0)
