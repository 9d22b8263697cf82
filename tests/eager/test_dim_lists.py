"""Reductions over a list of dims, `x.sum([0, 2])` as PyTorch scripts write it: numpy's
kernels take only tuples, and on the CPU every such reduction raised "'list' object cannot be
interpreted as an integer". Checked against numpy float64 (values) and jax (gradients) over
random shapes, dim lists (negative dims too) and keepdim, on both devices."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
from dualgrad.testing.strategies import tensors


def _logsumexp(a, axis, keepdims):
    """Shifted by the max, so a tiny element keeps its size (log(sum(exp(a))) of [1e-45] is 0)."""
    m = np.max(a, axis=axis, keepdims=True)
    out = m + np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True))
    return out if keepdims else np.squeeze(out, axis=axis)


# 0 or at least 1e-12 in size: no sum, difference or square of them is subnormal, which XLA
# flushes to zero on the jax device (docs/devices.md)
ELEMENTS = st.floats(-2, 2).map(lambda v: 0.0 if abs(v) < 1e-12 else v)
REDUCTIONS = {  # method: (numpy float64 value, jax function for the gradient)
    "sum": (np.sum, jnp.sum),
    "mean": (np.mean, jnp.mean),
    "amax": (np.max, jnp.max),
    "amin": (np.min, jnp.min),
    "logsumexp": (lambda a, axis, keepdims: _logsumexp(a, axis, keepdims), jax.scipy.special.logsumexp),
    "var": (lambda a, axis, keepdims: np.var(a, axis=axis, keepdims=keepdims, ddof=1),
            lambda a, axis, keepdims: jnp.var(a, axis=axis, keepdims=keepdims, ddof=1)),
}


@settings(max_examples=16, deadline=None)  # (each draw compiles new jax shapes: CI time)
@given(data=st.data(), name=st.sampled_from(sorted(REDUCTIONS)), keepdim=st.booleans())
def test_a_list_of_dims_reduces_as_numpy(data, name, keepdim):
    a = data.draw(tensors(shape=st.tuples(st.integers(2, 3), st.integers(1, 3), st.integers(2, 3)),
                          dtype=np.float64, elements=ELEMENTS))
    dims = data.draw(st.lists(st.sampled_from([0, 1, 2]), min_size=1, max_size=3, unique=True))
    dims = [d - 3 if data.draw(st.booleans()) else d for d in dims]  # negative dims count from the end
    value, reference = REDUCTIONS[name]
    x = dg.tensor(a, requires_grad=True)
    out = getattr(x, name)(dims, keepdim=keepdim)
    axis = tuple(d % 3 for d in dims)
    np.testing.assert_allclose(out.detach().numpy(), value(a, axis=axis, keepdims=keepdim), rtol=1e-12)
    out.sum().backward()
    with jax.enable_x64(True):
        # one program, not one compile per primitive
        gradient = jax.grad(lambda v: jnp.sum(reference(v, axis=axis, keepdims=keepdim)))
        expected = jax.jit(gradient)(jnp.asarray(a))
    np.testing.assert_allclose(x.grad.numpy(), np.asarray(expected), rtol=1e-9, atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(data=st.data(), name=st.sampled_from(sorted(REDUCTIONS)), keepdim=st.booleans(),
       empty=st.sampled_from([(), []]))
def test_an_empty_list_of_dims_reduces_every_dim_as_pytorch(data, name, keepdim, empty):
    """PyTorch reads `x.sum(())` and `dim=[]` as every dim (numpy's `axis=()` would reduce
    none: the result kept the input's shape)."""
    a = data.draw(tensors(shape=st.tuples(st.integers(1, 3), st.integers(1, 3)), dtype=np.float64,
                          elements=ELEMENTS))
    value, _ = REDUCTIONS[name]
    out = getattr(dg.tensor(a), name)(empty, keepdim=keepdim)
    np.testing.assert_allclose(out.numpy(), value(a, axis=None, keepdims=keepdim), rtol=1e-12)


@settings(max_examples=30, deadline=None)
@given(shape=st.lists(st.integers(0, 3), min_size=1, max_size=4), data=st.data())
def test_flatten_of_a_tensor_with_a_zero_dim(shape, data):
    """`reshape(0, -1)` is ambiguous, so flatten of (0, 2, 2) from dim 1 raised; PyTorch gives
    (0, 4). The merged dim is the product of the dims it merges."""
    start = data.draw(st.integers(0, len(shape) - 1))
    end = data.draw(st.integers(start, len(shape) - 1))
    a = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
    out = dg.tensor(a).flatten(start, end)
    merged = shape[:start] + [int(np.prod(shape[start:end + 1]))] + shape[end + 1:]
    assert tuple(out.shape) == tuple(merged)
    np.testing.assert_array_equal(out.numpy().ravel(), a.ravel())


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("shape, dim", [((0,), 0), ((2, 0), 1), ((0, 3), 0), ((0, 3), 1)])
def test_softmax_of_an_empty_tensor_is_empty(name, shape, dim):
    x = dg.zeros(shape, requires_grad=True)
    out = getattr(x, name)(dim)
    assert tuple(out.shape) == shape and out.dtype == dg.float32
    out.sum().backward()
    assert tuple(x.grad.shape) == shape


@pytest.mark.parametrize("dims", [None, ()])
def test_roll_without_dims_rolls_the_flattened_tensor(dims):
    a = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(dg.tensor(a).roll(2, dims).numpy(), np.roll(a, 2))
