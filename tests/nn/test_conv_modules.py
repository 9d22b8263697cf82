"""nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d as modules: PyTorch's reprs,
parameter shapes, default initialisation bounds, and forward equal to the functional call."""
from __future__ import annotations

import math

import numpy as np
import pytest

import dualgrad as dg
import dualgrad.nn.functional as F
from dualgrad import nn

REPRS = [  # printed by torch 2.13 for the same constructors
    (lambda: nn.Conv2d(1, 8, 3), "Conv2d(1, 8, kernel_size=(3, 3), stride=(1, 1))"),
    (lambda: nn.Conv2d(2, 8, (3, 5), stride=2, padding=1, dilation=2, groups=2, bias=False),
     "Conv2d(2, 8, kernel_size=(3, 5), stride=(2, 2), padding=(1, 1), dilation=(2, 2), groups=2, "
     "bias=False)"),
    (lambda: nn.Conv2d(1, 8, 3, padding="same"),
     "Conv2d(1, 8, kernel_size=(3, 3), stride=(1, 1), padding=same)"),
    (lambda: nn.MaxPool2d(2), "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"),
    (lambda: nn.MaxPool2d((2, 3), stride=1, padding=1, dilation=2),
     "MaxPool2d(kernel_size=(2, 3), stride=1, padding=1, dilation=2, ceil_mode=False)"),
    (lambda: nn.AvgPool2d(2), "AvgPool2d(kernel_size=2, stride=2, padding=0)"),
    (lambda: nn.AdaptiveAvgPool2d((2, None)), "AdaptiveAvgPool2d(output_size=(2, None))"),
]


@pytest.mark.parametrize("make,text", REPRS)
def test_reprs_are_pytorchs(make, text):
    assert repr(make()) == text


def test_conv2d_parameters_and_default_init():
    """kaiming_uniform(a=sqrt(5)) makes the weight bound 1/sqrt(fan_in), as the bias's."""
    dg.manual_seed(0)
    layer = nn.Conv2d(16, 32, 3, groups=2)
    fan_in = 8 * 3 * 3
    assert tuple(layer.weight.shape) == (32, 8, 3, 3) and tuple(layer.bias.shape) == (32,)
    assert [name for name, _ in layer.named_parameters()] == ["weight", "bias"]
    for p in (layer.weight, layer.bias):
        values = p.detach().numpy()
        assert np.abs(values).max() <= 1 / math.sqrt(fan_in)
    assert np.abs(layer.weight.detach().numpy()).max() > 0.95 / math.sqrt(fan_in)  # spread over the range
    assert nn.Conv2d(1, 2, 3, bias=False).bias is None


def test_modules_forward_is_the_functional_call():
    dg.manual_seed(1)
    rng = np.random.default_rng(0)
    x = dg.tensor(rng.standard_normal((2, 3, 8, 8)).astype(np.float32))
    conv = nn.Conv2d(3, 4, 3, stride=2, padding=1)
    np.testing.assert_array_equal(conv(x).detach().numpy(),
                                  F.conv2d(x, conv.weight, conv.bias, 2, 1).detach().numpy())
    np.testing.assert_array_equal(nn.MaxPool2d(3, 2, 1)(x).numpy(), F.max_pool2d(x, 3, 2, 1).numpy())
    np.testing.assert_array_equal(nn.AvgPool2d(2, count_include_pad=False)(x).numpy(),
                                  F.avg_pool2d(x, 2, count_include_pad=False).numpy())
    np.testing.assert_array_equal(nn.AdaptiveAvgPool2d(2)(x).numpy(), F.adaptive_avg_pool2d(x, 2).numpy())
    np.testing.assert_allclose(nn.AdaptiveAvgPool2d(2)(x).numpy(), F.avg_pool2d(x, 4).numpy(),
                               rtol=1e-6, atol=1e-6)


def test_a_cnn_trains_its_conv_parameters():
    dg.manual_seed(2)
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(4 * 3 * 3, 3))
    x = dg.tensor(np.random.default_rng(1).standard_normal((5, 1, 8, 8)).astype(np.float32))
    loss = F.cross_entropy(model(x), dg.tensor(np.array([0, 1, 2, 0, 1])))
    loss.backward()
    assert model[0].weight.grad.shape == model[0].weight.shape
    assert np.abs(model[0].weight.grad.numpy()).sum() > 0
