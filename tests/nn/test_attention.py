"""F.scaled_dot_product_attention and nn.MultiheadAttention against the attention written out
again here in numpy float64 (values; gradients against central differences of that numpy
forward along random directions): PyTorch 2.13's documented math,
its mask conventions (sdpa's boolean mask True = take part; MultiheadAttention's
key_padding_mask and boolean attn_mask True = ignore; float masks added), a fully masked row
(sdpa: zeros and no gradient; MultiheadAttention with need_weights: NaN), causal masks,
batch_first, kdim/vdim, head-averaged weights, PyTorch's parameter names, and the errors."""
from __future__ import annotations

import math

import numpy as np
import pytest

import dualgrad as dg
from dualgrad import nn
from dualgrad.errors import DTypeError, DualgradValueError, ShapeError
from dualgrad.nn import functional as F

NEG_INF = -np.inf


# -- the oracle --------------------------------------------------------------------------------
def _softmax(x):
    with np.errstate(invalid="ignore"):  # an all -inf row: NaN, as a plain softmax gives
        e = np.exp(x - x.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)


def np_attention(q, k, v, bias, scale, safe: bool):
    """softmax(q k^T * scale + bias) v; `safe`: a row of only -inf scores gives zero weights."""
    scores = np.matmul(q, np.swapaxes(k, -1, -2)) * scale
    if bias is not None:
        scores = scores + bias
    if safe:
        dead = np.all(scores == -np.inf, axis=-1, keepdims=True)
        weights = np.where(dead, 0.0, _softmax(np.where(dead, 0.0, scores)))
    else:
        weights = _softmax(scores)
    return np.matmul(weights, v), weights


def _np(t) -> np.ndarray:
    return t.detach().numpy()


def _leaves(*arrays):
    return [dg.tensor(a, requires_grad=True) for a in arrays]


def _check_vjp(dg_out, dg_inputs, np_fn, arrays, rng, directions: int = 2, h: float = 1e-6):
    """dualgrad's output against np_fn's value; the gradient of <out, cot> for a random
    cotangent, projected on random directions, against central differences of np_fn."""
    expected = np_fn(*arrays)
    np.testing.assert_allclose(_np(dg_out), expected, rtol=1e-10, atol=1e-12)
    cot = rng.normal(size=expected.shape)
    dg_out.backward(dg.tensor(cot))
    for i, t in enumerate(dg_inputs):
        for _ in range(directions):
            d = rng.normal(size=arrays[i].shape)
            ahead, behind = list(arrays), list(arrays)
            ahead[i], behind[i] = arrays[i] + h * d, arrays[i] - h * d
            numeric = float(np.sum((np_fn(*ahead) - np_fn(*behind)) * cot)) / (2 * h)
            analytic = float(np.sum(t.grad.numpy() * d))
            assert abs(numeric - analytic) <= 1e-6 * (1 + abs(numeric)), (i, numeric, analytic)


# -- scaled_dot_product_attention ---------------------------------------------------------------
def _bool_bias(mask):
    return np.where(mask, 0.0, -np.inf)


SDPA_CASES = {
    "plain": dict(L=4, S=6),
    "bool mask (L, S)": dict(L=4, S=6, mask="bool"),
    "bool mask with an all-False row": dict(L=4, S=6, mask="bool_dead"),
    "float mask (N, 1, L, S)": dict(L=4, S=6, mask="float"),
    "float mask with -inf": dict(L=4, S=6, mask="float_inf"),
    "causal, L < S": dict(L=3, S=5, causal=True),
    "causal, L > S": dict(L=5, S=3, causal=True),
    "scale": dict(L=4, S=6, scale=0.3),
}


