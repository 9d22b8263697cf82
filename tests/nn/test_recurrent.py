"""nn.RNN/LSTM/GRU and their cells against PyTorch's documented equations written out in
jax.numpy (float64): outputs, final states, and gradients (jax.vjp) wrt the input, the initial
states and every parameter, over drawn layers, directions, batch_first, bias, sequence lengths
and unbatched inputs."""
from __future__ import annotations

import math
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
from dualgrad import nn
from dualgrad.errors import (
    DualgradTypeError,
    DualgradValueError,
    EagerShapeError,
)
from dualgrad.nn.recurrent import RNNBase

pytestmark = pytest.mark.usefixtures("jax_float64")


# -- the oracle: PyTorch's documentation, written out -----------------------------------------------
def _sig(v):
    return 1.0 / (1.0 + jnp.exp(-v))


@partial(jax.jit, static_argnums=0)  # one compiled step per shape: eager jax is slow to trace
def _jax_step(mode, x, state, w_ih, w_hh, b_ih, b_hh):
    """One step of PyTorch's documented cell equations."""
    h = state[0]
    gi = x @ w_ih.T + (0.0 if b_ih is None else b_ih)
    gh = h @ w_hh.T + (0.0 if b_hh is None else b_hh)
    hid = state[-1].shape[-1]  # (c's width: an LSTM's h may be projected narrower)
    if mode == "RNN_TANH":
        return (jnp.tanh(gi + gh),)
    if mode == "RNN_RELU":
        return (jnp.maximum(gi + gh, 0.0),)
    if mode == "LSTM":
        a = gi + gh
        i, f = _sig(a[..., :hid]), _sig(a[..., hid:2 * hid])
        g, o = jnp.tanh(a[..., 2 * hid:3 * hid]), _sig(a[..., 3 * hid:])
        c = f * state[1] + i * g
        return o * jnp.tanh(c), c
    r = _sig(gi[..., :hid] + gh[..., :hid])
    z = _sig(gi[..., hid:2 * hid] + gh[..., hid:2 * hid])
    n = jnp.tanh(gi[..., 2 * hid:] + r * gh[..., 2 * hid:])
    return ((1.0 - z) * n + z * h,)


def _jax_net(mode, layers, directions, bias, batch_first, x, states, params, zero_between=False,
             proj=False):
    """The stacked network: layer l's input is layer l-1's outputs, directions concatenated;
    with `proj`, each LSTM step's h projected by the direction's last weight (weight_hr)."""
    seq = jnp.moveaxis(x, 1, 0) if batch_first else x
    finals = [[] for _ in states]
    per = (4 if bias else 2) + proj
    for layer in range(layers):
        outs = []
        for d in range(directions):
            k = layer * directions + d
            w = params[k * per:(k + 1) * per]
            weights = (w[0], w[1], w[2], w[3]) if bias else (w[0], w[1], None, None)
            state = tuple(s[k] for s in states)
            ys = []
            for t in (range(seq.shape[0] - 1, -1, -1) if d else range(seq.shape[0])):
                state = _jax_step(mode, seq[t], state, *weights)
                if proj:
                    state = (state[0] @ w[-1].T, state[1])
                ys.append(state[0])
            outs.append(jnp.stack(ys[::-1] if d else ys))
            for f, s in zip(finals, state, strict=True):
                f.append(s)
        seq = jnp.concatenate(outs, axis=-1)
        if zero_between and layer < layers - 1:
            seq = jnp.zeros_like(seq)
    out = jnp.moveaxis(seq, 0, 1) if batch_first else seq
    return (out, *(jnp.stack(f) for f in finals))


_MODULES = {"RNN_TANH": (nn.RNN, {}), "RNN_RELU": (nn.RNN, {"nonlinearity": "relu"}),
            "LSTM": (nn.LSTM, {}), "GRU": (nn.GRU, {})}


def _module(mode, inp, hid, layers, bias, batch_first, bidirectional, **extra):
    cls, kw = _MODULES[mode]
    return cls(inp, hid, layers, bias=bias, batch_first=batch_first, bidirectional=bidirectional, **kw,
               **extra)


# few distinct shapes (the sizes fixed, hidden != input): jax compiles each new shape once
@settings(max_examples=8, deadline=None)
@given(mode=st.sampled_from(sorted(_MODULES)), layers=st.integers(1, 2), bidirectional=st.booleans(),
       batch_first=st.booleans(), bias=st.booleans(), length=st.integers(1, 3),
       batch=st.sampled_from([None, 2]), give_state=st.booleans(), seed=st.integers(0, 2**16))
