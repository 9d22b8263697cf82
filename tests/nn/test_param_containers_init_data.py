"""nn.ParameterList / ParameterDict (nn/param_containers.py), nn.init.orthogonal_ / trunc_normal_
(nn/init_more.py), nn.utils.rnn.pad_sequence, and utils.data's ConcatDataset, IterableDataset,
SubsetRandomSampler, WeightedRandomSampler (utils/data/more.py): values against numpy float64
transcriptions of PyTorch's algorithms with the same draws, the truncated normal's moments
written out, sampling frequencies within a few standard errors, gradients, PyTorch's errors."""
from __future__ import annotations

import math

import numpy as np
import pytest

import dualgrad as dg
from dualgrad import nn
from dualgrad.random import numpy_rng
from dualgrad.utils.data import (
    ConcatDataset,
    DataLoader,
    IterableDataset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
)


def test_parameter_list_registers_and_trains():
    pl = nn.ParameterList([dg.ones(2), nn.Parameter(dg.zeros(3))])
    pl.append(dg.full((1,), 2.0))
    assert [n for n, _ in pl.named_parameters()] == ["0", "1", "2"] and len(pl) == 3
    assert all(p.requires_grad and isinstance(p, nn.Parameter) for p in pl)  # tensors become Parameters
    assert list(pl.state_dict()) == ["0", "1", "2"]
    pl[1] = dg.ones(3)
    assert pl[1].tolist() == [1.0, 1.0, 1.0] and pl[-1].tolist() == [2.0] and len(pl[1:]) == 2

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.scales = nn.ParameterList([dg.tensor([1.0]), dg.tensor([3.0])])

        def forward(self, x):
            for s in self.scales:
                x = x * s
            return x

    model = Model()
    opt = dg.optim.SGD(model.parameters(), lr=0.1)
    model(dg.tensor([2.0])).sum().backward()
    opt.step()
    assert [p.item() for p in model.scales] == pytest.approx([1.0 - 0.1 * 6.0, 3.0 - 0.1 * 2.0])
    with pytest.raises(TypeError, match="ParameterList.extend should be called with an iterable"):
        pl.extend(dg.ones(2))


def test_parameter_dict_is_an_ordered_dict_of_parameters():
    pd = nn.ParameterDict({"b": dg.ones(2)})
    pd.update([("a", dg.zeros(1)), ("c", nn.Parameter(dg.ones(1)))])
    assert list(pd) == ["b", "a", "c"] and list(pd.keys()) == ["b", "a", "c"] and "a" in pd
    assert sorted(dict(pd.named_parameters())) == ["a", "b", "c"]
    assert list(pd.state_dict()) == ["b", "a", "c"]
    assert pd.pop("a").tolist() == [0.0] and "a" not in pd and len(pd) == 2
    del pd["b"]
    assert list(pd.keys()) == ["c"] and [n for n, _ in pd.named_parameters()] == ["c"]
    assert pd.get("zz") is None and pd.setdefault("d", dg.ones(1)).requires_grad
    assert isinstance(pd["c"], nn.Parameter) and len(pd.copy()) == 2
    with pytest.raises(ValueError, match="ParameterDict update sequence element #0 should be a pair"):
        pd.update([dg.ones(1)])


def _twin_generators(seed: int):
    return dg.Generator().manual_seed(seed), dg.Generator().manual_seed(seed)


@pytest.mark.parametrize("shape, gain", [((3, 5), 1.0), ((6, 2), 2.0), ((4, 2, 3, 3), 0.5)])
def test_orthogonal_is_pytorchs_qr_of_a_normal_draw(shape, gain):
    g1, g2 = _twin_generators(11)
    w = nn.init.orthogonal_(dg.empty(*shape, dtype=dg.float64), gain=gain, generator=g1)
    rows, cols = shape[0], math.prod(shape[1:])
    flat = numpy_rng(g2).normal(0.0, 1.0, (rows, cols))  # PyTorch's algorithm written out
    a = flat.T if rows < cols else flat
    q, r = np.linalg.qr(a)
    q = q * np.sign(np.diag(r))
    expected = gain * (q.T if rows < cols else q)
    np.testing.assert_allclose(w.numpy().reshape(rows, cols), expected, rtol=1e-12, atol=1e-14)
    m = w.numpy().reshape(rows, cols)
    small = m @ m.T if rows < cols else m.T @ m
    np.testing.assert_allclose(small, gain**2 * np.eye(min(rows, cols)), atol=1e-12)
    with pytest.raises(ValueError, match="Only tensors with 2 or more dimensions are supported"):
        nn.init.orthogonal_(dg.empty(3))


