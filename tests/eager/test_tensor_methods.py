"""Tensor attributes and methods of SPEC §2, checked against numpy."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad as dg
from dualgrad.eager.devices import resolve

A = np.arange(1.0, 7.0).reshape(2, 3)


def test_attributes(eager_device) -> None:
    t = dg.tensor(A)
    assert t.shape == (2, 3) and t.size() == (2, 3) and t.size(1) == 3 and t.size(dim=0) == 2
    assert t.ndim == 2 and t.dim() == 2 and t.numel() == 6 and len(t) == 2
    reported = str(resolve(eager_device))  # 'jax' is 'cuda:0' where jax sees a GPU
    assert t.dtype is dg.float64 and t.device == reported and str(t.device) == reported
    np.testing.assert_array_equal(t.T.numpy(), A.T)
    assert t.is_leaf and t.grad_fn is None and t.grad is None and not t.requires_grad


@pytest.mark.cpu_only  # numpy storage sharing: jax arrays are immutable
def test_data_shares_storage_and_is_not_tracked() -> None:
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    d = x.data
    assert not d.requires_grad and d.grad_fn is None
    d[0] = 10.0
    assert x[0].item() == 10.0
    y = x * 2
    assert y.data.grad_fn is None


def test_detach_and_detach_() -> None:
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    d = y.detach()
    assert not d.requires_grad and d.is_leaf
    np.testing.assert_array_equal(d.numpy(), [3.0, 6.0])
    y.detach_()
    assert y.grad_fn is None and not y.requires_grad


def test_requires_grad_() -> None:
    x = dg.ones(2)
    assert x.requires_grad_() is x and x.requires_grad
    x.requires_grad_(False)
    assert not x.requires_grad
    y = dg.ones(2, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="leaf variables"):
        y.requires_grad_(False)


def test_item_tolist_numpy() -> None:
    assert dg.tensor([[2.5]]).item() == 2.5 and isinstance(dg.tensor(3).item(), int)
    with pytest.raises(RuntimeError):
        dg.tensor([1.0, 2.0]).item()
    assert dg.tensor(A).tolist() == A.tolist()
    x = dg.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError) as e:
        x.numpy()
    assert str(e.value) == ("Can't call numpy() on Tensor that requires grad. "
                            "Use tensor.detach().numpy() instead.")
    assert isinstance(x.detach().numpy(), np.ndarray)
    assert float(dg.tensor(2.0)) == 2.0 and int(dg.tensor(3)) == 3


@pytest.mark.parametrize("method, args, expected", [
    ("view", (3, 2), A.reshape(3, 2)), ("view", ((6,),), A.reshape(6)), ("reshape", (-1,), A.reshape(-1)),
    ("unsqueeze", (0,), A[None]), ("unsqueeze", (-1,), A[..., None]), ("permute", (1, 0), A.T),
    ("transpose", (0, 1), A.T), ("t", (), A.T), ("flatten", (), A.reshape(-1)), ("contiguous", (), A),
    ("expand", (4, 2, 3), np.broadcast_to(A, (4, 2, 3))),
    ("expand", (2, -1, -1), np.broadcast_to(A, (2, 2, 3))),
])
def test_movement_methods(method: str, args: tuple, expected: np.ndarray) -> None:
    np.testing.assert_array_equal(getattr(dg.tensor(A), method)(*args).numpy(), expected)


def test_squeeze_and_expand_as() -> None:
    t = dg.zeros(1, 3, 1)
    assert t.squeeze().shape == (3,) and t.squeeze(0).shape == (3, 1) and t.squeeze(1).shape == (1, 3, 1)
    assert dg.ones(3).expand_as(dg.zeros(2, 3)).shape == (2, 3)


@pytest.mark.parametrize("method, fn", [
    ("sum", np.sum), ("mean", np.mean), ("prod", np.prod), ("std", lambda a, **k: np.std(a, ddof=1, **k)),
    ("var", lambda a, **k: np.var(a, ddof=1, **k)), ("amax", np.max), ("amin", np.min),
])
def test_reductions(method: str, fn) -> None:
    t = dg.tensor(A)
    np.testing.assert_allclose(getattr(t, method)().numpy(), fn(A))
    np.testing.assert_allclose(getattr(t, method)(dim=1).numpy(), fn(A, axis=1))
    np.testing.assert_allclose(getattr(t, method)(0, keepdim=True).numpy(),
                               fn(A, axis=0, keepdims=True))
    np.testing.assert_allclose(getattr(t, method)(axis=0, keepdims=True).numpy(),
                               fn(A, axis=0, keepdims=True))


def test_norm_and_argmax() -> None:
    t = dg.tensor(A)
    np.testing.assert_allclose(t.norm().numpy(), np.linalg.norm(A))
    np.testing.assert_allclose(t.norm(dim=1).numpy(), np.linalg.norm(A, axis=1))
    np.testing.assert_allclose(t.norm(p=1).numpy(), np.abs(A).sum())
    assert t.argmax().item() == 5 and t.argmin(dim=1).tolist() == [0, 0]
    assert t.max().item() == 6.0 and t.min().item() == 1.0


def test_max_with_dim_returns_named_tuple() -> None:
    t = dg.tensor([[1.0, 5.0, 5.0], [7.0, 2.0, 7.0]])
    m = t.max(dim=1)
    assert type(m).__name__ == "values_indices" or hasattr(m, "_fields")
    assert m.values.tolist() == [5.0, 7.0] and m.indices.tolist() == [1, 0]
    values, indices = t.min(1, keepdim=True)
    assert values.shape == (2, 1) and indices.tolist() == [[0], [1]]
    np.testing.assert_array_equal(dg.max(t, dg.zeros(2, 3) + 6).numpy(), np.maximum(t.numpy(), 6))


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "abs", "sin", "cos", "tan", "tanh", "neg",
                                  "reciprocal", "sign", "sigmoid", "relu"])
def test_unary_math(name: str) -> None:
    ref = {"neg": np.negative, "sigmoid": lambda a: 1 / (1 + np.exp(-a)),
           "relu": lambda a: np.maximum(a, 0)}.get(name, getattr(np, name, None))
    a = np.array([0.5, 1.5, 2.0])
    np.testing.assert_allclose(getattr(dg.tensor(a), name)().numpy(), ref(a), rtol=1e-12)
    np.testing.assert_allclose(getattr(dg, name)(dg.tensor(a)).numpy(), ref(a), rtol=1e-12)


def test_pow_clamp_softmax() -> None:
    t = dg.tensor(A)
    np.testing.assert_allclose(t.pow(2).numpy(), A ** 2)
    np.testing.assert_allclose((2 ** t).numpy(), 2 ** A)
    np.testing.assert_allclose(t.clamp(2, 5).numpy(), np.clip(A, 2, 5))
    np.testing.assert_allclose(t.clamp(min=3).numpy(), np.maximum(A, 3))
    e = np.exp(A - A.max(1, keepdims=True))
    np.testing.assert_allclose(t.softmax(1).numpy(), e / e.sum(1, keepdims=True))
    np.testing.assert_allclose(t.log_softmax(dim=1).numpy(), np.log(e / e.sum(1, keepdims=True)))


def test_linear_algebra() -> None:
    a, b = dg.tensor(A), dg.tensor(A.T.copy())
    np.testing.assert_allclose(a.mm(b).numpy(), A @ A.T)
    np.testing.assert_allclose((a @ b).numpy(), A @ A.T)
    np.testing.assert_allclose(dg.matmul(a, b).numpy(), A @ A.T)
    v = dg.tensor([1.0, 2.0, 3.0], dtype=a.dtype)  # (PyTorch refuses mv of two dtypes)
    assert v.dot(v).item() == 14.0
    np.testing.assert_allclose(dg.mv(a, v).numpy(), A @ [1.0, 2.0, 3.0])


def test_dtype_promotion_follows_pytorch() -> None:
    i, f, d = dg.tensor([1, 2]), dg.tensor([1.0, 2.0]), dg.tensor([1.0, 2.0], dtype=dg.float64)
    assert (i * 2.5).dtype is dg.float32 and (i * 2).dtype is dg.int64
    assert (i + f).dtype is dg.float32 and (f + d).dtype is dg.float64 and (f * 2.0).dtype is dg.float32
    assert (i / i).dtype is dg.float32 and (dg.tensor([True]) + 1).dtype is dg.int64
    # 0-d tensors rank below tensors with dims: they only lift the category
    assert (f + d.sum()).dtype is dg.float32 and (d.sum() + f.sum()).dtype is dg.float64
    assert (i.int() + dg.tensor(1.5, dtype=dg.float64)).dtype is dg.float64
    assert (i.int() * dg.tensor(3)).dtype is dg.int32


def test_a_float64_scalar_tensor_keeps_float32_gradients() -> None:
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    scale = dg.tensor(3.0, dtype=dg.float64)
    loss = (x * scale).sum()
    assert loss.dtype is dg.float32
    loss.backward()
    assert x.grad.dtype is dg.float32 and x.grad.tolist() == [3.0, 3.0]


def test_functions_exist_under_dg() -> None:
    x, y = dg.tensor([1.0, 4.0]), dg.tensor([2.0, 2.0])
    np.testing.assert_allclose(dg.add(x, y).numpy(), [3, 6])
    np.testing.assert_allclose(dg.add(x, y, alpha=2).numpy(), [5, 8])
    np.testing.assert_allclose(dg.sub(x, y).numpy(), [-1, 2])
    np.testing.assert_allclose(dg.mul(x, y).numpy(), [2, 8])
    np.testing.assert_allclose(dg.div(x, y).numpy(), [0.5, 2])
    np.testing.assert_allclose(dg.pow(x, 2).numpy(), [1, 16])
    assert dg.sum(x).item() == 5.0 and dg.mean(x).item() == 2.5
    np.testing.assert_allclose(dg.mm(dg.tensor(A), dg.tensor(A.T.copy())).numpy(), A @ A.T)


def test_numpy_ufuncs_route_to_the_registry() -> None:
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    y = np.exp(x)
    assert isinstance(y, dg.Tensor) and type(y.grad_fn).__name__ == "ExpBackward0"
    z = np.array([2.0, 3.0]) * x
    assert isinstance(z, dg.Tensor) and z.requires_grad


def test_zero_and_iteration() -> None:
    t = dg.tensor(A.copy())
    rows = list(t)
    assert len(rows) == 2 and rows[1].tolist() == A[1].tolist()
    t.zero_()
    assert t.sum().item() == 0.0
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(dg.ones(2))
