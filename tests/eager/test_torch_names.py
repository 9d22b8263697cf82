"""addcdiv, baddbmm, addmv, addr, inner, chain_matmul / linalg.multi_dot, cross / linalg.cross,
heaviside, copysign, erfinv and dg.special (eager/methods_compose.py, ops/special_more.py, special.py)
on both devices: values against numpy float64 (jax's erfinv in float64 for erfinv, and
erf(erfinv(x)) = x), gradients by central finite differences and by jax.grad of the same formula
written in jax.numpy, hypothesis over broadcasting shapes, PyTorch's dtype rules and errors."""
from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import jax.scipy.special as jsp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dualgrad as dg

pytestmark = pytest.mark.usefixtures("jax_float64")
FEW = settings(max_examples=12, deadline=None)
RNG = np.random.default_rng(7)


def _arrays(*shapes):
    return [RNG.normal(size=s) for s in shapes]


def _grads(fn, arrays):
    """(value, gradients of sum(value * cotangent)) of `fn` of float64 leaves, and the cotangent."""
    leaves = [dg.tensor(a, dtype=dg.float64, requires_grad=True) for a in arrays]
    out = fn(*leaves)
    g = np.random.default_rng(1).normal(size=tuple(out.shape))
    out.backward(dg.tensor(g, dtype=dg.float64))
    grads = [np.zeros(x.shape) if x.grad is None else x.grad.numpy() for x in leaves]  # (None: no path)
    return out.detach().numpy(), grads, g


def _jax_grads(fn, arrays, g):
    def pulled(arrays, g):
        return jax.vjp(fn, *arrays)[1](g)

    # one program, not one compile per primitive
    return [np.asarray(x) for x in jax.jit(pulled)([jnp.asarray(a) for a in arrays], jnp.asarray(g))]


# (dg call, numpy float64 formula, jax formula, input shapes)
CASES = {
    "addcdiv": (lambda x, a, b: dg.addcdiv(x, a, b, value=0.5),
                lambda x, a, b: x + 0.5 * a / b, None, [(2, 3), (3,), (2, 1)]),
    "addcmul_": (lambda x, a, b: x.clone().addcmul_(a, b, value=-2),
                 lambda x, a, b: x - 2 * a * b, None, [(2, 3), (3,), (2, 1)]),
    "baddbmm": (lambda x, a, b: dg.baddbmm(x, a, b, beta=0.5, alpha=2.0),
                lambda x, a, b: 0.5 * x + 2.0 * (a @ b), None, [(3, 1), (2, 3, 4), (2, 4, 1)]),
    "addmv": (lambda x, m, v: dg.addmv(x, m, v, beta=-1, alpha=3),
              lambda x, m, v: -x + 3 * (m @ v), None, [(3,), (3, 4), (4,)]),
    "addr": (lambda x, a, b: x.addr(a, b, alpha=0.25),
             lambda x, a, b: x + 0.25 * np.outer(a, b), None, [(1, 4), (3,), (4,)]),
    "inner": (dg.inner, lambda a, b: np.inner(a, b), None, [(2, 3), (4, 1, 3)]),
    "multi_dot": (lambda a, b, c, d: dg.linalg.multi_dot([a, b, c, d]),
                  lambda a, b, c, d: a @ b @ c @ d, None, [(5,), (5, 2), (2, 6), (6,)]),
    "chain_matmul": (lambda a, b, c: dg.chain_matmul(a, b, c), lambda a, b, c: a @ b @ c, None,
                     [(2, 5), (5, 1), (1, 3)]),
    "linalg.cross": (lambda a, b: dg.linalg.cross(a, b), lambda a, b: np.cross(a, b), None,
                     [(2, 1, 3), (1, 4, 3)]),
    "cross": (lambda a, b: a.cross(b, dim=0), lambda a, b: np.cross(a, b, axis=0), None, [(3, 2), (3, 2)]),
    "copysign": (dg.copysign, np.copysign, None, [(2, 3), (3,)]),
    "heaviside": (lambda x, v: dg.heaviside(x.relu(), v), lambda x, v: np.heaviside(np.maximum(x, 0), v),
                  None, [(2, 3), (3,)]),
}
JAX = {"addcdiv": lambda x, a, b: x + 0.5 * a / b, "addcmul_": lambda x, a, b: x - 2 * a * b,
       "baddbmm": lambda x, a, b: 0.5 * x + 2.0 * (a @ b), "addmv": lambda x, m, v: -x + 3 * (m @ v),
       "addr": lambda x, a, b: x + 0.25 * jnp.outer(a, b), "inner": jnp.inner,
       "multi_dot": lambda a, b, c, d: jnp.linalg.multi_dot([a, b, c, d]),
       "chain_matmul": lambda a, b, c: a @ b @ c, "linalg.cross": jnp.cross,
       "cross": lambda a, b: jnp.cross(a, b, axis=0), "copysign": jnp.copysign,
       "heaviside": lambda x, v: jnp.heaviside(jnp.maximum(x, 0), v)}


