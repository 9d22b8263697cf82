"""nn.utils.rnn's packed sequences and nn.RNN/LSTM/GRU on them, against an oracle that never
packs: each sequence alone, unpadded, through PyTorch's documented cell equations in numpy
float64 (outputs and h_n at each sequence's LAST VALID step; the reverse direction starting
from that step), and, for gradients, each sequence alone through dualgrad's padded-batch path
(checked against jax in test_recurrent.py). Plus PyTorch's packed layout, round trips of
pack/pad, the errors, and PackedSequence as a named tuple on both devices."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
from dualgrad import nn
from dualgrad.errors import DualgradRuntimeError, DualgradTypeError, DualgradValueError, EagerShapeError
from dualgrad.nn.utils import rnn

DEVICES = ["cpu", "jax"]


# -- the oracle: one sequence at a time, PyTorch's documented equations in numpy float64 --------------
def _sig(v):
    return 1.0 / (1.0 + np.exp(-v))


def _np_step(mode, x, state, w_ih, w_hh, b_ih, b_hh):
    h, hid = state[0], state[0].shape[-1]
    gi = w_ih @ x + (0.0 if b_ih is None else b_ih)
    gh = w_hh @ h + (0.0 if b_hh is None else b_hh)
    if mode == "RNN_TANH":
        return (np.tanh(gi + gh),)
    if mode == "RNN_RELU":
        return (np.maximum(gi + gh, 0.0),)
    if mode == "LSTM":
        a = gi + gh
        i, f, g, o = _sig(a[:hid]), _sig(a[hid:2 * hid]), np.tanh(a[2 * hid:3 * hid]), _sig(a[3 * hid:])
        c = f * state[1] + i * g
        return o * np.tanh(c), c
    r, z = _sig(gi[:hid] + gh[:hid]), _sig(gi[hid:2 * hid] + gh[hid:2 * hid])
    n = np.tanh(gi[2 * hid:] + r * gh[2 * hid:])
    return ((1.0 - z) * n + z * h,)


def _np_sequence(mode, layers, directions, params, x, states):
    """(outputs (L, D*H), final states) of ONE unpadded sequence x (L, in) from states (layers*D, H)."""
    seq, finals = x, [[] for _ in states]
    for layer in range(layers):
        outs = []
        for d, suffix in enumerate(("", "_reverse")[:directions]):
            w = [params.get(f"{k}_l{layer}{suffix}") for k in ("weight_ih", "weight_hh", "bias_ih",
                                                                 "bias_hh")]
            state = tuple(s[layer * directions + d] for s in states)
            ys = []
            for t in (range(len(seq) - 1, -1, -1) if d else range(len(seq))):
                state = _np_step(mode, seq[t], state, *w)
                ys.append(state[0])
            outs.append(np.stack(ys[::-1] if d else ys))
            for f, s in zip(finals, state, strict=True):
                f.append(s)
        seq = np.concatenate(outs, axis=-1)
    return seq, [np.stack(f) for f in finals]


_MODULES = {"RNN_TANH": (nn.RNN, {}), "RNN_RELU": (nn.RNN, {"nonlinearity": "relu"}),
            "LSTM": (nn.LSTM, {}), "GRU": (nn.GRU, {})}


def _net(mode, layers, bidirectional, batch_first, bias, device):
    cls, kw = _MODULES[mode]
    return cls(2, 3, layers, bias=bias, batch_first=batch_first, bidirectional=bidirectional,
               dtype=dg.float64, device=device, **kw)


def _call(net, mode, input, states):
    """(output, [h_n(, c_n)]) with hx given as the module takes it (None when states is None)."""
    hx = None if states is None else (tuple(states) if mode == "LSTM" else states[0])
    out, fin = net(input, hx)
    return out, list(fin) if mode == "LSTM" else [fin]


def _check_against_single_sequences(mode, layers, bidirectional, batch_first, bias, lengths, enforce_sorted,
                                    give_state, device, seed):
    rng = np.random.default_rng(seed)
    net = _net(mode, layers, bidirectional, batch_first, bias, device)
    params = {n: p.detach().numpy() for n, p in net.named_parameters()}
    directions, batch, longest = 1 + bidirectional, len(lengths), max(lengths) + seed % 2  # spare padding
    x = rng.standard_normal((batch, longest, 2) if batch_first else (longest, batch, 2))
    n_states = 2 if mode == "LSTM" else 1
    states = [rng.standard_normal((layers * directions, batch, 3)) for _ in range(n_states)]
    xd = dg.tensor(x, requires_grad=True, device=device)
    sd = [dg.tensor(s, requires_grad=True, device=device) for s in states]
    packed = rnn.pack_padded_sequence(xd, lengths, batch_first=batch_first, enforce_sorted=enforce_sorted)
    out, finals = _call(net, mode, packed, sd if give_state else None)
    assert isinstance(out, rnn.PackedSequence) and out.batch_sizes is packed.batch_sizes
    padded, got_lengths = rnn.pad_packed_sequence(out, batch_first=batch_first, padding_value=-7.0,
                                                  total_length=longest)
    assert got_lengths.tolist() == list(lengths) and got_lengths.device == "cpu"

    xs = [x[b, :n] if batch_first else x[:n, b] for b, n in enumerate(lengths)]
    want = padded.detach().numpy().copy()
    for b, n in enumerate(lengths):
        init = [s[:, b] if give_state else np.zeros_like(s[:, b]) for s in states]
        seq_out, seq_finals = _np_sequence(mode, layers, directions, params, xs[b], init)
        mine = want[b] if batch_first else want[:, b]
        np.testing.assert_allclose(mine[:n], seq_out, rtol=1e-10, atol=1e-12)
        np.testing.assert_array_equal(mine[n:], -7.0)  # padding_value where the sequence has ended
        for f, sf in zip(finals, seq_finals, strict=True):
            np.testing.assert_allclose(f.detach().numpy()[:, b], sf, rtol=1e-10, atol=1e-12)

    # gradients: the same cotangents, each sequence alone through the padded (unbatched) path
    cts = [rng.standard_normal(padded.shape)] + [rng.standard_normal(f.shape) for f in finals]
    loss = (padded * dg.tensor(cts[0], device=device)).sum()
    loss = loss + sum((f * dg.tensor(c, device=device)).sum() for f, c in zip(finals, cts[1:], strict=True))
    loss.backward()
    got = [xd.grad.numpy()] + [s.grad.numpy() for s in sd if give_state] + \
        [p.grad.numpy() for p in net.parameters()]
    net.zero_grad()
    gx, gs = np.zeros_like(x), [np.zeros_like(s) for s in states]
    for b, n in enumerate(lengths):
        xb = dg.tensor(xs[b], requires_grad=True, device=device)
        sb = [dg.tensor(s[:, b], requires_grad=True, device=device) for s in states]
        o, f = _call(net, mode, xb, sb if give_state else None)
        ct_out = cts[0][b, :n] if batch_first else cts[0][:n, b]
        total = (o * dg.tensor(ct_out, device=device)).sum()
        for fi, c in zip(f, cts[1:], strict=True):
            total = total + (fi * dg.tensor(c[:, b], device=device)).sum()
        total.backward()
        (gx[b, :n] if batch_first else gx[:n, b])[...] = xb.grad.numpy()
        for g, s in zip(gs, sb, strict=True):
            if give_state:
                g[:, b] = s.grad.numpy()
    want_grads = [gx] + [g for g in gs if give_state] + [p.grad.numpy() for p in net.parameters()]
    for g, w in zip(got, want_grads, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-9, atol=1e-12)


@settings(max_examples=10, deadline=None)
@given(mode=st.sampled_from(sorted(_MODULES)), layers=st.integers(1, 2), bidirectional=st.booleans(),
       batch_first=st.booleans(), bias=st.booleans(), enforce_sorted=st.booleans(), give_state=st.booleans(),
       lengths=st.lists(st.integers(1, 4), min_size=1, max_size=4), seed=st.integers(0, 2**16))
def test_packed_networks_match_each_sequence_run_alone(mode, layers, bidirectional, batch_first, bias,
                                                       enforce_sorted, give_state, lengths, seed):
    if enforce_sorted:
        lengths = sorted(lengths, reverse=True)
    _check_against_single_sequences(mode, layers, bidirectional, batch_first, bias, lengths, enforce_sorted,
                                    give_state, "cpu", seed)


def test_packed_lstm_on_the_jax_device_matches_the_cpu():
    """The jax device runs the same registry ops: its values and gradients equal the CPU's,
    which the oracle test above checks (one small case: each new shape compiles once)."""
    rng = np.random.default_rng(3)
    x, h0 = rng.standard_normal((2, 2, 2)), rng.standard_normal((2, 2, 3))
    results = []
    for device in DEVICES:
        dg.manual_seed(0)
        net = _net("LSTM", 1, True, True, True, device)
        xd = dg.tensor(x, requires_grad=True, device=device)
        hd = dg.tensor(h0, requires_grad=True, device=device)
        packed = rnn.pack_padded_sequence(xd, dg.tensor([1, 2]), batch_first=True, enforce_sorted=False)
        out, (h, c) = net(packed, (hd, hd * 0.5))
        assert out.data.device == device and out.sorted_indices.device == device and h.device == device
        padded, _ = rnn.pad_packed_sequence(out, batch_first=True)
        ((padded * padded).sum() + (h * c).sum()).backward()
        results.append([padded.detach().numpy(), h.detach().numpy(), c.detach().numpy(), xd.grad.numpy(),
                        hd.grad.numpy(), *(p.grad.numpy() for p in net.parameters())])
    for a, b in zip(*results, strict=True):
        np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-14)


# -- the packed layout: PyTorch's documented example, and round trips ----------------------------
@pytest.mark.parametrize("device", DEVICES)
def test_layout_is_pytorchs(device):
    # torch.nn.utils.rnn.pack_sequence's documented example: [1,2,3], [4,5], [6]
    seqs = [dg.tensor(v, device=device) for v in ([1.0, 2.0, 3.0], [4.0, 5.0], [6.0])]
    packed = rnn.pack_sequence(seqs)
    assert packed._fields == ("data", "batch_sizes", "sorted_indices", "unsorted_indices")
    assert packed.data.tolist() == [1, 4, 6, 2, 5, 3] and packed.batch_sizes.tolist() == [3, 2, 1]
    assert packed.sorted_indices is None and packed.unsorted_indices is None
    assert packed.batch_sizes.device == "cpu" and packed.batch_sizes.dtype == dg.int64
    shuffled = rnn.pack_sequence([seqs[1], seqs[2], seqs[0]], enforce_sorted=False)
    assert shuffled.data.tolist() == [1, 4, 6, 2, 5, 3] and shuffled.batch_sizes.tolist() == [3, 2, 1]
    assert shuffled.sorted_indices.tolist() == [2, 0, 1] and shuffled.unsorted_indices.tolist() == [1, 2, 0]
    assert shuffled.sorted_indices.device == device
    ties = rnn.pack_padded_sequence(dg.zeros(3, 4, device=device), [2, 3, 2, 3], enforce_sorted=False)
    assert ties.sorted_indices.tolist() == [1, 3, 0, 2]  # stable: equal lengths keep their order
    padded, lengths = rnn.pad_packed_sequence(shuffled, batch_first=True)
    assert padded.tolist() == [[4, 5, 0], [6, 0, 0], [1, 2, 3]] and lengths.tolist() == [2, 1, 3]
    assert [s.tolist() for s in rnn.unpack_sequence(shuffled)] == [[4, 5], [6], [1, 2, 3]]


@settings(max_examples=15, deadline=None)
@given(lengths=st.lists(st.integers(1, 5), min_size=1, max_size=5), batch_first=st.booleans(),
       enforce_sorted=st.booleans(), spare=st.integers(0, 2), padding_value=st.floats(-3, 3),
       seed=st.integers(0, 2**16))
def test_pack_then_pad_gives_back_the_valid_steps(lengths, batch_first, enforce_sorted, spare, padding_value,
                                                  seed):
    if enforce_sorted:
        lengths = sorted(lengths, reverse=True)
    rng = np.random.default_rng(seed)
    longest, batch = max(lengths), len(lengths)
    x = rng.standard_normal((batch, longest + spare, 2) if batch_first else (longest + spare, batch, 2))
    valid = (np.arange(longest + spare)[:, None] < np.array(lengths)[None, :])  # (T, B)
    valid = (valid.T if batch_first else valid)[..., None]
    xd = dg.tensor(x, requires_grad=True)
    packed = rnn.pack_padded_sequence(xd, dg.tensor(lengths), batch_first=batch_first,
                                      enforce_sorted=enforce_sorted)
    assert packed.data.shape == (sum(lengths), 2)
    assert packed.batch_sizes.tolist() == [sum(n > t for n in lengths) for t in range(longest)]
    padded, got = rnn.pad_packed_sequence(packed, batch_first=batch_first, padding_value=padding_value,
                                          total_length=longest + spare)
    np.testing.assert_array_equal(padded.detach().numpy(), np.where(valid, x, padding_value))
    assert got.tolist() == lengths
    ct = rng.standard_normal(x.shape)
    (padded * dg.tensor(ct)).sum().backward()
    np.testing.assert_array_equal(xd.grad.numpy(), np.where(valid, ct, 0.0))  # padding gets no gradient
    seqs = [x[b, :n] if batch_first else x[:n, b] for b, n in enumerate(lengths)]
    again = rnn.pack_sequence([dg.tensor(s) for s in seqs], enforce_sorted=enforce_sorted)
    np.testing.assert_array_equal(again.data.numpy(), packed.data.detach().numpy())
    for a, b in zip(rnn.unpack_sequence(again), seqs, strict=True):
        np.testing.assert_array_equal(a.numpy(), b)
    for a, b in zip(rnn.unpad_sequence(padded, got, batch_first=batch_first), seqs, strict=True):
        np.testing.assert_array_equal(a.detach().numpy(), b)


@pytest.mark.parametrize("device", DEVICES)
def test_packed_sequence_is_a_named_tuple_that_moves(device):
    packed = rnn.pack_sequence([dg.ones(2, 3), dg.ones(3, 3)], enforce_sorted=False)
    data, batch_sizes, sorted_indices, unsorted_indices = packed
    made = rnn.PackedSequence(data * 2, batch_sizes, sorted_indices)  # unsorted_indices inverted for you
    assert made.unsorted_indices.tolist() == [1, 0] and len(made) == 4
    moved = made.to(device).double()
    assert moved.data.device == device and moved.data.dtype == dg.float64
    assert moved.is_cuda == (device != "cpu")
    assert moved.sorted_indices.device == device and moved.batch_sizes.device == "cpu"
    assert moved.float().data.dtype == dg.float32 and made.to("cpu") is made
    assert rnn.invert_permutation(None) is None
    assert rnn.invert_permutation(dg.tensor([2, 0, 1])).tolist() == [1, 2, 0]


def test_errors_name_the_function_and_the_lengths():
    x = dg.zeros(4, 3, 2)
    with pytest.raises(DualgradRuntimeError, match=r"pack_padded_sequence: `lengths` array must be sorted.*"
                                                   r"\[2, 3, 1\].*test_packed_sequences.py"):
        rnn.pack_padded_sequence(x, [2, 3, 1])
    with pytest.raises(DualgradRuntimeError, match="greater than 0"):
        rnn.pack_padded_sequence(x, [4, 3, 0])
    with pytest.raises(EagerShapeError, match=r"exceeds the padded sequence length: lengths \[5, 3, 2\]"):
        rnn.pack_padded_sequence(x, [5, 3, 2])  # PyTorch reads past the padding here
    with pytest.raises(EagerShapeError, match=r"but got 2 \(batch_size=3\)"):
        rnn.pack_padded_sequence(x, [4, 3])
    with pytest.raises(DualgradValueError, match="whole numbers"):
        rnn.pack_padded_sequence(x, [4, 2.5, 1])
    packed = rnn.pack_padded_sequence(x, [4, 3, 1])
    with pytest.raises(DualgradValueError, match="total_length=3 and max sequence length being 4"):
        rnn.pad_packed_sequence(packed, total_length=3)
    with pytest.raises(DualgradTypeError, match="pad_packed_sequence: expected a PackedSequence"):
        rnn.pad_packed_sequence(x)
    lstm = nn.LSTM(2, 5)
    with pytest.raises(EagerShapeError, match=r"Expected hidden\[0\] size \(1, 3, 5\), got \[1, 2, 5\]"):
        lstm(packed, (dg.zeros(1, 2, 5), dg.zeros(1, 2, 5)))
    with pytest.raises(EagerShapeError, match="input.size\\(-1\\) must be equal to input_size"):
        nn.GRU(3, 5)(packed)
    with pytest.raises(DualgradTypeError, match="expected a Tensor or a PackedSequence"):
        nn.RNN(2, 5)([1.0, 2.0])
    with pytest.raises(DualgradValueError, match="batch_sizes should always be on CPU"):
        rnn.PackedSequence(packed.data, packed.batch_sizes.to("jax"))
