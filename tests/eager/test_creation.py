"""Creation functions, dtypes and their PyTorch aliases, legacy constructors, Variable."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad as dg
from dualgrad.autograd import Variable


def test_dtype_aliases_are_pytorchs() -> None:
    assert dg.float is dg.float32 and dg.double is dg.float64
    assert dg.int is dg.int32 and dg.long is dg.int64
    assert repr(dg.float64) == "dualgrad.float64" and repr(dg.bool) == "dualgrad.bool"


@pytest.mark.parametrize("data, dtype", [
    ([1.0, 2.0], dg.float32), ([1, 2], dg.int64), ([True, False], dg.bool), (3.5, dg.float32),
    (np.array([1.0], np.float64), dg.float64), (np.array([1], np.int32), dg.int32),
])
def test_tensor_infers_pytorch_default_dtypes(data, dtype) -> None:
    assert dg.tensor(data).dtype is dtype


@pytest.mark.parametrize("dtype, legacy", [
    (dg.float, "dualgrad.FloatTensor"), (dg.double, "dualgrad.DoubleTensor"),
    (dg.long, "dualgrad.LongTensor"), (dg.int, "dualgrad.IntTensor"), (dg.bool, "dualgrad.BoolTensor"),
])
def test_type_without_argument_names_the_legacy_class(dtype, legacy) -> None:
    assert dg.zeros(2, dtype=dtype).type() == legacy


def test_type_with_argument_converts() -> None:
    t = dg.tensor([1, 2])
    assert t.type(dg.float32).dtype is dg.float32
    assert t.type("dualgrad.DoubleTensor").dtype is dg.float64
    assert t.float().dtype is dg.float32 and t.double().dtype is dg.float64
    assert dg.tensor([1.7]).long().tolist() == [1] and dg.tensor([1.7]).int().dtype is dg.int32
    assert dg.tensor([0.0, 2.0]).bool().tolist() == [False, True]


def test_tensor_copies_its_data() -> None:
    a = np.array([1.0, 2.0])
    t = dg.tensor(a)
    a[0] = 100.0
    assert t.tolist() == [1.0, 2.0]


def test_from_numpy_shares_memory_both_ways() -> None:
    a = np.zeros(3)
    t = dg.from_numpy(a)
    a[1] = 5.0
    assert t[1].item() == 5.0
    t.numpy()[2] = 7.0
    assert a[2] == 7.0
    with pytest.raises(TypeError):
        dg.from_numpy([1, 2])


def test_legacy_constructors() -> None:
    assert dg.Tensor([1, 2, 3]).dtype is dg.float32
    assert dg.Tensor([1, 2, 3]).tolist() == [1.0, 2.0, 3.0]
    empty = dg.Tensor(2, 3)
    assert tuple(empty.shape) == (2, 3) and empty.dtype is dg.float32
    assert dg.FloatTensor([[1, 2]]).dtype is dg.float32
    assert dg.DoubleTensor([1]).dtype is dg.float64 and dg.LongTensor([1.0]).dtype is dg.int64


def test_filled_creators() -> None:
    np.testing.assert_array_equal(dg.zeros(2, 3).numpy(), np.zeros((2, 3), np.float32))
    np.testing.assert_array_equal(dg.ones((2, 3)).numpy(), np.ones((2, 3), np.float32))
    assert tuple(dg.empty(4).shape) == (4,)
    full = dg.full((2, 2), 7.0)
    assert full.dtype is dg.float32 and full.tolist() == [[7.0, 7.0], [7.0, 7.0]]
    assert dg.full((2,), 3).dtype is dg.int64
    np.testing.assert_array_equal(dg.eye(3).numpy(), np.eye(3))
    assert tuple(dg.eye(2, 4).shape) == (2, 4)
    assert dg.ones(2, dtype=dg.float64).dtype is dg.float64


def test_ranges() -> None:
    assert dg.arange(5).tolist() == [0, 1, 2, 3, 4] and dg.arange(5).dtype is dg.int64
    assert dg.arange(1, 2, 0.5).tolist() == [1.0, 1.5] and dg.arange(0.0, 1).dtype is dg.float32
    np.testing.assert_allclose(dg.linspace(0, 1, 5).numpy(), [0, 0.25, 0.5, 0.75, 1.0])
    assert dg.linspace(0, 1, 5).dtype is dg.float32


def test_like_creators_keep_shape_and_dtype() -> None:
    base = dg.ones(2, 3, dtype=dg.float64)
    for make in (dg.zeros_like, dg.ones_like, dg.rand_like, dg.randn_like):
        t = make(base)
        assert tuple(t.shape) == (2, 3) and t.dtype is dg.float64 and not t.requires_grad
    assert dg.zeros_like(base).tolist() == [[0.0] * 3] * 2
    assert dg.ones_like(base, dtype=dg.float32).dtype is dg.float32


def test_random_creators_and_seed() -> None:
    dg.manual_seed(7)
    a = dg.randn(3, 4)
    dg.manual_seed(7)
    b = dg.randn(3, 4)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    u = dg.rand(1000)
    assert u.dtype is dg.float32 and 0.0 <= float(u.min()) and float(u.max()) < 1.0
    n = dg.normal(3.0, 0.01, size=(500,))
    assert abs(float(n.mean()) - 3.0) < 0.01 and tuple(n.shape) == (500,)


def test_requires_grad_flag_at_creation() -> None:
    for t in (dg.zeros(2, requires_grad=True), dg.randn(2, requires_grad=True),
              dg.tensor([1.0], requires_grad=True), dg.normal(0, 1, size=(2,), requires_grad=True)):
        assert t.requires_grad and t.is_leaf and t.grad is None
    with pytest.raises(RuntimeError, match="floating point"):
        dg.tensor([1, 2], requires_grad=True)


def test_ragged_data_is_refused() -> None:
    with pytest.raises((ValueError, TypeError)):
        dg.tensor([[1, 2], [3]])


@pytest.mark.cpu_only  # numpy storage sharing: jax arrays are immutable
def test_variable_is_a_leaf_tensor_sharing_storage() -> None:
    t = dg.ones(2)
    v = Variable(t, requires_grad=True)
    assert isinstance(v, dg.Tensor) and v.requires_grad and v.is_leaf
    t.numpy()[0] = 3.0
    assert v[0].item() == 3.0
    assert not Variable(dg.ones(1)).requires_grad
    assert Variable([1.0, 2.0]).dtype is dg.float32


def test_name_is_kept() -> None:
    t = dg.tensor([1.0], name="w")
    assert t.name == "w"
    t.name = "v"
    assert t.name == "v"