def _inputs(name: str) -> list:
    arrays = _arrays(*CASES[name][3])
    if name == "addcdiv":
        arrays[2] = np.abs(arrays[2]) + 0.5  # away from division by 0
    if name == "heaviside":
        arrays[0][0, :2] = -arrays[0][0, :2] ** 2 - 0.1  # some exactly 0 after relu, some positive
        arrays[0][1] = np.abs(arrays[0][1]) + 0.1
    return arrays


@pytest.mark.cpu_only  # (the jax device: the next test, all cases in one)
@pytest.mark.parametrize("name", sorted(CASES))
def test_values_and_gradients_against_numpy_finite_differences_and_jax(name, central_differences):
    fn, formula, _, shapes = CASES[name]
    arrays = _inputs(name)
    value, grads, g = _grads(fn, arrays)
    np.testing.assert_allclose(value, formula(*arrays), rtol=1e-12, atol=1e-12)
    for mine, fd, jx in zip(grads, central_differences(formula, arrays, g), _jax_grads(JAX[name], arrays, g),
                            strict=True):
        np.testing.assert_allclose(mine, fd, rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(mine, jx, rtol=1e-12, atol=1e-12)


def test_kernels_and_a_composition_on_both_devices_against_the_jax_oracle():
    """(the compositions are registry ops, each checked on both devices by the registry tests:
    here copysign's own kernels and two compositions, few jax compiles)"""
    for name in ("copysign", "addmv", "heaviside"):
        fn, formula, _, _ = CASES[name]
        arrays = _inputs(name)
        value, grads, g = _grads(fn, arrays)
        np.testing.assert_allclose(value, formula(*arrays), rtol=1e-12, atol=1e-12, err_msg=name)
        for mine, jx in zip(grads, _jax_grads(JAX[name], arrays, g), strict=True):
            np.testing.assert_allclose(mine, jx, rtol=1e-12, atol=1e-12, err_msg=name)


broadcastable = hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3, max_side=3)


@pytest.mark.cpu_only
@FEW
@given(shapes=broadcastable, value=st.sampled_from([1, -0.5, 2.0]), data=st.data())
def test_addcdiv_broadcasts_as_numpy(shapes, value, data):
    x, a, b = (data.draw(hnp.arrays(np.float64, s, elements=st.floats(0.5, 3.0)))
               for s in shapes.input_shapes)
    out = dg.addcdiv(dg.tensor(x), dg.tensor(a), dg.tensor(b), value=value)
    np.testing.assert_allclose(out.numpy(), x + value * a / b, rtol=1e-12)
    assert tuple(out.shape) == shapes.result_shape


@pytest.mark.cpu_only
@FEW
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
       data=st.data())
