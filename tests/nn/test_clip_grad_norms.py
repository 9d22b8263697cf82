"""clip_grad_norm_ for every norm type against PyTorch's documented rule, in numpy float64:
the total norm is the p-norm of the vector of each gradient's p-norm, and every gradient is
multiplied by min(1, max_norm / (total + 1e-6)). `norm_type=-inf` returned 1 (the general
p formula run with p = -inf) and `0` raised, where PyTorch gives the smallest |g| and the
count of non-zero per-gradient norms; the registry norm handles both since 1e7d343."""
from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
from dualgrad import nn
from dualgrad.testing import assert_close

NORM_TYPES = [2.0, 1.0, 3.0, 0.5, math.inf, -math.inf, 0.0, -1.0]


def ref_clip(grads: list[np.ndarray], max_norm: float, p: float) -> tuple[float, list[np.ndarray]]:
    total = float(np.linalg.norm([np.linalg.norm(g.ravel(), ord=p) for g in grads], ord=p))
    scale = min(1.0, max_norm / (total + 1e-6))
    return total, [g * scale for g in grads]


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(NORM_TYPES), st.sampled_from([1e-3, 0.5, 1e3]), st.integers(0, 2**31))
def test_clip_grad_norm_matches_the_documented_rule_for_every_norm_type(p, max_norm, seed):
    rng = np.random.default_rng(seed)
    grads = [rng.standard_normal(shape) for shape in [(3, 4), (5,), ()]]
    params = [dg.zeros(*g.shape, dtype=dg.float64, requires_grad=True) for g in grads]
    for param, g in zip(params, grads, strict=True):
        param.grad = dg.tensor(g)
    params.append(dg.zeros(2, requires_grad=True))  # no gradient: skipped
    total = nn.utils.clip_grad_norm_(params, max_norm, norm_type=p)
    expected_total, expected = ref_clip(grads, max_norm, p)
    assert total.dtype is dg.float64
    assert_close(total.numpy(), np.asarray(expected_total), rtol=1e-13, atol=0, msg=f"total norm, p={p}")
    for param, g in zip(params, expected, strict=False):
        assert_close(param.grad.numpy(), g, rtol=1e-13, atol=0, msg=f"clipped gradient, p={p}")
    assert params[-1].grad is None
