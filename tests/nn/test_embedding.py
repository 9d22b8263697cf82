"""F.embedding and nn.Embedding against numpy float64 transcriptions of PyTorch's documented
rules: the output is weight[input]; the gradient of a row is the sum of the output gradients
at every position holding its index (repeated indices accumulate), and the padding_idx row
gets none; scale_grad_by_freq divides a row's gradient by its index's count; max_norm first
rescales in place each row read whose norm exceeds it by max_norm / (norm + 1e-7) (PyTorch's
embedding_renorm_). Init N(0, 1) from dualgrad's generator with the padding row zeroed; reprs
are torch 2.13's text; out-of-range indices and sparse=True are refused."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
from dualgrad import nn
from dualgrad.errors import DualgradNotImplementedError

F = nn.functional


@st.composite
def lookups(draw):
    """A (rows, dim) table, indices of rank 1-2 drawn from few rows (so they repeat), and a
    padding index that is often among them (or None, or negative)."""
    rows, dim = draw(st.integers(2, 6)), draw(st.integers(1, 4))
    shape = draw(st.sampled_from([(5,), (2, 4), (3, 3)]))
    indices = np.array(draw(st.lists(st.integers(0, rows - 1), min_size=int(np.prod(shape)),
                                     max_size=int(np.prod(shape))))).reshape(shape)
    padding = draw(st.one_of(st.none(), st.integers(-rows, rows - 1)))
    seed = draw(st.integers(0, 2**16))
    return rows, dim, indices, padding, seed


def _expected(weight, indices, padding, upstream, scale_grad_by_freq=False):
    """PyTorch's embedding and embedding_backward, written out in numpy float64."""
    grad = np.zeros_like(weight)
    np.add.at(grad, indices, upstream)
    if scale_grad_by_freq:  # each row's sum divided by its index's count in the input
        counts = np.bincount(indices.ravel(), minlength=len(weight))
        grad /= np.maximum(counts, 1)[:, None]
    if padding is not None:
        grad[padding % weight.shape[0]] = 0.0
    return weight[indices], grad


@settings(max_examples=25, deadline=None)
@given(lookups(), st.booleans())
def test_values_and_accumulated_gradients(case, scale_grad_by_freq):
    rows, dim, indices, padding, seed = case
    rng = np.random.default_rng(seed)
    weight, upstream = rng.normal(size=(rows, dim)), rng.normal(size=indices.shape + (dim,))
    w = dg.tensor(weight, requires_grad=True)
    out = F.embedding(dg.tensor(indices), w, padding_idx=padding, scale_grad_by_freq=scale_grad_by_freq)
    (out * dg.tensor(upstream)).sum().backward()
    value, grad = _expected(weight, indices, padding, upstream, scale_grad_by_freq)
    np.testing.assert_array_equal(out.detach().numpy(), value)
    np.testing.assert_allclose(w.grad.numpy(), grad, rtol=1e-13, atol=1e-15)


@settings(max_examples=15, deadline=None)
@given(lookups(), st.sampled_from([1.0, 2.0, 3.0]), st.floats(0.1, 3.0))
def test_max_norm_renormalises_the_rows_read_in_place(case, norm_type, max_norm):
    rows, dim, indices, padding, seed = case
    rng = np.random.default_rng(seed)
    weight, upstream = rng.normal(size=(rows, dim)) * 2, rng.normal(size=indices.shape + (dim,))
    renormed = weight.copy()
    for i in np.unique(indices):  # PyTorch's embedding_renorm_, written out
        norm = (np.abs(weight[i]) ** norm_type).sum() ** (1 / norm_type)
        if norm > max_norm:
            renormed[i] = weight[i] * (max_norm / (norm + 1e-7))
    w = dg.tensor(weight, requires_grad=True)
    out = F.embedding(dg.tensor(indices), w, padding, max_norm, norm_type)
    (out * dg.tensor(upstream)).sum().backward()
    value, grad = _expected(renormed, indices, padding, upstream)
    np.testing.assert_allclose(w.detach().numpy(), renormed, rtol=1e-13)  # the rows not read unchanged
    np.testing.assert_allclose(out.detach().numpy(), value, rtol=1e-13)
    np.testing.assert_allclose(w.grad.numpy(), grad, rtol=1e-13, atol=1e-15)


