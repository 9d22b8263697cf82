"""softshrink, hardshrink, rrelu, gumbel_softmax, local_response_norm, channel_shuffle, Softmax2d,
bilinear and the hinge_embedding / soft_margin / multilabel_soft_margin / multi_margin /
multilabel_margin losses: values against PyTorch's documented formulas written out in numpy
float64 (loops where PyTorch's kernel loops), gradients by finite differences
(dg.autograd.gradcheck) and against jax float64, PyTorch's conventions at the kinks written out
by hand, the modules, and errors naming the function, the shapes and the user's line."""

from __future__ import annotations

import math

import hypothesis.extra.numpy as hnp
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings

import dualgrad as dg
import dualgrad.nn.functional as F
from dualgrad import nn
from dualgrad.errors import DualgradError

pytestmark = pytest.mark.usefixtures("jax_float64")  # float64 jax oracles

RNG = np.random.default_rng(17)
REDUCTIONS = ["none", "mean", "sum"]


def _np(t) -> np.ndarray:
    return t.detach().numpy()


def _t(a, grad=False):
    return dg.tensor(np.asarray(a), requires_grad=grad)


def _grad(fn, *arrays):
    """d sum(fn(*inputs) * w) / d inputs, for a fixed random w, through dualgrad."""
    ts = [_t(a, True) for a in arrays]
    out = fn(*ts)
    w = np.random.default_rng(0).standard_normal(tuple(out.shape))
    (out * dg.tensor(w)).sum().backward()
    return [_np(t.grad) for t in ts], w


def _jax_vjp(ref, cotangent, *arrays):
    """jax's vjp of `ref` at `arrays`, jitted whole: one compile, not one per jax op."""
    return jax.jit(lambda c, *a: jax.vjp(ref, *a)[1](c))(cotangent, *arrays)


def _reduce(loss, reduction):
    return {"none": loss, "mean": loss.mean(), "sum": loss.sum()}[reduction]


# -- shrink -------------------------------------------------------------------------------------
def test_softshrink_hardshrink_values_and_kinks():
    x = np.array([-2.0, -0.5, -0.3, 0.0, 0.3, 0.5, 0.7, np.nan, np.inf])
    soft = np.where(x > 0.5, x - 0.5, np.where(x < -0.5, x + 0.5, 0.0))
    soft[7] = np.nan
    np.testing.assert_array_equal(_np(F.softshrink(_t(x))), soft)
    hard = np.where(np.abs(x) > 0.5, x, 0.0)
    hard[7] = np.nan
    np.testing.assert_array_equal(_np(F.hardshrink(_t(x))), hard)
    # gradient 1 outside [-lambd, lambd] (and at NaN, which passes), 0 inside and at +-lambd
    for fn in (F.softshrink, F.hardshrink):
        (g,), _ = _grad(lambda a, fn=fn: fn(a) * 1.0, x)
        xt = _t(x, True)
        fn(xt).sum().backward()
        np.testing.assert_array_equal(_np(xt.grad), [1, 0, 0, 0, 0, 0, 1, 1, 1])
    np.testing.assert_array_equal(_np(nn.Softshrink(1.0)(_t(x[:7]))), [-1, 0, 0, 0, 0, 0, 0])
    np.testing.assert_array_equal(_np(nn.Hardshrink(0.0)(_t(x[:7]))), x[:7])
    assert repr(nn.Softshrink()) == "Softshrink(0.5)" and repr(nn.Hardshrink(0.25)) == "Hardshrink(0.25)"


def test_shrink_gradients_match_jax_and_finite_differences():
    x = RNG.uniform(-2, 2, (4, 5))
    x[np.abs(np.abs(x) - 0.4) < 0.05] = 1.0  # away from the kinks for finite differences
    assert dg.autograd.gradcheck(lambda a: F.softshrink(a, 0.4), (_t(x, True),))
    assert dg.autograd.gradcheck(lambda a: F.hardshrink(a, 0.4), (_t(x, True),))
    for fn, ref in (
        (F.softshrink, lambda a: jnp.where(a > 0.4, a - 0.4, jnp.where(a < -0.4, a + 0.4, 0.0))),
        (F.hardshrink, lambda a: jnp.where(jnp.abs(a) > 0.4, a, 0.0)),
    ):
        (g,), w = _grad(lambda a, fn=fn: fn(a, 0.4), x)
        np.testing.assert_allclose(g, _jax_vjp(ref, w, x)[0], rtol=1e-12)