def test_networks_match_the_documented_equations(mode, layers, bidirectional, batch_first, bias, length,
                                                 batch, give_state, seed):
    inp, hid = 2, 3
    rng = np.random.default_rng(seed)
    net = _module(mode, inp, hid, layers, bias, batch_first, bidirectional)
    directions = 2 if bidirectional else 1
    if batch is None:
        xshape, sshape = (length, inp), (layers * directions, hid)
    else:
        xshape = (batch, length, inp) if batch_first else (length, batch, inp)
        sshape = (layers * directions, batch, hid)
    x = rng.standard_normal(xshape)
    n_states = 2 if mode == "LSTM" else 1
    states = [rng.standard_normal(sshape) if give_state else np.zeros(sshape) for _ in range(n_states)]
    params = [p.detach().numpy().astype(np.float64) for p in net.parameters()]
    for p, v in zip(net.parameters(), params, strict=True):
        p.data = dg.tensor(v)

    xd = dg.tensor(x, requires_grad=True)
    sd = [dg.tensor(s, requires_grad=True) for s in states]
    if mode == "LSTM":
        out, (h, c) = net(xd, tuple(sd) if give_state else None)
        got = (out, h, c)
    else:
        out, h = net(xd, sd[0] if give_state else None)
        got = (out, h)

    def oracle(x, states, params):
        xb = x if batch is not None else x[:, None]
        sb = states if batch is not None else [s[:, None] for s in states]
        res = _jax_net(mode, layers, directions, bias, batch_first and batch is not None, xb, sb, params)
        return res if batch is not None else (res[0][:, 0], *(r[:, 0] for r in res[1:]))

    want, vjp = jax.vjp(oracle, jnp.asarray(x), [jnp.asarray(s) for s in states],
                        [jnp.asarray(p) for p in params])
    for g, w in zip(got, want, strict=True):
        assert tuple(g.shape) == w.shape
        np.testing.assert_allclose(g.detach().numpy(), np.asarray(w), rtol=1e-10, atol=1e-12)

    cotangents = [rng.standard_normal(w.shape) for w in want]
    loss = sum((g * dg.tensor(ct)).sum() for g, ct in zip(got, cotangents, strict=True))
    loss.backward()
    gx, gs, gp = vjp(tuple(jnp.asarray(ct) for ct in cotangents))
    np.testing.assert_allclose(xd.grad.numpy(), np.asarray(gx), rtol=1e-9, atol=1e-12)
    if give_state:
        for s, g in zip(sd, gs, strict=True):
            np.testing.assert_allclose(s.grad.numpy(), np.asarray(g), rtol=1e-9, atol=1e-12)
    for (name, p), g in zip(net.named_parameters(), gp, strict=True):
        np.testing.assert_allclose(p.grad.numpy(), np.asarray(g), rtol=1e-9, atol=1e-12, err_msg=name)


@settings(max_examples=6, deadline=None)
@given(layers=st.integers(1, 2), bidirectional=st.booleans(), batch_first=st.booleans(), bias=st.booleans(),
       proj=st.integers(1, 2), give_state=st.booleans(), packed=st.booleans(), seed=st.integers(0, 2**16))
def test_lstm_with_projections_matches_the_documented_equations(layers, bidirectional, batch_first, bias,
                                                                 proj, give_state, packed, seed):
    """proj_size: h (and the outputs, and the next layer's input) is weight_hr (o * tanh(c)),
    proj_size wide, c hidden_size wide; parameters named and ordered as PyTorch's."""
    inp, hid, length, batch = 2, 3, 3, 2
    rng = np.random.default_rng(seed)
    net = nn.LSTM(inp, hid, layers, bias=bias, batch_first=batch_first, bidirectional=bidirectional,
                  proj_size=proj, dtype=dg.float64)
    directions = 2 if bidirectional else 1
    names = ["weight_ih", "weight_hh"] + ["bias_ih", "bias_hh"] * bias + ["weight_hr"]
    assert [n for n, _ in net.named_parameters()] == [
        f"{n}_l{layer}{s}" for layer in range(layers) for s in ("", "_reverse")[:directions] for n in names]
    assert tuple(net.weight_hh_l0.shape) == (4 * hid, proj) and tuple(net.weight_hr_l0.shape) == (proj, hid)
    x = rng.standard_normal((batch, length, inp) if batch_first else (length, batch, inp))
    shapes = [(layers * directions, batch, proj), (layers * directions, batch, hid)]
    states = [rng.standard_normal(s) if give_state else np.zeros(s) for s in shapes]
    params = [p.detach().numpy() for p in net.parameters()]
    xd = dg.tensor(x, requires_grad=True)
    hx = tuple(dg.tensor(s) for s in states) if give_state else None
    if packed and not batch_first:  # every sequence full length: the packed run equals the plain one
        out, (h, c) = net(nn.utils.rnn.pack_padded_sequence(xd, [length] * batch), hx)
        out = nn.utils.rnn.pad_packed_sequence(out)[0]
    else:
        out, (h, c) = net(xd, hx)
    want, vjp = jax.vjp(lambda x, p: _jax_net("LSTM", layers, directions, bias, batch_first, x,
                                              [jnp.asarray(s) for s in states], p, proj=True),
                        jnp.asarray(x), [jnp.asarray(p) for p in params])
    for g, w in zip((out, h, c), want, strict=True):
        assert tuple(g.shape) == w.shape
        np.testing.assert_allclose(g.detach().numpy(), np.asarray(w), rtol=1e-10, atol=1e-12)
    cotangents = [rng.standard_normal(w.shape) for w in want]
    sum((g * dg.tensor(ct)).sum() for g, ct in zip((out, h, c), cotangents, strict=True)).backward()
    gx, gp = vjp(tuple(jnp.asarray(ct) for ct in cotangents))
    np.testing.assert_allclose(xd.grad.numpy(), np.asarray(gx), rtol=1e-9, atol=1e-12)
    for (name, p), g in zip(net.named_parameters(), gp, strict=True):
        np.testing.assert_allclose(p.grad.numpy(), np.asarray(g), rtol=1e-9, atol=1e-12, err_msg=name)


