"""PyTorch itself as the oracle for the functions of eager/methods_stats.py (collected only
where torch is installed: tests/eager/conftest.py). Values, indices and gradients on arrays
with ties and NaNs; where PyTorch's index among equal values is unspecified (median and
kthvalue), indices and gradients are compared on slices whose selected value is unique."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import dualgrad as dg

pytestmark = pytest.mark.cpu_only  # one device is enough for the torch comparison

RNG = np.random.default_rng(7)
SHAPES = [(6,), (3, 4), (2, 3, 4), (4, 1, 3)]
ARRAYS = [RNG.choice([-1.0, 0.0, 0.5, 2.0, np.nan], size=shape) for shape in SHAPES]
ARRAYS += [RNG.normal(size=(3, 5))]  # no ties, no NaN: every index must match


def _both(a, fn):
    """fn on a dualgrad and a torch leaf, backward of the first result with the same cotangent:
    [(ours, torch) per result], (our gradient, torch's)."""
    x, t = dg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    ours, theirs = fn(x), fn(t)
    ours = tuple(ours) if isinstance(ours, tuple) else (ours,)
    theirs = tuple(theirs) if isinstance(theirs, tuple) else (theirs,)
    pairs = [(o.detach().numpy(), t_.detach().numpy()) for o, t_ in zip(ours, theirs, strict=True)]
    if not theirs[0].requires_grad:  # an integer result (count_nonzero)
        return pairs, None
    g = np.random.default_rng(0).normal(size=tuple(theirs[0].shape))
    ours[0].backward(dg.tensor(g))
    theirs[0].backward(torch.tensor(g))
    return pairs, (x.grad.numpy(), t.grad.numpy())


@pytest.mark.parametrize("a", ARRAYS, ids=lambda a: str(a.shape))
@pytest.mark.parametrize("name, call", [
    ("movedim", lambda x: x.movedim(0, -1)),
    ("moveaxis", lambda x: x.moveaxis(-1, 0)),
    ("select", lambda x: x.select(-1, 0)),
    ("nansum", lambda x: x.nansum(-1)),
    ("nansum all", lambda x: x.nansum()),
    ("nanmean", lambda x: x.nanmean(0, keepdim=True)),
    ("count_nonzero", lambda x: x.count_nonzero(-1)),
    ("cummax", lambda x: x.cummax(-1)),
    ("cummin", lambda x: x.cummin(0)),
    ("logsumexp", lambda x: x.logsumexp(-1)),
])
def test_values_indices_and_gradients_equal_torch(a, name, call):
    if name == "nanmean" and np.isnan(a).all(axis=0).any():
        pytest.fail("a test array with an all-NaN column: PyTorch's gradient there is NaN, ours 0")
    pairs, grads = _both(a, call)
    for o, t in pairs:
        np.testing.assert_allclose(o, t, rtol=1e-12, equal_nan=True)
    assert (grads is None) == (name == "count_nonzero")
    if grads is not None:
        np.testing.assert_allclose(*grads, rtol=1e-12, equal_nan=True)


@pytest.mark.parametrize("a", ARRAYS, ids=lambda a: str(a.shape))
@pytest.mark.parametrize("dim, keepdim", [(-1, False), (0, True)])
@pytest.mark.parametrize("name", ["median", "kthvalue"])
def test_order_statistics_equal_torch_where_the_pick_is_unique(a, name, dim, keepdim):
    k = min(2, a.shape[dim])
    call = (lambda x: x.median(dim, keepdim)) if name == "median" else (lambda x: x.kthvalue(k, dim, keepdim))
    pairs, (ours, theirs) = _both(a, call)
    (values, torch_values), (indices, torch_indices) = pairs
    np.testing.assert_array_equal(values, torch_values)
    picked = values if keepdim else np.expand_dims(values, dim)
    unique = np.sum((a == picked) | (np.isnan(a) & np.isnan(picked)), axis=dim, keepdims=keepdim) == 1
    np.testing.assert_array_equal(indices[unique], torch_indices[unique])
    if unique.all():
        np.testing.assert_array_equal(ours, theirs)


def test_median_of_all_elements_equals_torch():
    for a in ARRAYS:
        pairs, (ours, theirs) = _both(a, lambda x: x.median())
        np.testing.assert_array_equal(*pairs[0])
        if not np.isnan(a).any() and np.sum(a == pairs[0][0][()]) == 1:
            np.testing.assert_array_equal(ours, theirs)


def test_logsumexp_over_an_empty_dim_equals_torch():
    pairs, _ = _both(np.zeros((0, 3)), lambda x: x.logsumexp(0))
    np.testing.assert_array_equal(*pairs[0])