def test_copysign_and_heaviside_broadcast_as_numpy_with_signed_zeros_and_nan(shapes, data):
    special = st.sampled_from([0.0, -0.0, 1.5, -2.0, np.inf, -np.inf, np.nan, -np.nan])
    a, b = (data.draw(hnp.arrays(np.float64, s, elements=special)) for s in shapes.input_shapes)
    out = dg.copysign(dg.tensor(a), dg.tensor(b)).numpy()
    expected = np.copysign(a, b)
    assert np.array_equal(np.signbit(out), np.signbit(expected))
    np.testing.assert_array_equal(out, expected)
    step = dg.heaviside(dg.tensor(a), dg.tensor(b)).numpy()
    np.testing.assert_array_equal(step, np.where(np.isnan(a), 0.0, np.heaviside(a, b)))  # PyTorch: NaN -> 0


@pytest.mark.cpu_only
@FEW
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=1, max_dims=3, max_side=3),
       data=st.data())
def test_linalg_cross_broadcasts_batch_dims(shapes, data):
    s1, s2 = ((*s[:-1], 3) for s in shapes.input_shapes)
    s1, s2 = (1,) * (len(s2) - len(s1)) + s1, (1,) * (len(s1) - len(s2)) + s2  # same ndim (PyTorch's rule)
    a, b = (data.draw(hnp.arrays(np.float64, s, elements=st.floats(-3, 3))) for s in (s1, s2))
    out = dg.linalg.cross(dg.tensor(a), dg.tensor(b)).numpy()
    np.testing.assert_allclose(out, np.cross(a, b), atol=1e-12)


@pytest.mark.cpu_only
@FEW
@given(n=st.integers(1, 3), m=st.integers(1, 3), p=st.integers(1, 3), b=st.integers(1, 2), data=st.data(),
       beta=st.sampled_from([0, 1, 0.5]), alpha=st.sampled_from([1, -2.0]))
def test_blas_functions_broadcast_the_input_as_pytorch(n, m, p, b, data, beta, alpha):
    """The input of baddbmm / addmv / addr expands to the product's shape (any shape that
    broadcasts there, never growing it); inner's result is input.shape[:-1] + other.shape[:-1]."""
    def draw(shape):
        return data.draw(hnp.arrays(np.float64, shape, elements=st.floats(-2, 2)))

    def input_for(shape):  # a trailing part of the shape, some dims 1: it expands to the shape
        keep = data.draw(st.integers(0, len(shape)))
        ones = data.draw(st.lists(st.booleans(), min_size=keep, max_size=keep))
        return draw(tuple(1 if one else d for d, one in zip(shape[len(shape) - keep:], ones, strict=True)))

    x, a1, a2 = input_for((b, n, p)), draw((b, n, m)), draw((b, m, p))
    out = dg.baddbmm(dg.tensor(x), dg.tensor(a1), dg.tensor(a2), beta=beta, alpha=alpha).numpy()
    np.testing.assert_allclose(out, beta * x + alpha * (a1 @ a2), rtol=1e-12, atol=1e-12)
    x, mat, vec = input_for((n,)), draw((n, m)), draw((m,))
    out = dg.addmv(dg.tensor(x), dg.tensor(mat), dg.tensor(vec), beta=beta, alpha=alpha).numpy()
    np.testing.assert_allclose(out, beta * x + alpha * (mat @ vec), rtol=1e-12, atol=1e-12)
    x, v1, v2 = input_for((n, m)), draw((n,)), draw((m,))
    out = dg.addr(dg.tensor(x), dg.tensor(v1), dg.tensor(v2), beta=beta, alpha=alpha).numpy()
    np.testing.assert_allclose(out, beta * x + alpha * np.outer(v1, v2), rtol=1e-12, atol=1e-12)
    left = draw(data.draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=3)))
    right = draw(data.draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=3)) + left.shape[-1:])
    np.testing.assert_allclose(dg.inner(dg.tensor(left), dg.tensor(right)).numpy(), np.inner(left, right),
                               rtol=1e-12, atol=1e-12)


