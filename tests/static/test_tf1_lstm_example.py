"""examples/tf1_lstm_sequence.py runs as a TF1 user runs it, its loss falls, and its first loss is
that of the same model computed in jax (float64) from the initial variables: TF1's documented
BasicLSTMCell (one kernel on concat([x, h]), gates i, j, f, o, forget_bias 1), the last h
through a dense layer, mean sparse softmax cross entropy."""
from __future__ import annotations

import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dualgrad.static as ds

pytestmark = pytest.mark.usefixtures("jax_float64")


def _jax_loss(kernel, bias, w, b, x, y):
    units = bias.shape[0] // 4
    c = h = jnp.zeros((x.shape[0], units))
    for t in range(x.shape[1]):
        a = jnp.concatenate([x[:, t], h], 1) @ kernel + bias
        i, j, f, o = (a[:, k * units:(k + 1) * units] for k in range(4))
        c = c * jax.nn.sigmoid(f + 1.0) + jax.nn.sigmoid(i) * jnp.tanh(j)
        h = jnp.tanh(c) * jax.nn.sigmoid(o)
    logp = jax.nn.log_softmax(h @ w + b)
    return -jnp.mean(logp[jnp.arange(len(y)), y])


def test_example_trains_and_its_first_loss_is_the_models(example_scripts):
    out = example_scripts.run("tf1_lstm_sequence")
    printed = [float(v) for v in re.findall(r"step \d+: loss (\S+)", out)]
    assert len(printed) == 15 and printed[-1] < printed[0] / 2

    example = example_scripts.load("tf1_lstm_sequence")
    ds.reset_default_graph()
    example.build()
    names = [v.name for v in ds.trainable_variables()]
    assert names == ["rnn/basic_lstm_cell/kernel:0", "rnn/basic_lstm_cell/bias:0", "logits/kernel:0",
                     "logits/bias:0"]
    with ds.Session() as sess:
        sess.run(ds.global_variables_initializer())
        params = [np.asarray(v, np.float64) for v in sess.run(ds.trainable_variables())]
    x, y = example.make_data()
    expected = float(_jax_loss(*params, jnp.asarray(x, jnp.float64), jnp.asarray(y)))
    np.testing.assert_allclose(printed[0], expected, rtol=1e-5)  # float32 against float64
