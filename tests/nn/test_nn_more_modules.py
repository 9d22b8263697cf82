"""The nn pieces added from docs/eager.md's "Still missing" list:

* LazyConvTranspose1d/2d/3d, LazyBatchNorm1d/2d/3d, LazyInstanceNorm1d/2d/3d: the first input
  builds the layer they become; trained and evaluated they equal that layer built eagerly at the
  same point (parameters, running stats, outputs, repr); PyTorch's defaults and state_dict keys.
* TripletMarginWithDistanceLoss / F.triplet_margin_with_distance_loss against a numpy float64
  formula (default pairwise distance, a custom one, swap, reductions) and gradcheck.
* MultiheadAttention's add_bias_kv / add_zero_attn against a numpy float64 formula of PyTorch's
  multi_head_attention_forward (values, weights, both paths) and gradcheck of bias_k/bias_v.
"""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad as dg
import dualgrad.nn.functional as F
from dualgrad import nn
from dualgrad.errors import DualgradError, DualgradValueError, ShapeError

LAZY = [
    (lambda: nn.LazyConvTranspose1d(2, 3, stride=2), lambda n: nn.ConvTranspose1d(n, 2, 3, stride=2),
     (2, 3, 5), 1),
    (lambda: nn.LazyConvTranspose2d(4, 3, stride=2, output_padding=1, bias=False),
     lambda n: nn.ConvTranspose2d(n, 4, 3, stride=2, output_padding=1, bias=False), (1, 2, 4, 4), 1),
    (lambda: nn.LazyConvTranspose3d(2, 2, groups=2), lambda n: nn.ConvTranspose3d(n, 2, 2, groups=2),
     (1, 2, 3, 3, 3), 1),
    (lambda: nn.LazyConvTranspose2d(3, 2), lambda n: nn.ConvTranspose2d(n, 3, 2), (2, 4, 4), 0),  # unbatched
    (lambda: nn.LazyBatchNorm1d(), lambda n: nn.BatchNorm1d(n), (6, 3), 1),
    (lambda: nn.LazyBatchNorm2d(momentum=None), lambda n: nn.BatchNorm2d(n, momentum=None), (3, 2, 4, 4), 1),
    (lambda: nn.LazyBatchNorm3d(affine=False), lambda n: nn.BatchNorm3d(n, affine=False), (2, 2, 3, 3, 3), 1),
    (lambda: nn.LazyInstanceNorm1d(), lambda n: nn.InstanceNorm1d(n, affine=True, track_running_stats=True),
     (3, 5), 0),  # unbatched: the channels are dim 0
    (lambda: nn.LazyInstanceNorm2d(affine=False, track_running_stats=False), lambda n: nn.InstanceNorm2d(n),
     (2, 3, 4, 4), 1),
    (lambda: nn.LazyInstanceNorm3d(bias=False),
     lambda n: nn.InstanceNorm3d(n, affine=True, track_running_stats=True, bias=False), (1, 2, 3, 3, 3), 1),
]


def _train_and_eval(model, x):
    params = list(model.parameters())
    opt = dg.optim.SGD(params, lr=0.1) if params else None
    for _ in range(2):
        loss = (model(x) ** 3).sum()
        if opt is not None:
            opt.zero_grad()
            loss.backward()
            opt.step()
    model.eval()
    out = model(x).detach().numpy()
    assert all(a is b for a, b in zip(model.parameters(), params, strict=True))
    return type(model), repr(model), out, {k: v.detach().numpy() for k, v in model.state_dict().items()}


@pytest.mark.parametrize("lazy, eager, shape, channel_dim", LAZY)
def test_lazy_layers_equal_the_layer_built_eagerly(lazy, eager, shape, channel_dim):
    x = dg.tensor(np.random.default_rng(0).standard_normal(shape), dtype=dg.float32)
    runs = []
    for is_lazy in (True, False):
        dg.manual_seed(7)
        model = lazy() if is_lazy else None
        dg.manual_seed(11)  # the stream the layer is built from: at the lazy one's first forward
        runs.append(_train_and_eval(model if is_lazy else eager(shape[channel_dim]), x))
    (lazy_type, lazy_repr, lazy_out, lazy_state), (eager_type, eager_repr, eager_out, eager_state) = runs
    assert lazy_type is eager_type and lazy_repr == eager_repr
    np.testing.assert_array_equal(lazy_out, eager_out)
    assert list(lazy_state) == list(eager_state)
    for k in lazy_state:
        np.testing.assert_array_equal(lazy_state[k], eager_state[k])


