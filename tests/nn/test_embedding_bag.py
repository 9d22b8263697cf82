"""F.embedding_bag and nn.EmbeddingBag against a numpy float64 loop over the bags, written from
PyTorch's documentation: a bag is a row of a 2-D input or the slice of a 1-D input that
`offsets` starts (to the next offset, or the end; the last offset is the end with
include_last_offset); padding_idx entries are left out (of the mean's count too); an empty bag
is zeros; per_sample_weights scale the rows (mode='sum'); mode='max' takes each dimension's
first maximum in bag order, which gets its gradient."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
from dualgrad import nn
from dualgrad.errors import DualgradNotImplementedError

F = nn.functional


def _loop(weight, bags, mode, padding, upstream, scales):
    """Each bag's value and the gradients of sum(upstream * value) for weight and the scales."""
    out, grad, grad_scales = np.zeros((len(bags), weight.shape[1])), np.zeros_like(weight), {}
    for b, bag in enumerate(bags):
        kept = [(p, i) for p, i in bag if i != padding]
        if not kept:
            continue
        if mode == "max":
            for d in range(weight.shape[1]):
                p, i = max(kept, key=lambda e: (weight[e[1], d], -e[0]))  # the first maximum
                out[b, d] = weight[i, d]
                grad[i, d] += upstream[b, d]
            continue
        divide = len(kept) if mode == "mean" else 1
        for p, i in kept:
            s = 1.0 if scales is None else scales[p]
            out[b] += s * weight[i] / divide
            grad[i] += s * upstream[b] / divide
            grad_scales[p] = float(weight[i] @ upstream[b])
    return out, grad, grad_scales


@st.composite
def bag_calls(draw):
    rows = draw(st.integers(2, 6))
    lengths = draw(st.lists(st.integers(0, 4), min_size=1, max_size=4))
    flat = draw(st.lists(st.integers(0, rows - 1), min_size=sum(lengths), max_size=sum(lengths)))
    two_d = draw(st.booleans()) and len(set(lengths)) == 1 and lengths[0] > 0
    mode = draw(st.sampled_from(["sum", "mean", "max"]))
    return dict(rows=rows, lengths=lengths, flat=flat, two_d=two_d, mode=mode,
                padding=draw(st.one_of(st.none(), st.integers(0, rows - 1))),
                weighted=mode == "sum" and draw(st.booleans()), last=draw(st.booleans()),
                seed=draw(st.integers(0, 2**16)))


