"""Dropout on both eager devices: on the jax device it raised 'Expected all tensors to be on
the same device' (the mask was drawn as a numpy array and stayed on the CPU), so no model
with nn.Dropout could train there. Oracle: PyTorch's definition, each element either 0 or
x * (1 / (1 - p)), the gradient 1 / (1 - p) where kept and 0 elsewhere."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad as dg
from dualgrad import nn


@pytest.mark.parametrize("p", [0.25, 0.5])
@pytest.mark.parametrize("device", ["cpu", "jax"])
def test_dropout_trains_on_each_device(device, p):
    x0 = np.random.default_rng(0).uniform(0.5, 2.0, (40, 30))
    dg.manual_seed(7)
    x = dg.tensor(x0, device=device, requires_grad=True)
    out = nn.Dropout(p)(x)
    out.sum().backward()
    assert out.device == x.device and x.grad.device == x.device
    values = out.detach().numpy()
    kept = values != 0
    assert 0.3 < kept.mean() < 0.9
    # PyTorch's documented factor 1 / (1 - p), multiplied (bit for bit as its kernel)
    np.testing.assert_array_equal(values, np.where(kept, x0 * (1 / (1 - p)), 0.0))
    np.testing.assert_array_equal(x.grad.numpy(), np.where(kept, 1 / (1 - p), 0.0))


@pytest.mark.parametrize("device", ["cpu", "jax"])
def test_dropout_of_everything_has_a_zero_gradient(device):
    """p = 1 keeps nothing: output and gradient 0 as PyTorch's (the gradient was NaN: the
    scale was a division by 1 - p = 0)."""
    x = dg.tensor(np.linspace(-1.0, 1.0, 6), device=device, requires_grad=True)
    out = nn.functional.dropout(x, 1.0)
    (out * dg.tensor(np.arange(6.0), device=device)).sum().backward()
    np.testing.assert_array_equal(out.detach().numpy(), np.zeros(6))
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros(6))


def test_one_seed_draws_one_mask_on_both_devices():
    masks = []
    for device in ("cpu", "jax"):
        dg.manual_seed(3)
        masks.append(nn.functional.dropout(dg.ones(50, device=device), 0.5).numpy() != 0)
    np.testing.assert_array_equal(masks[0], masks[1])


def test_in_place_dropout_on_the_jax_device():
    dg.manual_seed(3)
    y = dg.ones(50, device="jax")
    nn.functional.dropout(y, 0.5, inplace=True)
    assert y.device == dg.zeros(1, device="jax").device and set(np.unique(y.numpy())) <= {0.0, 2.0}
