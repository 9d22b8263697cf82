"""nn.init's `eye_`, `dirac_`, `sparse_` and PyTorch's deprecated names without the underscore:
the fills against numpy (a conv with a Dirac weight passes its input channels through), the sparse
column counts, and each deprecated name warning PyTorch's FutureWarning and doing the new one's work."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
import dualgrad.nn.functional as F
from dualgrad import nn

DEPRECATED = {"uniform": (), "normal": (), "constant": (0.5,), "eye": (), "xavier_uniform": (),
              "xavier_normal": (), "kaiming_uniform": (), "kaiming_normal": (), "orthogonal": (),
              "sparse": (0.5,)}


@pytest.mark.parametrize("old", sorted(DEPRECATED))
def test_deprecated_names_warn_and_do_the_new_ones_work(old) -> None:
    args = DEPRECATED[old]
    dg.manual_seed(7)
    want = getattr(nn.init, f"{old}_")(dg.empty(4, 6), *args).numpy()
    dg.manual_seed(7)
    message = rf"^`nn.init.{old}` is now deprecated in favor of `nn.init.{old}_`.$"
    with pytest.warns(FutureWarning, match=message):
        got = getattr(nn.init, old)(dg.empty(4, 6), *args)
    np.testing.assert_array_equal(got.numpy(), want)


def test_deprecated_dirac_warns() -> None:
    with pytest.warns(FutureWarning, match=r"`nn.init.dirac` is now deprecated"):
        nn.init.dirac(dg.empty(2, 2, 3))


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (4, 4)])
def test_eye_is_numpys_identity_and_keeps_the_parameter(shape) -> None:
    w = nn.Parameter(dg.zeros(*shape))
    assert nn.init.eye_(w) is w
    np.testing.assert_array_equal(w.detach().numpy(), np.eye(*shape))
    assert w.requires_grad and w.is_leaf
    ints = dg.zeros(*shape, dtype=dg.int64)
    np.testing.assert_array_equal(nn.init.eye_(ints).numpy(), np.eye(*shape, dtype=np.int64))


@settings(max_examples=10, deadline=None)
@given(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.sampled_from([1, 3, 5]))
def test_a_dirac_weight_passes_channels_through_a_convolution(groups, out_per_group, in_per_group, k) -> None:
    out_ch, in_ch = groups * out_per_group, groups * in_per_group
    w = nn.init.dirac_(dg.empty(out_ch, in_per_group, k, k), groups)
    x = np.random.default_rng(k).standard_normal((1, in_ch, 5, 5))
    y = F.conv2d(dg.tensor(x), w.to(dg.float64), padding=k // 2, groups=groups).numpy()
    want = np.zeros_like(y)
    for g in range(groups):  # output channel d of group g is input channel d of group g, where d fits
        for d in range(min(out_per_group, in_per_group)):
            want[0, g * out_per_group + d] = x[0, g * in_per_group + d]
    np.testing.assert_allclose(y, want, rtol=1e-6, atol=1e-7)


def test_dirac_in_1d_and_3d_and_the_refusals() -> None:
    w1 = nn.init.dirac_(dg.empty(2, 3, 4)).numpy()
    want = np.zeros((2, 3, 4))
    want[0, 0, 2] = want[1, 1, 2] = 1
    np.testing.assert_array_equal(w1, want)
    w3 = nn.init.dirac_(dg.empty(1, 1, 3, 2, 5)).numpy()
    assert w3.sum() == 1 and w3[0, 0, 1, 1, 2] == 1
    with pytest.raises(ValueError, match="Only tensors with 3, 4, or 5 dimensions are supported"):
        nn.init.dirac_(dg.empty(2, 2))
    with pytest.raises(ValueError, match="dim 0 must be divisible by groups"):
        nn.init.dirac_(dg.empty(3, 2, 3), groups=2)
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions are supported"):
        nn.init.eye_(dg.empty(2, 2, 2))
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions are supported"):
        nn.init.sparse_(dg.empty(2), 0.1)


@settings(max_examples=10, deadline=None)
@given(st.integers(1, 12), st.integers(1, 6), st.floats(0.0, 1.0))
def test_sparse_zeros_ceil_sparsity_rows_in_each_column(rows, cols, sparsity) -> None:
    w = nn.init.sparse_(dg.empty(rows, cols, dtype=dg.float64), sparsity, std=2.0).numpy()
    np.testing.assert_array_equal((w == 0).sum(axis=0), np.full(cols, math.ceil(sparsity * rows)))
    with pytest.raises(TypeError):
        nn.init.sparse_(dg.empty(rows, cols, dtype=dg.int64), sparsity)


def test_eye_and_dirac_are_pytorchs(torch) -> None:
    for shape, groups in [((4, 2, 3), 2), ((6, 3, 3, 5), 3), ((2, 4, 3, 3, 3), 1)]:
        np.testing.assert_array_equal(nn.init.dirac_(dg.empty(*shape), groups).numpy(),
                                      torch.nn.init.dirac_(torch.empty(*shape), groups).numpy())
    np.testing.assert_array_equal(nn.init.eye_(dg.empty(3, 5)).numpy(),
                                  torch.nn.init.eye_(torch.empty(3, 5)).numpy())