_CELLS = {"RNN_TANH": (nn.RNNCell, {}), "RNN_RELU": (nn.RNNCell, {"nonlinearity": "relu"}),
          "LSTM": (nn.LSTMCell, {}), "GRU": (nn.GRUCell, {})}


@settings(max_examples=10, deadline=None)
@given(mode=st.sampled_from(sorted(_CELLS)), bias=st.booleans(), batch=st.sampled_from([None, 3]),
       give_state=st.booleans(), seed=st.integers(0, 2**16))
def test_cells_match_the_documented_equations(mode, bias, batch, give_state, seed):
    inp, hid = 2, 3
    rng = np.random.default_rng(seed)
    cls, kw = _CELLS[mode]
    cell = cls(inp, hid, bias=bias, **kw)
    names = ["weight_ih", "weight_hh"] + ["bias_ih", "bias_hh"] * bias
    assert [n for n, _ in cell.named_parameters()] == names
    gates = {"LSTM": 4, "GRU": 3}.get(mode, 1)
    assert tuple(cell.weight_ih.shape) == (gates * hid, inp)
    assert tuple(cell.weight_hh.shape) == (gates * hid, hid)
    params = [p.detach().numpy().astype(np.float64) for p in cell.parameters()]
    for p, v in zip(cell.parameters(), params, strict=True):
        p.data = dg.tensor(v)
    lead = () if batch is None else (batch,)
    x = rng.standard_normal(lead + (inp,))
    states = [rng.standard_normal(lead + (hid,)) if give_state else np.zeros(lead + (hid,))
              for _ in range(2 if mode == "LSTM" else 1)]
    xd = dg.tensor(x, requires_grad=True)
    given_states = tuple(dg.tensor(s) for s in states)
    arg = None if not give_state else (given_states if mode == "LSTM" else given_states[0])
    got = cell(xd, arg)
    got = got if isinstance(got, tuple) else (got,)

    def oracle(x, params):
        weights = tuple(params) if bias else (params[0], params[1], None, None)
        return _jax_step(mode, x, tuple(jnp.asarray(s) for s in states), *weights)

    want, vjp = jax.vjp(oracle, jnp.asarray(x), [jnp.asarray(p) for p in params])
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g.detach().numpy(), np.asarray(w), rtol=1e-10, atol=1e-12)
    cotangents = [rng.standard_normal(w.shape) for w in want]
    sum((g * dg.tensor(ct)).sum() for g, ct in zip(got, cotangents, strict=True)).backward()
    gx, gp = vjp(tuple(jnp.asarray(ct) for ct in cotangents))
    np.testing.assert_allclose(xd.grad.numpy(), np.asarray(gx), rtol=1e-9, atol=1e-12)
    for p, g in zip(cell.parameters(), gp, strict=True):
        np.testing.assert_allclose(p.grad.numpy(), np.asarray(g), rtol=1e-9, atol=1e-12)


