"""ds.nn.bidirectional_dynamic_rnn / static_bidirectional_rnn and dynamic_rnn's sequence_length
against TF1's documented semantics written out in numpy float64: past a row's length the
outputs are zeros and the state is carried through; the backward cell reads each row's first
length steps reversed (TF1's reverse_sequence) and its outputs are reversed back; TF1's
variable names; the input gradient against central finite differences of the reference."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad.static as ds
from dualgrad.errors import DualgradTypeError, DualgradValueError

UNITS, BATCH, STEPS, WIDTH = 3, 3, 4, 2
LENGTHS = np.array([4, 2, 0])


def _sig(v):
    return 1.0 / (1.0 + np.exp(-v))


def _lstm(x, state, p):  # BasicLSTMCell: gates i, j, f, o, forget_bias 1
    c, h = state
    a = np.concatenate([x, h], 1) @ p[0] + p[1]
    i, j, f, o = np.split(a, 4, axis=1)
    c = c * _sig(f + 1.0) + _sig(i) * np.tanh(j)
    h = np.tanh(c) * _sig(o)
    return h, (c, h)


def _gru(x, h, p):  # GRUCell: r on h before the candidate's matmul
    r, u = np.split(_sig(np.concatenate([x, h], 1) @ p[0] + p[1]), 2, axis=1)
    c = np.tanh(np.concatenate([x, r * h], 1) @ p[2] + p[3])
    h = u * h + (1 - u) * c
    return h, h


def _run(step, x, params, lengths, state):
    """TF1's dynamic_rnn over [batch, time, width] with sequence_length, in numpy."""
    outs = []
    for t in range(x.shape[1]):
        out, new = step(x[:, t], state, params)
        keep = (t < lengths)[:, None]
        outs.append(np.where(keep, out, 0.0))
        if isinstance(new, tuple):
            state = tuple(np.where(keep, a, b) for a, b in zip(new, state, strict=True))
        else:
            state = np.where(keep, new, state)
    return np.stack(outs, 1), state


def _reverse(x, lengths):  # TF1's reverse_sequence(seq_axis=1, batch_axis=0)
    out = x.copy()
    for b, n in enumerate(lengths):
        out[b, :n] = x[b, :n][::-1]
    return out


def _reference(x, p_fw, p_bw, lengths):
    zero = np.zeros((x.shape[0], UNITS))
    out_fw, state_fw = _run(_lstm, x, p_fw, lengths, (zero, zero))
    out_bw, state_bw = _run(_gru, _reverse(x, lengths), p_bw, lengths, zero)
    return out_fw, _reverse(out_bw, lengths), state_fw, state_bw


def _build(time_major: bool):
    shape = [STEPS, None, WIDTH] if time_major else [None, STEPS, WIDTH]
    xp = ds.placeholder(ds.float64, shape)
    lengths = ds.placeholder(ds.int64, [None])
    (out_fw, out_bw), (state_fw, state_bw) = ds.nn.bidirectional_dynamic_rnn(
        ds.nn.rnn_cell.BasicLSTMCell(UNITS), ds.nn.rnn_cell.GRUCell(UNITS), xp, sequence_length=lengths,
        dtype=ds.float64, time_major=time_major)
    if time_major:
        out_fw, out_bw = (ds.transpose(o, [1, 0, 2]) for o in (out_fw, out_bw))
    return xp, lengths, [out_fw, out_bw, state_fw.c, state_fw.h, state_bw]


def test_bidirectional_dynamic_rnn_matches_numpy(backend):
    time_major = backend == "numpy"  # (one layout per backend: each compile costs seconds)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((BATCH, STEPS, WIDTH))
    xp, lengths, fetches = _build(time_major)
    variables = ds.trainable_variables()
    assert [v.op.name for v in variables] == [
        "bidirectional_rnn/fw/basic_lstm_cell/kernel", "bidirectional_rnn/fw/basic_lstm_cell/bias",
        "bidirectional_rnn/bw/gru_cell/gates/kernel", "bidirectional_rnn/bw/gru_cell/gates/bias",
        "bidirectional_rnn/bw/gru_cell/candidate/kernel", "bidirectional_rnn/bw/gru_cell/candidate/bias"]
    weights = [rng.standard_normal((BATCH, STEPS, UNITS)) for _ in range(2)]
    weights += [rng.standard_normal((BATCH, UNITS)) for _ in range(3)]
    loss = sum(ds.reduce_sum(f * w) for f, w in zip(fetches, weights, strict=True))
    grad = ds.gradients(loss, [xp])[0]
    feed_x = x.transpose(1, 0, 2) if time_major else x
    with ds.Session(backend=backend) as sess:
        sess.run(ds.global_variables_initializer())
        params = sess.run(variables)
        got = sess.run([*fetches, grad], {xp: feed_x, lengths: LENGTHS})
    want = _reference(x, params[:2], params[2:], LENGTHS)
    flat = [want[0], want[1], want[2][0], want[2][1], want[3]]
    for g, w in zip(got[:5], flat, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)
    assert not np.any(got[0][2]) and not np.any(got[1][2])  # length 0: zero outputs, zero state
    assert not np.any(got[4][2])

    def f(xv):
        ref = _reference(xv, params[:2], params[2:], LENGTHS)
        parts = [ref[0], ref[1], ref[2][0], ref[2][1], ref[3]]
        return sum(np.sum(p * w) for p, w in zip(parts, weights, strict=True))

    numeric = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        d = np.zeros_like(x)
        d[i] = 1e-6
        numeric[i] = (f(x + d) - f(x - d)) / 2e-6
    np.testing.assert_allclose(got[-1].transpose(1, 0, 2) if time_major else got[-1], numeric,
                               rtol=1e-6, atol=1e-8)


