"""Every loss with every reduction, forward and input gradients, against references written
in jax (always) and against torch (where installed). The jax references take class indices
directly (`take_along_axis`), independently of dualgrad's boolean class masks."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
import dualgrad.nn.functional as F
from dualgrad import nn
from dualgrad.testing import assert_close

pytestmark = pytest.mark.usefixtures("jax_float64")  # float64 jax oracles

REDUCTIONS = ["none", "mean", "sum"]


def _reduce(loss, reduction):
    return {"none": loss, "mean": jnp.mean(loss), "sum": jnp.sum(loss)}[reduction]


def ref_cross_entropy(logits, target, weight=None, reduction="mean", ignore_index=-100, label_smoothing=0.0):
    """PyTorch's definition with class indices; classes on axis 1."""
    logp = jnp.moveaxis(jax.nn.log_softmax(logits, axis=1), 1, -1)
    classes = logp.shape[-1]
    w = jnp.ones(classes) if weight is None else weight
    valid = target != ignore_index
    safe = jnp.where(valid, target, 0)
    picked = jnp.take_along_axis(logp, safe[..., None], axis=-1)[..., 0]
    wt = w[safe] * valid
    smooth = -jnp.sum(logp * w, axis=-1) * valid
    loss = (1 - label_smoothing) * (-picked * wt) + label_smoothing / classes * smooth
    return jnp.sum(loss) / jnp.sum(wt) if reduction == "mean" else _reduce(loss, reduction)


def ref_nll(logp, target, weight=None, reduction="mean", ignore_index=-100):
    logp = jnp.moveaxis(logp, 1, -1)
    w = jnp.ones(logp.shape[-1]) if weight is None else weight
    valid = target != ignore_index
    safe = jnp.where(valid, target, 0)
    wt = w[safe] * valid
    loss = -jnp.take_along_axis(logp, safe[..., None], axis=-1)[..., 0] * wt
    return jnp.sum(loss) / jnp.sum(wt) if reduction == "mean" else _reduce(loss, reduction)


def _value_and_grad(fn, x, *rest):
    """dualgrad: the loss and d(sum(loss * g))/dx for a fixed cotangent g."""
    t = dg.tensor(x, requires_grad=True)
    out = fn(t, *rest)
    g = np.linspace(0.5, 1.5, max(out.numel(), 1)).reshape(tuple(out.shape))
    (out * dg.tensor(g)).sum().backward()
    return out.detach().numpy(), t.grad.numpy(), g


def _check(dg_fn, ref_fn, x, *rest, ref_rest=(), jit=False):
    """`jit`: one XLA compilation for the whole reference, cheaper than jax's per-op ones when
    every example has new shapes or options."""
    value, grad, g = _value_and_grad(dg_fn, x, *rest)

    def reference(z, cotangent):
        expected, pullback = jax.vjp(lambda z: ref_fn(z, *ref_rest), z)
        return expected, pullback(cotangent)[0]

    expected, expected_grad = (jax.jit(reference) if jit else reference)(jnp.asarray(x), jnp.asarray(g))
    assert_close(value, np.asarray(expected), rtol=1e-10, atol=1e-12, msg="loss value")
    assert_close(grad, np.asarray(expected_grad), rtol=1e-9, atol=1e-12, msg="input gradient")


@st.composite
def class_problems(draw):
    # few distinct shapes: each new shape recompiles every op of the jax reference
    n, c = draw(st.sampled_from([1, 3])), draw(st.sampled_from([2, 5]))
    extra = draw(st.sampled_from([(), (2,)]))
    rng = np.random.default_rng(draw(st.integers(0, 2**31)))
    logits = rng.standard_normal((n, c) + extra)
    target = rng.integers(0, c, (n,) + extra)
    if draw(st.booleans()):
        target.flat[0] = -100 if target.size > 1 else target.flat[0]
    weight = rng.uniform(0.2, 2.0, c) if draw(st.booleans()) else None
    return logits, target, weight


@settings(max_examples=8, deadline=None)  # each example compiles a jax reference
@given(problem=class_problems(), reduction=st.sampled_from(REDUCTIONS),
       smoothing=st.sampled_from([0.0, 0.0, 0.1, 0.3]))
