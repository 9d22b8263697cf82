"""autograd.functional against jax.jacobian / jax.hessian / jax.vjp / jax.jvp (an independent
implementation of the same maths; jax is a dependency of dualgrad, so always present). Each
oracle is one jitted program: jax.hessian op by op compiles every primitive (2 s)."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dualgrad as dg
from dualgrad.autograd import functional as F

pytestmark = pytest.mark.usefixtures("jax_float64")  # float64 jax oracles

X = np.array([0.3, -1.1, 2.0])
Y = np.array([[0.5, 1.5], [-0.7, 0.2], [1.0, -2.0]])

def f_dg(x, y):
    return ((x.sin() * 2).unsqueeze(1) * y + y.exp()).tanh()

def f_jax(x, y):
    return jnp.tanh((jnp.sin(x) * 2)[:, None] * y + jnp.exp(y))

def s_dg_plain(x):
    return (x * x * x).sum() + x.sin().prod()

def s_jax(x):
    return jnp.sum(x ** 3) + jnp.prod(jnp.sin(x))

def t(a):
    return dg.tensor(a, dtype=dg.float64)

def _value_and_pullback(x, y, v):
    out, pullback = jax.vjp(f_jax, x, y)
    return out, pullback(v)

# the oracles, jitted once for the module (the tests run once per device)
JACOBIAN_X = jax.jit(jax.jacobian(lambda x: f_jax(x, Y)))
JACOBIAN_XY = jax.jit(jax.jacobian(f_jax, argnums=(0, 1)))
HESSIAN = jax.jit(jax.hessian(s_jax))
VALUE_AND_PULLBACK = jax.jit(_value_and_pullback)
JVP = jax.jit(lambda *a: jax.jvp(f_jax, a[:2], a[2:]))
GRAD = jax.jit(jax.grad(s_jax))

def test_jacobian_single_input() -> None:
    ours = F.jacobian(lambda x: f_dg(x, t(Y)), t(X))
    theirs = JACOBIAN_X(X)
    assert ours.shape == (3, 2, 3)
    np.testing.assert_allclose(ours.numpy(), theirs, rtol=1e-10, atol=1e-12)

def test_jacobian_several_inputs() -> None:
    jx, jy = F.jacobian(f_dg, (t(X), t(Y)))
    tx, ty = JACOBIAN_XY(X, Y)
    np.testing.assert_allclose(jx.numpy(), tx, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(jy.numpy(), ty, rtol=1e-10, atol=1e-12)
    assert not jx.requires_grad

def test_hessian() -> None:
    ours = F.hessian(s_dg_plain, t(X))
    np.testing.assert_allclose(ours.numpy(), HESSIAN(X), rtol=1e-10, atol=1e-12)

def test_vjp() -> None:
    v = np.arange(6.0).reshape(3, 2) - 2
    out, (gx, gy) = F.vjp(f_dg, (t(X), t(Y)), t(v))
    ref_out, (rx, ry) = VALUE_AND_PULLBACK(X, Y, v)
    np.testing.assert_allclose(out.numpy(), ref_out, rtol=1e-12)
    np.testing.assert_allclose(gx.numpy(), rx, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gy.numpy(), ry, rtol=1e-10, atol=1e-12)

def test_jvp() -> None:
    vx, vy = np.array([1.0, -0.5, 2.0]), np.full((3, 2), 0.25)
    out, jv = F.jvp(f_dg, (t(X), t(Y)), (t(vx), t(vy)))
    ref_out, ref_jv = JVP(X, Y, vx, vy)
    np.testing.assert_allclose(out.numpy(), ref_out, rtol=1e-12)
    np.testing.assert_allclose(jv.numpy(), ref_jv, rtol=1e-10, atol=1e-12)

def test_vjp_of_scalar_function_without_v() -> None:
    out, g = F.vjp(s_dg_plain, t(X))
    np.testing.assert_allclose(out.item(), s_jax(X))
    np.testing.assert_allclose(g.numpy(), GRAD(X), rtol=1e-12)

@pytest.mark.parametrize("fn", [F.jacobian, F.hessian])
def test_inputs_are_not_modified(fn) -> None:
    x = t(X)
    fn(s_dg_plain, x)
    assert not x.requires_grad and x.grad is None and x.tolist() == X.tolist()

def test_jacobian_of_unused_input_is_zero() -> None:
    jx, jy = F.jacobian(lambda x, y: x * 2, (t(X), t(Y)))
    np.testing.assert_allclose(jx.numpy(), 2 * np.eye(3))
    assert jy.shape == (3, 3, 2) and not jy.numpy().any()
