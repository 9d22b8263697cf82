"""dg.randint and dg.randperm: ranges, shapes, dtypes, reproducibility by seed and by
Generator, and PyTorch's refusals."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad as dg
from dualgrad.errors import ShapeError


def test_randint_draws_in_the_half_open_range():
    a = dg.randint(-3, 4, (50, 40)).numpy()
    assert a.shape == (50, 40) and a.dtype == np.int64
    assert set(np.unique(a)) == set(range(-3, 4))  # 2000 draws of 7 values: every value, none outside
    b = dg.randint(5, size=(3,), dtype=dg.int32)
    assert b.dtype == dg.int32 and ((b.numpy() >= 0) & (b.numpy() < 5)).all()


def test_randperm_is_a_permutation():
    p = dg.randperm(17).numpy()
    assert p.dtype == np.int64 and np.array_equal(np.sort(p), np.arange(17))
    assert dg.randperm(0).numel() == 0


def test_draws_repeat_with_the_seed_and_the_generator():
    dg.manual_seed(3)
    first = dg.randint(0, 100, (8,)).numpy(), dg.randperm(8).numpy()
    dg.manual_seed(3)
    again = dg.randint(0, 100, (8,)).numpy(), dg.randperm(8).numpy()
    assert all(np.array_equal(x, y) for x, y in zip(first, again, strict=True))
    g1, g2 = dg.Generator().manual_seed(5), dg.Generator().manual_seed(5)
    assert np.array_equal(dg.randperm(9, generator=g1).numpy(), dg.randperm(9, generator=g2).numpy())


def test_refusals():
    with pytest.raises(ShapeError, match="randint: random_ expects 'from' to be less than 'to'"):
        dg.randint(4, 4, (2,))
    with pytest.raises(ShapeError, match="randint: expected"):
        dg.randint(4)
    with pytest.raises(ShapeError, match="randperm: n must be non-negative"):
        dg.randperm(-1)
