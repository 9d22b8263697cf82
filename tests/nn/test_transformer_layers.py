"""nn.TransformerEncoderLayer / TransformerEncoder / TransformerDecoderLayer / TransformerDecoder /
Transformer against PyTorch 2.13's documented layers written out again here in numpy float64
(the same code on jax.numpy is the gradient oracle of test_transformer_classifier_example.py;
here gradients are checked by central differences): post- and pre-LayerNorm, relu,
gelu and a callable activation, bool and float masks, batch_first, unbatched input; PyTorch's
parameter names, deep-copied layers, mask helpers, errors naming the module, a few training
steps whose loss falls, and a dg.compile'd step equal to the eager one."""
from __future__ import annotations

import copy
import math
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.special import erf

import dualgrad as dg
import dualgrad.nn.functional as F
from dualgrad import nn
from dualgrad.errors import EagerShapeError

RNG = np.random.default_rng(11)
E, H, FF = 8, 2, 12


def _np(t) -> np.ndarray:
    return t.detach().numpy()


def _params(module: nn.Module, prefix: str = "") -> dict:
    return {n[len(prefix):]: _np(p).astype(np.float64) for n, p in module.named_parameters()
            if n.startswith(prefix)}


# -- the reference: PyTorch's documented layers, batch first (N, L, E), on numpy or jax.numpy --------
def _softmax(xp, s):
    e = xp.exp(s - xp.max(s, axis=-1, keepdims=True))
    return e / xp.sum(e, axis=-1, keepdims=True)


def _layer_norm(xp, x, w, b, eps=1e-5):
    mu = xp.mean(x, axis=-1, keepdims=True)
    var = xp.mean((x - mu) ** 2, axis=-1, keepdims=True)
    return (x - mu) / xp.sqrt(var + eps) * w + b


def _mha(xp, p, pre, q_in, kv_in, heads, mask=None, padding=None):
    """softmax(q k^T / sqrt(hd) + mask + padding) v per head, then the out-projection; masks are
    additive floats: mask (L, S), padding (N, S)."""
    e = q_in.shape[-1]
    w, b = p[pre + "in_proj_weight"], p[pre + "in_proj_bias"]
    q, k, v = (t @ w[i * e:(i + 1) * e].T + b[i * e:(i + 1) * e] for i, t in enumerate((q_in, kv_in, kv_in)))
    n, L, hd = q.shape[0], q.shape[1], e // heads

    def split(t):
        return xp.transpose(t.reshape(t.shape[0], t.shape[1], heads, hd), (0, 2, 1, 3))

    scores = split(q) @ xp.swapaxes(split(k), -1, -2) / math.sqrt(hd)
    if mask is not None:
        scores = scores + mask
    if padding is not None:
        scores = scores + padding[:, None, None, :]
    out = xp.transpose(_softmax(xp, scores) @ split(v), (0, 2, 1, 3)).reshape(n, L, e)
    return out @ p[pre + "out_proj.weight"].T + p[pre + "out_proj.bias"]


def _gelu(xp, x):
    return 0.5 * x * (1 + (jax.scipy.special.erf if xp is jnp else erf)(x / math.sqrt(2)))


def _ff(xp, p, x, act):
    h = x @ p["linear1.weight"].T + p["linear1.bias"]
    h = xp.maximum(h, 0) if act == "relu" else _gelu(xp, h)
    return h @ p["linear2.weight"].T + p["linear2.bias"]


def ref_encoder_layer(xp, p, x, heads, act="relu", norm_first=False, mask=None, padding=None):
    def ln(i, t):
        return _layer_norm(xp, t, p[f"norm{i}.weight"], p[f"norm{i}.bias"])

    def sa(t):
        return _mha(xp, p, "self_attn.", t, t, heads, mask, padding)

    if norm_first:
        x = x + sa(ln(1, x))
        return x + _ff(xp, p, ln(2, x), act)
    x = ln(1, x + sa(x))
    return ln(2, x + _ff(xp, p, x, act))