@pytest.mark.parametrize("case", sorted(SDPA_CASES))
def test_sdpa_values_and_gradients(case, rng):
    c = SDPA_CASES[case]
    L, S = c["L"], c["S"]
    q, k, v = rng.normal(size=(2, 3, L, 4)), rng.normal(size=(2, 3, S, 4)), rng.normal(size=(2, 3, S, 5))
    mask, bias = None, None
    if c.get("mask", "").startswith("bool"):
        mask = rng.random((L, S)) > 0.4
        mask[:, 0] = True
        if c["mask"] == "bool_dead":
            mask[1] = False
        bias = _bool_bias(mask)
    elif c.get("mask") == "float":
        mask = rng.normal(size=(2, 1, L, S))
        bias = mask
    elif c.get("mask") == "float_inf":
        mask = np.where(rng.random((L, S)) > 0.5, NEG_INF, rng.normal(size=(L, S)))
        mask[:, 1] = 0.0
        mask[2] = NEG_INF
        bias = mask
    if c.get("causal"):
        bias = _bool_bias(np.tril(np.ones((L, S), bool)))
    scale = c.get("scale", 1 / math.sqrt(4))
    dq, dk, dv = _leaves(q, k, v)
    out = F.scaled_dot_product_attention(dq, dk, dv, attn_mask=None if mask is None else dg.tensor(mask),
                                         is_causal=c.get("causal", False), scale=c.get("scale"))
    assert out.shape == (2, 3, L, 5) and out.dtype == dg.float64
    _check_vjp(out, [dq, dk, dv], lambda q, k, v: np_attention(q, k, v, bias, scale, safe=True)[0],
               (q, k, v), rng)
    assert np.isfinite(_np(out)).all() and np.isfinite(dq.grad.numpy()).all()


def test_sdpa_row_with_every_key_masked_is_zero_with_zero_gradient(rng):
    """PyTorch 2.5+ (2.13 checked): zeros, not NaN, for a boolean all-False row and a float
    all -inf row alike, and no gradient reaches that query."""
    q, k, v = rng.normal(size=(3, 4)), rng.normal(size=(5, 4)), rng.normal(size=(5, 2))
    for mask in (np.array([[True] * 5, [False] * 5, [True, False, True, False, True]]),
                 np.array([[0.0] * 5, [NEG_INF] * 5, [0.0, NEG_INF, 0.0, NEG_INF, 0.0]])):
        dq, dk, dv = _leaves(q, k, v)
        out = F.scaled_dot_product_attention(dq, dk, dv, attn_mask=dg.tensor(mask))
        assert _np(out)[1].tolist() == [0.0, 0.0]
        out.sum().backward()
        assert dq.grad.numpy()[1].tolist() == [0.0] * 4
        assert all(np.isfinite(t.grad.numpy()).all() for t in (dq, dk, dv))


def test_sdpa_float_mask_gets_its_gradient(rng):
    q, k, v, m = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 5, 4)), rng.normal(size=(2, 5, 3)), \
        rng.normal(size=(3, 5))
    leaves = _leaves(q, k, v, m)
    out = F.scaled_dot_product_attention(*leaves[:3], attn_mask=leaves[3])
    _check_vjp(out, leaves, lambda q, k, v, m: np_attention(q, k, v, m, 0.5, safe=True)[0], (q, k, v, m), rng)


def test_sdpa_broadcasts_batch_dims_and_groups_query_heads(rng):
    q, k, v = rng.normal(size=(2, 4, 3, 8)), rng.normal(size=(2, 2, 5, 8)), rng.normal(size=(2, 2, 5, 6))
    out = F.scaled_dot_product_attention(*(dg.tensor(a) for a in (q, k, v)), enable_gqa=True)
    k2, v2 = np.repeat(k, 2, axis=1), np.repeat(v, 2, axis=1)
    expected = np_attention(q, k2, v2, None, 1 / math.sqrt(8), True)[0]
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12)
    # batch dims broadcast: key and value shared by every query batch
    out = F.scaled_dot_product_attention(dg.tensor(q), dg.tensor(k[:1, :1]), dg.tensor(v[:1, :1]))
    expected = np_attention(q, k[:1, :1], v[:1, :1], None, 1 / math.sqrt(8), True)[0]
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12)


def test_sdpa_dropout_drops_weights_with_dualgrads_generator(rng):
    q, k, v = (dg.tensor(rng.normal(size=s)) for s in ((2, 3, 4), (2, 5, 4), (2, 5, 3)))
    dg.manual_seed(7)
    out = F.scaled_dot_product_attention(q, k, v, dropout_p=0.4)
    dg.manual_seed(7)
    keep = F.dropout(dg.ones(2, 3, 5, dtype=dg.float64), 0.4).numpy() != 0
    weights = np_attention(q.numpy(), k.numpy(), v.numpy(), None, 0.5, True)[1]
    np.testing.assert_allclose(out.numpy(), np.asarray(weights) * keep / 0.6 @ v.numpy(), rtol=1e-12)
    dropped = F.scaled_dot_product_attention(q, k, v, dropout_p=1.0)
    assert dropped.numpy().tolist() == np.zeros((2, 3, 3)).tolist()