def test_copysign_reads_the_sign_bit_of_zero_and_nan():
    nan_with_sign = -np.float64(np.nan)
    x = dg.tensor([1.0, 2.0, 3.0, 4.0], dtype=dg.float64)
    y = np.array([-0.0, 0.0, nan_with_sign, np.nan])
    out = dg.copysign(x, dg.tensor(y)).numpy()
    np.testing.assert_array_equal(out, np.copysign([1.0, 2.0, 3.0, 4.0], y))
    assert dg.copysign(dg.tensor([1, -2]), dg.tensor([-1, 1])).dtype == dg.float32  # integers: floats
    assert dg.tensor([1.0]).copysign(-1).item() == -1.0
    t = dg.tensor([1.0, -2.0])
    assert t.copysign_(-0.0) is t and t.tolist() == [-1.0, -2.0]


@pytest.mark.cpu_only
def test_copysign_gradient_is_the_flip_and_zero_at_zero_and_none_for_the_sign():
    x = dg.tensor([0.0, -1.0, 2.0], dtype=dg.float64, requires_grad=True)
    y = dg.tensor([-1.0, 1.0, -0.0], dtype=dg.float64, requires_grad=True)
    dg.copysign(x, y).sum().backward()
    assert x.grad.tolist() == [0.0, -1.0, -1.0]  # PyTorch's: result / x, 0 at x == 0
    assert y.grad is None or not np.any(y.grad.numpy())


def test_heaviside_refuses_mixed_dtypes_and_sends_no_gradient_to_input():
    with pytest.raises(TypeError, match=r"heaviside is not yet implemented for tensors with different "
                                        r"dtypes.*test_torch_names.py"):
        dg.heaviside(dg.tensor([1.0]), dg.tensor([1]))
    x = dg.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    v = dg.tensor([0.5, 0.25, 0.75], requires_grad=True)
    dg.heaviside(x, v).sum().backward()
    assert v.grad.tolist() == [0.0, 1.0, 0.0]
    assert x.grad is None or not np.any(x.grad.numpy())
    t = dg.tensor([-1.0, 0.0, 3.0])
    assert t.heaviside_(dg.tensor(0.5)).tolist() == [0.0, 0.5, 1.0]


def test_erfinv_against_jax_float64_and_erf_of_it():
    x = np.concatenate([np.linspace(-0.999, 0.999, 41), [0.0, -0.0, 1e-300, 0.5, 1 - 1e-7, 1 - 1e-10,
                                                         -(1 - 2.0**-53), 1 - 2.0**-53]])
    out = dg.erfinv(dg.tensor(x, dtype=dg.float64)).numpy()
    np.testing.assert_allclose(out, np.asarray(jsp.erfinv(jnp.asarray(x))), rtol=1e-9, atol=0)
    np.testing.assert_allclose([math.erf(v) for v in out], x, rtol=2e-16, atol=2e-16)
    far = np.abs(x) > 0.5  # the tail is exact: erfc of it is 1 - |x| (which is exact there)
    np.testing.assert_allclose([math.erfc(v) for v in np.abs(out[far])], 1 - np.abs(x[far]), rtol=1e-14)
    assert np.signbit(out[42])  # erfinv(-0.0) = -0.0
    edges = dg.erfinv(dg.tensor([1.0, -1.0, 1.5, np.nan])).numpy()
    assert edges[0] == np.inf and edges[1] == -np.inf and np.isnan(edges[2:]).all()
    assert dg.special.erfinv(dg.tensor([0, 1])).dtype == dg.float32  # integers: floats


