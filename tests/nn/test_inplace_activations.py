"""nn.functional's in-place activations (`F.relu_`, `F.elu_`, ...): the same tensor comes back,
holding numpy's formula of the activation; a leaf that requires grad is refused, as PyTorch."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
import dualgrad.nn.functional as F

SELU_ALPHA, SELU_SCALE = 1.6732632423543772, 1.0507009873554805
FORMULAS = {
    "relu_": ((), lambda x: np.maximum(x, 0)),
    "elu_": ((0.5,), lambda x: np.where(x > 0, x, 0.5 * np.expm1(x))),
    "leaky_relu_": ((0.2,), lambda x: np.where(x > 0, x, 0.2 * x)),
    "hardtanh_": ((-0.4, 0.8), lambda x: np.clip(x, -0.4, 0.8)),
    "selu_": ((), lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(x))),
    "celu_": ((0.7,), lambda x: np.maximum(x, 0) + np.minimum(0, 0.7 * np.expm1(x / 0.7))),
    "threshold_": ((0.5, -9.0), lambda x: np.where(x > 0.5, x, -9.0)),
    "rrelu_": ((0.1, 0.3, False), lambda x: np.where(x >= 0, x, x * 0.2)),
}


@pytest.mark.parametrize("name", sorted(FORMULAS))
@settings(max_examples=15, deadline=None)
@given(st.lists(st.floats(-6, 6, allow_subnormal=False), min_size=1, max_size=6).map(np.array))
def test_in_place_activation_is_numpys_formula(name, values) -> None:
    args, formula = FORMULAS[name]
    t = dg.tensor(values)
    assert getattr(F, name)(t, *args) is t
    np.testing.assert_allclose(t.numpy(), formula(values), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", sorted(FORMULAS))
def test_a_leaf_that_requires_grad_is_refused(name) -> None:
    leaf = dg.tensor([-1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=f"^{name[:-1]}: a leaf Variable that requires grad"):  # (named)
        getattr(F, name)(leaf, *FORMULAS[name][0])