def test_shrink_errors():
    with pytest.raises(
        DualgradError, match=r"softshrink: lambda must be in range \[0, .*found -1.*test_nn_more"
    ):
        F.softshrink(_t([1.0]), -1)
    with pytest.raises(DualgradError, match="hardshrink: not implemented for int64"):
        F.hardshrink(_t([1, 2]))


# -- rrelu ------------------------------------------------------------------------------------------
def test_rrelu_eval_uses_mean_slope_and_training_draws_slopes():
    x = RNG.standard_normal((6, 50))
    x[0, :3] = [0.0, -0.0, 2.0]
    np.testing.assert_allclose(_np(F.rrelu(_t(x), 0.1, 0.3)), np.where(x >= 0, x, 0.2 * x), rtol=1e-15)
    dg.manual_seed(3)
    xt = _t(x, True)
    y = F.rrelu(xt, 0.1, 0.3, training=True)
    y.sum().backward()
    out, g = _np(y), _np(xt.grad)
    neg = x < 0
    slopes = out[neg] / x[neg]
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3 and slopes.std() > 0.03  # one draw per element
    np.testing.assert_array_equal(out[x > 0], x[x > 0])
    np.testing.assert_allclose(g[neg], slopes, rtol=1e-12)  # the gradient is the drawn slope
    np.testing.assert_array_equal(g[x > 0], 1.0)
    assert 0.1 <= g[0, 0] <= 0.3  # x == 0 takes a slope too, as PyTorch's x <= 0
    dg.manual_seed(3)
    np.testing.assert_array_equal(
        _np(F.rrelu(_t(x), 0.1, 0.3, training=True)), out
    )  # dg.manual_seed's stream
    module = nn.RReLU(0.1, 0.3)
    assert repr(module) == "RReLU(lower=0.1, upper=0.3)"
    assert (_np(module(_t(x))) != np.where(x >= 0, x, 0.2 * x)).any()  # a module starts in training mode
    np.testing.assert_allclose(_np(module.eval()(_t(x))), np.where(x >= 0, x, 0.2 * x), rtol=1e-15)
    with pytest.raises(DualgradError, match="rrelu: Lower bound should be less than or equal to the upper"):
        F.rrelu(_t(x), 0.5, 0.1, training=True)


# -- gumbel_softmax ---------------------------------------------------------------------------------
def test_gumbel_softmax_noise_soft_and_hard():
    logits = RNG.standard_normal((3, 5))
    dg.manual_seed(4)
    base = _np(F.gumbel_softmax(_t(np.zeros((3, 5))), tau=0.5))  # softmax(g / tau)
    dg.manual_seed(4)
    soft = _np(F.gumbel_softmax(_t(logits), tau=0.5))  # the same noise g
    want = np.exp(logits / 0.5 + np.log(base))
    np.testing.assert_allclose(soft, want / want.sum(-1, keepdims=True), rtol=1e-10)
    # hard: the one-hot of the soft sample's argmax in value, the soft sample's gradient
    w = RNG.standard_normal((3, 5))
    grads = []
    for hard in (False, True):
        dg.manual_seed(4)
        lt = _t(logits, True)
        y = F.gumbel_softmax(lt, tau=0.5, hard=hard)
        (y * _t(w)).sum().backward()
        grads.append(_np(lt.grad))
        if hard:
            np.testing.assert_array_equal(_np(y), np.eye(5)[soft.argmax(-1)])
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-12)
    # dim=0, and the Gumbel-max trick: argmax frequencies follow softmax(logits)
    dg.manual_seed(5)
    probs = np.array([0.1, 0.2, 0.3, 0.4])
    draws = _np(F.gumbel_softmax(_t(np.log(probs)[:, None] * np.ones((4, 20000))), hard=True, dim=0))
    np.testing.assert_allclose(draws.mean(1), probs, atol=0.015)
    with pytest.warns(UserWarning, match="`eps` parameter is deprecated"):
        F.gumbel_softmax(_t(logits), eps=1e-5)