def test_erfinv_gradient_against_finite_differences_and_jax(central_differences):
    a = np.array([-0.9, -0.3, 0.0, 0.4, 0.95])
    value, (grad,), g = _grads(dg.erfinv, [a])
    assert dg.tensor(a).erfinv().shape == (5,)
    np.testing.assert_allclose(grad, math.sqrt(math.pi) / 2 * np.exp(value**2) * g, rtol=1e-12)
    np.testing.assert_allclose(grad, _jax_grads(jsp.erfinv, [a], g)[0], rtol=1e-10)
    fd = central_differences(lambda v: dg.erfinv(dg.tensor(v, dtype=dg.float64)).numpy(), [a], g)[0]
    np.testing.assert_allclose(grad, fd, rtol=1e-6)
    t = dg.tensor([0.5])
    assert t.erfinv_() is t and abs(t.item() - 0.4769362762044699) < 1e-6


@pytest.mark.cpu_only
def test_special_names_are_the_dg_functions():
    x = dg.tensor([0.25, 0.5, 2.0], dtype=dg.float64)
    v = x.numpy()
    np.testing.assert_allclose(dg.special.gammaln(x).numpy(), [math.lgamma(t) for t in v], rtol=1e-14)
    np.testing.assert_allclose(dg.special.digamma(x).numpy(), dg.digamma(x).numpy())
    np.testing.assert_allclose(dg.special.psi(x).numpy(), dg.digamma(x).numpy())
    np.testing.assert_allclose(dg.special.expit(x).numpy(), 1 / (1 + np.exp(-v)), rtol=1e-14)
    np.testing.assert_allclose(dg.special.logit(x[:2]).numpy(), np.log(v[:2] / (1 - v[:2])), rtol=1e-14)
    np.testing.assert_allclose(dg.special.xlogy(x, x).numpy(), v * np.log(v), rtol=1e-14)
    np.testing.assert_allclose(dg.special.xlog1py(x, x).numpy(), v * np.log1p(v), rtol=1e-14)
    np.testing.assert_allclose(dg.special.exp2(x).numpy(), 2.0**v, rtol=1e-14)
    np.testing.assert_allclose(dg.special.ndtr(x).numpy(), [(1 + math.erf(t / math.sqrt(2))) / 2 for t in v],
                               rtol=1e-14)
    np.testing.assert_allclose(dg.special.erf(x).numpy(), [math.erf(t) for t in v], rtol=1e-14)


@pytest.mark.cpu_only
def test_beta_zero_ignores_the_input_and_integer_rules():
    nan_input = dg.tensor([np.nan, np.inf])
    out = dg.addmv(nan_input, dg.ones(2, 3), dg.ones(3), beta=0)
    assert out.tolist() == [3.0, 3.0]  # PyTorch's: beta = 0 reads no input
    ints = dg.addr(dg.zeros(2, 2, dtype=dg.int64), dg.tensor([1, 2]), dg.tensor([3, 4]), alpha=2)
    assert ints.dtype == dg.int64 and ints.tolist() == [[6, 8], [12, 16]]
    with pytest.raises(TypeError, match=r"addmv: For integral input tensors, argument beta must not be a "
                                        r"floating point number.*test_torch_names.py"):
        dg.addmv(dg.tensor([1, 2]), dg.ones(2, 3, dtype=dg.int64), dg.ones(3, dtype=dg.int64), beta=0.5)
    with pytest.raises(TypeError, match=r"addcdiv: Integer division with addcdiv is no longer supported"):
        dg.addcdiv(dg.tensor([1.0]), dg.tensor([1]), dg.tensor([2]))
    with pytest.raises(RuntimeError, match=r"addcdiv_: result type float32 can't be cast to the desired "
                                           r"output type int64"):
        dg.tensor([1]).addcdiv_(dg.tensor([1.0]), dg.tensor([2.0]))
    t = dg.zeros(2)
    assert t.addmv_(dg.ones(2, 3), dg.ones(3), alpha=2) is t and t.tolist() == [6.0, 6.0]
    b = dg.zeros(1, 2, 2)
    assert b.baddbmm_(dg.ones(1, 2, 3), dg.ones(1, 3, 2), beta=0.5).tolist() == [[[3.0, 3.0], [3.0, 3.0]]]
    r = dg.ones(2, 2)
    assert r.addr_(dg.tensor([1.0, 2.0]), dg.tensor([1.0, 0.0])).tolist() == [[2.0, 1.0], [3.0, 1.0]]
    c = dg.ones(2)
    assert c.addcdiv_(dg.tensor([1.0, 2.0]), dg.tensor([4.0, 4.0]), value=2).tolist() == [1.5, 2.0]


