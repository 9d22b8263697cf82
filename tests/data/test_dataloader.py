"""Datasets and the DataLoader: batching, shuffling with a generator, drop_last, collation."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad as dg
from dualgrad.utils.data import DataLoader, Dataset, TensorDataset, default_collate, random_split


def test_batches_in_order_with_a_short_last_batch():
    x, y = dg.arange(10).float().reshape(5, 2), dg.arange(5)
    loader = DataLoader(TensorDataset(x, y), batch_size=2)
    batches = list(loader)
    assert len(loader) == len(batches) == 3
    assert [b[1].tolist() for b in batches] == [[0, 1], [2, 3], [4]]
    assert batches[0][0].tolist() == [[0.0, 1.0], [2.0, 3.0]] and batches[0][0].dtype == dg.float32
    dropped = DataLoader(TensorDataset(x, y), batch_size=2, drop_last=True)
    assert len(dropped) == 2 and [b[1].tolist() for b in dropped] == [[0, 1], [2, 3]]


def test_shuffle_is_a_permutation_reproducible_by_generator():
    data = TensorDataset(dg.arange(20))

    def order(seed):
        loader = DataLoader(data, batch_size=6, shuffle=True, generator=dg.Generator().manual_seed(seed))
        return [i for (b,) in loader for i in b.tolist()]

    first = order(1)
    assert sorted(first) == list(range(20)) and first != list(range(20))
    assert order(1) == first and order(2) != first
    dg.manual_seed(5)
    a = [i for (b,) in DataLoader(data, batch_size=20, shuffle=True) for i in b.tolist()]
    dg.manual_seed(5)
    assert a == [i for (b,) in DataLoader(data, batch_size=20, shuffle=True) for i in b.tolist()]
    loader = DataLoader(data, batch_size=20, shuffle=True)
    assert list(loader)[0][0].tolist() != list(loader)[0][0].tolist()  # a fresh order each epoch


class Pairs(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        return {"x": np.full(2, i, np.float32), "label": i, "weight": i / 2, "name": f"item{i}",
                "pair": (dg.tensor([i, -i]), i % 2 == 0)}


def test_default_collate_of_dicts_tuples_and_numbers():
    batch = next(iter(DataLoader(Pairs(), batch_size=3)))
    assert batch["x"].tolist() == [[0, 0], [1, 1], [2, 2]] and batch["x"].dtype == dg.float32
    assert batch["label"].tolist() == [0, 1, 2] and batch["label"].dtype == dg.int64
    assert batch["weight"].dtype == dg.float64 and batch["name"] == ["item0", "item1", "item2"]
    assert batch["pair"][0].tolist() == [[0, 0], [1, -1], [2, -2]]
    assert batch["pair"][1].tolist() == [True, False, True]
    with pytest.raises(ValueError, match="each element in list of batch should be of equal size"):
        default_collate([(1, 2), (3,)])


@pytest.mark.parametrize("kind", [np.float32, np.float16, np.int32, np.uint8, np.int64, np.float64])
def test_numpy_numbers_keep_their_dtype_when_collated(kind):
    """PyTorch collates numpy numbers with `as_tensor`, keeping their dtype: np.float32 samples
    became a float64 batch (np.int32 an int64 one) before."""
    batch = default_collate([kind(1), kind(2), kind(3)])
    assert batch.dtype == dg.tensor(np.zeros(1, kind)).dtype
    assert batch.tolist() == [1, 2, 3]


def test_tensor_dataset_checks_sizes_and_random_split():
    with pytest.raises(ValueError, match="Size mismatch between tensors"):
        TensorDataset(dg.ones(3), dg.ones(4))
    parts = random_split(TensorDataset(dg.arange(10)), [0.7, 0.3], generator=dg.Generator().manual_seed(0))
    assert [len(p) for p in parts] == [7, 3]
    seen = sorted(int(p[i][0]) for p in parts for i in range(len(p)))
    assert seen == list(range(10))


def test_fast_tensor_path_equals_per_sample_collation():
    x, y = dg.randn(7, 3), dg.arange(7)
    fast = list(DataLoader(TensorDataset(x, y), batch_size=3))
    slow = list(DataLoader(TensorDataset(x, y), batch_size=3, collate_fn=default_collate))
    for (a, b), (c, d) in zip(fast, slow, strict=True):
        assert np.array_equal(a.numpy(), c.numpy()) and np.array_equal(b.numpy(), d.numpy())
