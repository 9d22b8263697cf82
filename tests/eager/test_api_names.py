"""PyTorch's top-level names scripts call that were missing (`torch.greater`, `rsub`,
`unravel_index`, `empty_like`, `scalar_tensor`, the determinism switches...), against numpy."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg

X = np.array([1.0, 2.0, 3.0, -0.5])
SPELLINGS = {"greater": np.greater, "greater_equal": np.greater_equal, "less": np.less,
             "less_equal": np.less_equal, "not_equal": np.not_equal}


@pytest.mark.parametrize("name", sorted(SPELLINGS))
def test_comparison_spellings_as_functions_and_methods(name) -> None:
    want = SPELLINGS[name](X, 2.0)
    np.testing.assert_array_equal(getattr(dg, name)(dg.tensor(X), 2.0).numpy(), want)
    np.testing.assert_array_equal(getattr(dg.tensor(X), name)(dg.tensor(2.0)).numpy(), want)


def test_rsub_subtracts_the_other_way_with_alpha() -> None:
    np.testing.assert_allclose(dg.rsub(dg.tensor(X), 10.0, alpha=2).numpy(), 10.0 - 2 * X)
    t = dg.tensor(X, requires_grad=True)
    t.rsub(dg.tensor(1.0)).sum().backward()
    np.testing.assert_array_equal(t.grad.numpy(), -np.ones(4))


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(1, 5), min_size=1, max_size=3), st.data())
def test_unravel_index_is_numpys_and_refuses_outside(shape, data) -> None:
    size = int(np.prod(shape))
    flat = np.array(data.draw(st.lists(st.integers(-size, size - 1), min_size=1, max_size=5)))
    got = dg.unravel_index(dg.tensor(flat), tuple(shape))
    want = np.unravel_index(np.where(flat < 0, flat + size, flat), tuple(shape))
    assert len(got) == len(shape)
    for g, w in zip(got, want, strict=True):
        assert g.dtype is dg.int64
        np.testing.assert_array_equal(g.numpy(), w)
    with pytest.raises(dg.errors.IndexShapeError, match="out of bounds"):
        dg.unravel_index(dg.tensor([size]), tuple(shape))


def test_predicates_scalar_tensor_empty_like_and_detach() -> None:
    assert dg.is_nonzero(dg.tensor([0.5])) and not dg.is_nonzero(dg.tensor(0))
    for t in (dg.tensor([1.0, 2.0]), dg.tensor([])):
        with pytest.raises(dg.errors.ShapeError, match="ambiguous"):
            dg.is_nonzero(t)
    assert dg.is_same_size(dg.ones(2, 3), dg.zeros(2, 3))
    assert not dg.is_same_size(dg.ones(2, 3), dg.ones(3, 2))
    assert [dg.is_signed(dg.tensor([1], dtype=d)) for d in (dg.float32, dg.int8, dg.uint8, dg.bool)] == [
        True, True, False, False]
    assert dg.scalar_tensor(3).dtype is dg.float32 and dg.scalar_tensor(3).shape == ()
    assert dg.scalar_tensor(3, dtype=dg.int64).item() == 3
    like = dg.empty_like(dg.tensor([[1, 2]], dtype=dg.int32))
    assert like.dtype is dg.int32 and tuple(like.shape) == (1, 2)
    w = dg.tensor([1.0], requires_grad=True)
    assert not dg.detach(w * 2).requires_grad


def test_determinism_switches_are_recorded() -> None:
    try:
        dg.use_deterministic_algorithms(True, warn_only=True)
        assert dg.are_deterministic_algorithms_enabled()
        assert dg.is_deterministic_algorithms_warn_only_enabled()
        with pytest.raises(dg.errors.DTypeError, match="expects a bool"):
            dg.use_deterministic_algorithms(1)
    finally:
        dg.use_deterministic_algorithms(False)
    assert not dg.are_deterministic_algorithms_enabled()
