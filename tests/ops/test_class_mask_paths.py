"""class_mask's numpy fast path (an ignore_index outside the classes needs no second mask; an
int64 label below 0 or past the classes is found in one unsigned comparison) must be the
plain formulation bit for bit, and every out-of-range label must still raise PyTorch's error."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
import dualgrad.nn.functional as F
from dualgrad.errors import DualgradError
from dualgrad.ops import labels as labels_op


def _plain(labels, ignore, classes):
    axis = min(1, labels.ndim)
    ids = np.arange(classes).reshape((-1,) + (1,) * max(labels.ndim - 1, 0))
    return (np.expand_dims(labels, axis) == ids) & np.expand_dims(labels != ignore, axis)


@settings(max_examples=40, deadline=None)
@given(classes=st.integers(1, 12), shape=st.sampled_from([(), (5,), (64,), (4, 3)]),
       dtype=st.sampled_from([np.int64, np.int32, np.uint8]),
       ignore=st.sampled_from([-100, -1, 0, 2, 200, np.int64(-100), np.int64(1)]),
       seed=st.integers(0, 2**32 - 1), wild=st.booleans())
def test_class_mask_kernel_is_the_plain_formulation(classes, shape, dtype, ignore, seed, wild) -> None:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, classes, size=shape).astype(dtype)
    if labels.size and type(ignore) is int and 0 <= ignore < 256:
        labels.reshape(-1)[0] = ignore  # an ignored label among them
    if wild and labels.size:  # a label out of range, unless it is the ignored one
        labels.reshape(-1)[-1] = rng.choice([-1, classes, classes + 7]) if dtype != np.uint8 else classes
    plain_bad = labels_op.out_of_bounds(np, labels, ignore, classes)
    assert labels_op.any_out_of_bounds(labels, ignore, classes) == bool(plain_bad.any())
    if plain_bad.any():
        with pytest.raises(IndexError, match="out of bounds"):
            labels_op.class_mask.kernel(np, labels, ignore, classes=classes)
        return
    got = labels_op.class_mask.kernel(np, labels, ignore, classes=classes)
    want = _plain(labels, ignore, classes)
    assert got.dtype == want.dtype and got.shape == want.shape and got.strides == want.strides
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("bad", [-1, 10, -100])
def test_cross_entropy_still_refuses_labels_out_of_range(bad) -> None:
    x = dg.tensor(np.zeros((4, 10), np.float32))
    y = dg.tensor(np.array([1, bad, 2, 3]))
    with pytest.raises(IndexError, match=f"Target {bad} is out of bounds"):
        F.cross_entropy(x, y, ignore_index=0)
    if bad != -100:
        with pytest.raises(DualgradError):
            F.cross_entropy(x, y)
    else:  # the default ignore_index: ignored, not out of range
        assert np.isfinite(F.cross_entropy(x, y).item())
