"""F.fractional_max_pool2d/3d and nn.FractionalMaxPool2d/3d against a numpy reference of
PyTorch's kernel written here: per plane and spatial dim, window starts
int((i + u) * alpha) - int(u * alpha) in the input's dtype, alpha = (in - k) / (out - 1), the last
at in - k (the 2-d op reads u for the width from sample 0, the height from sample 1; the 3-d op
time, height, width from samples 0, 1, 2); each window's first maximum in row-major order, or its
last NaN; the gradient added into that element. Fixed `_random_samples`; drawn ones come from
dualgrad's generator."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

import dualgrad as dg
import dualgrad.nn.functional as F
from dualgrad import nn
from dualgrad.errors import DualgradError, DualgradValueError

SAMPLE_OF_DIM = {2: (1, 0), 3: (0, 1, 2)}


def np_starts(u, size: int, out: int, k: int, dtype) -> list[int]:
    """ATen's generate_intervals, in the input's dtype."""
    starts = [size - k] * out
    if out > 1:
        alpha = dtype(size - k) / dtype(out - 1)
        for i in range(out - 1):
            starts[i] = int((dtype(i) + u) * alpha) - int(u * alpha)
    return starts


def np_fractional_max_pool(x, kernel, out, samples):
    """(values, flat indices) of PyTorch's fractional max pooling, x (N, C, *spatial)."""
    n, dtype = len(kernel), x.dtype.type
    values = np.empty(x.shape[:2] + tuple(out), x.dtype)
    indices = np.empty(x.shape[:2] + tuple(out), np.int64)
    for b, c in np.ndindex(*x.shape[:2]):
        plane = x[b, c]
        starts = [np_starts(samples[b, c, SAMPLE_OF_DIM[n][d]], plane.shape[d], out[d], kernel[d], dtype)
                  for d in range(n)]
        for o in np.ndindex(*out):
            best, where = -np.inf, None
            for offset in np.ndindex(*kernel):
                pos = tuple(starts[d][o[d]] + offset[d] for d in range(n))
                where = pos if where is None else where
                if plane[pos] > best or np.isnan(plane[pos]):
                    best, where = plane[pos], pos
            values[(b, c) + o] = plane[where]
            indices[(b, c) + o] = np.ravel_multi_index(where, plane.shape)
    return values, indices


CASES = [  # (spatial, kernel, out, dtype, content)
    ((7, 9), (2, 2), (3, 4), np.float32, "normal"),
    ((10, 8), (3, 2), (5, 7), np.float64, "ties"),
    ((6, 6), (2, 3), (5, 1), np.float32, "nan"),
    ((5, 6, 7), (2, 2, 2), (3, 3, 4), np.float64, "normal"),
    ((4, 5, 6), (1, 2, 3), (3, 2, 2), np.float32, "ties"),
]


@pytest.mark.parametrize("spatial, kernel, out, dtype, content", CASES)
def test_values_indices_and_gradient_match_pytorchs_rule(spatial, kernel, out, dtype, content):
    rng = np.random.default_rng(len(spatial) * 10 + kernel[0])
    shape = (2, 3) + spatial
    x = (rng.integers(0, 3, shape) if content == "ties" else rng.standard_normal(shape)).astype(dtype)
    if content == "nan":
        x.flat[rng.choice(x.size, 8, replace=False)] = np.nan
    samples = rng.random((2, 3, len(spatial))).astype(dtype)
    expected, expected_idx = np_fractional_max_pool(x, kernel, out, samples)
    pool = F.fractional_max_pool2d if len(spatial) == 2 else F.fractional_max_pool3d
    xt = dg.tensor(x, requires_grad=True)
    got, idx = pool(xt, kernel, output_size=out, return_indices=True, _random_samples=dg.tensor(samples))
    np.testing.assert_array_equal(got.detach().numpy(), expected)
    np.testing.assert_array_equal(idx.numpy(), expected_idx)
    assert idx.dtype == dg.int64
    g = rng.standard_normal(expected.shape)
    got.backward(dg.tensor(g.astype(dtype)))
    expected_grad = np.zeros(x.shape)
    for b, c in np.ndindex(2, 3):
        np.add.at(expected_grad[b, c].reshape(-1), expected_idx[b, c].reshape(-1), g[b, c].reshape(-1))
    np.testing.assert_allclose(xt.grad.numpy(), expected_grad, rtol=1e-6, atol=1e-6)