def test_lazy_norms_before_the_first_input_are_pytorchs():
    m = nn.LazyBatchNorm2d()
    assert repr(m) == ("LazyBatchNorm2d(0, eps=1e-05, momentum=0.1, affine=True, bias=True, "
                       "track_running_stats=True)")
    assert list(m.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    assert m.has_uninitialized_params() and isinstance(m, nn.BatchNorm2d)
    inst = nn.LazyInstanceNorm2d()  # PyTorch's _LazyNormBase defaults, for the instance norms too
    assert inst.affine and inst.track_running_stats
    assert repr(nn.LazyConvTranspose2d(4, 3)) == ("LazyConvTranspose2d(0, 4, kernel_size=(3, 3), "
                                                  "stride=(1, 1))")
    bare = nn.LazyBatchNorm1d(affine=False, track_running_stats=False)
    assert list(bare.named_parameters()) == [] and bare.running_mean is None


@pytest.mark.parametrize("make, shape, text", [
    (lambda: nn.LazyBatchNorm2d(), (2, 3, 4), r"LazyBatchNorm2d: expected 4D input \(got 3D input\)"),
    (lambda: nn.LazyInstanceNorm1d(), (2, 3, 4, 5), "LazyInstanceNorm1d: expected 2D or 3D input"),
    (lambda: nn.LazyConvTranspose2d(2, 3), (3, 5), r"LazyConvTranspose2d: expected a 3-d \(unbatched\)"),
])
def test_lazy_refusals_change_nothing(make, shape, text):
    m = make()
    with pytest.raises(DualgradError, match=text):
        m(dg.zeros(*shape))
    assert m.has_uninitialized_params() and type(m).__name__.startswith("Lazy")


# -- TripletMarginWithDistanceLoss ------------------------------------------------------------------
def _np_triplet(a, p, n, distance, margin, swap, reduction):
    d_neg = distance(a, n)
    if swap:
        d_neg = np.minimum(d_neg, distance(p, n))
    loss = np.maximum(margin + distance(a, p) - d_neg, 0.0)
    return {"mean": loss.mean(), "sum": loss.sum(), "none": loss}[reduction]


def _np_pairwise(x, y):
    return np.linalg.norm(x - y + 1e-6, axis=-1)


def _np_cosine_distance(x, y):
    return 1.0 - (x * y).sum(-1) / np.maximum(np.linalg.norm(x, axis=-1) * np.linalg.norm(y, axis=-1), 1e-8)


@pytest.mark.parametrize("custom, margin, swap, reduction", [
    (False, 1.0, False, "mean"), (False, 0.5, True, "none"), (True, 0.3, False, "sum"),
    (True, 1.0, True, "mean"),
])
def test_triplet_margin_with_distance_loss_matches_numpy(custom, margin, swap, reduction):
    rng = np.random.default_rng(1)
    a, p, n = (rng.standard_normal((4, 3)) for _ in range(3))
    dg_distance = (lambda x, y: 1.0 - F.cosine_similarity(x, y)) if custom else None
    np_distance = _np_cosine_distance if custom else _np_pairwise
    expected = _np_triplet(a, p, n, np_distance, margin, swap, reduction)
    ta, tp, tn = (dg.tensor(v, requires_grad=True) for v in (a, p, n))
    got = F.triplet_margin_with_distance_loss(ta, tp, tn, distance_function=dg_distance, margin=margin,
                                              swap=swap, reduction=reduction)
    module = nn.TripletMarginWithDistanceLoss(distance_function=dg_distance, margin=margin, swap=swap,
                                              reduction=reduction)
    np.testing.assert_allclose(got.detach().numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(module(ta, tp, tn).detach().numpy(), expected, rtol=1e-12)
    if reduction == "mean":
        fn = lambda x, y, z: F.triplet_margin_with_distance_loss(  # noqa: E731
            x, y, z, distance_function=dg_distance, margin=margin, swap=swap)
        assert dg.autograd.gradcheck(fn, (ta, tp, tn))


def test_triplet_margin_with_distance_loss_defaults_and_refusals():
    assert isinstance(nn.TripletMarginWithDistanceLoss().distance_function, nn.PairwiseDistance)
    x = dg.zeros(3, 2)
    with pytest.raises(DualgradValueError, match="expected margin to be greater than 0, got 0"):
        nn.TripletMarginWithDistanceLoss(margin=0)
    with pytest.raises(DualgradValueError, match="margin must be greater than 0, got -1"):
        F.triplet_margin_with_distance_loss(x, x, x, margin=-1)
    with pytest.raises(ShapeError, match="anchor 2D, positive 1D, and negative 2D inputs"):
        F.triplet_margin_with_distance_loss(x, x[0], x)
    with pytest.raises(DualgradError, match="is not a valid value for reduction"):
        F.triplet_margin_with_distance_loss(x, x, x, reduction="avg")


# -- MultiheadAttention: add_bias_kv, add_zero_attn --------------------------------------------------
def _np_mha(w: dict, q, k, v, H: int, kpm, attn, zero_attn: bool):
    """PyTorch's multi_head_attention_forward written out in numpy float64: project, append
    bias_k/bias_v as one more key and value per sample, split heads, append a zero key and value,
    mask, softmax."""
    L, N, E = q.shape
    hd = E // H
    W, b = w["in_proj_weight"], w["in_proj_bias"]
    Q, K, V = (x @ W[i * E:(i + 1) * E].T + b[i * E:(i + 1) * E] for i, x in enumerate((q, k, v)))
    extra = np.where(kpm, -np.inf, 0.0)[:, None, None, :] + attn[None, None]  # (N, 1, L, S)
    one_more = ((0, 0), (0, 0), (0, 0), (0, 1))
    if "bias_k" in w:
        K = np.concatenate([K, np.broadcast_to(w["bias_k"], (1, N, E))])
        V = np.concatenate([V, np.broadcast_to(w["bias_v"], (1, N, E))])
        extra = np.pad(extra, one_more)
    Q, K, V = (x.reshape(x.shape[0], N, H, hd).transpose(1, 2, 0, 3) for x in (Q, K, V))  # (N, H, T, hd)
    if zero_attn:
        K, V = (np.concatenate([x, np.zeros((N, H, 1, hd))], axis=2) for x in (K, V))
        extra = np.pad(extra, one_more)
    scores = Q @ K.transpose(0, 1, 3, 2) / np.sqrt(hd) + extra
    weights = np.exp(scores - scores.max(-1, keepdims=True))
    weights /= weights.sum(-1, keepdims=True)
    out = (weights @ V).transpose(2, 0, 1, 3).reshape(L, N, E)
    return out @ w["out_proj.weight"].T + w["out_proj.bias"], weights.mean(axis=1)


@pytest.mark.parametrize("bias_kv, zero_attn", [(True, False), (False, True), (True, True)])
def test_multihead_attention_bias_kv_and_zero_attn_match_numpy(bias_kv, zero_attn):
    dg.manual_seed(5)
    m = nn.MultiheadAttention(4, 2, add_bias_kv=bias_kv, add_zero_attn=zero_attn, dtype=dg.float64)
    extra = ["bias_k", "bias_v"] if bias_kv else []
    assert list(m.state_dict()) == ["in_proj_weight", "in_proj_bias", *extra, "out_proj.weight",
                                    "out_proj.bias"]
    rng = np.random.default_rng(6)
    q, kv = rng.standard_normal((3, 2, 4)), rng.standard_normal((4, 2, 4))
    kpm = np.zeros((2, 4), bool)
    kpm[1, 0] = True
    attn = rng.standard_normal((3, 4))
    w = {k: v.detach().numpy() for k, v in m.state_dict().items()}
    out, weights = _np_mha(w, q, kv, kv, 2, kpm, attn, zero_attn)
    args = (dg.tensor(q), dg.tensor(kv), dg.tensor(kv))
    masks = {"key_padding_mask": dg.tensor(kpm), "attn_mask": dg.tensor(attn)}
    got, got_weights = m(*args, **masks)
    np.testing.assert_allclose(got.detach().numpy(), out, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(got_weights.detach().numpy(), weights, rtol=1e-10, atol=1e-12)
    assert got_weights.shape == (2, 3, 4 + bias_kv + zero_attn)
    fast, none = m(*args, need_weights=False, **masks)
    assert none is None
    np.testing.assert_allclose(fast.detach().numpy(), out, rtol=1e-10, atol=1e-12)
    if bias_kv:  # the learnt key and value get their gradients
        assert dg.autograd.gradcheck(lambda *_: m(*args, **masks)[0], (m.bias_k, m.bias_v))
