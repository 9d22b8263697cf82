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


# -- torch.testing.assert_close's keywords, so a PyTorch test ports (dg.testing is torch.testing's place)
def test_dg_testing_is_reachable_from_the_package() -> None:
    import dualgrad

    assert dualgrad.testing.assert_close is assert_close


def test_equal_nan_false_makes_nan_differ_and_infinities_are_close() -> None:
    assert_close(np.array([np.nan, 1.0]), np.array([np.nan, 1.0]), equal_nan=True)
    with pytest.raises(AssertionError, match="1 of 2 elements differ"):
        assert_close(np.array([np.nan, 1.0]), np.array([np.nan, 1.0]), equal_nan=False)
    assert_close(np.array([np.inf, -np.inf]), np.array([np.inf, -np.inf]), equal_nan=False)
    with pytest.raises(AssertionError):
        assert_close(np.array([np.inf]), np.array([-np.inf]))


def test_sequences_and_dicts_of_tensors_compare_item_by_item() -> None:
    w = dg.ones(2, requires_grad=True)
    assert_close([w, dg.zeros(1)], (np.ones(2), np.zeros(1)))
    assert_close({"w": w, "b": dg.zeros(1)}, {"w": np.ones(2), "b": np.zeros(1)})
    with pytest.raises(AssertionError, match=r"item 1: .*1 of 1 elements differ|item 1: 1\.0 != expected"):
        assert_close([w, dg.ones(1)], [np.ones(2), np.zeros(1)])
    with pytest.raises(AssertionError, match="keys"):
        assert_close({"w": w}, {"v": w})
    with pytest.raises(AssertionError, match="length"):
        assert_close([w, w], [w])


def test_torch_keywords_are_accepted_and_msg_may_be_callable() -> None:
    x = dg.tensor([1.0, 2.0])
    assert_close(x, x.clone(), rtol=0, atol=0, check_device=True, allow_subclasses=True, check_layout=True,
                 check_stride=False, check_dtype=True)
    with pytest.raises(AssertionError, match="^custom: .*differ"):
        assert_close(x, x + 1, msg=lambda text: f"custom: {text}")
    with pytest.raises(AssertionError, match="dtype"):
        assert_close(x, x.double(), check_dtype=True)