@settings(max_examples=30, deadline=None)
@given(bag_calls())
def test_bags_against_a_loop(call):
    rng = np.random.default_rng(call["seed"])
    weight = rng.normal(size=(call["rows"], 3))
    flat, lengths = np.array(call["flat"], dtype=np.int64), call["lengths"]
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    bags = [[(s + j, flat[s + j]) for j in range(n)] for s, n in zip(starts, lengths, strict=True)]
    scales = rng.normal(size=flat.shape) if call["weighted"] else None
    upstream = rng.normal(size=(len(bags), 3))
    w = dg.tensor(weight, requires_grad=True)
    per_sample = None if scales is None else dg.tensor(scales, requires_grad=True)
    if call["two_d"]:
        shape = (len(lengths), lengths[0])
        weights_2d = None if scales is None else dg.tensor(scales.reshape(shape))
        out = F.embedding_bag(dg.tensor(flat.reshape(shape)), w, mode=call["mode"],
                              padding_idx=call["padding"], per_sample_weights=weights_2d)
    else:
        offsets = np.append(starts, len(flat)) if call["last"] else starts
        out = F.embedding_bag(dg.tensor(flat), w, dg.tensor(offsets), mode=call["mode"],
                              per_sample_weights=per_sample, include_last_offset=call["last"],
                              padding_idx=call["padding"])
    (out * dg.tensor(upstream)).sum().backward()
    value, grad, grad_scales = _loop(weight, bags, call["mode"], call["padding"], upstream, scales)
    np.testing.assert_allclose(out.detach().numpy(), value, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(w.grad.numpy(), grad, rtol=1e-12, atol=1e-12)
    if per_sample is not None and not call["two_d"]:
        expected = np.array([grad_scales.get(p, 0.0) for p in range(len(flat))])
        np.testing.assert_allclose(per_sample.grad.numpy(), expected, rtol=1e-12, atol=1e-12)


def test_module_init_repr_and_refusals():
    dg.manual_seed(4)
    bag = nn.EmbeddingBag(5, 2, mode="sum", padding_idx=0)
    expected = np.random.default_rng(4).normal(0.0, 1.0, (5, 2)).astype(np.float32)
    expected[0] = 0.0
    np.testing.assert_array_equal(bag.weight.detach().numpy(), expected)
    assert repr(bag) == "EmbeddingBag(5, 2, mode='sum', padding_idx=0)"
    assert repr(nn.EmbeddingBag(5, 2)) == "EmbeddingBag(5, 2, mode='mean')"
    text = dg.tensor([1, 2, 4, 3, 3])
    assert bag(text, dg.tensor([0, 2])).shape == (2, 2)
    frozen = nn.EmbeddingBag.from_pretrained(dg.ones(3, 2), mode="max")
    assert not frozen.weight.requires_grad and frozen(dg.tensor([[0, 1]])).tolist() == [[1.0, 1.0]]
    with pytest.raises(ValueError, match="offsets\\[0\\] has to be 0"):
        bag(text, dg.tensor([1, 3]))
    with pytest.raises(ValueError, match="if input is 2D, then offsets has to be None"):
        bag(dg.tensor([[1, 2]]), dg.tensor([0]))
    with pytest.raises(ValueError, match="offsets has to be a 1D Tensor but got None"):
        bag(text)
    with pytest.raises(NotImplementedError, match="per_sample_weights is only supported for mode='sum'"):
        F.embedding_bag(text, bag.weight, dg.tensor([0]), per_sample_weights=dg.ones(5))
    with pytest.raises(DualgradNotImplementedError, match="scale_grad_by_freq"):
        nn.EmbeddingBag(5, 2, scale_grad_by_freq=True)
    with pytest.raises(DualgradNotImplementedError, match="sparse=True"):
        nn.EmbeddingBag(5, 2, sparse=True)
    with pytest.raises(IndexError, match="embedding: index 5 out of range"):
        bag(dg.tensor([5]), dg.tensor([0]))


@pytest.mark.parametrize(("bag", "expected"), [([1, 0], [[0.0, 0.0], [1.0, 1.0]]),
                                               ([0, 1], [[1.0, 0.0], [0.0, 1.0]])])
def test_max_gives_a_tie_to_the_first_in_the_bag(bag, expected):
    """Rows 0 and 1 tie in dimension 0: PyTorch's kernel keeps the first maximum it meets."""
    w = dg.tensor([[1.0, 2.0], [1.0, 3.0]], requires_grad=True)
    F.embedding_bag(dg.tensor([bag]), w, mode="max").sum().backward()
    assert w.grad.tolist() == expected


def test_jax_device_matches_cpu():
    results = []
    for device in ("cpu", "jax"):
        dg.manual_seed(0)
        bag = nn.EmbeddingBag(6, 3, mode="max", padding_idx=2, device=device)
        out = bag(dg.tensor([1, 2, 4, 5, 4, 3, 2, 2], device=device), dg.tensor([0, 3, 3], device=device))
        (out * dg.arange(9.0, device=device).reshape(3, 3)).sum().backward()
        results.append((out.detach().numpy(), bag.weight.grad.numpy()))
    for a, b in zip(*results, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    assert results[1][0][1].tolist() == [0.0, 0.0, 0.0]  # the empty bag


def test_an_empty_batch_with_per_sample_weights():
    """No entries at all: the one (empty) bag is zeros, and the empty weights get an empty
    gradient (it raised: the masked slot read index 0 of the empty weights)."""
    w = dg.tensor(np.ones((2, 3)), requires_grad=True)
    scales = dg.tensor(np.zeros(0), requires_grad=True)
    out = F.embedding_bag(dg.tensor(np.zeros(0, dtype=np.int64)), w, dg.tensor([0]), mode="sum",
                          per_sample_weights=scales)
    out.sum().backward()
    np.testing.assert_array_equal(out.detach().numpy(), np.zeros((1, 3)))
    np.testing.assert_array_equal(w.grad.numpy(), np.zeros((2, 3)))
    assert scales.grad.numpy().shape == (0,)
