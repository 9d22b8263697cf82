"""`F.*_with_indices` (each pool's (values, indices) pair), `F.native_channel_shuffle`,
`nn.CrossMapLRN2d` (PyTorch's legacy window, written out here as its sliding sum in numpy
float64) and the deprecated `nn.NLLLoss2d`."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
import dualgrad.nn.functional as F
from dualgrad import nn

POOLS = [("max_pool1d", (1, 2, 8), (2,)), ("max_pool2d", (1, 2, 6, 6), (2,)),
         ("max_pool3d", (1, 1, 4, 4, 4), (2,)),
         ("adaptive_max_pool1d", (1, 2, 7), (3,)), ("adaptive_max_pool2d", (1, 2, 7, 5), ((3, 2),)),
         ("adaptive_max_pool3d", (1, 1, 5, 4, 3), (2,))]


@pytest.mark.parametrize(("name", "shape", "args"), POOLS)
def test_with_indices_is_the_pool_with_return_indices(name, shape, args) -> None:
    x = dg.tensor(np.random.default_rng(len(shape)).standard_normal(shape))
    values, indices = getattr(F, f"{name}_with_indices")(x, *args)
    want_values, want_indices = getattr(F, name)(x, *args, return_indices=True)
    np.testing.assert_array_equal(values.numpy(), want_values.numpy())
    np.testing.assert_array_equal(indices.numpy(), want_indices.numpy())
    # each index points at its value in the flattened spatial dims
    flat = x.numpy().reshape(shape[:2] + (-1,))
    np.testing.assert_array_equal(np.take_along_axis(flat, indices.numpy().reshape(shape[:2] + (-1,)), -1),
                                  values.numpy().reshape(shape[:2] + (-1,)))


@pytest.mark.parametrize(("name", "shape"), [("fractional_max_pool2d", (1, 2, 8, 8)),
                                              ("fractional_max_pool3d", (1, 1, 6, 6, 6))])
def test_fractional_with_indices_is_the_pool_with_return_indices(name, shape) -> None:
    x = dg.tensor(np.random.default_rng(0).standard_normal(shape))
    samples = dg.tensor(np.full((1, shape[1], len(shape) - 2), 0.5))
    values, indices = getattr(F, f"{name}_with_indices")(x, 2, output_size=3, _random_samples=samples)
    want_values, want_indices = getattr(F, name)(x, 2, output_size=3, return_indices=True,
                                                 _random_samples=samples)
    np.testing.assert_array_equal(values.numpy(), want_values.numpy())
    np.testing.assert_array_equal(indices.numpy(), want_indices.numpy())


def test_native_channel_shuffle_is_channel_shuffle() -> None:
    x = np.arange(24.0).reshape(1, 6, 4)
    got = F.native_channel_shuffle(dg.tensor(x), 3).numpy()
    np.testing.assert_array_equal(got, x.reshape(1, 3, 2, 4).transpose(0, 2, 1, 3).reshape(1, 6, 4))


def _cross_map_lrn(x: np.ndarray, size: int, alpha: float, beta: float, k: float) -> np.ndarray:
    """PyTorch's legacy loop: the first map sums channels [0, pre_pad); each next adds channel
    c + pre_pad - 1 (while there is one) and drops channel c - pre_pad only once c > pre_pad."""
    channels, pre_pad = x.shape[1], int((size - 1) / 2 + 1)
    square = x * x
    scale = np.zeros_like(x)
    scale[:, 0] = square[:, :min(pre_pad, channels)].sum(1)
    for c in range(1, channels):
        scale[:, c] = scale[:, c - 1]
        if c < channels - pre_pad + 1:
            scale[:, c] += square[:, c + pre_pad - 1]
        if c > pre_pad:
            scale[:, c] -= square[:, c - pre_pad]
    return x * (scale * alpha / size + k) ** -beta


@settings(max_examples=10, deadline=None)
@given(st.integers(1, 7), st.integers(1, 7), st.sampled_from([(1e-4, 0.75, 1.0), (0.5, 0.6, 2.0)]))
def test_cross_map_lrn2d_is_pytorchs_sliding_window(size, channels, params) -> None:
    x = np.random.default_rng(size * 10 + channels).standard_normal((2, channels, 3, 2))
    t = dg.tensor(x, requires_grad=True)
    y = nn.CrossMapLRN2d(size, *params)(t)
    np.testing.assert_allclose(y.detach().numpy(), _cross_map_lrn(x, size, *params), rtol=1e-12)
    weight = np.random.default_rng(1).standard_normal(x.shape)
    (y * dg.tensor(weight)).sum().backward()
    h = 1e-6  # central differences of the numpy window: the composition's gradient is the forward's own
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[idx] += h
        down[idx] -= h
        step = _cross_map_lrn(up, size, *params) - _cross_map_lrn(down, size, *params)
        grad[idx] = np.sum(step * weight) / (2 * h)
    np.testing.assert_allclose(t.grad.numpy(), grad, rtol=1e-5, atol=1e-7)


def test_cross_map_lrn2d_refuses_other_ranks_and_prints_as_pytorch() -> None:
    with pytest.raises(ValueError, match=r"^CrossMapLRN2d: Expected input to be 4D, got 3D instead."):
        nn.CrossMapLRN2d(3)(dg.ones(2, 3, 4))
    assert repr(nn.CrossMapLRN2d(3)) == "CrossMapLRN2d(3, alpha=0.0001, beta=0.75, k=1)"


def test_nll_loss_2d_warns_and_is_nll_loss() -> None:
    with pytest.warns(FutureWarning, match=r"^`NLLLoss2d` has been deprecated. Please use `NLLLoss` instead"):
        loss = nn.NLLLoss2d(ignore_index=1, reduction="sum")
    assert isinstance(loss, nn.NLLLoss)
    logp = dg.tensor(np.log(np.full((2, 3, 2, 2), 1 / 3)))
    target = dg.tensor(np.array([[[0, 1], [2, 0]], [[1, 1], [2, 2]]]))
    np.testing.assert_allclose(loss(logp, target).item(), 5 * np.log(3), rtol=1e-12)


def test_cross_map_lrn2d_is_pytorchs(torch) -> None:
    x = np.random.default_rng(2).standard_normal((2, 6, 3, 3))
    for size in (1, 2, 3, 5, 8):
        np.testing.assert_allclose(nn.CrossMapLRN2d(size, 0.3, 0.75, 2.0)(dg.tensor(x)).numpy(),
                                   torch.nn.CrossMapLRN2d(size, 0.3, 0.75, 2.0)(torch.tensor(x)).numpy(),
                                   rtol=1e-12)
