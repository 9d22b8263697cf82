"""Silent wrong results in `dualgrad.utils.data` found by the differential hunt against
torch.utils.data 2.13 (expectations re-derived here with numpy; torch is not needed)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import dualgrad as dg
from dualgrad.utils.data import RandomSampler, default_collate, random_split

_numbers = st.one_of(st.integers(-2**31, 2**31), st.floats(-1e6, 1e6, allow_nan=False))


@settings(max_examples=40, deadline=None)
@given(first=st.integers(-2**31, 2**31), rest=st.lists(_numbers, min_size=1, max_size=6))
def test_collated_ints_with_a_float_among_them_keep_the_fraction(first, rest):
    """PyTorch collates a batch whose first number is an int with `torch.tensor(batch)`: all ints
    give int64, a float anywhere gives the default float dtype. Before, the whole batch was cast
    to int64, so `[1, 2.5]` collated to `[1, 2]`."""
    batch = [first, *rest]
    out = default_collate(batch)
    if all(isinstance(b, int) for b in batch):
        assert out.dtype == dg.int64 and out.tolist() == batch
    else:
        assert out.dtype == dg.get_default_dtype()
        np.testing.assert_array_equal(out.numpy(), np.asarray(batch, dtype=np.float64).astype(np.float32))


def test_collated_ints_with_a_float_follow_the_default_dtype():
    """Under `set_default_dtype(float64)` the mixed batch is float64, as torch's."""
    assert default_collate([1, 2.5]).tolist() == [1.0, 2.5]
    assert default_collate([(0, 1), (1, 0.25)])[1].tolist() == [1.0, 0.25]  # a field of tuples
    before = dg.get_default_dtype()
    dg.set_default_dtype(dg.float64)
    try:
        out = default_collate([3, 2**40 + 0.5])
        assert out.dtype == dg.float64 and out.tolist() == [3.0, 2**40 + 0.5]
    finally:
        dg.set_default_dtype(before)


@pytest.mark.parametrize("batch", [[True, 2], [1, True], [2**40, 1]])
def test_collated_int_batches_stay_int64(batch):
    """Ints (bools among them) keep int64, as before and as torch."""
    out = default_collate(batch)
    assert out.dtype == dg.int64 and out.tolist() == [int(b) for b in batch]


def _split_sizes(n: int, fractions: list[float]) -> list[int]:
    """PyTorch's documented rule: floor each share, then one more item to splits 0, 1, ... in turn."""
    sizes = [int(np.floor(n * f)) for f in fractions]
    for i in range(n - sum(sizes)):
        sizes[i % len(sizes)] += 1
    return sizes


@settings(max_examples=40, deadline=None)
@given(n=st.integers(0, 40), weights=st.lists(st.integers(0, 9), min_size=1, max_size=5).filter(any),
       seed=st.integers(0, 2**16))
def test_random_split_by_fractions_sizes_and_disjointness(n, weights, seed):
    """Fractions in [0, 1] summing to 1 give the floor-and-round-robin sizes; the splits are a
    partition of the dataset, and the same generator seed gives the same splits."""
    fractions = [w / sum(weights) for w in weights]
    assume(sum(fractions) <= 1)  # PyTorch's rule too: a float sum just above 1 reads as lengths (and raises)
    parts = random_split(range(n), fractions, generator=dg.Generator().manual_seed(seed))
    assert [len(p) for p in parts] == _split_sizes(n, fractions)
    assert sorted(i for p in parts for i in p) == list(range(n))
    again = random_split(range(n), fractions, generator=dg.Generator().manual_seed(seed))
    assert [list(p) for p in again] == [list(p) for p in parts]


@pytest.mark.parametrize("lengths", [[1.5, -0.5], [-0.25, 0.5, 0.75], [12, -2], [11, -1, 0]])
def test_random_split_refuses_out_of_range_fractions_and_negative_lengths(lengths):
    """[1.5, -0.5] sums to 1 and [12, -2] to 10, and both split 10 items as [10, 0] before
    (torch 2.13 refuses the fractions, "Fraction at index 0 is not between 0 and 1", and splits
    [12, -2] as [10, 0] too); now a ValueError naming the lengths."""
    with pytest.raises(ValueError, match="random_split"):
        random_split(range(10), lengths)


@pytest.mark.parametrize("replacement", [False, True])
def test_random_sampler_over_an_empty_dataset_raises(replacement):
    """`RandomSampler(empty, num_samples=3)` looped forever refilling an empty permutation
    (torch 2.13 raises ZeroDivisionError / RuntimeError); now a ValueError when iterated."""
    sampler = RandomSampler(range(0), replacement=replacement, num_samples=3)
    with pytest.raises(ValueError, match="empty"):
        list(sampler)


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 12), num_samples=st.one_of(st.none(), st.integers(1, 40)), seed=st.integers(0, 99))
def test_random_sampler_without_replacement_visits_whole_permutations(n, num_samples, seed):
    """Without replacement: whole permutations of range(n) one after another, cut at
    num_samples (each index exactly once per n draws), the same for the same seed."""
    draws = list(RandomSampler(range(n), num_samples=num_samples, generator=dg.Generator().manual_seed(seed)))
    k = n if num_samples is None else num_samples
    assert len(draws) == k
    for start in range(0, k, n):
        chunk = draws[start:start + n]
        assert len(set(chunk)) == len(chunk) and all(0 <= i < n for i in chunk)
        if len(chunk) == n:
            assert sorted(chunk) == list(range(n))
    again = RandomSampler(range(n), num_samples=num_samples, generator=dg.Generator().manual_seed(seed))
    assert list(again) == draws


