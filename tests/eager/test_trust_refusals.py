"""Calls PyTorch 2.13 refuses, which dualgrad accepted and answered with a number that was not
what the user meant (torch is an optional extra oracle; each test checks its own refusal).

* `clamp()` / `clamp_()` / `clip()` with neither `min` nor `max`: a silent copy, where PyTorch
  raises "torch.clamp: At least one of 'min' or 'max' must not be None" (a forgotten bound).
"""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad as dg

X = [[1.5, -2.0, 3.0], [0.5, 4.0, -1.0]]

# -- clamp with neither bound ---------------------------------------------------------------------

CLAMPS = {
    "Tensor.clamp()": lambda t: t.clamp(),
    "Tensor.clamp(None, None)": lambda t: t.clamp(None, None),
    "Tensor.clip()": lambda t: t.clip(),
    "dg.clamp": lambda t: dg.clamp(t),
    "dg.clip": lambda t: dg.clip(t, min=None, max=None),
    "Tensor.clamp_()": lambda t: t.clamp_(),
    "Tensor.clamp_(min=None)": lambda t: t.clamp_(min=None),
}


@pytest.mark.parametrize("spell", sorted(CLAMPS))
def test_clamp_with_neither_bound_is_refused(spell):
    t = dg.tensor(X)
    with pytest.raises(RuntimeError, match=r"clamp: At least one of 'min' or 'max' must not be None"):
        CLAMPS[spell](t)
    np.testing.assert_array_equal(t.numpy(), np.array(X, dtype=np.float32))  # (changes nothing)


def test_clamp_with_one_bound_still_clamps():
    t = dg.tensor(X)
    np.testing.assert_array_equal(t.clamp(min=0).numpy(), np.clip(np.float32(X), 0, None))
    np.testing.assert_array_equal(t.clip(max=1.0).numpy(), np.clip(np.float32(X), None, 1.0))
    np.testing.assert_array_equal(t.clamp_(None, 2.0).numpy(), np.clip(np.float32(X), None, 2.0))