def test_sdpa_errors_name_the_function_and_shapes():
    q, k, v = dg.zeros(2, 3, 4), dg.zeros(2, 5, 4), dg.zeros(2, 5, 6)
    with pytest.raises(ShapeError, match=r"scaled_dot_product_attention: query and key must have the same "
                                         r"last dim.*query \(2, 3, 4\), key \(2, 5, 3\)"):
        F.scaled_dot_product_attention(q, dg.zeros(2, 5, 3), v)
    with pytest.raises(ShapeError, match=r"scaled_dot_product_attention: key and value must have the same "
                                         r"sequence length.*value \(2, 4, 6\)"):
        F.scaled_dot_product_attention(q, k, dg.zeros(2, 4, 6))
    with pytest.raises(ShapeError, match=r"scaled_dot_product_attention: expected query, key and value to be "
                                         r"at least 2-D.*query \(4,\)"):
        F.scaled_dot_product_attention(dg.zeros(4), k, v)
    with pytest.raises(ShapeError, match=r"scaled_dot_product_attention: the batch dims.*query \(3, 3, 4\)"):
        F.scaled_dot_product_attention(dg.zeros(3, 3, 4), k, v)
    with pytest.raises(ShapeError, match=r"scaled_dot_product_attention: attn_mask of shape \(3, 4\) does "
                                         r"not broadcast to the scores' shape \(2, 3, 5\)"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=dg.ones(3, 4, dtype=dg.bool))
    with pytest.raises(DTypeError, match="scaled_dot_product_attention: Expected attn_mask dtype to be bool"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=dg.zeros(3, 5, dtype=dg.float64))
    with pytest.raises(DTypeError, match="same floating dtype, got float64, float32 and float32"):
        F.scaled_dot_product_attention(q.double(), k, v)
    with pytest.raises(DualgradValueError, match="Explicit attn_mask should not be set when is_causal=True"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=dg.ones(3, 5, dtype=dg.bool), is_causal=True)
    with pytest.raises(DualgradValueError, match="dropout probability has to be between 0 and 1, but got "
                                                 "1.5"):
        F.scaled_dot_product_attention(q, k, v, dropout_p=1.5)
    # PyTorch's texts (2.x): a position for the positional tensors, none for the keyword mask
    with pytest.raises(TypeError, match=r"scaled_dot_product_attention\(\): argument 'value' \(position 3\) "
                                        r"must be Tensor, not list"):
        F.scaled_dot_product_attention(q, k, [1.0])
    with pytest.raises(TypeError, match=r"scaled_dot_product_attention\(\): argument 'attn_mask' must be "
                                        r"Tensor, not list"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=[1.0])
    with pytest.raises(TypeError, match=r"pdist\(\): argument 'input' \(position 1\) must be Tensor, "
                                        r"not list"):
        F.pdist([[1.0, 2.0]])


# -- MultiheadAttention ---------------------------------------------------------------------------
def test_parameter_names_shapes_and_init_are_pytorchs():
    m = nn.MultiheadAttention(8, 2)
    assert list(m.state_dict()) == ["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"]
    assert [n for n, _ in m.named_parameters()] == list(m.state_dict())
    assert m.in_proj_weight.shape == (24, 8) and m.in_proj_bias.shape == (24,)
    assert m.q_proj_weight is None and m.k_proj_weight is None and m.v_proj_weight is None
    bound = math.sqrt(6.0 / (8 + 24))  # xavier_uniform_ on (3E, E)
    w = m.in_proj_weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound
    assert m.in_proj_bias.detach().numpy().tolist() == [0.0] * 24
    assert m.out_proj.bias.detach().numpy().tolist() == [0.0] * 8
    assert repr(m) == ("MultiheadAttention(\n  (out_proj): NonDynamicallyQuantizableLinear(in_features=8, "
                       "out_features=8, bias=True)\n)")
    sep = nn.MultiheadAttention(8, 2, kdim=5, vdim=3)
    assert list(sep.state_dict()) == ["q_proj_weight", "k_proj_weight", "v_proj_weight", "in_proj_bias",
                                      "out_proj.weight", "out_proj.bias"]
    shapes = [tuple(sep.state_dict()[n].shape) for n in ("q_proj_weight", "k_proj_weight", "v_proj_weight")]
    assert shapes == [(8, 8), (8, 5), (8, 3)]
    assert sep.in_proj_weight is None
    assert np.abs(sep.k_proj_weight.detach().numpy()).max() <= math.sqrt(6.0 / 13)
    assert list(nn.MultiheadAttention(8, 2, bias=False).state_dict()) == ["in_proj_weight", "out_proj.weight"]
    assert list(nn.MultiheadAttention(8, 2, kdim=8, vdim=8).state_dict())[0] == "in_proj_weight"
    assert m.double().in_proj_weight.dtype == dg.float64


