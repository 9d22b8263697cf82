"""`nn.utils.parametrizations.orthogonal`: the registered weight against numpy's QR (R's
diagonal made positive), and outputs and gradients to the original against PyTorch's formula
written in numpy float64 (`scipy.linalg.expm`, a solve for Cayley, the product of Householder
reflectors) and its central differences; state_dict keys, assignment and error texts."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg

import dualgrad as dg
from dualgrad import nn
from dualgrad.nn.utils import parametrizations as PS

CASES = [((3, 3), None, "matrix_exp"), ((3, 3), "cayley", "cayley"), ((4, 4), "householder", "householder"),
         ((3, 5), None, "householder"), ((5, 3), "matrix_exp", "matrix_exp"), ((3, 5), "cayley", "cayley")]


def np_make_orthogonal(a: np.ndarray) -> np.ndarray:
    q, r = np.linalg.qr(a)
    return q * np.sign(np.diag(r))[None, :]


def np_householder_product(a: np.ndarray, tau: np.ndarray) -> np.ndarray:
    """The first k columns of H_1 ... H_k, H_i = I - tau_i v_i v_i^T (LAPACK's orgqr), by definition."""
    n, k = a.shape
    q = np.eye(n)
    for i in range(k):
        v = np.concatenate([np.zeros(i), [1.0], a[i + 1:, i]])
        q = q @ (np.eye(n) - tau[i] * np.outer(v, v))
    return q[:, :k]


def np_orthogonal(x: np.ndarray, base: np.ndarray, kind: str) -> np.ndarray:
    """PyTorch's _Orthogonal.forward for one real matrix, in numpy float64."""
    n, k = x.shape
    transposed = n < k
    if transposed:
        x, n, k = x.T, k, n
    if kind == "householder":
        a = np.tril(x, -1)
        tau = 2.0 / (1.0 + (a * a).sum(axis=0))
        q = np_householder_product(a, tau) * np.trunc(np.diag(x))[None, :]  # PyTorch's .int()
    else:
        xl = np.concatenate([np.tril(x), np.zeros((n, n - k))], axis=1)
        a = xl - xl.T
        cayley = np.linalg.solve(np.eye(n) - a / 2, np.eye(n) + a / 2)
        q = scipy.linalg.expm(a) if kind == "matrix_exp" else cayley
        q = q[:, :k]
    q = base @ q
    return q.T if transposed else q


def central_differences(f, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[idx] = h
        grad[idx] = (f(x + step) - f(x - step)) / (2 * h)
    return grad


@pytest.mark.parametrize(("shape", "orthogonal_map", "kind"), CASES)
def test_orthogonal_registration_outputs_and_gradients(shape, orthogonal_map, kind, rng):
    lin = nn.Linear(shape[1], shape[0]).double()
    w0 = rng.standard_normal(shape)
    with dg.no_grad():
        lin.weight.copy_(dg.tensor(w0))
    PS.orthogonal(lin, orthogonal_map=orthogonal_map)
    assert lin.parametrizations.weight[0].orthogonal_map.name == kind
    keys = ["bias", "parametrizations.weight.original", "parametrizations.weight.0.base"]
    assert list(lin.state_dict()) == keys
    wide = shape[0] < shape[1]
    want = np_make_orthogonal(w0.T).T if wide else np_make_orthogonal(w0)
    np.testing.assert_allclose(lin.weight.detach().numpy(), want, atol=1e-12)  # base's first columns
    np.testing.assert_array_equal(lin.parametrizations.weight.original.detach().numpy(), -np.eye(*shape))

    x = rng.standard_normal(shape)
    d = np.arange(min(shape))
    x[d, d] = np.where(rng.random(len(d)) < 0.5, -1.5, 1.5)  # the Householder map reads the diagonal as ints
    base = lin.parametrizations.weight[0].base.numpy().copy()
    with dg.no_grad():
        lin.parametrizations.weight.original.copy_(dg.tensor(x))
    weight = lin.weight.detach().numpy()
    gram = weight @ weight.T if wide else weight.T @ weight
    np.testing.assert_allclose(gram, np.eye(min(shape)), atol=1e-12)
    inputs = rng.standard_normal((2, shape[1]))
    (lin(dg.tensor(inputs)) ** 2).sum().backward()
    b = lin.bias.detach().numpy()
    loss = lambda x: ((inputs @ np_orthogonal(x, base, kind).T + b) ** 2).sum()  # noqa: E731
    np.testing.assert_allclose(weight, np_orthogonal(x, base, kind), atol=1e-12)
    grad = lin.parametrizations.weight.original.grad.numpy()
    np.testing.assert_allclose(grad, central_differences(loss, x), rtol=1e-6, atol=1e-7)


def test_orthogonal_assignment_and_no_trivialization(rng):
    lin = PS.orthogonal(nn.Linear(4, 4).double())
    q = np_make_orthogonal(rng.standard_normal((4, 4)))
    lin.weight = dg.tensor(q)  # an orthogonal matrix is kept as the base
    np.testing.assert_allclose(lin.weight.detach().numpy(), q, atol=1e-14)
    with pytest.raises(ValueError, match=r"Expected a matrix or batch of matrices of shape"):
        lin.weight = dg.zeros(3, 4, dtype=dg.float64)
    plain = nn.Linear(3, 3).double()
    w = plain.weight.detach().numpy().copy()
    PS.orthogonal(plain, orthogonal_map="cayley", use_trivialization=False)
    assert list(plain.state_dict()) == ["bias", "parametrizations.weight.original"]
    a = np.tril(w) - np.tril(w).T
    want = np.linalg.solve(np.eye(3) - a / 2, np.eye(3) + a / 2)
    np.testing.assert_allclose(plain.weight.detach().numpy(), want, rtol=1e-12, atol=1e-14)
    with pytest.raises(NotImplementedError, match="It is not possible to assign to the matrix exponential "
                                                  "or the Cayley parametrizations when use_trivialization"):
        plain.weight = dg.eye(3, dtype=dg.float64)


def test_orthogonal_refuses_as_pytorch():
    with pytest.raises(ValueError, match="Expected a matrix or batch of matrices. Got a tensor of 1 "
                                         "dimensions"):
        PS.orthogonal(nn.Linear(3, 3), name="bias")
    with pytest.raises(ValueError, match='orthogonal_map has to be one of "matrix_exp", "cayley", '
                                         '"householder". Got: qr'):
        PS.orthogonal(nn.Linear(3, 3), orthogonal_map="qr")
    with pytest.raises(ValueError, match="has no parameter or buffer with name 'foo'"):
        PS.orthogonal(nn.Linear(3, 3), name="foo")
    lin = nn.Linear(4, 3)
    with pytest.raises(NotImplementedError, match="needs torch.geqrf"):
        PS.orthogonal(lin, use_trivialization=False)  # householder without the trivialization
    assert type(lin) is nn.Linear


def test_orthogonal_matches_torch(torch, rng):
    for shape, orthogonal_map, _ in CASES:
        w0 = rng.standard_normal(shape)
        lin, ref = nn.Linear(shape[1], shape[0]).double(), torch.nn.Linear(shape[1], shape[0]).double()
        with dg.no_grad():
            lin.weight.copy_(dg.tensor(w0))
        with torch.no_grad():
            ref.weight.copy_(torch.from_numpy(w0))
        PS.orthogonal(lin, orthogonal_map=orthogonal_map)
        torch.nn.utils.parametrizations.orthogonal(ref, orthogonal_map=orthogonal_map)
        np.testing.assert_allclose(lin.weight.detach().numpy(), ref.weight.detach().numpy(), atol=1e-12)


@pytest.mark.parametrize(("shape", "kind"), [((2, 4, 3), "householder"), ((2, 3, 4), "matrix_exp")])
def test_orthogonal_batch_of_matrices(shape, kind, rng):
    class Holder(nn.Module):
        def __init__(self, w) -> None:
            super().__init__()
            self.weight = nn.Parameter(dg.tensor(w))

    w0 = rng.standard_normal(shape)
    holder = PS.orthogonal(Holder(w0), orthogonal_map=kind)
    for i in range(shape[0]):
        wide = shape[1] < shape[2]
        want = np_make_orthogonal(w0[i].T).T if wide else np_make_orthogonal(w0[i])
        np.testing.assert_allclose(holder.weight[i].detach().numpy(), want, atol=1e-12)
    x = rng.standard_normal(shape)
    with dg.no_grad():
        holder.parametrizations.weight.original.copy_(dg.tensor(x))
    base = holder.parametrizations.weight[0].base.numpy()
    for i in range(shape[0]):
        want = np_orthogonal(x[i], base[i], kind)
        np.testing.assert_allclose(holder.weight[i].detach().numpy(), want, atol=1e-12)
