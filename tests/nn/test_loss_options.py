"""Options of nn.functional that were accepted and not applied, a NaN gradient where PyTorch
gives a number, and numbers where PyTorch refuses the input. Oracles are numpy float64
transcriptions of PyTorch's documented formulas (written from the documentation, not from
dualgrad):

- softplus(x, beta, threshold) = x where beta x > threshold, else log(1 + exp(beta x)) / beta;
  its gradient is 1 above the threshold and sigmoid(beta x) below;
- cross entropy with class indices, weights w, label smoothing e over C classes: example n of
  class y has loss (1 - e) w_y (-log p_y) + e / C sum_c w_c (-log p_c); an ignored example
  contributes nothing (loss and gradient 0); 'mean' divides the sum by the total weight
  sum_n w_{y_n} of the examples kept. Its gradient with respect to the logits z_k is
  (1 - e) w_y (p_k - [k = y]) + e / C (W p_k - w_k), with W = sum_c w_c.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
import dualgrad.nn.functional as F
from dualgrad import nn
from dualgrad.testing import assert_close

SETTINGS = dict(max_examples=25, deadline=None)


def ref_softplus(x: np.ndarray, beta: float, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """(value, derivative) of PyTorch's softplus."""
    bx = beta * x
    linear = bx > threshold
    smooth = np.logaddexp(0.0, bx) / beta
    return np.where(linear, x, smooth), np.where(linear, 1.0, 1.0 / (1.0 + np.exp(-bx)))


@settings(**SETTINGS)
@given(st.sampled_from([0.5, 1.0, 2.0, 3.0]), st.sampled_from([0.5, 1.0, 5.0, 20.0]),
       st.integers(0, 2**31))
def test_softplus_turns_linear_above_the_users_threshold(beta, threshold, seed):
    x = np.random.default_rng(seed).uniform(-6.0, 6.0, 12)
    x[:3] = [threshold / beta, np.nextafter(threshold / beta, np.inf), 0.0]  # at and just past it
    for module in (False, True):
        t = dg.tensor(x, requires_grad=True)
        out = nn.Softplus(beta, threshold)(t) if module else F.softplus(t, beta=beta, threshold=threshold)
        out.sum().backward()
        value, slope = ref_softplus(x, beta, threshold)
        assert_close(out.detach().numpy(), value, rtol=1e-13, atol=1e-15, msg="softplus value")
        assert_close(t.grad.numpy(), slope, rtol=1e-13, atol=1e-15, msg="softplus gradient")


def test_softplus_with_a_small_threshold_differs_from_the_smooth_curve():
    """beta 0.5, threshold 1 at x = 2.8: PyTorch gives 2.8 (gradient 1), where log(1 + e^1.4) / 0.5
    is 3.24 (gradient 0.80)."""
    t = dg.tensor([2.8], dtype=dg.float64, requires_grad=True)
    out = F.softplus(t, beta=0.5, threshold=1.0)
    out.backward(dg.ones(1, dtype=dg.float64))
    assert out.item() == 2.8 and t.grad.item() == 1.0