# -- local_response_norm, channel_shuffle, Softmax2d -----------------------------------------------
def ref_lrn(x, size, alpha=1e-4, beta=0.75, k=1.0):
    """x / (k + alpha / size * sum of x^2 over channels c - size//2 .. c + (size-1)//2)^beta."""
    c = x.shape[1]
    div = np.empty_like(x)
    for i in range(c):
        lo, hi = max(0, i - size // 2), min(c, i + (size - 1) // 2 + 1)
        div[:, i] = (k + alpha / size * (x[:, lo:hi] ** 2).sum(1)) ** beta
    return x / div


@pytest.mark.parametrize("shape,size", [((2, 5, 4), 3), ((2, 6, 3, 2), 4), ((1, 4, 2, 2, 3), 2)])
def test_local_response_norm_values_and_gradients(shape, size):
    x = RNG.standard_normal(shape)
    np.testing.assert_allclose(
        _np(F.local_response_norm(_t(x), size, 0.5, 0.6, 1.5)), ref_lrn(x, size, 0.5, 0.6, 1.5), rtol=1e-12
    )
    module = nn.LocalResponseNorm(size)
    np.testing.assert_allclose(_np(module(_t(x))), ref_lrn(x, size), rtol=1e-12)
    assert repr(module) == f"LocalResponseNorm({size}, alpha=0.0001, beta=0.75, k=1.0)"
    assert dg.autograd.gradcheck(lambda a: F.local_response_norm(a, size, 0.5, 0.6, 1.5), (_t(x, True),))


def test_local_response_norm_gradient_matches_jax():
    x = RNG.standard_normal((2, 5, 3))

    def ref(a):  # the same sums as ref_lrn, in jax
        sq = jnp.pad(a**2, ((0, 0), (1, 1), (0, 0)))
        div = (1.5 + 0.5 / 3 * (sq[:, :-2] + sq[:, 1:-1] + sq[:, 2:])) ** 0.6
        return a / div

    (g,), w = _grad(lambda a: F.local_response_norm(a, 3, 0.5, 0.6, 1.5), x)
    np.testing.assert_allclose(g, _jax_vjp(ref, w, x)[0], rtol=1e-10)


def test_channel_shuffle_and_softmax2d():
    x = RNG.standard_normal((2, 6, 3, 2))
    want = x.reshape(2, 3, 2, 3, 2).transpose(0, 2, 1, 3, 4).reshape(2, 6, 3, 2)
    np.testing.assert_array_equal(_np(F.channel_shuffle(_t(x), 3)), want)
    np.testing.assert_array_equal(_np(nn.ChannelShuffle(3)(_t(x))), want)
    assert repr(nn.ChannelShuffle(3)) == "ChannelShuffle(groups=3)"
    assert dg.autograd.gradcheck(lambda a: F.channel_shuffle(a, 2), (_t(x, True),))
    with pytest.raises(DualgradError, match=r"channel_shuffle expects input with > 2 dims.*\[2, 6\]"):
        F.channel_shuffle(_t(x[:, :, 0, 0]), 2)
    with pytest.raises(
        DualgradError, match="Number of channels must be divisible by groups. Got 6 channels and 4"
    ):
        F.channel_shuffle(_t(x), 4)
    with pytest.raises(
        DualgradError, match="groups to divide channels in must be positive. Value of groups:0"
    ):
        F.channel_shuffle(_t(x), 0)
    e = np.exp(x - x.max(1, keepdims=True))
    np.testing.assert_allclose(_np(nn.Softmax2d()(_t(x))), e / e.sum(1, keepdims=True), rtol=1e-12)
    np.testing.assert_allclose(_np(nn.Softmax2d()(_t(x[0]))), (e / e.sum(1, keepdims=True))[0], rtol=1e-12)
    with pytest.raises(
        ValueError, match=r"Softmax2d: expected input to be 3D or 4D, got 2D instead.*test_nn_more"
    ):
        nn.Softmax2d()(_t(x[0, 0]))
    with pytest.raises(ValueError, match="local_response_norm: Expected 3D or higher dimensionality input"):
        F.local_response_norm(_t(x[0, 0]), 2)


# -- bilinear ---------------------------------------------------------------------------------------
def test_bilinear_values_gradients_and_module():
    x1, x2 = RNG.standard_normal((2, 3, 4)), RNG.standard_normal((2, 3, 5))
    w, b = RNG.standard_normal((6, 4, 5)), RNG.standard_normal(6)
    want = np.einsum("...i,oij,...j->...o", x1, w, x2) + b
    np.testing.assert_allclose(_np(F.bilinear(_t(x1), _t(x2), _t(w), _t(b))), want, rtol=1e-12)
    np.testing.assert_allclose(_np(F.bilinear(_t(x1), _t(x2), _t(w))), want - b, rtol=1e-12)
    assert dg.autograd.gradcheck(
        F.bilinear, tuple(_t(a, True) for a in (x1[0], x2[0, :, :3], w[:3, :, :3], b[:3]))
    )
    grads, g = _grad(F.bilinear, x1, x2, w, b)
    ref = _jax_vjp(lambda a, c, m, d: jnp.einsum("...i,oij,...j->...o", a, m, c) + d, g, x1, x2, w, b)
    for got, exp in zip(grads, ref, strict=True):
        np.testing.assert_allclose(got, exp, rtol=1e-10)
    dg.manual_seed(0)
    module = nn.Bilinear(4, 5, 6)
    assert repr(module) == "Bilinear(in1_features=4, in2_features=5, out_features=6, bias=True)"
    assert module.weight.shape == (6, 4, 5) and module.bias.shape == (6,)
    assert np.abs(_np(module.weight)).max() <= 0.5 and np.abs(_np(module.weight)).max() > 0.45  # 1/sqrt(4)
    assert nn.Bilinear(4, 5, 6, bias=False).bias is None
    assert module(_t(x1.astype(np.float32)), _t(x2.astype(np.float32))).shape == (2, 3, 6)


def test_bilinear_errors():
    x1, x2, w = _t(np.ones((3, 4))), _t(np.ones((2, 5))), _t(np.ones((6, 4, 5)))
    with pytest.raises(
        DualgradError,
        match=r"bilinear\(\): input batch dimensions do not match at dim 0: got 3 and "
        r"2.*test_nn_more",
    ):
        F.bilinear(x1, x2, w)
    with pytest.raises(DualgradError, match=r"input2 size does not match weight size: got 5 but expected 4"):
        F.bilinear(x1, _t(np.ones((3, 5))), _t(np.ones((6, 4, 4))))
    with pytest.raises(
        DualgradError, match=r"bias size does not match weight size: got \(5,\) but expected \(6,\)"
    ):
        F.bilinear(x1, _t(np.ones((3, 5))), w, _t(np.ones(5)))


# -- losses -----------------------------------------------------------------------------------------
def ref_hinge_embedding(x, y, margin):
    return np.where(y != 1, np.maximum(margin - x, 0), 0) + np.where(y != -1, x, 0)


def ref_multilabel_soft_margin(x, y, w=None):
    loss = -(y * np.log(1 / (1 + np.exp(-x))) + (1 - y) * np.log(1 / (1 + np.exp(x))))
    return (loss if w is None else loss * w).mean(-1)


def ref_multi_margin(x, y, p, margin, w=None):
    """PyTorch's documented sum over i != y of w[y] max(0, margin - x[y] + x[i])^p / C, a loop."""
    out = np.zeros(len(y))
    for n in range(len(y)):
        for i in range(x.shape[1]):
            z = margin - x[n, y[n]] + x[n, i]
            if i != y[n] and z > 0:
                out[n] += z**p * (1 if w is None else w[y[n]])
    return out / x.shape[1]


def ref_multilabel_margin(x, y):
    out = np.zeros(len(x))
    for n in range(len(x)):
        listed = []
        for t in y[n]:
            if t < 0:
                break
            listed.append(t)
        for j in listed:
            for i in range(x.shape[1]):
                if i not in listed:
                    out[n] += max(0.0, 1 - (x[n, j] - x[n, i]))
    return out / x.shape[1]


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_loss_values(reduction):
    x = RNG.standard_normal((5, 4))
    y_sign = RNG.choice([-1.0, 1.0], (5, 4))
    got = F.hinge_embedding_loss(_t(x), _t(y_sign), margin=0.7, reduction=reduction)
    np.testing.assert_allclose(_np(got), _reduce(ref_hinge_embedding(x, y_sign, 0.7), reduction), rtol=1e-12)
    got = F.soft_margin_loss(_t(x), _t(y_sign), reduction=reduction)
    np.testing.assert_allclose(_np(got), _reduce(np.log1p(np.exp(-x * y_sign)), reduction), rtol=1e-12)
    y01, w = RNG.random((5, 4)), RNG.random(4)
    got = F.multilabel_soft_margin_loss(_t(x), _t(y01), weight=_t(w), reduction=reduction)
    np.testing.assert_allclose(
        _np(got), _reduce(ref_multilabel_soft_margin(x, y01, w), reduction), rtol=1e-12
    )
    cls = np.array([0, 3, 1, 1, 2])
    for p in (1, 2):
        got = F.multi_margin_loss(_t(x), _t(cls), p=p, margin=0.9, weight=_t(w), reduction=reduction)
        np.testing.assert_allclose(
            _np(got), _reduce(ref_multi_margin(x, cls, p, 0.9, w), reduction), rtol=1e-12
        )
    labels = np.array([[3, 0, -1, 1], [0, 0, 2, -1], [-1, 1, 2, 3], [1, 2, 3, 0], [2, -1, -1, -1]])
    got = F.multilabel_margin_loss(_t(x), _t(labels), reduction=reduction)
    want = ref_multilabel_margin(x, labels)  # (row 1 lists class 0 twice: it counts twice, as in PyTorch)
    np.testing.assert_allclose(_np(got), _reduce(want, reduction), rtol=1e-12)


def test_loss_modules_and_unbatched():
    x = RNG.standard_normal((5, 4))
    cls = np.array([0, 3, 1, 1, 2])
    labels = np.array([[3, 0, -1, 1]] * 5)
    y_sign = RNG.choice([-1.0, 1.0], (5, 4))
    w = RNG.random(4)
    pairs = [
        (
            nn.HingeEmbeddingLoss(margin=0.5, reduction="sum"),
            y_sign,
            ref_hinge_embedding(x, y_sign, 0.5).sum(),
        ),
        (nn.SoftMarginLoss(), y_sign, np.log1p(np.exp(-x * y_sign)).mean()),
        (
            nn.MultiLabelSoftMarginLoss(weight=_t(w)),
            (y_sign > 0) * 1.0,
            ref_multilabel_soft_margin(x, (y_sign > 0) * 1.0, w).mean(),
        ),
        (
            nn.MultiMarginLoss(p=2, margin=0.5, weight=_t(w), reduction="none"),
            cls,
            ref_multi_margin(x, cls, 2, 0.5, w),
        ),
        (nn.MultiLabelMarginLoss(), labels, ref_multilabel_margin(x, labels).mean()),
    ]
    for module, target, want in pairs:
        np.testing.assert_allclose(_np(module(_t(x), _t(target))), want, rtol=1e-12, err_msg=repr(module))
    assert "weight" in dict(nn.MultiMarginLoss(weight=_t(w)).named_buffers())
    # one unbatched sample: C classes, a 0-d loss (multi_margin: the target's shape)
    assert F.multi_margin_loss(_t(x[0]), _t(np.array(2)), reduction="none").shape == ()
    assert F.multi_margin_loss(_t(x[0]), _t(np.array([2])), reduction="none").shape == (1,)
    np.testing.assert_allclose(
        _np(F.multilabel_margin_loss(_t(x[0]), _t(labels[0]), reduction="none")),
        ref_multilabel_margin(x[:1], labels[:1])[0],
        rtol=1e-12,
    )
    assert F.multilabel_soft_margin_loss(_t(x[0]), _t(y_sign[0] > 0).double(), reduction="none").shape == ()


def test_loss_kinks_follow_pytorch():
    # hinge_embedding: clamp_min, gradient -1 at margin - x == 0; multi_margin: z > 0, gradient 0 at z == 0
    xt = _t(np.array([1.0, 0.5]), True)
    F.hinge_embedding_loss(xt, _t(np.array([-1.0, -1.0])), margin=1.0, reduction="sum").backward()
    np.testing.assert_array_equal(_np(xt.grad), [-1.0, -1.0])
    xt = _t(np.array([[1.0, 0.0, -1.0]]), True)
    F.multi_margin_loss(xt, _t(np.array([0])), reduction="sum").backward()  # z = 0 at class 1, -1 at class 2
    np.testing.assert_array_equal(_np(xt.grad), [[0.0, 0.0, 0.0]])


def test_loss_gradients_finite_differences_and_jax():
    x = RNG.standard_normal((4, 5))
    y_sign, y01, w = RNG.choice([-1.0, 1.0], (4, 5)), RNG.random((4, 5)), RNG.random(5)
    cls, labels = (
        np.array([0, 4, 2, 2]),
        np.array([[1, 3, -1, 0, 0], [0, 1, 2, 3, -1], [4, -1, 2, 2, 2], [2, 2, -1, -1, -1]]),
    )
    cases = [
        (
            lambda a: F.hinge_embedding_loss(a, _t(y_sign), margin=0.3, reduction="none"),
            lambda a: jnp.where(y_sign != 1, jnp.maximum(0.3 - a, 0), 0) + jnp.where(y_sign != -1, a, 0),
        ),
        (
            lambda a: F.soft_margin_loss(a, _t(y_sign), reduction="none"),
            lambda a: jnp.log1p(jnp.exp(-a * y_sign)),
        ),
        (
            lambda a: F.multilabel_soft_margin_loss(a, _t(y01), weight=_t(w), reduction="none"),
            lambda a: jnp.mean(-(y01 * jax.nn.log_sigmoid(a) + (1 - y01) * jax.nn.log_sigmoid(-a)) * w, -1),
        ),
        (
            lambda a: F.multi_margin_loss(a, _t(cls), p=2, weight=_t(w), reduction="none"),
            lambda a: (
                jnp.sum(
                    jnp.where(
                        np.eye(5)[cls] > 0,
                        0.0,
                        jnp.maximum(1 - jnp.take_along_axis(a, cls[:, None], 1) + a, 0) ** 2,
                    ),
                    1,
                )
                * w[cls]
                / 5
            ),
        ),
        (lambda a: F.multilabel_margin_loss(a, _t(labels), reduction="none"), None),
    ]
    for fn, ref in cases:
        assert dg.autograd.gradcheck(fn, (_t(x, True),))
        if ref is not None:
            (g,), v = _grad(fn, x)
            np.testing.assert_allclose(g, _jax_vjp(ref, v, x)[0], rtol=1e-10, atol=1e-14)


def test_loss_errors():
    x = _t(np.ones((3, 4)))
    with pytest.raises(
        DualgradError,
        match=r"hinge_embedding_loss: the shapes of input \(3, 4\), target \(3, 3\) "
        r"do not broadcast.*test_nn_more",
    ):
        F.hinge_embedding_loss(x, _t(np.ones((3, 3))))
    with pytest.raises(DualgradError, match="soft_margin_loss: 'avg' is not a valid value for reduction"):
        F.soft_margin_loss(x, x, reduction="avg")
    with pytest.raises(ValueError, match="multi_margin_loss: only p == 1 and p == 2 supported, got p=3"):
        F.multi_margin_loss(x, _t(np.array([0, 1, 2])), p=3)
    with pytest.raises(ValueError, match="MultiMarginLoss: weight must be one-dimensional"):
        nn.MultiMarginLoss(weight=_t(np.ones((2, 2))))
    with pytest.raises(
        DualgradError,
        match=r"target tensor should be 1-D with size equal to the number of input "
        r"samples.*Expected target size \[3\], but got \[2\]",
    ):
        F.multi_margin_loss(x, _t(np.array([0, 1])))
    with pytest.raises(DualgradError, match="multi_margin_loss: target out of range"):
        F.multi_margin_loss(x, _t(np.array([0, 1, 4])))
    with pytest.raises(DualgradError, match=r"inconsistent weight size, expected 4 but got \[3\]"):
        F.multi_margin_loss(x, _t(np.array([0, 1, 2])), weight=_t(np.ones(3)))
    with pytest.raises(DualgradError, match=r"Expected non-empty vector or matrix.*\[2, 3, 4\]"):
        F.multi_margin_loss(_t(np.ones((2, 3, 4))), _t(np.array([0, 1])))
    with pytest.raises(
        DualgradError,
        match=r"multilabel_margin_loss: inconsistent target size: \[3\] for input of "
        r"size: \[3, 4\].*test_nn_more",
    ):
        F.multilabel_margin_loss(x, _t(np.array([0, 1, 2])))
    with pytest.raises(DualgradError, match="multilabel_margin_loss: argument #2 'target' is out of range"):
        F.multilabel_margin_loss(x, _t(np.array([[0, 1, 1, 7]] * 3)))
    with pytest.raises(DualgradError, match="multilabel_margin_loss: expected target of an integer dtype"):
        F.multilabel_margin_loss(x, x)


def test_new_names_are_pytorchs():
    for name in (
        "softshrink",
        "hardshrink",
        "rrelu",
        "gumbel_softmax",
        "local_response_norm",
        "channel_shuffle",
        "bilinear",
        "hinge_embedding_loss",
        "soft_margin_loss",
        "multilabel_soft_margin_loss",
        "multi_margin_loss",
        "multilabel_margin_loss",
    ):
        assert callable(getattr(F, name)) and getattr(F, name).__doc__
    assert math.isclose(F.rrelu.__defaults__[0], 1 / 8) and math.isclose(F.rrelu.__defaults__[1], 1 / 3)


@settings(max_examples=15, deadline=None)
@given(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3))
def test_elementwise_losses_broadcast_as_numpy(shapes):
    """hinge_embedding_loss and soft_margin_loss broadcast input and target as numpy, value and
    gradient (the gradient of a broadcast input sums over the broadcast dims)."""
    (xs, ys), _ = shapes
    rng = np.random.default_rng(len(xs) * 10 + len(ys))
    x, y = rng.standard_normal(xs), rng.choice([-1.0, 1.0], ys)
    for fn, ref, dref in (
        (
            F.hinge_embedding_loss,
            lambda a: ref_hinge_embedding(a, y, 1.0),
            lambda a: np.where(y != 1, -1.0 * (1.0 - a >= 0), 0) + np.where(y != -1, 1.0, 0),
        ),
        (F.soft_margin_loss, lambda a: np.log1p(np.exp(-a * y)), lambda a: -y / (1 + np.exp(a * y))),
    ):
        xt = _t(x, True)
        loss = fn(xt, _t(y), reduction="sum")
        np.testing.assert_allclose(_np(loss), ref(x).sum(), rtol=1e-12)
        loss.backward()
        full = np.broadcast_to(dref(x), np.broadcast_shapes(xs, ys))
        lead = full.ndim - len(xs)
        want = full.sum(axis=tuple(range(lead)))
        want = want.sum(axis=tuple(i for i, n in enumerate(xs) if n == 1), keepdims=True)
        np.testing.assert_allclose(_np(xt.grad), want, rtol=1e-12)
