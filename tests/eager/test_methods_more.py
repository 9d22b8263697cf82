"""The Tensor methods of `eager/methods_more.py` against numpy (values), jax (gradients) and
torch (both, where installed)."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
from dualgrad.testing import assert_close

pytestmark = pytest.mark.usefixtures("jax_float64")  # float64 jax oracles

RNG = np.random.default_rng(0)
A = RNG.permutation(12).reshape(3, 4).astype(np.float64) - 5.5  # distinct values: no sort ties
IDX = np.array([[0, 3, 1], [2, 2, 0], [1, 0, 3]])

# (name, dualgrad call, jax reference written from PyTorch's docs) on A
CASES = [
    ("sort values", lambda t: t.sort(dim=1).values, lambda a: jnp.sort(a, axis=1)),
    ("sort descending", lambda t: dg.sort(t, 0, descending=True)[0], lambda a: -jnp.sort(-a, axis=0)),
    ("topk", lambda t: t.topk(2, dim=1).values, lambda a: -jnp.sort(-a, axis=1)[:, :2]),
    ("topk smallest", lambda t: t.topk(3, dim=0, largest=False).values, lambda a: jnp.sort(a, axis=0)),
    ("gather", lambda t: t.gather(1, dg.tensor(IDX)), lambda a: jnp.take_along_axis(a, IDX, axis=1)),
    ("index_select", lambda t: t.index_select(1, dg.tensor([3, 0, 3])), lambda a: a[:, [3, 0, 3]]),
    ("cumsum", lambda t: t.cumsum(dim=1), lambda a: jnp.cumsum(a, axis=1)),
    ("cumsum dim 0", lambda t: dg.cumsum(t, 0), lambda a: jnp.cumsum(a, axis=0)),
    ("repeat", lambda t: t.repeat(2, 1, 3), lambda a: jnp.tile(a, (2, 1, 3))),
    ("tril", lambda t: t.tril(1), lambda a: jnp.tril(a, 1)),
    ("triu", lambda t: dg.triu(t, -1), lambda a: jnp.triu(a, -1)),
    ("clone", lambda t: t.clone() * 2, lambda a: a * 2),
    ("split", lambda t: t.split([1, 3], dim=1)[1], lambda a: a[:, 1:]),
    ("chunk", lambda t: t.chunk(2)[1], lambda a: a[2:]),
    ("scatter", lambda t: dg.zeros(3, 4, dtype=dg.float64).scatter(1, dg.tensor(IDX[:, :1]), t[:, :1]),
     lambda a: jnp.zeros((3, 4)).at[np.arange(3)[:, None], IDX[:, :1]].set(a[:, :1])),
]


@pytest.mark.parametrize(("name", "ours", "ref"), CASES, ids=[c[0] for c in CASES])
def test_value_and_gradient_match_jax(name, ours, ref):
    x = dg.tensor(A, requires_grad=True)
    out = ours(x)
    expected, pullback = jax.vjp(ref, jnp.asarray(A))
    assert_close(out.detach().numpy(), np.asarray(expected), msg=name)
    g = np.cos(np.arange(out.numel())).reshape(tuple(out.shape))
    (out * dg.tensor(g)).sum().backward()
    assert_close(x.grad.numpy(), np.asarray(pullback(jnp.asarray(g))[0]), msg=name)


@settings(max_examples=30, deadline=None)
@given(st.sampled_from([1, 4]), st.sampled_from([1, 2, 5]), st.integers(0, 2**31), st.booleans())
def test_sort_argsort_topk_are_a_stable_permutation(rows, cols, seed, descending):
    values = np.random.default_rng(seed).integers(-3, 3, (rows, cols)).astype(np.float64)  # with ties
    t = dg.tensor(values)
    indices = t.argsort(dim=1, descending=descending).numpy()
    expected = np.argsort(-values if descending else values, axis=1, kind="stable")
    assert np.array_equal(indices, expected)
    assert np.array_equal(t.sort(1, descending).values.numpy(), np.take_along_axis(values, expected, 1))
    k = cols // 2
    assert np.array_equal(t.topk(k, 1).values.numpy(), -np.sort(-values, axis=1)[:, :k])


@settings(max_examples=25, deadline=None)
@given(st.sampled_from([(1, 1), (3, 6)]), st.integers(0, 2**31))  # few shapes: jax compiles per shape
def test_nan_is_the_largest_value_in_descending_sorts_and_topk(shape, seed):
    """PyTorch orders NaN above every number: first in a descending sort and in topk. The
    descending key -x kept NaN last, so `topk` of a row holding NaN returned only numbers.
    Oracle: numpy's stable lexsort by (not NaN, -x): NaN first, ties by position."""
    rng = np.random.default_rng(seed)
    values = rng.choice([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -2.0, 2.5], shape)
    t = dg.tensor(values)  # (on each device: the eager conftest runs every test on cpu and jax)
    nan = np.isnan(values)
    expected = np.lexsort((np.where(nan, 0.0, -values), ~nan), axis=1)
    assert np.array_equal(t.argsort(dim=1, descending=True).numpy(), expected)
    assert np.array_equal(t.sort(1, descending=True).indices.numpy(), expected)
    k = max(shape[1] // 2, 1)
    np.testing.assert_array_equal(t.topk(k, 1).values.numpy(), np.take_along_axis(values, expected[:, :k], 1))
    assert np.array_equal(t.argsort(dim=1).numpy(), np.argsort(values, axis=1, kind="stable"))  # NaN last


def test_closeness_and_value_tests():
    a = dg.tensor([1.0, float("inf"), float("nan"), 1.0, -float("inf")])
    b = dg.tensor([1.0 + 1e-9, float("inf"), float("nan"), 1.1, float("inf")])
    assert dg.isclose(a, b).tolist() == [True, True, False, False, False]
    assert a.isclose(b, equal_nan=True).tolist() == [True, True, True, False, False]
    assert not dg.allclose(a[:2], b[:2] + 1) and dg.allclose(a[:2], b[:2])
    assert a.isnan().tolist() == [False, False, True, False, False]
    assert a.isinf().tolist() == [False, True, False, False, True]
    assert a.isfinite().tolist() == [True, False, False, True, False]
    m = dg.tensor([[1.0, 0.0], [2.0, 3.0]])
    assert m.all().item() is False and m.any().item() is True
    assert m.all(dim=1).tolist() == [False, True] and m.any(0, keepdim=True).tolist() == [[True, True]]
    assert dg.ones(2, dtype=dg.int64).type_as(m).dtype == dg.float32


def test_in_place_fills_and_errors():
    w = dg.empty(200, 50)
    w.normal_(2.0, 0.5)
    assert abs(w.numpy().mean() - 2.0) < 0.02
    w.uniform_(-1, 1)
    assert w.numpy().min() >= -1 and w.numpy().max() <= 1
    z = dg.zeros(5, 3)
    z.fill_diagonal_(7.0, wrap=True)
    assert np.array_equal(np.argwhere(z.numpy() == 7).tolist(), [[0, 0], [1, 1], [2, 2], [4, 0]])
    leaf = dg.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        leaf.normal_()
    with pytest.raises(IndexError, match="out of bounds"):
        dg.tensor(A).gather(1, dg.tensor([[5]] * 3))
    with pytest.raises(IndexError, match="out of range"):
        dg.tensor(A).topk(9)
    with pytest.raises(ValueError, match="sum exactly to 4"):
        dg.tensor(A).split([1, 1], dim=1)
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        dg.ones(3).tril()


def test_scatter_in_place_writes_as_numpy_put_along_axis():
    index = np.array([[0, 1, 2, 0, 0], [2, 0, 0, 1, 2]])
    ours = dg.zeros(3, 5)
    ours.scatter_(0, dg.tensor(index), dg.ones(2, 5) * 2)
    want = np.zeros((3, 5))
    np.put_along_axis(want, index, 2.0, axis=0)  # (no index repeats within a column)
    assert np.array_equal(ours.numpy(), want)
    want = np.zeros((3, 5))
    for i, j in np.ndindex(2, 2):  # out[i, index[i, j]] = value, for the index's rows only
        want[i, index[i, j]] = 4.0
    assert np.array_equal(dg.zeros(3, 5).scatter(1, dg.tensor(index[:, :2]), value=4.0).numpy(), want)


def test_scatter_in_place_matches_torch(torch):
    index = np.array([[0, 1, 2, 0, 0], [2, 0, 0, 1, 2]])
    ours = dg.zeros(3, 5)
    ours.scatter_(0, dg.tensor(index), dg.ones(2, 5) * 2)
    theirs = torch.zeros(3, 5).scatter_(0, torch.tensor(index), torch.ones(2, 5) * 2)
    assert np.array_equal(ours.numpy(), theirs.numpy())
    assert np.array_equal(dg.zeros(3, 5).scatter(1, dg.tensor(index[:, :2]), value=4.0).numpy(),
                          torch.zeros(3, 5).scatter(1, torch.tensor(index[:, :2]), 4.0).numpy())


TORCH_SPELLINGS = {
    "sort values": lambda t: t.sort(dim=1).values, "topk": lambda t: t.topk(2, dim=1).values,
    "gather": lambda t: t.gather(1, __import__("torch").tensor(IDX)), "cumsum": lambda t: t.cumsum(dim=1),
    "repeat": lambda t: t.repeat(2, 1, 3), "tril": lambda t: t.tril(1), "chunk": lambda t: t.chunk(2)[1],
    "index_select": lambda t: t.index_select(1, __import__("torch").tensor([3, 0, 3])),
    "clone": lambda t: t.clone() * 2,
}


@pytest.mark.parametrize("name", sorted(TORCH_SPELLINGS))
def test_value_and_gradient_match_torch(torch, name):
    ours = dict((c[0], c[1]) for c in CASES)[name]
    x, tx = dg.tensor(A, requires_grad=True), torch.tensor(A, requires_grad=True)
    out, tout = ours(x), TORCH_SPELLINGS[name](tx)
    assert_close(out.detach().numpy(), tout.detach().numpy(), msg=name)
    out.sum().backward()
    tout.sum().backward()
    assert_close(x.grad.numpy(), tx.grad.numpy(), msg=name)
