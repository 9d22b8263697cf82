"""assert_close passes what is close and names the worst element of what is not."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad as dg
from dualgrad.testing import assert_close


def test_close_values_pass():
    assert_close(np.array([1.0, 2.0]), [1.0 + 1e-9, 2.0])
    assert_close(dg.tensor([1.0, 2.0], requires_grad=True), np.array([1.0, 2.0], dtype=np.float32))
    assert_close(3.0, 3.0)
    assert_close(np.array([np.nan, 1.0]), np.array([np.nan, 1.0]))


def test_the_worst_element_is_named():
    with pytest.raises(AssertionError, match=r"2 of 3 elements differ.*worst at \(2,\): .*5\.0"):
        assert_close(np.array([1.0, 2.1, 5.0]), np.array([1.0, 2.0, 3.0]), msg="vals")


def test_shape_and_dtype_mismatches_fail():
    with pytest.raises(AssertionError, match="shape"):
        assert_close(np.ones(3), np.ones((3, 1)))
    with pytest.raises(AssertionError, match="dtype"):
        assert_close(np.ones(3, np.float32), np.ones(3), check_dtype=True)


def test_booleans_compare_exactly():
    assert_close(np.array([True, False]), np.array([True, False]))
    with pytest.raises(AssertionError):
        assert_close(np.array([True, False]), np.array([True, True]))


def test_tolerances_apply():
    assert_close(1.001, 1.0, rtol=1e-2)
    with pytest.raises(AssertionError):
        assert_close(1.001, 1.0, rtol=1e-6, atol=0)
