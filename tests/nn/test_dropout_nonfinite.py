"""Dropout keeps a non-finite input visible, as PyTorch's kernel (a product with the mask):
a dropped NaN or inf reads NaN, not 0. dualgrad wrote `where(keep, x * scale, 0)`, which
turned a dropped NaN into 0 and so hid a diverging activation from the loss. Oracle: the
definition out = x * (1 / (1 - p)) * keep in numpy float64 (NaN-aware equality), the mask read
back from a dropout of ones under the same seed; the gradient stays scale * keep (finite)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import dualgrad as dg
from dualgrad import nn

F = nn.functional


def _mask(seed: int, shape: tuple, p: float, device: str, fn=F.dropout) -> np.ndarray:
    dg.manual_seed(seed)
    return fn(dg.ones(shape, dtype=dg.float64, device=device), p).numpy() != 0


@settings(max_examples=25, deadline=None)
@given(x=arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 5)),
                elements=st.one_of(st.floats(-1e3, 1e3), st.sampled_from([np.nan, np.inf, -np.inf]))),
       p=st.sampled_from([0.2, 0.5, 0.75]), seed=st.integers(0, 2**16))
def test_dropout_is_a_product_with_the_mask(x, p, seed):
    keep = _mask(seed, x.shape, p, "cpu")
    dg.manual_seed(seed)
    t = dg.tensor(x, requires_grad=True)
    out = F.dropout(t, p)
    out.sum().backward()
    expected = x * (1.0 / (1.0 - p)) * keep
    np.testing.assert_array_equal(out.detach().numpy(), expected)
    np.testing.assert_array_equal(t.grad.numpy(), (1.0 / (1.0 - p)) * keep)


@pytest.mark.parametrize("device", ["cpu", "jax"])
@pytest.mark.parametrize("fn,shape", [(F.dropout, (64,)), (F.dropout2d, (2, 32, 1, 1))])
def test_a_dropped_nan_or_inf_reads_nan(device, fn, shape):
    x = np.resize(np.array([np.nan, np.inf, -np.inf, 1.0]), shape)
    keep = _mask(3, shape, 0.5, device, fn)
    assert keep.any() and not keep.all()
    dg.manual_seed(3)
    out = fn(dg.tensor(x, device=device), 0.5).numpy()
    finite = np.isfinite(x)
    assert np.isnan(out[~finite & ~keep]).all()  # dropped NaN / inf: NaN (0 before)
    np.testing.assert_array_equal(out[finite & ~keep], 0.0)
    np.testing.assert_array_equal(out[keep], x[keep] * 2.0)


def test_dropout_of_everything_multiplies_by_zero():
    """p = 1 as PyTorch's: finite values 0, NaN and inf NaN."""
    out = F.dropout(dg.tensor([np.nan, np.inf, 2.0]), 1.0).numpy()
    np.testing.assert_array_equal(out, [np.nan, np.nan, 0.0])


def test_matches_torch_where_installed(torch):
    """PyTorch itself, an extra oracle where it is installed: the mask read from its own output
    of ones, then the same inputs."""
    x = np.resize(np.array([np.nan, np.inf, -3.0, 1.5]), (50,))
    torch.manual_seed(0)
    ref = torch.nn.functional.dropout(torch.tensor(x), 0.5).numpy()
    torch.manual_seed(0)
    keep = torch.nn.functional.dropout(torch.ones(50, dtype=torch.float64), 0.5).numpy() != 0
    np.testing.assert_array_equal(ref, x * 2.0 * keep)  # the definition the test above asserts