def test_trunc_normal_within_bounds_with_the_truncated_moments():
    mean, std, a, b = 0.5, 2.0, -1.0, 4.0
    t = nn.init.trunc_normal_(dg.empty(200_000, dtype=dg.float64), mean, std, a, b,
                              generator=dg.Generator().manual_seed(3))
    x = t.numpy()
    assert x.min() >= a and x.max() <= b
    alpha, beta = (a - mean) / std, (b - mean) / std
    pdf = lambda z: math.exp(-z * z / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    cdf = lambda z: (1 + math.erf(z / math.sqrt(2))) / 2  # noqa: E731
    z = cdf(beta) - cdf(alpha)
    true_mean = mean + std * (pdf(alpha) - pdf(beta)) / z
    shift = (pdf(alpha) - pdf(beta)) / z
    true_var = std**2 * (1 + (alpha * pdf(alpha) - beta * pdf(beta)) / z - shift**2)
    se = math.sqrt(true_var / x.size)
    assert abs(x.mean() - true_mean) < 5 * se
    assert abs(x.var() - true_var) < 0.02 * true_var
    f32 = nn.init.trunc_normal_(dg.empty(4, 5))
    assert f32.dtype == dg.float32 and float(f32.abs().max()) <= 2.0


def test_pad_sequence_pads_stacks_and_passes_gradients():
    seqs = [np.arange(6.0).reshape(3, 2), np.arange(2.0).reshape(1, 2) + 10, np.arange(4.0).reshape(2, 2) - 5]
    leaves = [dg.tensor(s, requires_grad=True) for s in seqs]
    out = nn.utils.rnn.pad_sequence(leaves, padding_value=-1.0)
    expected = np.full((3, 3, 2), -1.0)
    for i, s in enumerate(seqs):
        expected[: len(s), i] = s
    np.testing.assert_array_equal(out.detach().numpy(), expected)
    first = nn.utils.rnn.pad_sequence(leaves, batch_first=True, padding_side="left")
    assert tuple(first.shape) == (3, 3, 2)
    np.testing.assert_array_equal(first[1].detach().numpy(), np.vstack([np.zeros((2, 2)), seqs[1]]))
    weights = np.random.default_rng(0).normal(size=(3, 3, 2))
    (out * dg.tensor(weights)).sum().backward()
    for i, (leaf, s) in enumerate(zip(leaves, seqs, strict=True)):
        np.testing.assert_array_equal(leaf.grad.numpy(), weights[: len(s), i])
    with pytest.raises(ValueError, match="pad_sequence: each sequence must be"):
        nn.utils.rnn.pad_sequence([dg.ones(2, 3), dg.ones(2, 4)])


def test_concat_dataset_indexes_across_and_loads():
    a = TensorDataset(dg.arange(3))
    b = TensorDataset(dg.arange(10, 15))
    both = ConcatDataset([a, b])
    assert len(both) == 8 and both.cumulative_sizes == [3, 8]
    assert [both[i][0].item() for i in range(8)] == [0, 1, 2, 10, 11, 12, 13, 14]
    assert both[-1][0].item() == 14 and (a + b)[3][0].item() == 10
    batches = [x.tolist() for (x,) in DataLoader(both, batch_size=3)]
    assert batches == [[0, 1, 2], [10, 11, 12], [13, 14]]
    with pytest.raises(IndexError):
        both[8]


def test_subset_random_sampler_permutes_the_subset_reproducibly():
    indices = [4, 7, 9, 20]
    g1, g2 = _twin_generators(5)
    drawn = list(SubsetRandomSampler(indices, generator=g1))
    assert sorted(drawn) == indices
    assert drawn == [indices[i] for i in numpy_rng(g2).permutation(4).tolist()]


def test_weighted_random_sampler_draws_in_proportion_to_the_weights():
    weights = [1.0, 0.0, 3.0, 6.0]
    n = 40_000
    drawn = np.array(list(WeightedRandomSampler(weights, n, generator=dg.Generator().manual_seed(1))))
    p = np.array(weights) / 10
    counts = np.bincount(drawn, minlength=4)
    assert counts[1] == 0
    assert np.all(np.abs(counts / n - p) < 5 * np.sqrt(p * (1 - p) / n) + 1e-12)
    once = list(WeightedRandomSampler(dg.tensor(weights), 3, replacement=False))
    assert sorted(once) == [0, 2, 3] and len(WeightedRandomSampler(weights, 7)) == 7
    with pytest.raises(ValueError, match="num_samples should be a positive integer value"):
        WeightedRandomSampler(weights, 0)
    with pytest.raises(ValueError, match="cannot draw 4 samples without replacement from 3"):
        WeightedRandomSampler(weights, 4, replacement=False)


class Countdown(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        for i in range(self.n, 0, -1):
            yield dg.tensor([float(i)]), i % 2

    def __len__(self):
        return self.n


def test_dataloader_batches_an_iterable_dataset_in_its_order():
    loader = DataLoader(Countdown(5), batch_size=2)
    batches = [(x.squeeze(1).tolist(), y.tolist()) for x, y in loader]
    assert batches == [([5.0, 4.0], [1, 0]), ([3.0, 2.0], [1, 0]), ([1.0], [1])]
    assert len(loader) == 3 and len(DataLoader(Countdown(5), batch_size=2, drop_last=True)) == 2
    assert len(list(DataLoader(Countdown(5), batch_size=2, drop_last=True))) == 2
    assert [y for _, y in DataLoader(Countdown(2), batch_size=None)] == [0, 1]
    chained = list(Countdown(2) + Countdown(1))
    assert [y for _, y in chained] == [0, 1, 1]
    with pytest.raises(ValueError, match="expected unspecified shuffle option"):
        DataLoader(Countdown(3), shuffle=True)