@pytest.mark.cpu_only
def test_multi_dot_takes_the_cheapest_order_and_cross_its_default_dim():
    a, b, c = _arrays((10, 100), (100, 5), (5, 50))
    out = dg.linalg.multi_dot([dg.tensor(a), dg.tensor(b), dg.tensor(c)])
    np.testing.assert_allclose(out.numpy(), a @ b @ c, rtol=1e-5)
    assert dg.chain_matmul(dg.tensor(a)).shape == (10, 100)
    m = dg.tensor(_arrays((2, 3, 3))[0])  # torch.cross's deprecated default: the first dim of size 3
    np.testing.assert_allclose(dg.cross(m, m.flip(0)).numpy(), np.cross(m.numpy(), m.flip(0).numpy(), axis=1),
                               rtol=1e-5, atol=1e-6)
    assert dg.inner(dg.tensor(2.0), dg.ones(4, 3)).shape == (4, 3)


@pytest.mark.cpu_only
@pytest.mark.parametrize("call, error, message", [
    (lambda: dg.addmv(dg.zeros(2), dg.ones(2, 3), dg.ones(4)), ValueError,
     r"addmv: size mismatch, got input \(2\), mat \(2x3\), vec \(4\)"),
    (lambda: dg.addr(dg.zeros(2, 2), dg.ones(2, 1), dg.ones(3)), ValueError,
     r"addr: Expected 1-D argument vec1, but got 2-D"),
    (lambda: dg.addr(dg.zeros(2, 2), dg.ones(2), dg.ones(3)), ValueError,
     r"addr: .*input of shape \(2, 2\) cannot be broadcast to the result's shape \(2, 3\)"),
    (lambda: dg.baddbmm(dg.zeros(2, 2, 2), dg.ones(2, 2, 3), dg.ones(3, 2, 2)), ValueError,
     r"baddbmm: Expected size for first two dimensions of batch2 tensor to be: \[2, 3\] but got: \[3, 2\]"),
    (lambda: dg.inner(dg.ones(2, 3), dg.ones(4)), ValueError,
     r"inner\(\) the last dimension must match on both input tensors but got shapes \[2, 3\] and \[4\]"),
    (lambda: dg.linalg.multi_dot([dg.ones(3)]), ValueError,
     r"multi_dot\(\): expected at least 2 tensors but got 1"),
    (lambda: dg.linalg.multi_dot([dg.ones(2, 3), dg.ones(4, 2)]), ValueError,
     r"multi_dot\(\): tensors 0 and 1 with shapes \[2, 3\] and \[4, 2\] cannot be multiplied"),
    (lambda: dg.linalg.multi_dot([dg.ones(2, 3, 3), dg.ones(3, 2)]), ValueError,
     r"multi_dot\(\): the first tensor must be 1D or 2D but got 3D"),
    (lambda: dg.linalg.cross(dg.ones(2, 2), dg.ones(2, 2)), ValueError,
     r"linalg.cross: inputs dimension -1 must have length 3. Got 2 and 2"),
    (lambda: dg.linalg.cross(dg.ones(2, 3), dg.ones(3)), ValueError,
     r"linalg.cross: inputs must have the same number of dimensions"),
    (lambda: dg.chain_matmul(dg.ones(2, 3), dg.ones(3)), ValueError,
     r"chain_matmul\(\): Expected all tensors to be 2D, but tensor 1 is 1D"),
])
def test_errors_name_the_function_the_shapes_and_the_line(call, error, message):
    with pytest.raises(error, match=message + r".*test_torch_names.py"):
        call()


