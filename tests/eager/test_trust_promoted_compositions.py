"""Compositions compute in their result dtype, as PyTorch does. `addcdiv(float64, float32,
float32)` divided the float32 operands in float32 and then added the float64 input, so the
float64 result held float32 digits (1e-7 relative off), without an error; the same for
`addcmul_`, `addcdiv_`, `addr` (whose `beta=0` also dropped the input's dtype:
`addr(float64, float32, float32, beta=0)` was float32, `addr(bool, ..., alpha=0)` int64) and
for `xlogy` / `xlog1py`, which took the log of y in y's own dtype
(`xlogy(float64, 3)` a float32 log(3); `xlogy(float32, -2.0)` became float64).
`matrix_exp` of float32 ran the float64 Padé degree in float32 (exp of [[20.24]] 9e-6
relative off). Oracle: numpy float64 of the same (exactly representable) inputs, and the
result dtype written out from PyTorch's promotion rule. `addmm`, `addmv`, `baddbmm` and
`addbmm` of two dtypes raise instead, as PyTorch's ("self and mat2 must have the same dtype")."""
from __future__ import annotations

import math

import numpy as np
import pytest

import dualgrad as dg

R = np.random.RandomState(0)
IN = R.randn(2, 3)  # float64 operands; the narrow ones are these rounded
A32 = R.randn(2, 3).astype(np.float32)
B32 = (R.rand(2, 3) + 0.5).astype(np.float32)
V3, V4 = R.randn(3).astype(np.float32), R.randn(4).astype(np.float32)
X = np.array([1.5597, 0.0, 2.0, 0.3])
Y32 = np.array([3.0, np.nan, 0.7, 1e-3], np.float32)


def masked(fn):
    """x * fn(y), 0 where x is 0 unless y is NaN (PyTorch's xlogy rule)."""
    return lambda x, y: np.where((x == 0) & ~np.isnan(y), 0, x * fn(y))


def f64(*arrays):
    return [np.asarray(a, np.float64) for a in arrays]