def test_interval_rule_over_many_sizes_and_samples():
    """The window starts alone, every (in, k, out) up to 12 with float32 samples near the edges
    of [0, 1) (where int() of a rounded product flips), through 1x1 planes of a 2-d pool."""
    rng = np.random.default_rng(0)
    u = np.concatenate([rng.random(6), [0.0, 1e-7, 0.5, 0.9999999]]).astype(np.float32)
    for size, k in itertools.product(range(2, 13), (1, 2, 3)):
        for out in range(1, size - k + 2):
            x = np.arange(size, dtype=np.float32)[None, None, None, :].repeat(len(u), 0)  # (S, 1, 1, size)
            samples = np.stack([u, np.zeros_like(u)], axis=1)[:, None, :]  # width reads sample 0
            _, idx = F.fractional_max_pool2d(dg.tensor(x), (1, k), output_size=(1, out),
                                             return_indices=True, _random_samples=dg.tensor(samples))
            expected = [[s + k - 1 for s in np_starts(v, size, out, k, np.float32)] for v in u]
            np.testing.assert_array_equal(idx.numpy()[:, 0, 0], expected)


def test_gradcheck_float64():
    x = dg.randn(1, 2, 6, 5, dtype=dg.float64, requires_grad=True)
    s = dg.tensor(np.random.default_rng(1).random((1, 2, 2)))
    assert dg.autograd.gradcheck(lambda x: F.fractional_max_pool2d(x, 2, (3, 3), _random_samples=s), (x,))


def test_samples_are_drawn_from_dualgrads_generator_and_modules_keep_theirs():
    x = dg.randn(2, 3, 8, 9)
    dg.manual_seed(3)
    drawn = F.fractional_max_pool2d(x, 2, output_ratio=0.5)
    dg.manual_seed(3)
    samples = dg.rand(2, 3, 2)
    assert drawn.shape == (2, 3, 4, 4)
    again = F.fractional_max_pool2d(x, 2, (4, 4), _random_samples=samples)
    np.testing.assert_array_equal(drawn.numpy(), again.numpy())
    unbatched = F.fractional_max_pool2d(x[0], 2, 4, _random_samples=samples[:1])
    np.testing.assert_array_equal(unbatched.numpy(), drawn.numpy()[0])
    m = nn.FractionalMaxPool2d(2, output_size=(4, 4), return_indices=True, _random_samples=samples)
    assert repr(m) == "FractionalMaxPool2d()" and "_random_samples" in m.state_dict()
    values, indices = m(x)
    np.testing.assert_array_equal(values.numpy(), drawn.numpy())
    x3 = dg.randn(1, 2, 6, 6, 6)
    m3 = nn.FractionalMaxPool3d(2, output_ratio=(0.5, 0.6, 0.7))
    assert m3(x3).shape == (1, 2, 3, 3, 4)


def pool(x, samples):
    return F.fractional_max_pool2d(x, 2, 3, _random_samples=samples)


@pytest.mark.parametrize("call, text", [
    (lambda x: F.fractional_max_pool2d(x, 5, (4, 4)), "pool height 5 too large relative to input height 7"),
    (lambda x: F.fractional_max_pool3d(x[None], 2, (1, 6, 8)), r"fractional_max_pool3d_out\(\): pool time"),
    (lambda x: F.fractional_max_pool2d(x, 2), "requires specifying either an output_size or an output_ratio"),
    (lambda x: F.fractional_max_pool2d(x, 2, output_ratio=(0.5, 0.5, 0.5)), "single Int or tuple of Ints"),
    (lambda x: F.fractional_max_pool2d(x[0, 0], 2, 3), r"Expected 3D or 4D tensor, but got: \[7, 9\]"),
    (lambda x: pool(x, samples=dg.rand(1, 2, 2)), "no less then input batch"),
    (lambda x: pool(x, samples=dg.rand(2, 3, 2)), "equals to input channel"),
    (lambda x: pool(x, samples=dg.rand(2, 2, 3)), r"size\(2\) equals to 2; got 3"),
    (lambda x: pool(x, samples=dg.rand(2, 2, 2, dtype=dg.float64)),
     "same dtype as input"),
    (lambda x: nn.FractionalMaxPool2d(2), "requires specifying either an output size, or a pooling ratio"),
    (lambda x: nn.FractionalMaxPool2d(2, 3, 0.5), "only one of output_size and output_ratio"),
    (lambda x: nn.FractionalMaxPool2d(2, output_ratio=1.5), r"must be between 0 and 1 \(got 1.5\)"),
])
def test_refusals_name_the_op(call, text):
    with pytest.raises(DualgradError, match=text):
        call(dg.zeros(2, 2, 7, 9))


def test_refusals_are_value_errors_where_pytorchs_are():
    with pytest.raises(DualgradValueError):
        nn.FractionalMaxPool2d(2)