@pytest.mark.cpu_only
def test_the_same_against_torch(torch):
    x, m, v, a3, b3 = _arrays((3,), (3, 4), (4,), (2, 3), (2, 3))
    t = torch.from_numpy
    np.testing.assert_allclose(dg.addmv(dg.tensor(x), dg.tensor(m), dg.tensor(v), beta=2, alpha=-1).numpy(),
                               torch.addmv(t(x), t(m), t(v), beta=2, alpha=-1).numpy(), rtol=1e-12)
    np.testing.assert_allclose(dg.linalg.cross(dg.tensor(a3), dg.tensor(b3)).numpy(),
                               torch.linalg.cross(t(a3), t(b3)).numpy(), rtol=1e-12)
    p = np.linspace(-0.99, 0.99, 9)
    np.testing.assert_allclose(dg.erfinv(dg.tensor(p)).numpy(), torch.erfinv(t(p)).numpy(), rtol=1e-12)
    q = np.linspace(-40, 40, 17)
    np.testing.assert_allclose(dg.i0(dg.tensor(q)).numpy(), torch.i0(t(q)).numpy(), rtol=1e-13)
    np.testing.assert_allclose(dg.special.i1(dg.tensor(q)).numpy(), torch.special.i1(t(q)).numpy(),
                               rtol=1e-13)
    y = np.array([-0.0, 0.0, -np.float64(np.nan), 2.0])
    np.testing.assert_array_equal(dg.copysign(dg.ones(4, dtype=dg.float64), dg.tensor(y)).numpy(),
                                  torch.copysign(torch.ones(4, dtype=torch.float64), t(y)).numpy())


def test_i0_and_i1_against_jax_float64_and_the_series():
    x = np.concatenate([np.linspace(-30, 30, 61), [0.0, 1e-3, 24.99, 25.01, 100.0, 700.0]])
    i0 = dg.i0(dg.tensor(x, dtype=dg.float64)).numpy()
    i1 = dg.special.i1(dg.tensor(x, dtype=dg.float64)).numpy()
    np.testing.assert_allclose(i0, np.asarray(jsp.i0(jnp.asarray(x))), rtol=1e-13)
    np.testing.assert_allclose(i1, np.asarray(jsp.i1(jnp.asarray(x))), rtol=1e-13)
    small = x[np.abs(x) <= 3]  # the power series, written out (exact in float64 for |x| <= 3)
    series = sum((small / 2) ** (2 * k + 1) / (math.factorial(k) * math.factorial(k + 1)) for k in range(40))
    np.testing.assert_allclose(i1[np.abs(x) <= 3], series, rtol=1e-14, atol=1e-300)
    assert dg.special.i0(dg.tensor([0, 1])).dtype == dg.float32 and dg.tensor([0.5]).i0().item() > 1


def test_i0_and_i1_gradients_against_finite_differences_and_jax(central_differences):
    a = np.array([-2.5, -0.4, 0.0, 0.7, 3.0])
    for fn, ref in ((dg.i0, jsp.i0), (dg.special.i1, jsp.i1)):
        value, (grad,), g = _grads(fn, [a])
        jx = _jax_grads(ref, [a], g)[0].copy()
        if fn is dg.i0:  # jax's i0 (i0e(x) e^|x|) takes |x|'s slope at 0 as 1: I0'(0) = I1(0) = 0
            jx[a == 0] = 0.0
        np.testing.assert_allclose(grad, jx, rtol=1e-12, atol=1e-14)
        fd = central_differences(lambda v, fn=fn: fn(dg.tensor(v, dtype=dg.float64)).numpy(), [a], g)[0]
        np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-8)
    t = dg.tensor([1.0])
    assert t.i0_() is t and abs(t.item() - 1.2660658777520082) < 1e-6