def test_collated_mappings_keep_their_type():
    """An OrderedDict or defaultdict sample collates to the same type (torch 2.13 keeps it by
    copying the first sample and updating it); before, a plain dict."""
    from collections import OrderedDict, defaultdict

    ordered = default_collate([OrderedDict(b=1.0, a=2), OrderedDict(b=3.0, a=4)])
    assert type(ordered) is OrderedDict and list(ordered) == ["b", "a"]
    assert ordered["b"].tolist() == [1.0, 3.0] and ordered["a"].dtype == dg.int64
    counts = defaultdict(int, x=1)
    out = default_collate([counts, defaultdict(int, x=2)])
    assert type(out) is defaultdict and out["x"].tolist() == [1, 2] and out["missing"] == 0
    assert dict(counts) == {"x": 1}  # the sample itself is not changed


def test_a_sampler_subclass_may_pass_its_data_source_up():
    """PyTorch's tutorials' `super().__init__(data_source)` in a custom Sampler raised TypeError."""
    from dualgrad.utils.data import DataLoader, Sampler

    class Reversed(Sampler):
        def __init__(self, data_source) -> None:
            super().__init__(data_source)
            self.n = len(data_source)

        def __iter__(self):
            return iter(range(self.n - 1, -1, -1))

        def __len__(self) -> int:
            return self.n

    data = [10, 11, 12]
    assert [b.tolist() for b in DataLoader(data, batch_size=2, sampler=Reversed(data))] == [[12, 11], [10]]


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 23), batch_size=st.integers(1, 9), drop_last=st.booleans(), shuffle=st.booleans(),
       seed=st.integers(0, 99))
def test_loader_epochs_cover_each_sample_once_in_len_batches(n, batch_size, drop_last, shuffle, seed):
    """Checked against torch 2.13 in the hunt (sizes, len, order without shuffle): batches of
    `batch_size` with a short last one unless `drop_last`, `len(loader)` of them, each sample
    at most once (all of them unless dropped), the same order for the same generator seed."""
    from dualgrad.utils.data import DataLoader, TensorDataset

    data = TensorDataset(dg.arange(n), dg.arange(n) * 0.5)

    def epoch(loader):
        return [(x.tolist(), y.tolist()) for x, y in loader]

    loader = DataLoader(data, batch_size=batch_size, drop_last=drop_last, shuffle=shuffle,
                        generator=dg.Generator().manual_seed(seed))
    batches = epoch(loader)
    full, rest = divmod(n, batch_size)
    sizes = [batch_size] * full + ([rest] if rest and not drop_last else [])
    assert [len(x) for x, _ in batches] == sizes and len(loader) == len(sizes)
    seen = [i for x, _ in batches for i in x]
    assert len(set(seen)) == len(seen) == sum(sizes)
    assert all(y == [i * 0.5 for i in x] for x, y in batches)  # rows stay paired
    if not shuffle:
        assert seen == list(range(sum(sizes)))
    again = DataLoader(data, batch_size=batch_size, drop_last=drop_last, shuffle=shuffle,
                       generator=dg.Generator().manual_seed(seed))
    assert epoch(again) == batches


@pytest.mark.parametrize("replacement", ["False", 1, None])
def test_random_sampler_replacement_must_be_a_bool(replacement):
    """`replacement="False"` drew with replacement (a truthy string); torch 2.13 raises
    'replacement should be a boolean value'."""
    with pytest.raises(TypeError, match="replacement should be a boolean"):
        RandomSampler(range(4), replacement=replacement)


@pytest.mark.parametrize("drop_last", ["False", 0, 1, None])
def test_batch_sampler_drop_last_must_be_a_bool(drop_last):
    """`DataLoader(..., drop_last="False")` dropped the short last batch (a truthy string) and
    `drop_last=0` kept it; torch 2.13 raises 'drop_last should be a boolean value' for both."""
    from dualgrad.utils.data import BatchSampler, DataLoader

    with pytest.raises(ValueError, match="drop_last should be a boolean"):
        BatchSampler(range(5), 2, drop_last)
    with pytest.raises(ValueError, match="drop_last should be a boolean"):
        DataLoader(list(range(5)), batch_size=2, drop_last=drop_last)


def test_a_tensor_dataset_of_numpy_arrays_loads_tensors():
    """The one-index-per-batch path of a TensorDataset yielded numpy arrays when it held numpy
    arrays, where default_collate of the same rows gives tensors (of the arrays' dtype)."""
    from dualgrad.utils.data import DataLoader, TensorDataset

    x, y = np.arange(6.0).reshape(3, 2), np.array([0, 1, 2], dtype=np.int32)
    batches = list(DataLoader(TensorDataset(x, y), batch_size=2))
    assert all(isinstance(t, dg.Tensor) for b in batches for t in b)
    assert batches[0][0].dtype == dg.float64 and batches[0][1].dtype == dg.int32
    assert batches[0][0].tolist() == x[:2].tolist() and batches[1][1].tolist() == [2]
