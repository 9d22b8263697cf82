"""Reductions over a list of dims, `x.sum([0, 2])` as PyTorch scripts write it: numpy's
kernels take only tuples, and on the CPU every such reduction raised "'list' object cannot be
interpreted as an integer". Checked against numpy float64 (values) and jax (gradients) over
random shapes, dim lists (negative dims too) and keepdim, on both devices."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
from dualgrad.testing.strategies import tensors

REDUCTIONS = {  # method: (numpy float64 value, jax function for the gradient)
    "sum": (np.sum, jnp.sum),
    "mean": (np.mean, jnp.mean),
    "amax": (np.max, jnp.max),
    "amin": (np.min, jnp.min),
    "logsumexp": (lambda a, axis, keepdims: np.log(np.sum(np.exp(a), axis=axis, keepdims=keepdims)),
                  jax.scipy.special.logsumexp),
    "var": (lambda a, axis, keepdims: np.var(a, axis=axis, keepdims=keepdims, ddof=1),
            lambda a, axis, keepdims: jnp.var(a, axis=axis, keepdims=keepdims, ddof=1)),
}


@settings(max_examples=40, deadline=None)
@given(data=st.data(), name=st.sampled_from(sorted(REDUCTIONS)), keepdim=st.booleans())
def test_a_list_of_dims_reduces_as_numpy(data, name, keepdim):
    a = data.draw(tensors(shape=st.tuples(st.integers(2, 3), st.integers(1, 3), st.integers(2, 3)),
                          dtype=np.float64, elements=st.floats(-2, 2)))
    dims = data.draw(st.lists(st.sampled_from([0, 1, 2]), min_size=1, max_size=3, unique=True))
    dims = [d - 3 if data.draw(st.booleans()) else d for d in dims]  # negative dims count from the end
    value, reference = REDUCTIONS[name]
    x = dg.tensor(a, requires_grad=True)
    out = getattr(x, name)(dims, keepdim=keepdim)
    axis = tuple(d % 3 for d in dims)
    np.testing.assert_allclose(out.detach().numpy(), value(a, axis=axis, keepdims=keepdim), rtol=1e-12)
    out.sum().backward()
    with jax.enable_x64(True):
        expected = jax.grad(lambda v: jnp.sum(reference(v, axis=axis, keepdims=keepdim)))(jnp.asarray(a))
    np.testing.assert_allclose(x.grad.numpy(), np.asarray(expected), rtol=1e-9, atol=1e-12)