def ref_cross_entropy_grad(logits, target, weight, smoothing, ignore_index, cotangent):
    """(mean loss, d(mean loss * cotangent)/d logits) with classes on axis 1 of (N, C)."""
    n, classes = logits.shape
    z = logits - logits.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    p = np.exp(logp)
    kept = target != ignore_index
    safe = np.where(kept, target, 0)
    w_y = weight[safe] * kept
    losses = (1 - smoothing) * w_y * -logp[np.arange(n), safe] \
        + smoothing / classes * (-(logp * weight).sum(axis=1)) * kept
    total = w_y.sum()
    onehot = np.eye(classes)[safe]
    per_example = (1 - smoothing) * w_y[:, None] * (p - onehot) \
        + smoothing / classes * (weight.sum() * p - weight) * kept[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        loss = losses.sum() / total  # 0 / 0 = nan when every example is ignored, as PyTorch
    grad = np.zeros_like(logits) if total == 0 else per_example * cotangent / total
    return loss, grad


@settings(**SETTINGS)
@given(st.integers(1, 4), st.integers(2, 4), st.sampled_from([0.0, 0.1, 1.0]), st.booleans(),
       st.booleans(), st.integers(0, 2**31))
def test_cross_entropy_mean_gradient_with_ignored_examples(n, classes, smoothing, weighted, none_kept, seed):
    """A batch whose examples are all ignored (a padding-only batch) has a NaN 'mean' loss and,
    as in PyTorch, a zero gradient: with label smoothing it was NaN, which poisons every
    parameter at the next optimizer step."""
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((n, classes)) * 2
    target = rng.integers(0, classes, n)
    target[rng.random(n) < 0.4] = -100
    if none_kept:
        target[:] = -100
    weight = rng.uniform(0.2, 2.0, classes) if weighted else np.ones(classes)
    t = dg.tensor(logits, requires_grad=True)
    loss = F.cross_entropy(t, dg.tensor(target), weight=dg.tensor(weight) if weighted else None,
                           label_smoothing=smoothing)
    (loss * 0.75).backward()
    expected, expected_grad = ref_cross_entropy_grad(logits, target, weight, smoothing, -100, 0.75)
    if np.isnan(expected):
        assert np.isnan(loss.item())
    else:
        assert_close(loss.detach().numpy(), np.asarray(expected), rtol=1e-12, atol=1e-14, msg="loss")
    assert_close(t.grad.numpy(), expected_grad, rtol=1e-10, atol=1e-14, msg="logit gradient")


def test_cross_entropy_probabilities_refuse_an_ignore_index():
    """PyTorch raises: a probability target has no class index to ignore (it was accepted
    and not applied)."""
    logits, probs = dg.randn(3, 4), dg.softmax(dg.randn(3, 4), 1)
    with pytest.raises(RuntimeError, match="ignore_index is not supported for floating point target"):
        F.cross_entropy(logits, probs, ignore_index=0)
    with pytest.raises(RuntimeError, match="ignore_index"):
        nn.CrossEntropyLoss(ignore_index=2)(logits, probs)
    assert np.isfinite(F.cross_entropy(logits, probs, ignore_index=-100).item())  # the default


_probability_like = st.one_of(st.floats(0.0, 1.0), st.sampled_from([-0.1, 1.5, np.nan, -np.inf, 2.0]))


@settings(**SETTINGS)
@given(st.lists(_probability_like, min_size=1, max_size=6), st.integers(0, 2**31), st.booleans())
def test_binary_cross_entropy_refuses_values_outside_0_1_as_pytorch(values, seed, as_target):
    """PyTorch raises 'all elements of input (target) should be between 0 and 1'; dualgrad
    returned NaN for such an input and a number for such a target. Inside [0, 1] the value is
    -(y log x + (1 - y) log(1 - x)) with each log clamped at -100, averaged."""
    drawn = np.array(values)
    others = np.random.default_rng(seed).uniform(0.0, 1.0, drawn.shape)
    x, y = (others, drawn) if as_target else (drawn, others)
    outside = not ((drawn >= 0) & (drawn <= 1)).all()
    for module in (False, True):
        call = nn.BCELoss() if module else F.binary_cross_entropy
        if outside:
            with pytest.raises(RuntimeError, match=f"all elements of {'target' if as_target else 'input'} "
                                                   "should be between 0 and 1"):
                call(dg.tensor(x), dg.tensor(y))
            continue
        with np.errstate(divide="ignore"):
            expected = np.mean(-(y * np.maximum(np.log(x), -100) + (1 - y) * np.maximum(np.log1p(-x), -100)))
        assert_close(call(dg.tensor(x), dg.tensor(y)).numpy(), np.asarray(expected), rtol=1e-12, atol=1e-14)