def test_module_init_padding_row_and_gradient():
    dg.manual_seed(7)
    emb = nn.Embedding(10, 3, padding_idx=0)
    # dg.manual_seed(s) seeds numpy's default_rng(s), init.normal_ draws normal(0, 1)
    expected = np.random.default_rng(7).normal(0.0, 1.0, (10, 3)).astype(np.float32)
    expected[0] = 0.0
    np.testing.assert_array_equal(emb.weight.detach().numpy(), expected)
    assert emb.weight.dtype is dg.float32 and emb.weight.requires_grad
    idx = dg.tensor([[0, 2, 2], [9, 0, 2]])
    emb(idx).sum().backward()
    rows = emb.weight.grad.numpy()[[0, 2, 9, 1]]
    np.testing.assert_array_equal(rows, [[0.0] * 3, [3.0] * 3, [1.0] * 3, [0.0] * 3])
    assert list(emb.state_dict()) == ["weight"]


def test_from_pretrained_keeps_the_tensor_and_freezes():
    table = dg.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    emb = nn.Embedding.from_pretrained(table, padding_idx=1)
    assert not emb.weight.requires_grad and repr(emb) == "Embedding(3, 2, padding_idx=1)"
    assert emb(dg.tensor([1, 2])).tolist() == [[3.0, 4.0], [5.0, 6.0]]  # the padding row kept as given
    trainable = nn.Embedding.from_pretrained(table, freeze=False)
    trainable(dg.tensor([2, 2])).sum().backward()
    assert trainable.weight.grad.tolist() == [[0.0, 0.0], [0.0, 0.0], [2.0, 2.0]]
    with pytest.raises(ValueError, match="2-dimensional"):
        nn.Embedding.from_pretrained(dg.ones(3))


@pytest.mark.parametrize(("module", "text"), [
    (nn.Embedding(10, 3), "Embedding(10, 3)"),
    (nn.Embedding(10, 3, padding_idx=-2), "Embedding(10, 3, padding_idx=8)"),
    (nn.Embedding(4, 2, norm_type=1.0), "Embedding(4, 2, norm_type=1.0)"),
    (nn.Embedding(4, 2, max_norm=1.0, norm_type=3), "Embedding(4, 2, max_norm=1.0, norm_type=3)"),
    (nn.Embedding(4, 2, scale_grad_by_freq=True), "Embedding(4, 2, scale_grad_by_freq=True)")])
def test_repr_is_pytorchs(module, text):
    assert repr(module) == text


def test_refusals_name_the_op_and_change_nothing():
    emb = nn.Embedding(4, 2)
    before = emb.weight.detach().numpy().copy()
    with pytest.raises(IndexError, match=r"embedding: index -1 out of range for 4 embeddings \(weight shape"):
        emb(dg.tensor([0, -1]))
    with pytest.raises(TypeError, match="embedding: expected indices of dtype int64 or int32, got float32"):
        emb(dg.tensor([0.0]))
    assert emb(dg.tensor([3], dtype=dg.int32)).shape == (1, 2)
    with pytest.raises(DualgradNotImplementedError, match="embedding: sparse=True is not supported"):
        nn.Embedding(4, 2, sparse=True)
    with pytest.raises(NotImplementedError):
        F.embedding(dg.tensor([0]), emb.weight, sparse=True)
    for bad in (4, -5):
        with pytest.raises(ValueError, match="Padding_idx must be within num_embeddings"):
            nn.Embedding(4, 2, padding_idx=bad)
    with pytest.raises(ValueError, match="Shape of weight does not match"):
        nn.Embedding(4, 3, _weight=dg.ones(4, 2))
    np.testing.assert_array_equal(emb.weight.detach().numpy(), before)