def ref_decoder_layer(xp, p, x, mem, heads, act="relu", norm_first=False, tgt_mask=None, mem_padding=None):
    def ln(i, t):
        return _layer_norm(xp, t, p[f"norm{i}.weight"], p[f"norm{i}.bias"])

    def sa(t):
        return _mha(xp, p, "self_attn.", t, t, heads, tgt_mask)

    def ca(t):
        return _mha(xp, p, "multihead_attn.", t, mem, heads, None, mem_padding)

    if norm_first:
        x = x + sa(ln(1, x))
        x = x + ca(ln(2, x))
        return x + _ff(xp, p, ln(3, x), act)
    x = ln(1, x + sa(x))
    x = ln(2, x + ca(x))
    return ln(3, x + _ff(xp, p, x, act))


def _sub(p: dict, prefix: str) -> dict:
    return {k[len(prefix):]: v for k, v in p.items() if k.startswith(prefix)}


def _causal(n: int) -> np.ndarray:
    return np.triu(np.full((n, n), -np.inf), 1)


# -- values -------------------------------------------------------------------------------------
@pytest.mark.parametrize("act", ["relu", "gelu"])
@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_layer_matches_reference(act, norm_first):
    dg.manual_seed(0)
    layer = nn.TransformerEncoderLayer(E, H, FF, dropout=0.0, activation=act, norm_first=norm_first,
                                       batch_first=True, dtype=dg.float64)
    x = RNG.standard_normal((3, 5, E))
    padding = np.zeros((3, 5), bool)
    padding[1, 3:] = True
    padding = np.where(padding, -np.inf, 0.0)
    got = layer(dg.tensor(x), src_mask=dg.tensor(_causal(5)), src_key_padding_mask=dg.tensor(padding))
    want = ref_encoder_layer(np, _params(layer), x, H, act, norm_first, _causal(5), padding)
    np.testing.assert_allclose(_np(got), want, rtol=1e-10, atol=1e-12)


