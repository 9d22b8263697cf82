"""Norm and std gradients where the norm or the std is 0 (and, for p < 1, where an element is 0).

PyTorch's `norm_backward` masks those places to 0; `sqrt(sum(x**2))` differentiated by the
chain rule reads inf * 0 = NaN there, which is what dualgrad returned. The oracle is a numpy
float64 transcription of PyTorch's formula (written from its documentation, not from dualgrad):
for p < 1, sgn(x) |x|^(p-1) (0 where x is 0) times norm^(1-p); otherwise sgn(x) |x|^(p-1)
times 1 / norm^(p-1) (0 where the norm is 0). Values are checked against numpy's norm."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dualgrad as dg

SETTINGS = dict(max_examples=10, deadline=None)
ORDERS = [2, 3, 1.5, 0.5, -1]

# rows with exact zeros (often all zeros), the other elements well away from 0; two shapes
# only, so that the jax device compiles each kernel twice, not once per drawn shape
SHAPES = st.sampled_from([(1, 1), (3, 4)])
_element = st.one_of(st.just(0.0), st.floats(0.25, 3.0), st.floats(-3.0, -0.25))
rows = hnp.arrays(np.float64, SHAPES, elements=_element)


def norm_gradient(x: np.ndarray, p: float) -> np.ndarray:
    """PyTorch's norm_backward along the last axis, for an upstream gradient of ones."""
    norm = np.linalg.norm(x, ord=p, axis=-1, keepdims=True)
    magnitude = np.abs(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled = np.sign(x) * magnitude ** (p - 1)
        if p < 1:
            return np.where(x == 0, 0.0, scaled) * norm ** (1 - p)
        scale = np.where(norm == 0, 0.0, 1.0 / norm ** (p - 1))
    return np.where(x == 0, 0.0, scaled) * scale if p < 2 else x * magnitude ** (p - 2) * scale


@pytest.mark.parametrize("p", ORDERS)
@settings(**SETTINGS)
@given(x=rows)
def test_vector_norm_gradient_is_pytorchs_where_norm_or_element_is_zero(p, x):
    t = dg.tensor(x, requires_grad=True)
    out = dg.linalg.vector_norm(t, p, dim=-1)
    out.sum().backward()
    with np.errstate(divide="ignore"):  # numpy's -1 norm takes 1 / 0 on its way to 0
        expected = np.linalg.norm(x, ord=p, axis=-1)
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(t.grad.numpy(), norm_gradient(x, p), rtol=1e-10, atol=1e-300)


@pytest.mark.parametrize("norm", [
    lambda t: t.norm(),
    lambda t: dg.norm(t, p=3),
    lambda t: dg.linalg.norm(t),
    lambda t: dg.linalg.matrix_norm(t),
    lambda t: dg.linalg.vector_norm(t, 0.5),
], ids=["Tensor.norm", "dg.norm p=3", "linalg.norm", "matrix_norm fro", "vector_norm 0.5"])
def test_every_norm_of_zeros_has_a_zero_gradient(norm):
    t = dg.zeros(2, 3, dtype=dg.float64, requires_grad=True)
    out = norm(t)
    out.backward()
    assert out.item() == 0.0
    np.testing.assert_array_equal(t.grad.numpy(), np.zeros((2, 3)))


def test_a_norm_of_zeros_second_derivative_is_finite_elsewhere():
    """The masking keeps double backward finite away from 0 (a Hessian-vector product)."""
    x = np.array([0.0, 3.0, -4.0])
    t = dg.tensor(x, requires_grad=True)
    (g,) = dg.autograd.grad(t.norm(), t, create_graph=True)
    (h,) = dg.autograd.grad(g.sum(), t)
    # d/dx_j of sum_i x_i / n = 1/n - x_j sum_i x_i / n^3
    n = 5.0
    np.testing.assert_allclose(h.numpy(), 1 / n - x * x.sum() / n**3, rtol=1e-12)


@pytest.mark.parametrize("p", [math.inf, -math.inf, 0, 1, 2, 3, 0.5, -1])
@settings(**SETTINGS)
@given(x=rows)
def test_torch_norm_values_match_numpy(p, x):
    """`dg.norm` / `Tensor.norm` (torch.norm's p): -inf read 1 and 0 raised before."""
    with np.errstate(divide="ignore"):
        expected = np.linalg.norm(x, ord=p, axis=-1)
    np.testing.assert_allclose(dg.norm(dg.tensor(x), p=p, dim=-1).numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(dg.tensor(x).norm(p, dim=1).numpy(), expected, rtol=1e-12)


def std_gradient(x: np.ndarray, correction: int) -> np.ndarray:
    """PyTorch's std_backward along the last axis for an upstream gradient of ones: (x - mean)
    / ((n - correction) std), 0 where std is 0."""
    n = x.shape[-1]
    std = x.std(axis=-1, ddof=correction, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(std == 0, 0.0, (x - x.mean(axis=-1, keepdims=True)) / ((n - correction) * std))


@pytest.mark.parametrize("correction", [0, 1])
@settings(**SETTINGS)
@given(x=hnp.arrays(np.float64, st.sampled_from([(1, 2), (3, 4)]),
                    elements=st.sampled_from([0.0, 1.0, -2.5])))
def test_std_gradient_of_a_constant_row_is_zero(correction, x):
    """A constant row (drawn often: three values) has std 0; its gradient was NaN."""
    t = dg.tensor(x, requires_grad=True)
    out = t.std(dim=-1, correction=correction)
    out.sum().backward()
    np.testing.assert_allclose(out.detach().numpy(), x.std(axis=-1, ddof=correction), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(t.grad.numpy(), std_gradient(x, correction), rtol=1e-10, atol=1e-15)
