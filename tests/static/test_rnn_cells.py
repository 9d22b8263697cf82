"""ds.nn.rnn_cell cells under ds.nn.dynamic_rnn / static_rnn against TF1's documented
equations written out in jax (float64): one kernel on concat([x, h]), LSTM gates i, j, f, o
with forget_bias on f, the GRU's reset gate on h before the candidate's matmul; outputs, final
states and gradients (jax.vjp) wrt the input and every variable; TF1's variable names."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad.static as ds
from dualgrad.errors import DualgradNotImplementedError, DualgradValueError

pytestmark = pytest.mark.usefixtures("jax_float64")

UNITS = 3
NAMES = {"BasicRNNCell": ["basic_rnn_cell/kernel", "basic_rnn_cell/bias"],
         "BasicLSTMCell": ["basic_lstm_cell/kernel", "basic_lstm_cell/bias"],
         "LSTMCell": ["lstm_cell/kernel", "lstm_cell/bias"],
         "GRUCell": ["gru_cell/gates/kernel", "gru_cell/gates/bias", "gru_cell/candidate/kernel",
                     "gru_cell/candidate/bias"]}


def _sig(v):
    return 1.0 / (1.0 + jnp.exp(-v))


def _tf1_step(name, x, state, params, forget_bias):
    """TF1's cell equations (tf.nn.rnn_cell docs), state (c, h) for the LSTMs."""
    if name == "BasicRNNCell":
        h = jnp.tanh(jnp.concatenate([x, state], 1) @ params[0] + params[1])
        return h, h
    if name == "GRUCell":
        value = _sig(jnp.concatenate([x, state], 1) @ params[0] + params[1])
        r, u = value[:, :UNITS], value[:, UNITS:]
        c = jnp.tanh(jnp.concatenate([x, r * state], 1) @ params[2] + params[3])
        h = u * state + (1 - u) * c
        return h, h
    c, h = state
    a = jnp.concatenate([x, h], 1) @ params[0] + params[1]
    i, j, f, o = (a[:, k * UNITS:(k + 1) * UNITS] for k in range(4))
    c = c * _sig(f + forget_bias) + _sig(i) * jnp.tanh(j)
    h = jnp.tanh(c) * _sig(o)
    return h, (c, h)


@pytest.mark.parametrize("name", sorted(NAMES))  # every cell on every run
@settings(max_examples=3, deadline=None)
@given(time_major=st.booleans(), use_static=st.booleans(),
       length=st.integers(1, 3), forget_bias=st.sampled_from([1.0, 0.25]), seed=st.integers(0, 2**16))
def test_cells_match_tf1s_equations(name, time_major, use_static, length, forget_bias, seed):
    rng = np.random.default_rng(seed)
    batch, width = 2, 2
    x = rng.standard_normal((length, batch, width) if time_major else (batch, length, width))
    ds.reset_default_graph()
    xp = ds.placeholder(ds.float64, [length, None, width] if time_major else [None, length, width])
    kw = {"forget_bias": forget_bias} if "LSTM" in name else {}
    cell = getattr(ds.nn.rnn_cell, name)(UNITS, **kw)
    if use_static:
        steps = [xp[t] if time_major else xp[:, t] for t in range(length)]
        outs, state = ds.nn.static_rnn(cell, steps, dtype=ds.float64)
        out = ds.stack(outs, axis=0 if time_major else 1)
    else:
        out, state = ds.nn.dynamic_rnn(cell, xp, dtype=ds.float64, time_major=time_major)
    variables = ds.trainable_variables()
    assert [v.name for v in variables] == [f"rnn/{n}:0" for n in NAMES[name]]
    flat = [state.c, state.h] if "LSTM" in name else [state]
    cotangents = [rng.standard_normal((batch, length, UNITS) if not time_major else (length, batch, UNITS))]
    cotangents += [rng.standard_normal((batch, UNITS)) for _ in flat]
    loss = sum(ds.reduce_sum(t * c) for t, c in zip([out, *flat], cotangents, strict=True))
    grads = ds.gradients(loss, [xp, *variables])
    with ds.Session() as sess:
        sess.run(ds.global_variables_initializer())
        params = sess.run(variables)
        got = sess.run([out, *flat, *grads], {xp: x})

    def oracle(x, params):
        seq = x if time_major else jnp.swapaxes(x, 0, 1)
        zeros = jnp.zeros((batch, UNITS))
        state = (zeros, zeros) if "LSTM" in name else zeros
        ys = []
        for t in range(length):
            y, state = _tf1_step(name, seq[t], state, params, forget_bias)
            ys.append(y)
        out = jnp.stack(ys, 0 if time_major else 1)
        return (out, *(state if "LSTM" in name else (state,)))

    want, vjp = jax.vjp(oracle, jnp.asarray(x), [jnp.asarray(p) for p in params])
    for g, w in zip(got, want, strict=False):
        np.testing.assert_allclose(g, np.asarray(w), rtol=1e-10, atol=1e-12)
    gx, gp = vjp(tuple(jnp.asarray(c) for c in cotangents))
    for g, w in zip(got[len(want):], [gx, *gp], strict=True):
        np.testing.assert_allclose(g, np.asarray(w), rtol=1e-9, atol=1e-12)