def _np_mha(params, query, key, value, *, H, kpm, attn, need_weights, average, batch_first, batched):
    """PyTorch's documented MultiheadAttention: in-projections, H heads of scaled dot product
    attention, the out-projection; masks as additive biases."""
    wq, wk, wv, bq, bk, bv, wo, bo = params
    if not batched:
        query, key, value = (x[:, None] for x in (query, key, value))
    elif batch_first:
        query, key, value = (np.swapaxes(x, 0, 1) for x in (query, key, value))
    L, N, E = query.shape
    S, hd = key.shape[0], E // H

    def heads(x, w, b):  # (T, N, e) -> (N, H, T, hd)
        y = x @ w.T + (0.0 if b is None else b)
        return np.transpose(y.reshape(x.shape[0], N, H, hd), (1, 2, 0, 3))

    q, k, v = heads(query, wq, bq), heads(key, wk, bk), heads(value, wv, bv)
    bias = np.zeros((N, H, L, S))
    if attn is not None:
        bias = bias + (attn if attn.ndim == 2 else attn.reshape(N, H, L, S))
    if kpm is not None:
        bias = bias + kpm.reshape(N, 1, 1, S)
    out, weights = np_attention(q, k, v, bias, 1 / math.sqrt(hd), safe=not need_weights)
    out = np.transpose(out, (2, 0, 1, 3)).reshape(L, N, E) @ wo.T + (0.0 if bo is None else bo)
    if average:
        weights = weights.mean(axis=1)
    if not batched:
        return out[:, 0], weights[0]
    return (np.swapaxes(out, 0, 1) if batch_first else out), weights


def _params(m: nn.MultiheadAttention) -> list:
    E = m.embed_dim
    if m.in_proj_weight is not None:
        w = _np(m.in_proj_weight)
        ws = [w[:E], w[E:2 * E], w[2 * E:]]
    else:
        ws = [_np(m.q_proj_weight), _np(m.k_proj_weight), _np(m.v_proj_weight)]
    b = None if m.in_proj_bias is None else _np(m.in_proj_bias)
    bs = [None] * 3 if b is None else [b[:E], b[E:2 * E], b[2 * E:]]
    return [*ws, *bs, _np(m.out_proj.weight), None if m.out_proj.bias is None else _np(m.out_proj.bias)]


def _as_bias(mask):
    """A boolean MultiheadAttention mask (True = ignore) as the additive float mask."""
    if mask is None or mask.dtype != bool:
        return mask
    return np.where(mask, NEG_INF, 0.0)


MHA_CASES = {
    "seq-first, no masks": dict(),
    "batch_first, bool key_padding_mask": dict(batch_first=True, kpm="bool"),
    "float key_padding_mask, per-head weights": dict(kpm="float", average=False),
    "bool attn_mask (L, S) and key_padding_mask": dict(attn="bool2", kpm="bool"),
    "float attn_mask (N*H, L, S)": dict(attn="float3"),
    "kdim/vdim, need_weights=False, kpm": dict(kdim=3, vdim=5, need_weights=False, kpm="bool"),
    "need_weights=False, bool attn_mask": dict(need_weights=False, attn="bool2", batch_first=True),
    "no bias": dict(bias=False, attn="bool2"),
    "unbatched": dict(batched=False, kpm="bool", attn="bool2"),
}


