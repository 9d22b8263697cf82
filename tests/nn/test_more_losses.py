"""kl_div, huber/smooth_l1, margin_ranking, triplet_margin, cosine_embedding, poisson_nll,
gaussian_nll and softmin: values and gradients of every reduction against references written
out in jax float64 (`jax.vjp` for the gradients), PyTorch's conventions at the kinks written
out by hand, the modules, and the errors."""
from __future__ import annotations

import math
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dualgrad as dg
import dualgrad.nn.functional as F
from dualgrad import nn
from dualgrad.errors import ReductionError, ShapeError
from dualgrad.testing import assert_close

pytestmark = pytest.mark.usefixtures("jax_float64")  # float64 jax oracles

REDUCTIONS = ["none", "mean", "sum"]
RNG = np.random.default_rng(7)


def _reduce(loss, reduction):
    return {"none": loss, "mean": jnp.mean(loss), "sum": jnp.sum(loss)}[reduction]


def _pdist(a, b, p, eps):
    return jnp.sum(jnp.abs(a - b + eps) ** p, axis=-1) ** (1 / p)


# -- references, PyTorch's documented formulas written out ------------------------------------------
def ref_kl_div(x, t, reduction="mean", log_target=False):
    if log_target:
        loss = jnp.exp(t) * (t - x)
    else:
        loss = jnp.where(t > 0, t * jnp.log(jnp.where(t > 0, t, 1)), 0) - t * x
    return jnp.sum(loss) / x.shape[0] if reduction == "batchmean" else _reduce(loss, reduction)


def ref_huber(x, y, reduction="mean", delta=1.0):
    d = jnp.abs(x - y)
    return _reduce(jnp.where(d < delta, 0.5 * d**2, delta * (d - 0.5 * delta)), reduction)


def ref_smooth_l1(x, y, reduction="mean", beta=1.0):
    d = jnp.abs(x - y)
    return _reduce(jnp.where(d < beta, 0.5 * d**2 / beta, d - 0.5 * beta), reduction)


def ref_margin_ranking(x1, x2, y, reduction="mean", margin=0.0):
    return _reduce(jnp.maximum(0.0, -y * (x1 - x2) + margin), reduction)


def ref_triplet(a, pos, n, reduction="mean", margin=1.0, p=2.0, eps=1e-6, swap=False):
    d_ap, d_an = _pdist(a, pos, p, eps), _pdist(a, n, p, eps)
    if swap:
        d_an = jnp.minimum(d_an, _pdist(pos, n, p, eps))
    return _reduce(jnp.maximum(margin + d_ap - d_an, 0.0), reduction)


def ref_cosine_embedding(x1, x2, y, reduction="mean", margin=0.0):
    cos = jnp.sum(x1 * x2, -1) / jnp.sqrt((jnp.sum(x1**2, -1) + 1e-12) * (jnp.sum(x2**2, -1) + 1e-12))
    loss = jnp.where(y == 1, 1 - cos, 0.0) + jnp.where(y == -1, jnp.maximum(cos - margin, 0.0), 0.0)
    return _reduce(loss, reduction)


def ref_poisson(x, y, reduction="mean", log_input=True, full=False, eps=1e-8):
    loss = jnp.exp(x) - y * x if log_input else x - y * jnp.log(x + eps)
    if full:
        safe = jnp.where(y > 1, y, 2.0)
        loss = loss + jnp.where(y > 1, safe * jnp.log(safe) - safe + 0.5 * jnp.log(2 * jnp.pi * safe), 0.0)
    return _reduce(loss, reduction)


def ref_gaussian(x, y, var, reduction="mean", full=False, eps=1e-6):
    if var.shape == x.shape[:-1]:
        var = var[..., None]
    var = jnp.maximum(var, eps)
    loss = 0.5 * (jnp.log(var) + (x - y) ** 2 / var) + (0.5 * math.log(2 * math.pi) if full else 0.0)
    return _reduce(loss, reduction)


def _probs(shape):
    e = np.exp(RNG.standard_normal(shape))
    return e / e.sum(-1, keepdims=True)