def _tf1_lstm_cell_step(x, state, v, peep, cell_clip, num_proj, proj_clip, forget_bias=1.0):
    """TF1's LSTMCell.call, written out: peepholes on i and f from c_prev and on o from the new c;
    the clip of c; the projection of m and its clip."""
    c_prev, m_prev = state
    a = jnp.concatenate([x, m_prev], 1) @ v["kernel"] + v["bias"]
    i, j, f, o = (a[:, k * UNITS:(k + 1) * UNITS] for k in range(4))
    if peep:
        c = (_sig(f + forget_bias + v["w_f_diag"] * c_prev) * c_prev
             + _sig(i + v["w_i_diag"] * c_prev) * jnp.tanh(j))
    else:
        c = _sig(f + forget_bias) * c_prev + _sig(i) * jnp.tanh(j)
    if cell_clip is not None:
        c = jnp.clip(c, -cell_clip, cell_clip)
    m = _sig(o + v["w_o_diag"] * c) * jnp.tanh(c) if peep else _sig(o) * jnp.tanh(c)
    if num_proj:
        m = m @ v["projection/kernel"]
        if proj_clip is not None:
            m = jnp.clip(m, -proj_clip, proj_clip)
    return m, (c, m)


@settings(max_examples=12, deadline=None)
@given(peep=st.booleans(), cell_clip=st.sampled_from([None, 0.4]), num_proj=st.sampled_from([None, 2]),
       proj_clip=st.sampled_from([None, 0.3]), length=st.integers(1, 3), seed=st.integers(0, 2**16))
def test_lstm_cell_options_match_tf1s_call(peep, cell_clip, num_proj, proj_clip, length, seed):
    """use_peepholes, cell_clip, num_proj, proj_clip and initializer (TF1's LSTMCell options,
    once refused): values, final state and gradients, variables named as TF1's."""
    proj_clip = proj_clip if num_proj else None
    rng = np.random.default_rng(seed)
    batch, width = 2, 2
    x = rng.standard_normal((batch, length, width)) * 2
    ds.reset_default_graph()
    xp = ds.placeholder(ds.float64, [None, length, width])
    cell = ds.nn.rnn_cell.LSTMCell(UNITS, use_peepholes=peep, cell_clip=cell_clip, num_proj=num_proj,
                                   proj_clip=proj_clip, initializer=ds.random_uniform_initializer(-1, 1))
    assert tuple(cell.state_size) == (UNITS, num_proj or UNITS) and cell.output_size == (num_proj or UNITS)
    out, state = ds.nn.dynamic_rnn(cell, xp, dtype=ds.float64)
    variables = ds.trainable_variables()
    names = (["kernel", "bias"] + ["w_f_diag", "w_i_diag", "w_o_diag"] * peep
             + ["projection/kernel"] * bool(num_proj))
    assert [v.name for v in variables] == [f"rnn/lstm_cell/{n}:0" for n in names]
    cotangents = [rng.standard_normal(shape) for shape in ((batch, length, num_proj or UNITS),
                                                          (batch, UNITS), (batch, num_proj or UNITS))]
    loss = sum(ds.reduce_sum(t * c) for t, c in zip([out, state.c, state.h], cotangents, strict=True))
    grads = ds.gradients(loss, [xp, *variables])
    with ds.Session() as sess:
        sess.run(ds.global_variables_initializer())
        params = sess.run(variables)
        got = sess.run([out, state.c, state.h, *grads], {xp: x})
    assert max(np.abs(p).max() for p in params if p.ndim) > 0.5  # the initializer's U(-1, 1)

    def oracle(x, params):
        v = dict(zip(names, params, strict=True))
        state = (jnp.zeros((batch, UNITS)), jnp.zeros((batch, num_proj or UNITS)))
        ys = []
        for t in range(length):
            y, state = _tf1_lstm_cell_step(x[:, t], state, v, peep, cell_clip, num_proj, proj_clip)
            ys.append(y)
        return (jnp.stack(ys, 1), *state)

    want, vjp = jax.vjp(oracle, jnp.asarray(x), [jnp.asarray(p) for p in params])
    for g, w in zip(got, want, strict=False):
        np.testing.assert_allclose(g, np.asarray(w), rtol=1e-10, atol=1e-12)
    gx, gp = vjp(tuple(jnp.asarray(c) for c in cotangents))
    for g, w in zip(got[len(want):], [gx, *gp], strict=True):
        np.testing.assert_allclose(g, np.asarray(w), rtol=1e-9, atol=1e-12)


def test_initial_values_are_tf1s():
    ds.reset_default_graph()
    xp = ds.placeholder(ds.float32, [None, 2, 4])
    ds.nn.dynamic_rnn(ds.nn.rnn_cell.GRUCell(3), xp, dtype=ds.float32)
    with ds.Session() as sess:
        sess.run(ds.global_variables_initializer())
        gk, gb, ck, cb = sess.run(ds.trainable_variables())
    np.testing.assert_array_equal(gb, np.ones(6))  # the gates' bias starts at 1, as TF1's
    np.testing.assert_array_equal(cb, np.zeros(3))
    limit = np.sqrt(6 / (7 + 6))  # glorot_uniform over kernel [4 + 3, 6]
    assert np.abs(gk).max() <= limit and np.abs(gk).max() > 0.5 * limit


def test_unsupported_options_are_refused_by_name():
    ds.reset_default_graph()
    xp = ds.placeholder(ds.float32, [None, 2, 4])
    with pytest.raises(DualgradNotImplementedError, match="num_unit_shards"):
        ds.nn.rnn_cell.LSTMCell(3, num_unit_shards=2)
    with pytest.raises(DualgradValueError, match="sequence_length must be a vector"):
        ds.nn.dynamic_rnn(ds.nn.rnn_cell.GRUCell(3), xp, sequence_length=[[1, 2]], dtype=ds.float32)
    with pytest.raises(DualgradValueError, match="must give a dtype"):
        ds.nn.dynamic_rnn(ds.nn.rnn_cell.GRUCell(3), xp)
    with pytest.raises(DualgradNotImplementedError, match="time dimension must be known"):
        ds.nn.dynamic_rnn(ds.nn.rnn_cell.GRUCell(3), ds.placeholder(ds.float32, [2, None, 4]),
                          dtype=ds.float32)