@pytest.mark.parametrize("case", sorted(MHA_CASES))
def test_multihead_attention_values_and_gradients(case, rng):
    c = MHA_CASES[case]
    E, H, L, S, N = 8, 2, 4, 5, 2
    kdim, vdim = c.get("kdim", E), c.get("vdim", E)
    batched, batch_first = c.get("batched", True), c.get("batch_first", False)
    m = nn.MultiheadAttention(E, H, bias=c.get("bias", True), kdim=kdim, vdim=vdim,
                              batch_first=batch_first).double()
    with dg.no_grad():  # nonzero biases, so a mix-up of bias parts shows
        for p in m.parameters():
            p.copy_(dg.tensor(rng.normal(scale=0.5, size=tuple(p.shape))))

    def shape(T, e):
        return (T, e) if not batched else ((N, T, e) if batch_first else (T, N, e))

    query, key = rng.normal(size=shape(L, E)), rng.normal(size=shape(S, kdim))
    value = rng.normal(size=shape(S, vdim))
    kpm = attn = None
    if c.get("kpm") == "bool":
        kpm = rng.random((N, S) if batched else (S,)) > 0.6
        kpm[..., 0] = False
    elif c.get("kpm") == "float":
        kpm = rng.normal(size=(N, S))
    if c.get("attn") == "bool2":
        attn = rng.random((L, S)) > 0.7
        attn[:, 1] = False
    elif c.get("attn") == "float3":
        attn = rng.normal(size=(N * H, L, S))
    need_weights, average = c.get("need_weights", True), c.get("average", True)
    leaves = _leaves(query, key, value)
    out, weights = m(*leaves, key_padding_mask=None if kpm is None else dg.tensor(kpm),
                     need_weights=need_weights, attn_mask=None if attn is None else dg.tensor(attn),
                     average_attn_weights=average)
    params = _params(m)
    kpm_b = _as_bias(kpm)
    if kpm_b is not None and not batched:
        kpm_b = kpm_b[None]

    def oracle(q, k, v):
        return _np_mha(params, q, k, v, H=H, kpm=kpm_b, attn=_as_bias(attn), need_weights=need_weights,
                        average=average, batch_first=batch_first, batched=batched)

    expected_out, expected_w = oracle(query, key, value)
    if need_weights:
        np.testing.assert_allclose(_np(weights), expected_w, rtol=1e-10, atol=1e-12)
        per = (H,) if not average else ()
        assert weights.shape == ((N, *per, L, S) if batched else (*per, L, S))
    else:
        assert weights is None
    assert out.shape == expected_out.shape
    _check_vjp(out, leaves, lambda q, k, v: oracle(q, k, v)[0], (query, key, value), rng)


def test_parameter_gradients(rng):
    m = nn.MultiheadAttention(6, 3, kdim=4).double()
    q, k, v = rng.normal(size=(3, 2, 6)), rng.normal(size=(5, 2, 4)), rng.normal(size=(5, 2, 6))
    w_cot = rng.normal(size=(2, 3, 5))  # (N, L, S): the head-averaged weights get a gradient too
    out, w = m(dg.tensor(q), dg.tensor(k), dg.tensor(v))
    (out.sum() + (w * dg.tensor(w_cot)).sum()).backward()
    params = _params(m)

    def loss(*params):
        o, ww = _np_mha(params, q, k, v, H=3, kpm=None, attn=None, need_weights=True, average=True,
                        batch_first=False, batched=True)
        return np.array(o.sum() + (ww * w_cot).sum())

    grads = {"q": m.q_proj_weight.grad, "k": m.k_proj_weight.grad, "v": m.v_proj_weight.grad,
             "b": m.in_proj_bias.grad, "o": m.out_proj.weight.grad, "ob": m.out_proj.bias.grad}
    E = 6
    per_param = [grads["q"], grads["k"], grads["v"], grads["b"][:E], grads["b"][E:2 * E], grads["b"][2 * E:],
                 grads["o"], grads["ob"]]
    for i, g in enumerate(per_param):
        for _ in range(2):
            d = rng.normal(size=params[i].shape)
            ahead, behind = list(params), list(params)
            ahead[i], behind[i] = params[i] + 1e-6 * d, params[i] - 1e-6 * d
            numeric = float(loss(*ahead) - loss(*behind)) / 2e-6
            analytic = float(np.sum(g.numpy() * d))
            assert abs(numeric - analytic) <= 1e-6 * (1 + abs(numeric)), (i, numeric, analytic)


def test_fully_padded_query_nan_with_weights_zero_attention_without(rng):
    """PyTorch 2.13's Python path: need_weights=True softmaxes an all -inf row (NaN);
    need_weights=False goes through sdpa (zeros, so the output is out_proj's bias)."""
    m = nn.MultiheadAttention(4, 2, batch_first=True).double()
    with dg.no_grad():
        m.out_proj.bias.copy_(dg.tensor([1.0, 2.0, 3.0, 4.0]))
    x = dg.tensor(rng.normal(size=(2, 3, 4)))
    kpm = dg.tensor([[False, False, True], [True, True, True]])
    with np.errstate(invalid="ignore"):
        out, w = m(x, x, x, key_padding_mask=kpm)
    assert np.isnan(_np(out)[1]).all() and np.isnan(_np(w)[1]).all() and np.isfinite(_np(out)[0]).all()
    out, w = m(x, x, x, key_padding_mask=kpm, need_weights=False)
    assert w is None and _np(out)[1].tolist() == [[1.0, 2.0, 3.0, 4.0]] * 3