def test_cross_entropy_with_indices_matches_jax(problem, reduction, smoothing):
    logits, target, weight = problem
    w_dg = None if weight is None else dg.tensor(weight)
    w_ref = None if weight is None else jnp.asarray(weight)
    _check(lambda x: F.cross_entropy(x, dg.tensor(target), weight=w_dg, reduction=reduction,
                                     label_smoothing=smoothing),
           lambda z: ref_cross_entropy(z, jnp.asarray(target), w_ref, reduction, -100, smoothing), logits,
           jit=True)


@settings(max_examples=30, deadline=None)
@given(problem=class_problems(), reduction=st.sampled_from(REDUCTIONS))
def test_nll_loss_matches_jax(problem, reduction):
    logits, target, weight = problem
    logp = np.asarray(jax.nn.log_softmax(logits, axis=1))
    w_dg = None if weight is None else dg.tensor(weight)
    _check(lambda x: F.nll_loss(x, dg.tensor(target), weight=w_dg, reduction=reduction),
           lambda z: ref_nll(z, jnp.asarray(target), None if weight is None else jnp.asarray(weight),
                             reduction), logp, jit=True)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**31), reduction=st.sampled_from(REDUCTIONS),
       smoothing=st.sampled_from([0.0, 0.2]), weighted=st.booleans())
def test_cross_entropy_with_probabilities_matches_jax(seed, reduction, smoothing, weighted):
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((3, 4))
    probs = rng.dirichlet(np.ones(4), 3)
    weight = rng.uniform(0.2, 2, 4) if weighted else np.ones(4)

    def ref(z):
        q = probs * (1 - smoothing) + smoothing / 4
        return _reduce(-jnp.sum(jax.nn.log_softmax(z, axis=1) * q * weight, axis=1), reduction)

    _check(lambda x: F.cross_entropy(x, dg.tensor(probs), weight=dg.tensor(weight) if weighted else None,
                                     reduction=reduction, label_smoothing=smoothing), ref, logits)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_regression_and_binary_losses_match_jax(reduction):
    rng = np.random.default_rng(7)
    x, y = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    p, labels = rng.uniform(0.05, 0.95, (3, 4)), rng.uniform(0, 1, (3, 4))
    w, pw = rng.uniform(0.5, 2, (3, 4)), rng.uniform(0.5, 3, (4,))
    _check(lambda a: F.mse_loss(a, dg.tensor(y), reduction=reduction),
           lambda z: _reduce((z - y) ** 2, reduction), x)
    _check(lambda a: F.l1_loss(a, dg.tensor(y), reduction=reduction),
           lambda z: _reduce(jnp.abs(z - y), reduction), x)
    _check(lambda a: F.binary_cross_entropy(a, dg.tensor(labels), weight=dg.tensor(w), reduction=reduction),
           lambda z: _reduce(-w * (labels * jnp.log(z) + (1 - labels) * jnp.log1p(-z)), reduction), p)
    _check(lambda a: F.binary_cross_entropy_with_logits(a, dg.tensor(labels), pos_weight=dg.tensor(pw),
                                                        reduction=reduction),
           lambda z: _reduce(-(pw * labels * jax.nn.log_sigmoid(z) + (1 - labels) * jax.nn.log_sigmoid(-z)),
                             reduction), x)


def test_binary_losses_at_the_edges():
    """BCE clamps its logs at -100 (PyTorch); BCE with logits is finite for huge logits and
    its gradient at a zero logit is sigmoid(0) - y."""
    p = dg.tensor([0.0, 1.0], requires_grad=True)
    out = F.binary_cross_entropy(p, dg.tensor([1.0, 0.0]), reduction="none")
    assert np.array_equal(out.detach().numpy(), [100.0, 100.0])
    out.sum().backward()
    assert_close(p.grad.numpy(), [-1e12, 1e12])  # (x - y) / max(x (1 - x), 1e-12)
    x = dg.tensor([0.0, 1000.0, -1000.0], requires_grad=True)
    loss = F.binary_cross_entropy_with_logits(x, dg.tensor([1.0, 0.0, 1.0]), reduction="sum")
    assert abs(loss.item() - (np.log(2) + 2000)) < 1e-3
    loss.backward()
    assert_close(x.grad.numpy(), [-0.5, 1.0, -1.0])


