"""PyTorch as an extra oracle for F.scaled_dot_product_attention and nn.MultiheadAttention
(test_attention.py holds the numpy float64 oracle): outputs, weights, NaN patterns and input
gradients, with a PyTorch state_dict loaded into dualgrad's module. Collected only where torch
is installed (tests/nn/conftest.py)."""
from __future__ import annotations

import numpy as np
import pytest
import torch  # (collected only where torch is installed: see conftest.py)

import dualgrad as dg
from dualgrad import nn

TF = torch.nn.functional


def _pair(a: np.ndarray):
    rg = a.dtype == np.float64
    return dg.tensor(a, requires_grad=rg), torch.tensor(a, requires_grad=rg)


def _same(dg_t, torch_t, rtol=1e-10):
    a, b = dg_t.detach().numpy(), torch_t.detach().numpy()
    assert np.array_equal(np.isnan(a), np.isnan(b))
    np.testing.assert_allclose(a[~np.isnan(a)], b[~np.isnan(b)], rtol=rtol, atol=1e-12)


@pytest.mark.parametrize("case", ["none", "bool", "bool_dead", "float", "causal", "scale"])
def test_sdpa_matches_torch(case, rng):
    q, k, v = rng.normal(size=(2, 3, 5, 4)), rng.normal(size=(2, 3, 6, 4)), rng.normal(size=(2, 3, 6, 7))
    kw = {}
    if case.startswith("bool"):
        mask = rng.random((5, 6)) > 0.4
        if case == "bool_dead":
            mask[2] = False
        kw["attn_mask"] = mask
    elif case == "float":
        kw["attn_mask"] = np.where(rng.random((2, 1, 5, 6)) > 0.8, -np.inf, rng.normal(size=(2, 1, 5, 6)))
        kw["attn_mask"][0, 0, 1] = -np.inf
    elif case == "causal":
        kw["is_causal"] = True
    elif case == "scale":
        kw["scale"] = 0.3
    (dq, tq), (dk, tk), (dv, tv) = _pair(q), _pair(k), _pair(v)
    dkw = {n: dg.tensor(a) if isinstance(a, np.ndarray) else a for n, a in kw.items()}
    tkw = {n: torch.tensor(a) if isinstance(a, np.ndarray) else a for n, a in kw.items()}
    out = nn.functional.scaled_dot_product_attention(dq, dk, dv, **dkw)
    expected = TF.scaled_dot_product_attention(tq, tk, tv, **tkw)
    _same(out, expected)
    cot = rng.normal(size=tuple(out.shape))
    out.backward(dg.tensor(cot))
    expected.backward(torch.tensor(cot))
    for a, b in ((dq, tq), (dk, tk), (dv, tv)):
        _same(a.grad, b.grad)


@pytest.mark.parametrize("config", [{}, {"batch_first": True}, {"kdim": 3, "vdim": 5}, {"bias": False}])
def test_multihead_attention_matches_torch(config, rng):
    torch.manual_seed(0)
    theirs = torch.nn.MultiheadAttention(8, 2, **config).double()
    ours = nn.MultiheadAttention(8, 2, **config).double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({n: dg.tensor(p.detach().numpy()) for n, p in theirs.state_dict().items()})
    kd, vd, bf = config.get("kdim", 8), config.get("vdim", 8), config.get("batch_first", False)
    q = rng.normal(size=(2, 4, 8) if bf else (4, 2, 8))
    k = rng.normal(size=(2, 5, kd) if bf else (5, 2, kd))
    v = rng.normal(size=(2, 5, vd) if bf else (5, 2, vd))
    kpm = rng.random((2, 5)) > 0.6
    kpm[1] = True  # every key of batch 1 padded: NaN with weights, zeros through sdpa
    attn = rng.random((4, 5)) > 0.7
    calls = [{}, {"key_padding_mask": kpm}, {"attn_mask": attn},
             {"key_padding_mask": kpm, "attn_mask": attn, "average_attn_weights": False},
             {"need_weights": False, "key_padding_mask": kpm},
             {"attn_mask": np.triu(np.ones((4, 5), bool), 1), "is_causal": True, "need_weights": False},
             {"key_padding_mask": np.where(kpm, -1e9, 0.0)}]
    for kw in calls:
        (dq, tq), (dk, tk), (dv, tv) = _pair(q), _pair(k), _pair(v)
        dkw = {n: dg.tensor(a) if isinstance(a, np.ndarray) else a for n, a in kw.items()}
        tkw = {n: torch.tensor(a) if isinstance(a, np.ndarray) else a for n, a in kw.items()}
        with np.errstate(invalid="ignore"):
            out, w = ours(dq, dk, dv, **dkw)
        t_out, t_w = theirs(tq, tk, tv, **tkw)
        _same(out, t_out)
        assert (w is None) == (t_w is None)
        if w is not None:
            _same(w, t_w)
        if not np.isnan(t_out.detach().numpy()).any():
            cot = rng.normal(size=tuple(out.shape))
            out.backward(dg.tensor(cot))
            t_out.backward(torch.tensor(cot))
            for a, b in ((dq, tq), (dk, tk), (dv, tv)):
                _same(a.grad, b.grad, rtol=1e-9)