def test_state_dict_keys_and_shapes_are_pytorchs():
    net = nn.LSTM(3, 5, num_layers=2, bidirectional=True)
    keys = [f"{k}_l{layer}{s}" for layer in (0, 1) for s in ("", "_reverse")
            for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
    state = net.state_dict()
    assert list(state) == keys
    assert tuple(state["weight_ih_l0"].shape) == (20, 3)
    assert tuple(state["weight_ih_l1_reverse"].shape) == (20, 10)  # layer 1 reads both directions
    assert tuple(state["weight_hh_l1"].shape) == (20, 5)
    assert tuple(state["bias_hh_l0_reverse"].shape) == (20,)
    assert list(nn.GRU(2, 4, bias=False).state_dict()) == ["weight_ih_l0", "weight_hh_l0"]
    other = nn.LSTM(3, 5, num_layers=2, bidirectional=True)
    other.load_state_dict(state)
    x = dg.randn(4, 2, 3)
    np.testing.assert_array_equal(other(x)[0].detach().numpy(), net(x)[0].detach().numpy())


def test_initialisation_is_uniform_within_one_over_sqrt_hidden():
    dg.manual_seed(0)
    for module in (nn.GRU(4, 16, num_layers=2), nn.LSTMCell(4, 16), nn.RNN(4, 16, bidirectional=True)):
        values = np.concatenate([p.detach().numpy().ravel() for p in module.parameters()])
        bound = 1 / math.sqrt(16)
        assert values.min() >= -bound and values.max() <= bound
        assert values.min() < -0.8 * bound and values.max() > 0.8 * bound  # spread over the range


def test_dropout_acts_between_layers_in_training_only():
    net = nn.GRU(2, 3, num_layers=2, dropout=1.0)  # p=1: layer 1 reads zeros in training
    params = [jnp.asarray(p.detach().numpy()) for p in net.parameters()]
    x = np.random.default_rng(1).standard_normal((4, 2, 2))
    zeros = [jnp.zeros((2, 2, 3))]
    trained = _jax_net("GRU", 2, 1, True, False, jnp.asarray(x), zeros, params, zero_between=True)
    np.testing.assert_allclose(net(dg.tensor(x))[0].detach().numpy(), np.asarray(trained[0]), rtol=1e-5)
    net.eval()
    plain = _jax_net("GRU", 2, 1, True, False, jnp.asarray(x), zeros, params)
    np.testing.assert_allclose(net(dg.tensor(x))[0].detach().numpy(), np.asarray(plain[0]), rtol=1e-5)
    with pytest.warns(UserWarning, match="num_layers greater than 1"):
        nn.LSTM(2, 3, dropout=0.5)


def test_reprs_are_pytorchs():
    assert repr(nn.LSTM(3, 4, 2, batch_first=True, dropout=0.5)) == \
        "LSTM(3, 4, num_layers=2, batch_first=True, dropout=0.5)"
    assert repr(nn.GRU(3, 4, bias=False, bidirectional=True)) == "GRU(3, 4, bias=False, bidirectional=True)"
    assert repr(nn.RNNCell(3, 4, nonlinearity="relu")) == "RNNCell(3, 4, nonlinearity=relu)"
    assert repr(nn.LSTMCell(3, 4)) == "LSTMCell(3, 4)"
    assert repr(nn.LSTM(3, 4, proj_size=2, num_layers=2)) == "LSTM(3, 4, proj_size=2, num_layers=2)"


def test_bad_arguments_are_refused_by_name():
    with pytest.raises(DualgradValueError, match="proj_size has to be smaller than hidden_size"):
        nn.LSTM(3, 4, proj_size=4)
    with pytest.raises(DualgradValueError, match="proj_size should be a positive integer or zero"):
        nn.LSTM(3, 4, proj_size=-1)
    with pytest.raises(DualgradValueError, match="only supported for LSTM, not RNN or GRU"):
        RNNBase("GRU", 3, 4, proj_size=2)
    with pytest.raises(EagerShapeError, match=r"Expected hidden\[0\] size \(1, 1, 2\), got \[1, 1, 4\]"):
        nn.LSTM(3, 4, proj_size=2)(dg.randn(2, 1, 3), (dg.zeros(1, 1, 4), dg.zeros(1, 1, 4)))
    with pytest.raises(DualgradValueError, match="nonlinearity 'gelu'"):
        nn.RNN(3, 4, nonlinearity="gelu")
    net = nn.LSTM(3, 4, num_layers=2)
    with pytest.raises(EagerShapeError, match=r"input_size. Expected 3, got 5"):
        net(dg.randn(2, 1, 5))
    with pytest.raises(DualgradValueError, match="Expected input to be 2D or 3D, got 4D"):
        net(dg.randn(2, 1, 1, 3))
    with pytest.raises(EagerShapeError, match=r"Expected hidden\[0\] size \(2, 1, 4\), got \[1, 1, 4\]"):
        net(dg.randn(2, 1, 3), (dg.zeros(1, 1, 4), dg.zeros(2, 1, 4)))
    with pytest.raises(DualgradTypeError, match="LSTM: Expected hx to be a tuple"):
        net(dg.randn(2, 1, 3), dg.zeros(2, 1, 4))
    with pytest.raises(EagerShapeError, match="GRUCell: input has inconsistent input_size: got 2 expected 3"):
        nn.GRUCell(3, 4)(dg.randn(5, 2))
    with pytest.raises(EagerShapeError, match=r"RNNCell: Expected hidden of shape \[5, 4\], got \[4\]"):
        nn.RNNCell(3, 4)(dg.randn(5, 3), dg.randn(4))