def _sign(shape):
    return RNG.choice([-1.0, 1.0], size=shape)


# name, dualgrad function, reference, inputs, which inputs get gradients, keyword arguments
CASES = [
    ("kl_div", F.kl_div, ref_kl_div, lambda: [np.log(_probs((3, 4))), _probs((3, 4))], (0, 1), {}),
    ("kl_div_log_target", F.kl_div, ref_kl_div,
     lambda: [np.log(_probs((3, 4))), np.log(_probs((3, 4)))], (0, 1), {"log_target": True}),
    ("huber", F.huber_loss, ref_huber, lambda: [RNG.standard_normal((4, 3)) * 2, RNG.standard_normal((4, 3))],
     (0, 1), {"delta": 0.7}),
    ("smooth_l1", F.smooth_l1_loss, ref_smooth_l1,
     lambda: [RNG.standard_normal((4, 3)) * 2, RNG.standard_normal((4, 3))], (0, 1), {"beta": 0.5}),
    ("margin_ranking", F.margin_ranking_loss, ref_margin_ranking,
     lambda: [RNG.standard_normal(6), RNG.standard_normal(6), _sign(6)], (0, 1), {"margin": 0.3}),
    ("triplet", F.triplet_margin_loss, ref_triplet,
     lambda: [RNG.standard_normal((5, 3)) for _ in range(3)], (0, 1, 2), {"margin": 1.5}),
    ("triplet_swap_p1", F.triplet_margin_loss, ref_triplet,
     lambda: [RNG.standard_normal((5, 3)) for _ in range(3)], (0, 1, 2),
     {"margin": 2.0, "p": 1, "swap": True}),
    ("cosine_embedding", F.cosine_embedding_loss, ref_cosine_embedding,
     lambda: [RNG.standard_normal((6, 3)), RNG.standard_normal((6, 3)), _sign(6)], (0, 1), {"margin": -0.2}),
    ("poisson_log", F.poisson_nll_loss, ref_poisson,
     lambda: [RNG.standard_normal((3, 4)), RNG.poisson(2.0, (3, 4)).astype(float)], (0,), {"full": True}),
    ("poisson_rate", F.poisson_nll_loss, ref_poisson,
     lambda: [RNG.uniform(0.5, 3, (3, 4)), RNG.uniform(0.0, 4, (3, 4))], (0, 1), {"log_input": False}),
    ("gaussian_same", F.gaussian_nll_loss, ref_gaussian,
     lambda: [RNG.standard_normal((4, 3)), RNG.standard_normal((4, 3)), RNG.uniform(0.2, 2, (4, 3))],
     (0, 1, 2), {"full": True}),
    ("gaussian_one_fewer", F.gaussian_nll_loss, ref_gaussian,
     lambda: [RNG.standard_normal((4, 3)), RNG.standard_normal((4, 3)), RNG.uniform(0.2, 2, (4,))],
     (0, 1, 2), {}),
    ("gaussian_last_1", F.gaussian_nll_loss, ref_gaussian,
     lambda: [RNG.standard_normal((4, 3)), RNG.standard_normal((4, 3)), RNG.uniform(0.2, 2, (4, 1))],
     (0, 1, 2), {}),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_value_and_gradients_match_the_reference(case):
    """One jax.vjp of the unreduced reference per case: 'sum' and 'mean' pull back a seed of
    ones and of ones / n."""
    _, fn, ref, make, wrt, kwargs = case
    arrays = make()
    inputs = [jnp.asarray(a) for a in arrays]

    def unreduced(*xs):
        return ref(*xs, reduction="none", **kwargs)

    noise = RNG.standard_normal(jax.eval_shape(unreduced, *inputs).shape)

    def value_and_pullbacks(xs, noise):
        want, vjp = jax.vjp(unreduced, *xs)
        return want, vjp(noise), vjp(jnp.ones(want.shape))

    # one program, not one compile per primitive
    want, pulled_none, pulled_sum = jax.jit(value_and_pullbacks)(inputs, jnp.asarray(noise))
    want = np.asarray(want)
    pulled = {"none": pulled_none, "sum": pulled_sum}
    pulled["mean"] = [g / want.size for g in pulled["sum"]]  # (a vjp is linear in its seed)
    for reduction in REDUCTIONS:
        tensors = [dg.tensor(a, requires_grad=i in wrt) for i, a in enumerate(arrays)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # kl_div's 'mean' warning
            out = fn(*tensors, reduction=reduction, **kwargs)
        value = {"none": want, "sum": want.sum(), "mean": want.mean()}[reduction]
        assert_close(out.detach().numpy(), value, rtol=1e-12, atol=1e-12)
        out.backward(dg.tensor(noise) if reduction == "none" else None)
        grads = pulled[reduction]
        for i in wrt:
            assert_close(tensors[i].grad.numpy(), np.asarray(grads[i]), rtol=1e-10, atol=1e-12)


def test_kl_div_batchmean_divides_by_the_batch_and_mean_warns():
    x, t = np.log(_probs((3, 4))), _probs((3, 4))
    xt = dg.tensor(x, requires_grad=True)
    out = F.kl_div(xt, dg.tensor(t), reduction="batchmean")
    assert_close(out.item(), float(np.sum(t * (np.log(t) - x)) / 3), rtol=1e-12)
    out.backward()
    assert_close(xt.grad.numpy(), -t / 3, rtol=1e-12)
    with pytest.warns(UserWarning, match="batchmean"):
        F.kl_div(xt, dg.tensor(t))
    assert_close(nn.KLDivLoss(reduction="batchmean", log_target=True)(xt, dg.tensor(np.log(t))).item(),
                 out.item(), rtol=1e-12)


def test_kl_div_zero_target_gives_zero_and_a_nan_target_gradient():
    """xlogy(0, 0) = 0; the target's gradient there is NaN, as PyTorch's."""
    x = dg.tensor(np.array([-1.0, -2.0]), requires_grad=True)
    t = dg.tensor(np.array([0.0, 1.0]), requires_grad=True)
    out = F.kl_div(x, t, reduction="sum")
    assert_close(out.item(), 2.0, rtol=1e-15)
    with np.errstate(invalid="ignore"):  # the NaN is the point
        out.backward()
    assert_close(x.grad.numpy(), [-0.0, -1.0])
    assert np.isnan(t.grad.numpy()[0]) and t.grad.numpy()[1] == 1.0 - (-2.0)


def test_huber_and_smooth_l1_at_the_threshold_and_at_zero():
    """At |d| == delta both branches give delta * sign(d); at d == 0 the gradient is 0;
    smooth_l1 with beta == 0 is l1."""
    x = dg.tensor(np.array([0.5, -0.5, 0.0, 2.0]), requires_grad=True)
    F.huber_loss(x, dg.zeros(4, dtype=dg.float64), reduction="sum", delta=0.5).backward()
    assert x.grad.numpy().tolist() == [0.5, -0.5, 0.0, 0.5]
    x.grad = None
    F.smooth_l1_loss(x, dg.zeros(4, dtype=dg.float64), reduction="sum", beta=0.5).backward()
    assert x.grad.numpy().tolist() == [1.0, -1.0, 0.0, 1.0]
    x.grad = None
    out = F.smooth_l1_loss(x, dg.zeros(4, dtype=dg.float64), reduction="sum", beta=0.0)
    out.backward()
    assert out.item() == 3.0 and x.grad.numpy().tolist() == [1.0, -1.0, 0.0, 1.0]
    w = np.array([1.0, 2.0, 3.0, 0.5])
    weighted = F.huber_loss(x, dg.zeros(4, dtype=dg.float64), reduction="none", delta=0.5,
                            weight=dg.tensor(w))
    assert_close(weighted.detach().numpy(), w * np.array([0.125, 0.125, 0.0, 0.875]), rtol=1e-15)


def test_hinges_pass_the_gradient_at_zero_as_clamp_min():
    """PyTorch's clamp_min: gradient 1 where the hinge's argument is exactly 0."""
    x1 = dg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    x2 = dg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = dg.tensor(np.array([1.0, -1.0]))
    out = F.margin_ranking_loss(x1, x2, y, reduction="sum")
    out.backward()
    assert out.item() == 0.0
    assert x1.grad.numpy().tolist() == [-1.0, 1.0] and x2.grad.numpy().tolist() == [1.0, -1.0]
    a = np.array([[1.0, 0.0]])
    b = np.array([[1.0, 1.0]])
    cos = float(np.sum(a * b) / np.sqrt((np.sum(a * a) + 1e-12) * (np.sum(b * b) + 1e-12)))
    at = dg.tensor(a, requires_grad=True)
    out = F.cosine_embedding_loss(at, dg.tensor(b), dg.tensor(np.array([-1.0])), margin=cos)
    out.backward()
    assert out.item() == 0.0
    sa, sb = np.sum(a * a) + 1e-12, np.sum(b * b) + 1e-12  # d cos / d a, written out
    want = b / np.sqrt(sa * sb) - np.sum(a * b) * a / (sa * np.sqrt(sa * sb))
    assert_close(at.grad.numpy(), want, rtol=1e-12)


def test_poisson_full_adds_stirling_only_above_one():
    x = np.array([0.2, -0.3, 0.5])
    y = np.array([1.0, 3.0, 0.0])
    out = F.poisson_nll_loss(dg.tensor(x), dg.tensor(y), full=True, reduction="none").numpy()
    want = np.exp(x) - y * x + np.array([0.0, 3 * np.log(3) - 3 + 0.5 * np.log(2 * np.pi * 3), 0.0])
    assert_close(out, want, rtol=1e-14)


def test_gaussian_var_is_clamped_in_value_only():
    """Below eps the value uses eps and the gradient reaches var, taken at eps (PyTorch's
    clamp under no_grad on a clone)."""
    eps = 1e-3
    var = dg.tensor(np.array([1e-5, 0.0, 2.0]), requires_grad=True)
    x = dg.tensor(np.array([0.1, 0.0, 1.0]))
    out = F.gaussian_nll_loss(x, dg.zeros(3, dtype=dg.float64), var, eps=eps, reduction="none")
    clamped = np.array([eps, eps, 2.0])
    d2 = np.array([0.01, 0.0, 1.0])
    assert_close(out.detach().numpy(), 0.5 * (np.log(clamped) + d2 / clamped), rtol=1e-14)
    out.sum().backward()
    assert_close(var.grad.numpy(), 0.5 * (1 / clamped - d2 / clamped**2), rtol=1e-12)
    scalar = F.gaussian_nll_loss(x, dg.zeros(3, dtype=dg.float64), 2.0, full=True, reduction="sum")
    assert_close(scalar.item(), float(np.sum(0.5 * (np.log(2.0) + d2 / 2.0) + 0.5 * np.log(2 * np.pi))),
                 rtol=1e-14)


def test_softmin():
    x = RNG.standard_normal((3, 4))
    xt = dg.tensor(x, requires_grad=True)
    out = F.softmin(xt, dim=1)
    want = _softmin(x, 1)
    assert_close(out.detach().numpy(), want, rtol=1e-13)
    seed = RNG.standard_normal((3, 4))
    out.backward(dg.tensor(seed))
    # the softmax vjp s (g - sum(g s)), times d(-x)/dx = -1
    assert_close(xt.grad.numpy(), -want * (seed - np.sum(seed * want, axis=1, keepdims=True)),
                 rtol=1e-12, atol=1e-15)
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmin"):
        assert_close(F.softmin(dg.tensor(x)).numpy(), want, rtol=1e-13)
    assert_close(nn.Softmin(dim=0)(dg.tensor(x)).numpy(), _softmin(x, 0), rtol=1e-13)


def _softmin(x, axis):
    e = np.exp(-(x - x.min(axis=axis, keepdims=True)))
    return e / e.sum(axis=axis, keepdims=True)


MODULES = [
    (nn.HuberLoss(reduction="sum", delta=0.7), F.huber_loss, {"reduction": "sum", "delta": 0.7}, 2),
    (nn.SmoothL1Loss(beta=0.5), F.smooth_l1_loss, {"beta": 0.5}, 2),
    (nn.KLDivLoss(reduction="batchmean"), F.kl_div, {"reduction": "batchmean"}, 2),
    (nn.MarginRankingLoss(margin=0.3), F.margin_ranking_loss, {"margin": 0.3}, 3),
    (nn.TripletMarginLoss(margin=2.0, p=1, swap=True), F.triplet_margin_loss,
     {"margin": 2.0, "p": 1, "swap": True}, 3),
    (nn.CosineEmbeddingLoss(margin=0.1, reduction="none"), F.cosine_embedding_loss,
     {"margin": 0.1, "reduction": "none"}, 3),
    (nn.PoissonNLLLoss(log_input=False, full=True), F.poisson_nll_loss,
     {"log_input": False, "full": True}, 2),
    (nn.GaussianNLLLoss(full=True, eps=1e-3), F.gaussian_nll_loss, {"full": True, "eps": 1e-3}, 3),
]


@pytest.mark.parametrize("module, fn, kwargs, n", MODULES, ids=[type(m[0]).__name__ for m in MODULES])
def test_modules_call_their_function(module, fn, kwargs, n):
    args = [dg.tensor(RNG.uniform(0.5, 2.0, (4,))) for _ in range(n)]
    if fn in (F.margin_ranking_loss,):
        args[2] = dg.tensor(_sign(4))
    if fn is F.cosine_embedding_loss:
        args = [dg.tensor(RNG.standard_normal((4, 3))), dg.tensor(RNG.standard_normal((4, 3))),
                dg.tensor(_sign(4))]
    assert_close(module(*args).numpy(), fn(*args, **kwargs).numpy(), rtol=0, atol=0)


def test_errors_name_the_loss_and_the_shapes():
    a, b = dg.ones(3, 2), dg.ones(4, 2)
    with pytest.raises(ReductionError, match="huber_loss: 'average'"):
        F.huber_loss(a, a, reduction="average")
    with pytest.raises(ReductionError, match="batchmean"):
        nn.HuberLoss(reduction="batchmean")
    with pytest.raises(ShapeError, match=r"smooth_l1_loss: the shapes of input \(3, 2\), target \(4, 2\)"):
        F.smooth_l1_loss(a, b)
    with pytest.warns(UserWarning, match=r"target size \(\(1, 2\)\)"):
        F.huber_loss(a, dg.ones(1, 2))
    with pytest.raises(ShapeError, match=r"margin_ranking_loss.*input1: \(3, 2\), input2: \(2,\)"):
        F.margin_ranking_loss(a, dg.ones(2), a)
    with pytest.raises(ShapeError, match=r"triplet_margin_loss.*anchor 2D \(3, 2\)"):
        F.triplet_margin_loss(a, a, dg.ones(2))
    with pytest.raises(ValueError, match="margin must be greater than 0"):
        F.triplet_margin_loss(a, a, a, margin=0.0)
    with pytest.raises(ShapeError,
                       match=r"cosine_embedding_loss: 1D target tensor expects 2D input tensors.*\(2,\)"):
        F.cosine_embedding_loss(dg.ones(2), dg.ones(2), dg.ones(3))
    with pytest.raises(ShapeError, match=r"gaussian_nll_loss: var is of incorrect size: var \(3, 3\)"):
        F.gaussian_nll_loss(a, a, dg.ones(3, 3))
    with pytest.raises(ValueError, match="var has negative"):
        F.gaussian_nll_loss(a, a, dg.tensor(np.array([[1.0], [-1.0], [1.0]])))
    with pytest.raises(ValueError, match="non-positive values for delta"):
        F.huber_loss(a, a, delta=0.0)
    with pytest.raises(ValueError, match="negative values for beta"):
        F.smooth_l1_loss(a, a, beta=-1.0)