# name: (dualgrad call on tensors, numpy float64 oracle, operands, result dtype by PyTorch's rule)
CASES = {
    "addcdiv": (lambda i, a, b: dg.addcdiv(i, a, b, value=0.5), lambda i, a, b: i + 0.5 * a / b,
                (IN, A32, B32), "float64"),
    "addcdiv_": (lambda i, a, b: i.clone().addcdiv_(a, b, value=-1.5), lambda i, a, b: i - 1.5 * a / b,
                 (IN, A32, B32), "float64"),
    "addcmul_": (lambda i, a, b: i.clone().addcmul_(a, b, value=2), lambda i, a, b: i + 2 * a * b,
                 (IN, A32, B32), "float64"),
    "addr": (lambda i, a, b: dg.addr(i, a, b, beta=0.5, alpha=2),
             lambda i, a, b: 0.5 * i + 2 * np.outer(a, b),
             (R.randn(3, 4), V3, V4), "float64"),
    "addr_beta0": (lambda i, a, b: dg.addr(i, a, b, beta=0), lambda i, a, b: np.outer(a, b),
                   (R.randn(3, 4), V3, V4), "float64"),
    "addr_0d_input": (lambda i, a, b: dg.addr(i, a, b), lambda i, a, b: i + np.outer(a, b),
                      (np.array(0.25), V3, V4), "float64"),
    "addr_": (lambda i, a, b: i.clone().addr_(a, b, alpha=-1), lambda i, a, b: i - np.outer(a, b),
              (R.randn(3, 4), V3, V4), "float64"),
    "addr_int_vectors_beta0": (lambda i, a, b: dg.addr(i, a, b, beta=0), lambda i, a, b: np.outer(a, b),
                               (R.randn(3, 4).astype(np.float32), np.arange(3), np.arange(4) - 2), "float32"),
    "addr_bool_alpha0": (lambda i, a, b: dg.addr(i, a, b, alpha=0), lambda i, a, b: i,
                         (np.eye(3, 4) > 0, np.ones(3) > 0, np.ones(4) > 0), "bool"),
    "xlogy_int_scalar": (lambda x: dg.xlogy(x, 3), lambda x: x * np.log(3.0), (X,), "float64"),
    "xlogy_float32_y": (lambda x, y: dg.xlogy(x, y), masked(np.log),
                        (X, Y32), "float64"),
    "xlogy_float_scalar": (lambda x: dg.xlogy(x, 2.5), lambda x: x * np.log(2.5), (X.astype(np.float32),),
                           "float32"),
    "xlogy_0d_x": (lambda x, y: dg.xlogy(x, y), lambda x, y: x * np.log(y),
                   (np.array(2.0), np.array([3.0, 0.5], np.float16)), "float16"),
    "xlogy_": (lambda x, y: x.clone().xlogy_(y), masked(np.log),
               (X, Y32), "float64"),
    "special.xlogy": (lambda x: dg.special.xlogy(x, 7), lambda x: x * np.log(7.0), (X,), "float64"),
    "special.xlog1py": (lambda x, y: dg.special.xlog1py(x, y), masked(np.log1p),
                        (X, Y32), "float64"),
    "special.xlog1py_scalar": (lambda x: dg.special.xlog1py(x, -0.5), lambda x: x * np.log1p(-0.5),
                               (X.astype(np.float32),), "float32"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_composition_computes_in_its_result_dtype(name, eager_device):
    fn, oracle, operands, dtype = CASES[name]
    out = fn(*[dg.tensor(a, device=eager_device) for a in operands])
    assert out.dtype.name == dtype
    want = oracle(*f64(*operands))
    got = out.detach().cpu().numpy().astype(np.float64)
    if dtype == "float64":  # float64 digits (a float32 step leaves ~1e-7)
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-300, equal_nan=True)
    else:
        np.testing.assert_allclose(got, want.astype(dtype).astype(np.float64), rtol=1e-3, equal_nan=True)


@pytest.mark.parametrize("name", ["addmm", "addmv", "baddbmm", "addbmm"])
@pytest.mark.parametrize("which", [0, 1, 2])
def test_a_matrix_product_plus_input_of_two_dtypes_raises_as_pytorch(name, which, eager_device):
    shapes = {"addmm": ((2, 2), (2, 3), (3, 2)), "addmv": ((2,), (2, 3), (3,)),
              "baddbmm": ((1, 2, 2), (1, 2, 3), (1, 3, 2)), "addbmm": ((2, 2), (1, 2, 3), (1, 3, 2))}[name]
    operands = [dg.ones(*shape, device=eager_device) for shape in shapes]
    operands[which] = operands[which].double()
    with pytest.raises(TypeError, match=f"{name}: expected input and its matrices to have the same dtype"):
        getattr(dg, name)(*operands)
    assert getattr(dg, name)(*[t.double() for t in operands]).dtype == dg.float64


def test_linear_of_two_dtypes_raises_as_pytorch(eager_device):
    """nn.Linear's float32 weights and a float64 batch: PyTorch raises, so does F.linear."""
    layer = dg.nn.Linear(3, 2).to(eager_device)
    x = dg.ones(4, 3, dtype=dg.float64, device=eager_device)
    with pytest.raises(TypeError, match="linear: expected mat1 and mat2 to have the same dtype"):
        layer(x)
    with pytest.raises(TypeError, match="linear: expected mat1 and mat2"):
        dg.nn.functional.linear(x, layer.weight)
    assert layer(x.float()).dtype == dg.float32


def test_gradients_of_a_mixed_composition_reach_each_operand_in_its_dtype(eager_device):
    i, a, b = (dg.tensor(x, device=eager_device, requires_grad=True) for x in (IN, A32, B32))
    dg.addcdiv(i, a, b, value=0.5).sum().backward()
    iw, aw, bw = f64(IN, A32, B32)
    for t, want in ((i, np.ones_like(iw)), (a, 0.5 / bw), (b, -0.5 * aw / bw**2)):
        assert t.grad.dtype == t.dtype
        np.testing.assert_allclose(t.grad.cpu().numpy(), want.astype(t.dtype.np), rtol=1e-6)


def test_matrix_exp_of_float32_is_float32_exact(eager_device):
    a = np.array([[20.243]], np.float32)
    want = math.exp(float(a[0, 0]))
    out = dg.linalg.matrix_exp(dg.tensor(a, device=eager_device))
    assert out.dtype == dg.float32
    assert abs(float(out.cpu().numpy()[0, 0]) - want) <= 2 * np.spacing(np.float32(want))
    # a batch whose members need different squarings: each float32-rounded
    m = np.stack([np.diag([0.5, -1.0]), np.diag([12.0, -9.0])]).astype(np.float32)
    got = dg.linalg.matrix_exp(dg.tensor(m, device=eager_device)).cpu().numpy()
    want = np.stack([np.diag(np.exp(np.diag(x).astype(np.float64))) for x in m])
    np.testing.assert_allclose(got, want.astype(np.float32), rtol=2e-7)


@pytest.mark.cpu_only
def test_the_identity_inside_linalg_compositions_is_on_the_input_device():
    """matrix_exp and solve_triangular(unitriangular=True) made their identity on the default
    device, so jax tensors (the default 'cpu') raised a mixed-device error."""
    eager_device = "jax"
    a = np.array([[0.5, 2.0], [0.0, -1.0]])
    got = dg.linalg.matrix_exp(dg.tensor(a, device=eager_device)).cpu().numpy()
    e1, e2 = math.exp(0.5), math.exp(-1.0)
    np.testing.assert_allclose(got, [[e1, 2.0 * (e1 - e2) / 1.5], [0.0, e2]], rtol=1e-13)
    b = np.array([[1.0], [2.0]])
    A, B = dg.tensor(a, device=eager_device), dg.tensor(b, device=eager_device)
    x = dg.linalg.solve_triangular(A, B, upper=True, unitriangular=True)
    np.testing.assert_allclose(x.cpu().numpy(), [[1.0 - 2.0 * 2.0], [2.0]], rtol=1e-13)


def test_inner_over_an_empty_last_dim_is_zeros(eager_device):
    out = dg.inner(dg.zeros(2, 0, device=eager_device), dg.zeros(3, 0, device=eager_device))
    assert tuple(out.shape) == (2, 3)
    np.testing.assert_array_equal(out.cpu().numpy(), np.zeros((2, 3)))