def test_loss_argument_errors():
    x = dg.randn(3, 4)
    with pytest.raises(ValueError, match="bogus is not a valid value for reduction"):
        F.mse_loss(x, x, reduction="bogus")
    with pytest.raises(IndexError, match="Target 7 is out of bounds"):
        F.cross_entropy(x, dg.tensor([0, 7, 1]))
    with pytest.raises(ValueError, match=r"Expected input batch_size \(3\) to match target batch_size \(2\)"):
        F.cross_entropy(x, dg.tensor([0, 1]))
    with pytest.raises(ValueError, match="weight tensor should be defined either for all 4 classes"):
        F.cross_entropy(x, dg.tensor([0, 1, 2]), weight=dg.ones(3))
    with pytest.raises(ValueError, match="same as input size"):
        F.binary_cross_entropy_with_logits(x, dg.ones(4))
    with pytest.warns(UserWarning, match="different to the input size"):
        F.mse_loss(x, dg.ones(4))
    assert isinstance(F.ReductionError("x"), dg.errors.DualgradError)


def test_loss_modules_and_one_hot():
    x, y = dg.randn(4, 3), dg.tensor([2, 0, 1, 2])
    for reduction in REDUCTIONS:
        module = nn.CrossEntropyLoss(reduction=reduction, label_smoothing=0.1)
        assert np.array_equal(module(x, y).numpy(),
                              F.cross_entropy(x, y, reduction=reduction, label_smoothing=0.1).numpy())
    assert np.array_equal(F.one_hot(y, 4).numpy(), np.eye(4, dtype=np.int64)[[2, 0, 1, 2]])
    assert F.one_hot(y).shape == (4, 3)
    with pytest.raises(IndexError):
        F.one_hot(y, 2)


# -- torch as a second oracle --------------------------------------------------------------

@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_losses_match_torch(torch, reduction):
    tf = torch.nn.functional
    rng = np.random.default_rng(11)
    logits, target = rng.standard_normal((5, 4, 2)), rng.integers(0, 4, (5, 2))
    target[1, 0] = -100
    weight, probs = rng.uniform(0.3, 2, 4), rng.dirichlet(np.ones(4), 5)
    p, y = rng.uniform(0.05, 0.95, (5, 4)), rng.uniform(0, 1, (5, 4))
    pw = rng.uniform(0.5, 2, 4)
    cases = [
        (lambda m, a: m.cross_entropy(a, m_t(m, target), weight=m_t(m, weight), reduction=reduction,
                                      label_smoothing=0.15), logits),
        (lambda m, a: m.cross_entropy(a, m_t(m, probs), reduction=reduction, label_smoothing=0.1),
         logits[:, :, 0]),
        (lambda m, a: m.nll_loss(a, m_t(m, target), weight=m_t(m, weight), reduction=reduction), logits),
        (lambda m, a: m.mse_loss(a, m_t(m, y), reduction=reduction), p),
        (lambda m, a: m.l1_loss(a, m_t(m, y), reduction=reduction), p * 3),
        (lambda m, a: m.binary_cross_entropy(a, m_t(m, y), reduction=reduction), p),
        (lambda m, a: m.binary_cross_entropy_with_logits(a, m_t(m, y), pos_weight=m_t(m, pw),
                                                         reduction=reduction), logits[:, :, 0]),
    ]

    def m_t(m, a):
        return torch.tensor(a) if m is tf else dg.tensor(a)

    for k, (fn, x) in enumerate(cases):
        tx = torch.tensor(x, requires_grad=True)
        dx = dg.tensor(x, requires_grad=True)
        tout, dout = fn(tf, tx), fn(F, dx)
        assert_close(dout.detach().numpy(), tout.detach().numpy(), rtol=1e-10, atol=1e-12, msg=f"case {k}")
        tout.sum().backward()
        dout.sum().backward()
        assert_close(dx.grad.numpy(), tx.grad.numpy(), rtol=1e-9, atol=1e-12, msg=f"case {k} grad")
