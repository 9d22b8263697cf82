"""`DataLoader(batch_size=None)`: single samples without a batch dim, converted as PyTorch's
`default_convert` converts them (numpy to tensors in their dtype, tuples to lists, Python
numbers kept); drop_last refused with it; torch as an extra oracle where installed."""
from __future__ import annotations

import collections

import numpy as np
import pytest

import dualgrad as dg
from dualgrad.utils.data import DataLoader, TensorDataset, default_convert

Point = collections.namedtuple("Point", "x y")


def test_samples_come_one_by_one_without_a_batch_dim():
    x, y = dg.arange(12.0).reshape(4, 3), dg.arange(4)
    loader = DataLoader(TensorDataset(x, y), batch_size=None)
    samples = list(loader)
    assert len(loader) == len(samples) == 4
    for i, (xi, yi) in enumerate(samples):
        assert tuple(xi.shape) == (3,) and tuple(yi.shape) == ()
        np.testing.assert_array_equal(xi.numpy(), np.arange(12.0).reshape(4, 3)[i])
        assert int(yi) == i
    dg.manual_seed(0)
    shuffled = [int(yi) for _, yi in DataLoader(TensorDataset(x, y), batch_size=None, shuffle=True)]
    assert sorted(shuffled) == [0, 1, 2, 3]


def test_numpy_samples_become_tensors_in_their_dtype():
    out = list(DataLoader([np.array([1.0, 2.0], np.float32), np.array([3, 4], np.int32)], batch_size=None))
    assert [t.dtype for t in out] == [dg.float32, dg.int32]
    assert default_convert(np.float32(3.0)).dtype == dg.float32
    assert default_convert((1, 2.0, np.int64(3)))[:2] == [1, 2.0]  # a tuple to a list, numbers kept
    point = default_convert(Point(np.ones(2), 5))
    assert isinstance(point, Point) and point.x.dtype == dg.float64 and point.y == 5
    sample = default_convert({"a": np.arange(2), "s": "text", "n": [np.zeros(1)]})
    assert sample["a"].dtype == dg.int64 and sample["s"] == "text" and sample["n"][0].dtype == dg.float64
    words = np.array(["a", "b"])
    assert default_convert(words) is words  # string arrays stay arrays
    t = dg.ones(2)
    assert default_convert(t) is t


def test_drop_last_is_refused_without_batching():
    with pytest.raises(ValueError, match="batch_size=None option disables auto-batching and is mutually "
                                         "exclusive with drop_last"):
        DataLoader([1, 2], batch_size=None, drop_last=True)


def test_against_torch(torch):
    from torch.utils.data import DataLoader as TorchLoader

    data = [(np.array([1.5, 2.0], np.float32), 3), {"k": np.int16(2)}, Point(np.zeros(1), 1.0)]
    pairs = zip(DataLoader(data, batch_size=None), TorchLoader(data, batch_size=None), strict=True)
    for ours, theirs in pairs:
        assert type(ours).__name__ == type(theirs).__name__
        flat_ours = ours.values() if isinstance(ours, dict) else ours
        flat_theirs = theirs.values() if isinstance(theirs, dict) else theirs
        for a, b in zip(flat_ours, flat_theirs, strict=True):
            if isinstance(b, torch.Tensor):
                assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1]
                np.testing.assert_array_equal(a.numpy(), b.numpy())
            else:
                assert a == b