def test_is_causal_is_a_hint_that_needs_the_mask(rng):
    m = nn.MultiheadAttention(4, 2).double()
    x = dg.tensor(rng.normal(size=(3, 1, 4)))
    causal = dg.tensor(np.triu(np.ones((3, 3), bool), 1))  # True = ignore: the future
    with pytest.raises(DualgradValueError, match="Need attn_mask if specifying the is_causal hint"):
        m(x, x, x, is_causal=True)
    ref, _ = m(x, x, x, attn_mask=causal)
    for need_weights in (True, False):
        out, _ = m(x, x, x, attn_mask=causal, is_causal=True, need_weights=need_weights)
        np.testing.assert_allclose(_np(out), _np(ref), rtol=1e-12)


def test_dropout_only_in_training(rng):
    m = nn.MultiheadAttention(4, 2, dropout=0.5).double()
    x = dg.tensor(rng.normal(size=(3, 2, 4)))
    plain = nn.MultiheadAttention(4, 2).double()
    plain.load_state_dict(m.state_dict())
    m.eval()
    np.testing.assert_allclose(_np(m(x, x, x)[0]), _np(plain(x, x, x)[0]), rtol=1e-12)
    m.train()
    dg.manual_seed(3)
    a, wa = m(x, x, x, average_attn_weights=False)
    dg.manual_seed(3)
    b, _ = m(x, x, x)
    assert np.array_equal(_np(a), _np(b))
    assert not np.allclose(_np(a), _np(plain(x, x, x)[0]))
    # the weights returned are those after dropout, as PyTorch's: zeros, and the rest scaled by 2
    kept, full = _np(wa) != 0, _np(plain(x, x, x, average_attn_weights=False)[1])
    assert (~kept).any() and kept.any()
    np.testing.assert_allclose(_np(wa)[kept], full[kept] / 0.5, rtol=1e-12)


def test_mha_errors_name_the_module_and_shapes():
    m = nn.MultiheadAttention(8, 2)
    x = dg.zeros(4, 2, 8)
    with pytest.raises(ShapeError, match=r"MultiheadAttention: was expecting embedding dimension of 8, but "
                                         r"got 6"):
        m(dg.zeros(4, 2, 6), x, x)
    with pytest.raises(ShapeError, match=r"MultiheadAttention: The shape of the 2D attn_mask is \(3, 4\), "
                                         r"but should be \(4, 4\)"):
        m(x, x, x, attn_mask=dg.zeros(3, 4, dtype=dg.bool))
    with pytest.raises(ShapeError, match=r"The shape of the 3D attn_mask is \(2, 4, 4\), but should be "
                                         r"\(4, 4, 4\)"):
        m(x, x, x, attn_mask=dg.zeros(2, 4, 4, dtype=dg.bool))
    with pytest.raises(ShapeError, match=r"expecting key_padding_mask shape of \(2, 4\), but got \(2, 3\)"):
        m(x, x, x, key_padding_mask=dg.zeros(2, 3, dtype=dg.bool))
    with pytest.raises(DTypeError, match="only bool and floating types of key_padding_mask are supported"):
        m(x, x, x, key_padding_mask=dg.zeros(2, 4, dtype=dg.int64))
    with pytest.raises(ShapeError, match=r"query should be unbatched 2D or batched 3D tensor but "
                                         r"received 4-D"):
        m(dg.zeros(1, 4, 2, 8), x, x)
    with pytest.raises(ShapeError, match=r"key and value must have the query's batch size.*key \(4, 1, 8\)"):
        m(x, dg.zeros(4, 1, 8), dg.zeros(4, 1, 8))
    with pytest.raises(ShapeError, match=r"for batched \(3-D\) query, expected key and value to be 3-D"):
        m(x, x[0], x[0])
    with pytest.raises(DualgradValueError, match="embed_dim must be divisible by num_heads"):
        nn.MultiheadAttention(8, 3)
    with pytest.raises(DualgradValueError, match="embed_dim and num_heads must be greater than 0"):
        nn.MultiheadAttention(0, 1)
