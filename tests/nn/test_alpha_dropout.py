"""Alpha dropout (SELU networks'): against PyTorch's formula in numpy float64 with the same keep
draws (dualgrad's generator is numpy's default_rng of the seed), its moments on standard normal
input, the channel version's one draw per (sample, channel), eval mode and the gradient."""
from __future__ import annotations

import math

import numpy as np
import pytest

import dualgrad as dg
import dualgrad.nn as nn
import dualgrad.nn.functional as F

SATURATION = 1.7580993408473766


def _formula(x: np.ndarray, keep: np.ndarray, p: float) -> np.ndarray:
    a = 1 / math.sqrt((SATURATION ** 2 * p + 1) * (1 - p))
    return x * keep * a + (keep - 1) * SATURATION * a + SATURATION * a * p


@pytest.mark.parametrize("p", [0.05, 0.2, 0.5, 0.9])
def test_alpha_dropout_is_pytorchs_formula_with_the_same_draws(p) -> None:
    x = np.random.default_rng(5).standard_normal((4, 6))
    dg.manual_seed(3)
    t = dg.tensor(x, requires_grad=True)
    out = F.alpha_dropout(t, p, True)
    keep = (np.random.default_rng(3).random((4, 6)) >= p).astype(np.float64)
    np.testing.assert_allclose(out.detach().numpy(), _formula(x, keep, p), rtol=1e-14, atol=1e-15)
    out.sum().backward()
    scale = 1 / math.sqrt((SATURATION ** 2 * p + 1) * (1 - p))
    np.testing.assert_allclose(t.grad.numpy(), keep * scale, rtol=1e-14)


def test_alpha_dropout_keeps_a_standard_normals_moments() -> None:
    x = np.random.default_rng(1).standard_normal(200_000)
    dg.manual_seed(1)
    out = F.alpha_dropout(dg.tensor(x), 0.3, True).numpy()
    assert abs(out.mean()) < 0.02 and abs(out.std() - 1) < 0.02


def test_feature_alpha_dropout_draws_one_keep_per_channel() -> None:
    x = np.ones((2, 3, 4, 5))
    dg.manual_seed(7)
    out = F.feature_alpha_dropout(dg.tensor(x), 0.5, True).numpy()
    keep = (np.random.default_rng(7).random((2, 3, 1, 1)) >= 0.5).astype(np.float64)
    np.testing.assert_allclose(out, _formula(x, keep, 0.5), rtol=1e-14)
    with pytest.raises(dg.errors.ShapeError, match="at least 2 dimensions"):
        F.feature_alpha_dropout(dg.ones(4), 0.5, True)


def test_eval_mode_p_zero_and_p_one_and_the_modules() -> None:
    x = dg.tensor([1.0, -2.0, 3.0])
    assert F.alpha_dropout(x, 0.5) is x  # (training=False by default, as PyTorch's)
    assert F.alpha_dropout(x, 0.0, True) is x
    np.testing.assert_array_equal(F.alpha_dropout(x, 1.0, True).numpy(), [0.0, 0.0, 0.0])
    m = nn.AlphaDropout(0.2)
    assert repr(m) == "AlphaDropout(p=0.2, inplace=False)"
    assert m.eval()(x) is x
    assert repr(nn.FeatureAlphaDropout(0.1)) == "FeatureAlphaDropout(p=0.1, inplace=False)"
    with pytest.raises(dg.errors.ShapeError, match="between 0 and 1"):
        F.alpha_dropout(x, 1.5, True)