def test_without_lengths_and_static_bidirectional(backend):
    """No sequence_length: the backward pass reads the whole sequence reversed; the static
    variant concatenates fw and bw per step and gives the dynamic one's numbers."""
    rng = np.random.default_rng(2)
    x = rng.standard_normal((BATCH, STEPS, WIDTH))
    xp = ds.placeholder(ds.float64, [BATCH, STEPS, WIDTH])
    cells = [ds.nn.rnn_cell.BasicRNNCell(UNITS) for _ in range(2)]
    (out_fw, out_bw), (s_fw, s_bw) = ds.nn.bidirectional_dynamic_rnn(*cells, xp, dtype=ds.float64,
                                                                      scope="dyn")
    outs, t_fw, t_bw = ds.nn.static_bidirectional_rnn(*cells, [xp[:, t] for t in range(STEPS)],
                                                      dtype=ds.float64, sequence_length=LENGTHS, scope="dyn")
    assert len(ds.trainable_variables()) == 4  # the same cells reuse their variables
    with ds.Session(backend=backend) as sess:
        sess.run(ds.global_variables_initializer())
        kf, bf, kb, bb = sess.run(ds.trainable_variables())
        got = sess.run([out_fw, out_bw, s_fw, s_bw, *outs, t_fw, t_bw], {xp: x})

    def rnn(p):
        return lambda xt, h, _: (np.tanh(np.concatenate([xt, h], 1) @ p[0] + p[1]),) * 2

    zero = np.zeros((BATCH, UNITS))
    full = np.full(BATCH, STEPS)
    o_fw, h_fw = _run(rnn((kf, bf)), x, None, full, zero)
    o_bw, h_bw = _run(rnn((kb, bb)), x[:, ::-1], None, full, zero)
    for g, w in zip(got[:4], [o_fw, o_bw[:, ::-1], h_fw, h_bw], strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)
    o_fw, h_fw = _run(rnn((kf, bf)), x, None, LENGTHS, zero)
    o_bw, h_bw = _run(rnn((kb, bb)), _reverse(x, LENGTHS), None, LENGTHS, zero)
    both = np.concatenate([o_fw, _reverse(o_bw, LENGTHS)], axis=2)
    for t in range(STEPS):
        np.testing.assert_allclose(got[4 + t], both[:, t], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(got[-2], h_fw, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(got[-1], h_bw, rtol=1e-10, atol=1e-12)


def test_bad_arguments_are_refused():
    xp = ds.placeholder(ds.float32, [2, STEPS, WIDTH])
    cell = ds.nn.rnn_cell.GRUCell(UNITS)
    with pytest.raises(DualgradTypeError, match="cell_bw must be an instance of RNNCell"):
        ds.nn.bidirectional_dynamic_rnn(cell, 3, xp, dtype=ds.float32)
    with pytest.raises(DualgradValueError, match=r"Expected shape for sequence_length is \[2\]"):
        ds.nn.dynamic_rnn(cell, xp, sequence_length=[1, 2, 3], dtype=ds.float32)
    with pytest.raises(DualgradTypeError, match="inputs must be a list"):
        ds.nn.static_bidirectional_rnn(cell, ds.nn.rnn_cell.GRUCell(UNITS), xp, dtype=ds.float32)


def test_lengths_count_checked_in_the_run(backend):
    xp = ds.placeholder(ds.float32, [None, STEPS, WIDTH])
    lengths = ds.placeholder(ds.int32, [None])
    out, _ = ds.nn.dynamic_rnn(ds.nn.rnn_cell.BasicRNNCell(UNITS), xp, sequence_length=lengths,
                               dtype=ds.float32)
    with ds.Session(backend=backend) as sess:
        sess.run(ds.global_variables_initializer())
        with pytest.raises(Exception, match="one entry per batch row"):
            sess.run(out, {xp: np.zeros((2, STEPS, WIDTH)), lengths: [1]})
