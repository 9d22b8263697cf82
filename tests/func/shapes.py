"""Shared pieces of the dualgrad.func tests: hypothesis-drawn shapes and arrays, and functions
written once over an array namespace (`m` is dualgrad or jax.numpy), so jax's transforms of
the same math are the oracle."""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np
from hypothesis import strategies as st

import dualgrad as dg
from dualgrad.testing import assert_close

# a few shapes, drawn: jax compiles each op once per shape, which is most of these tests' time
shapes = st.sampled_from([(), (2, 3)])
seeds = st.integers(0, 2**31)


def arrays(seed: int, *shape_list: tuple) -> list[np.ndarray]:
    """One float64 array per shape, from `seed`."""
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s) for s in shape_list]


def scalar_f(m, x, y):
    """A scalar function of two arrays of one shape whose Hessian is not diagonal."""
    return m.sum(m.sin(x) * y * y) + m.sum(m.tanh(x)) * m.sum(x * y)


def vector_f(m, x):
    """A vector function of one array (length 3 output, mixing all entries)."""
    return m.stack([m.sum(m.sin(x)), m.sum(x * x * x), m.sum(m.exp(x / 3)) * m.sum(x)])


def close(got, expected, tol: float = 1e-10) -> None:
    """A dualgrad result equals jax's and carries no graph."""
    assert isinstance(got, dg.Tensor) and not got.requires_grad
    assert tuple(got.shape) == tuple(np.shape(expected))
    assert_close(got.numpy(), np.asarray(expected), rtol=tol, atol=tol)


def both(a: np.ndarray) -> tuple:
    return dg.tensor(a), jnp.asarray(a)