def test_encoder_stack_seq_first_and_unbatched():
    """(S, N, E) input (batch_first=False), each layer an independent deep copy, the final norm."""
    dg.manual_seed(1)
    layer = nn.TransformerEncoderLayer(E, H, FF, dropout=0.0, dtype=dg.float64)
    enc = nn.TransformerEncoder(layer, 2, norm=nn.LayerNorm(E, dtype=dg.float64))
    assert enc.layers[0] is not layer and enc.layers[0].linear1.weight is not enc.layers[1].linear1.weight
    with dg.no_grad():
        enc.layers[1].linear1.weight.add_(0.5)  # the copies are independent
    x = RNG.standard_normal((4, 2, E))  # (S, N, E)
    p = _params(enc)
    want = np.transpose(x, (1, 0, 2))
    for i in range(2):
        want = ref_encoder_layer(np, _sub(p, f"layers.{i}."), want, H)
    want = np.transpose(_layer_norm(np, want, p["norm.weight"], p["norm.bias"]), (1, 0, 2))
    np.testing.assert_allclose(_np(enc(dg.tensor(x))), want, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(_np(enc(dg.tensor(x[:, 0]))), want[:, 0], rtol=1e-10, atol=1e-12)


def test_masks_bool_float_and_causal_detection():
    dg.manual_seed(2)
    enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(E, H, FF, dropout=0.0, batch_first=True), 1,
                                enable_nested_tensor=False)
    x = dg.tensor(RNG.standard_normal((2, 4, E)).astype(np.float32))
    pad = np.array([[False, False, True, True], [False] * 4])
    a = enc(x, src_key_padding_mask=dg.tensor(pad))
    b = enc(x, src_key_padding_mask=dg.tensor(np.where(pad, -np.inf, 0).astype(np.float32)))
    np.testing.assert_array_equal(_np(a), _np(b))
    mask = nn.Transformer.generate_square_subsequent_mask(4)
    np.testing.assert_array_equal(_np(mask), _causal(4).astype(np.float32))
    assert mask.dtype == dg.float32
    assert nn.Transformer.generate_square_subsequent_mask(3, dtype=dg.float64).dtype == dg.float64
    causal = enc(x, mask=mask)  # detected as causal: the same numbers as the hint and as a bool mask
    np.testing.assert_allclose(_np(causal), _np(enc(x, mask=mask, is_causal=True)), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(_np(causal), _np(enc(x, mask=dg.tensor(np.triu(np.ones((4, 4), bool), 1)))),
                               rtol=1e-6, atol=1e-6)
    with pytest.warns(UserWarning, match="mismatched src_key_padding_mask and mask"):
        enc(x, mask=mask, src_key_padding_mask=dg.tensor(pad))


@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_layer_and_transformer_match_reference(norm_first):
    dg.manual_seed(3)
    model = nn.Transformer(E, H, 1, 2, FF, dropout=0.0, activation="gelu", batch_first=True,
                           norm_first=norm_first, dtype=dg.float64)
    src, tgt = RNG.standard_normal((2, 5, E)), RNG.standard_normal((2, 3, E))
    mem_pad = np.zeros((2, 5), bool)
    mem_pad[0, 4] = True
    tgt_mask = nn.Transformer.generate_square_subsequent_mask(3, dtype=dg.float64)
    got = model(dg.tensor(src), dg.tensor(tgt), tgt_mask=tgt_mask, src_key_padding_mask=dg.tensor(mem_pad),
                memory_key_padding_mask=dg.tensor(mem_pad))
    p = _params(model)
    pad = np.where(mem_pad, -np.inf, 0)
    mem = ref_encoder_layer(np, _sub(p, "encoder.layers.0."), src, H, "gelu", norm_first, None, pad)
    mem = _layer_norm(np, mem, p["encoder.norm.weight"], p["encoder.norm.bias"])
    out = tgt
    for i in range(2):
        out = ref_decoder_layer(np, _sub(p, f"decoder.layers.{i}."), out, mem, H, "gelu", norm_first,
                                _causal(3), pad)
    want = _layer_norm(np, out, p["decoder.norm.weight"], p["decoder.norm.bias"])
    np.testing.assert_allclose(_np(got), want, rtol=1e-10, atol=1e-12)


def test_parameter_names_and_init_follow_pytorch():
    layer = nn.TransformerEncoderLayer(E, H, FF)
    assert [n for n, _ in layer.named_parameters()] == [
        "self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight",
        "self_attn.out_proj.bias",
        "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias", "norm1.weight", "norm1.bias",
        "norm2.weight", "norm2.bias"]
    assert [n for n, _ in layer.named_children()] == [
        "self_attn", "linear1", "dropout", "linear2", "norm1", "norm2", "dropout1", "dropout2"]
    dec = nn.TransformerDecoderLayer(E, H, FF, bias=False)
    assert "multihead_attn.in_proj_weight" in dict(dec.named_parameters()) and dec.linear1.bias is None \
        and dec.norm3.bias is None
    model = nn.Transformer(E, H, 1, 1, FF)
    keys = list(model.state_dict())
    assert keys[0] == "encoder.layers.0.self_attn.in_proj_weight" and keys[-1] == "decoder.norm.bias"
    bound = math.sqrt(6 / (FF + E))  # xavier_uniform_ on every matrix
    w = _np(model.encoder.layers[0].linear1.weight)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound
    # a state_dict round trip into a fresh model gives the same function
    other = nn.Transformer(E, H, 1, 1, FF)
    other.load_state_dict(model.state_dict())
    model.eval(), other.eval()
    s, t = dg.randn(3, 2, E), dg.randn(2, 2, E)
    np.testing.assert_array_equal(_np(model(s, t)), _np(other(s, t)))
    assert isinstance(copy.deepcopy(layer), nn.TransformerEncoderLayer)


def test_activation_callable_module_and_errors():
    layer = nn.TransformerEncoderLayer(E, H, FF, dropout=0.0, activation=nn.GELU(), dtype=dg.float64)
    assert "(activation): GELU(approximate='none')" in repr(layer)
    x = RNG.standard_normal((3, 1, E))
    want = ref_encoder_layer(np, _params(layer), np.transpose(x, (1, 0, 2)), H, "gelu")
    np.testing.assert_allclose(_np(layer(dg.tensor(x))), np.transpose(want, (1, 0, 2)), rtol=1e-10,
                               atol=1e-12)
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        nn.TransformerEncoderLayer(E, H, activation="tanh")
    model = nn.Transformer(E, H, 1, 1, FF)
    with pytest.raises(EagerShapeError, match=r"batch number of src and tgt must be equal.*"
                                              r"test_transformer_layers"):
        model(dg.randn(3, 2, E), dg.randn(3, 4, E))
    with pytest.raises(EagerShapeError, match=r"feature number of src and tgt must be equal to d_model "
                                              r"\(8\)"):
        model(dg.randn(3, 2, E), dg.randn(3, 2, E + 1))
    with pytest.raises(ValueError, match="Need attn_mask if specifying the is_causal hint"):
        model.encoder(dg.randn(3, 2, E), is_causal=True)
    with pytest.raises(TypeError, match="TransformerEncoderLayer: only bool and floating types of src_key"):
        layer(dg.tensor(x), src_key_padding_mask=dg.zeros(1, 3, dtype=dg.int64))


# -- gradients ------------------------------------------------------------------------------------
def test_gradients_finite_differences():
    """Input gradients of an encoder and a decoder layer by central differences (the parameters'
    gradients are checked against jax float64 through Adam's trajectory in
    test_transformer_classifier_example.py)."""
    dg.manual_seed(4)
    layer = nn.TransformerEncoderLayer(4, 2, 6, dropout=0.0, batch_first=True, norm_first=True,
                                       dtype=dg.float64)
    x = RNG.standard_normal((2, 3, 4))
    mask = dg.tensor(_causal(3))
    assert dg.autograd.gradcheck(lambda t: layer(t, src_mask=mask), (dg.tensor(x, requires_grad=True),))
    dec = nn.TransformerDecoderLayer(4, 2, 6, dropout=0.0, dtype=dg.float64)
    mem = RNG.standard_normal((2, 2, 4))
    assert dg.autograd.gradcheck(lambda t, m: dec(t, m, tgt_mask=mask, tgt_is_causal=True),
                                 (dg.tensor(x.transpose(1, 0, 2), requires_grad=True),
                                  dg.tensor(mem, requires_grad=True)))


# -- training ---------------------------------------------------------------------------------------
def _classifier() -> nn.Module:
    dg.manual_seed(5)
    layer = nn.TransformerEncoderLayer(E, H, FF, dropout=0.1, batch_first=True)
    return nn.Sequential(nn.TransformerEncoder(layer, 1, enable_nested_tensor=False), nn.Flatten(),
                         nn.Linear(4 * E, 2))


def _batch():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((16, 4, E)).astype(np.float32)
    return dg.tensor(x), dg.tensor((x[:, :, 0].sum(1) > 0).astype(np.int64))


def test_encoder_trains_loss_falls():
    model, (x, y) = _classifier(), _batch()
    opt = dg.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(8):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.6 * losses[0]


def test_compiled_training_step_equals_eager():
    """Dropout on: the compiled step draws the eager step's masks, so losses and weights agree."""
    def run(compiled: bool):
        model, (x, y) = _classifier(), _batch()
        opt = dg.optim.SGD(model.parameters(), lr=0.1)

        def step(x, y):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            return loss

        dg.manual_seed(9)
        f = dg.compile(step, backend="numpy") if compiled else step
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            losses = [float(f(x, y)) for _ in range(3)]
        return losses, _np(model[2].weight), getattr(f, "programs", None)

    losses, weight, programs = run(True)
    want, want_weight, _ = run(False)
    assert programs
    np.testing.assert_allclose(losses, want, rtol=1e-5)
    np.testing.assert_allclose(weight, want_weight, rtol=1e-5, atol=1e-6)


def test_module_list_repr_collapses_repeats_as_pytorch():
    """PyTorch's ModuleList repr prints a run of identical entries once (its text, copied)."""
    modules = nn.ModuleList([nn.Linear(2, 3), nn.Linear(2, 3), nn.ReLU(), nn.Linear(2, 3)])
    assert repr(modules) == ("ModuleList(\n  (0-1): 2 x Linear(in_features=2, out_features=3, bias=True)\n"
                             "  (2): ReLU()\n  (3): Linear(in_features=2, out_features=3, bias=True)\n)")
    assert repr(nn.ModuleList()) == "ModuleList()"
    assert "(layers): ModuleList(\n    (0-2): 3 x TransformerEncoderLayer(\n" in repr(
        nn.TransformerEncoder(nn.TransformerEncoderLayer(E, H, FF), 3))
