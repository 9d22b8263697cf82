"""dualgrad.func.jacrev / jacfwd / hessian against jax's on hypothesis-drawn shapes, with
argnums tuples, pytree outputs and has_aux."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import pytest
from hypothesis import given, settings

import dualgrad as dg
from dualgrad.func import hessian, jacfwd, jacrev

from .shapes import arrays, both, close, scalar_f, seeds, shapes, vector_f

pytestmark = pytest.mark.usefixtures("jax_float64")


def _two(m, x, y):
    """Two outputs of two inputs: a vector and a matrix-shaped one."""
    return vector_f(m, x) * m.sum(y), m.sin(x) * m.sum(y * y)


@jax.jit
def _oracle(x, y):
    vf = lambda a: vector_f(jnp, a)  # noqa: E731
    two = lambda a, b: _two(jnp, a, b)  # noqa: E731
    sf = lambda a, b: scalar_f(jnp, a, b)  # noqa: E731
    return (jax.jacrev(vf)(x), jax.jacfwd(vf)(x), jax.jacrev(two, argnums=(0, 1))(x, y),
            jax.hessian(sf)(x, y), jax.hessian(sf, argnums=(0, 1))(x, y))


@settings(max_examples=5, deadline=None)
@given(shape=shapes, seed=seeds)
def test_jacobians_and_hessians_match_jax(shape, seed):
    (x, jx), (y, jy) = (both(a) for a in arrays(seed, shape, shape))
    e_rev, e_fwd, e_two, e_hess, e_hess2 = _oracle(jx, jy)
    vf = lambda a: vector_f(dg, a)  # noqa: E731
    close(jacrev(vf)(x), e_rev)
    close(jacfwd(vf)(x), e_fwd)
    two = lambda a, b: _two(dg, a, b)  # noqa: E731
    for transform in (jacrev, jacfwd):
        got = transform(two, argnums=(0, 1))(x, y)  # (per output (per argnum))
        for g_out, e_out in zip(got, e_two, strict=True):
            for g, e in zip(g_out, e_out, strict=True):
                close(g, e)
    sf = lambda a, b: scalar_f(dg, a, b)  # noqa: E731
    close(hessian(sf)(x, y), e_hess)
    got = hessian(sf, argnums=(0, 1))(x, y)
    for i in range(2):
        for j in range(2):
            close(got[i][j], e_hess2[i][j])


def test_has_aux_and_dict_inputs():
    x = dg.tensor([0.5, -1.0, 2.0], dtype=dg.float64)
    for transform in (jacrev, jacfwd):
        jac, aux = transform(lambda a: (a.sin(), a.sum()), has_aux=True)(x)
        close(jac, jnp.diag(jnp.cos(jnp.array([0.5, -1.0, 2.0]))))
        assert aux.item() == 1.5 and not aux.requires_grad
        params = {"w": x, "b": dg.tensor(1.0, dtype=dg.float64)}
        jac = transform(lambda p: p["w"] * p["b"])(params)
        close(jac["w"], jnp.eye(3))
        close(jac["b"], jnp.array([0.5, -1.0, 2.0]))
    with pytest.raises(ValueError, match="jacrev: `chunk_size` should be greater than 0."):
        jacrev(lambda a: a, chunk_size=0)
