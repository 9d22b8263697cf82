"""max pooling's `return_indices=True` and `max_unpool1d/2d/3d` / `nn.MaxUnpool*d`: indices,
unpooled values and gradients against numpy loops written from PyTorch's docs (the first
maximum of each window in row-major order, its flat position in the plane; unpooling puts each
value there in zeros, later writes standing), on hypothesis-drawn inputs; PyTorch where
installed, and PyTorch's refusals."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dualgrad as dg
import dualgrad.nn.functional as F
from dualgrad.errors import DualgradValueError, EagerDTypeError, EagerShapeError

POOL = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}
UNPOOL = {1: F.max_unpool1d, 2: F.max_unpool2d, 3: F.max_unpool3d}


def pooled_indices(x: np.ndarray, kernel: tuple, stride: tuple) -> np.ndarray:
    """Flat plane position of the first maximum of each window (no padding), by loops."""
    n = len(kernel)
    sizes = x.shape[-n:]
    out = tuple((s - k) // t + 1 for s, k, t in zip(sizes, kernel, stride, strict=True))
    result = np.zeros(x.shape[:-n] + out, np.int64)
    for lead in np.ndindex(*x.shape[:-n]):
        for o in np.ndindex(*out):
            best, where = -np.inf, -1
            for k in itertools.product(*(range(d) for d in kernel)):
                pos = tuple(oi * t + ki for oi, t, ki in zip(o, stride, k, strict=True))
                if x[lead + pos] > best:
                    best, where = x[lead + pos], int(np.ravel_multi_index(pos, sizes))
            result[lead + o] = where
    return result


def unpooled(values: np.ndarray, indices: np.ndarray, sizes: tuple) -> np.ndarray:
    n = len(sizes)
    out = np.zeros(values.shape[:-n] + (int(np.prod(sizes)),))
    for lead in np.ndindex(*values.shape[:-n]):
        for o in np.ndindex(*values.shape[-n:]):
            out[lead + (indices[lead + o],)] = values[lead + o]
    return out.reshape(values.shape[:-n] + sizes)


@settings(max_examples=25, deadline=None)
@given(n=st.sampled_from([1, 2, 3]), batched=st.booleans(), data=st.data())
def test_indices_unpooling_and_gradients_match_the_definition(n, batched, data):
    kernel = tuple(data.draw(st.lists(st.integers(1, 3), min_size=n, max_size=n), label="kernel"))
    stride = tuple(data.draw(st.lists(st.integers(1, 3), min_size=n, max_size=n), label="stride"))
    sizes = tuple(k + data.draw(st.integers(0, 3), label="extra") for k in kernel)
    lead = (2, 3) if batched else (3,)
    x = data.draw(hnp.arrays(np.float64, lead + sizes, elements=st.floats(-5, 5), unique=True), label="x")
    t = dg.tensor(x, requires_grad=True)
    values, indices = POOL[n](t, kernel, stride, return_indices=True)
    expected = pooled_indices(x, kernel, stride)
    assert indices.dtype is dg.int64
    np.testing.assert_array_equal(indices.numpy(), expected)
    back = UNPOOL[n](values, indices, kernel, stride, output_size=sizes)
    np.testing.assert_array_equal(back.detach().numpy(), unpooled(values.detach().numpy(), expected, sizes))
    g = np.cos(np.arange(back.numel())).reshape(back.shape)
    (back * dg.tensor(g)).sum().backward()
    want = np.zeros(x.shape[:-n] + (int(np.prod(sizes)),))  # each value's gradient: g at its position
    flat_g = g.reshape(want.shape)
    for lead_index in np.ndindex(*x.shape[:-n]):
        for o in np.ndindex(*expected.shape[-n:]):
            want[lead_index + (expected[lead_index + o],)] += flat_g[lead_index + (expected[lead_index + o],)]
    np.testing.assert_allclose(t.grad.numpy(), want.reshape(x.shape))


def test_modules_adaptive_pools_and_refusals_follow_pytorch():
    x = dg.tensor(np.arange(48.0).reshape(1, 2, 4, 6))
    values, indices = dg.nn.MaxPool2d(2, return_indices=True)(x)
    assert indices[0, 0].tolist() == [[7, 9, 11], [19, 21, 23]]
    unpool = dg.nn.MaxUnpool2d(2)
    assert repr(unpool) == "MaxUnpool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))"
    assert unpool(values, indices).shape == (1, 2, 4, 6)
    assert unpool(values, indices, output_size=(1, 2, 5, 7)).shape == (1, 2, 5, 7)
    _, adaptive = dg.nn.AdaptiveMaxPool2d((2, 3), return_indices=True)(x)
    np.testing.assert_array_equal(adaptive.numpy(), indices.numpy())
    with pytest.raises(DualgradValueError,
                       match=r'invalid output_size "\(9, 9\)" \(dim 0 must be between 2 and 6\)'):
        unpool(values, indices, output_size=(9, 9))
    with pytest.raises(DualgradValueError, match="containing 2 or 4 elements, but it has a length of '1'"):
        unpool(values, indices, output_size=(4,))
    with pytest.raises(EagerShapeError,
                       match=r"Found an invalid max index: 107 \(output volumes are of size 4x6\)"):
        unpool(values, indices + 100)
    with pytest.raises(EagerDTypeError, match="elements in indices should be type int64 but got: int32"):
        unpool(values, indices.int())
    with pytest.raises(EagerShapeError, match="Expected shape of indices to be same as that of the input"):
        unpool(values, indices[..., :1])


@pytest.mark.parametrize(("kernel", "stride", "padding", "ceil_mode"), [(2, None, 0, False), (3, 2, 1, True),
                                                                       (3, 1, 1, False)])
def test_matches_pytorch_with_padding_overlaps_and_ceil_mode(torch, kernel, stride, padding, ceil_mode):
    x = np.random.default_rng(0).standard_normal((2, 3, 5, 7))
    ours, theirs = dg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    a, ia = F.max_pool2d(ours, kernel, stride, padding, ceil_mode=ceil_mode, return_indices=True)
    b, ib = torch.nn.functional.max_pool2d(theirs, kernel, stride, padding, ceil_mode=ceil_mode,
                                           return_indices=True)
    np.testing.assert_array_equal(ia.numpy(), ib.numpy())
    ua = F.max_unpool2d(a, ia, kernel, stride, padding, output_size=(5, 7))
    ub = torch.nn.functional.max_unpool2d(b, ib, kernel, stride, padding, output_size=(5, 7))
    np.testing.assert_array_equal(ua.detach().numpy(), ub.detach().numpy())
    g = np.cos(np.arange(ub.numel())).reshape(ub.shape)
    (ua * dg.tensor(g)).sum().backward()
    (ub * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12)
