"""dualgrad.func.grad / grad_and_value / vjp / jvp against jax's on hypothesis-drawn shapes,
their nesting and composition, which results keep a graph, and torch.func's error texts."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import pytest
from hypothesis import given, settings

import dualgrad as dg
from dualgrad.func import grad, grad_and_value, jvp, vjp

from .shapes import arrays, both, close, scalar_f, seeds, shapes, vector_f

pytestmark = pytest.mark.usefixtures("jax_float64")


def _jf(a, b):
    return scalar_f(jnp, a, b)


@jax.jit  # one compile per drawn shape (op by op, jax compiles every primitive per shape)
def _grad_oracle(x, y):
    return (jax.grad(_jf)(x, y), jax.grad(_jf, argnums=(0, 1))(x, y), _jf(x, y),
            jax.grad(lambda a: jax.grad(_jf)(a, y).sum())(x))


@jax.jit
def _vjp_jvp_oracle(x, t, u):
    out, pull = jax.vjp(lambda a: vector_f(jnp, a), x)
    _, tangent = jax.jvp(lambda a: vector_f(jnp, a), (x,), (t,))
    _, hv = jax.jvp(jax.grad(lambda a: scalar_f(jnp, a, a)), (x,), (t,))
    return out, pull(u)[0], tangent, hv


@settings(max_examples=6, deadline=None)
@given(shape=shapes, seed=seeds)
def test_grad_argnums_aux_and_second_order_match_jax(shape, seed):
    (x, jx), (y, jy) = (both(a) for a in arrays(seed, shape, shape))
    f = lambda a, b: scalar_f(dg, a, b)  # noqa: E731
    eg, (ex, ey), value, second = _grad_oracle(jx, jy)
    close(grad(f)(x, y), eg)
    gx, gy = grad(f, argnums=(0, 1))(x, y)
    close(gx, ex)
    close(gy, ey)
    (g, (v, aux)) = grad_and_value(lambda a, b: (f(a, b), a * 2), argnums=1, has_aux=True)(x, y)
    close(g, ey)
    close(v, value)
    close(aux, 2 * jx)
    # grad(grad(...)): the derivative of a gradient's entry sum, a second-order quantity
    close(grad(lambda a: grad(f)(a, y).sum())(x), second)


@settings(max_examples=6, deadline=None)
@given(shape=shapes, seed=seeds)
def test_vjp_and_jvp_match_jax(shape, seed):
    (x, jx), (t, jt) = (both(a) for a in arrays(seed, shape, shape))
    (u, ju), = (both(a) for a in arrays(seed + 1, (3,)))
    jout, back, jtangent, jhv = _vjp_jvp_oracle(jx, jt, ju)
    out, vjp_fn = vjp(lambda a: vector_f(dg, a), x)
    close(out, jout)
    (got,) = vjp_fn(u)
    close(got, back)
    (again,) = vjp_fn(u * 2)  # callable many times
    close(again, 2 * back)
    out, tangent = jvp(lambda a: vector_f(dg, a), (x,), (t,))
    close(out, jout)
    close(tangent, jtangent)
    # jvp of a gradient: a Hessian-vector product
    _, hv = jvp(grad(lambda a: scalar_f(dg, a, a)), (x,), (t,))
    close(hv, jhv)


def test_pytrees_of_inputs_and_outputs():
    params = {"w": dg.tensor([1.0, 2.0], dtype=dg.float64), "b": dg.tensor(0.5, dtype=dg.float64)}
    x = dg.tensor([3.0, -1.0], dtype=dg.float64)
    g = grad(lambda p, x: ((p["w"] * x).sum() + p["b"]) ** 2)(params, x)
    jg = jax.grad(lambda p, x: ((p["w"] * x).sum() + p["b"]) ** 2)(
        {"w": jnp.array([1.0, 2.0]), "b": jnp.array(0.5)}, jnp.array([3.0, -1.0]))
    assert list(g) == ["w", "b"]
    close(g["w"], jg["w"])
    close(g["b"], jg["b"])
    out, fn = vjp(lambda p: (p["w"] * 2, {"s": p["b"] * 3}), params)
    (back,) = fn((dg.ones(2, dtype=dg.float64), {"s": dg.tensor(1.0, dtype=dg.float64)}))
    close(back["w"], jnp.array([2.0, 2.0]))
    close(back["b"], jnp.array(3.0))


def test_results_keep_a_graph_only_to_tensors_outside():
    w = dg.tensor([1.0, -2.0], requires_grad=True)  # a closed-over parameter
    x = dg.tensor([0.5, 0.25])
    g = grad(lambda a: (w * a * a).sum())(x)  # 2 w x: reaches w
    assert g.requires_grad
    (dw,) = dg.autograd.grad(g.sum(), w)
    assert dw.tolist() == [1.0, 0.5]
    assert not grad(lambda a: (a * a).sum())(x).requires_grad
    with dg.no_grad():  # torch.func.grad still differentiates; nothing is wired outside
        h = grad(lambda a: (w * a * a).sum())(x)
    assert not h.requires_grad and h.tolist() == [1.0, -1.0]
    x.requires_grad_(True)  # the input itself at an outer level
    (dx,) = dg.autograd.grad(grad(lambda a: (a ** 3).sum())(x).sum(), x)
    assert dx.tolist() == [3.0, 1.5]


def test_error_texts():
    x = dg.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"grad_and_value\(f\)\(\*args\): Expected f\(\*args\) to return a "
                       r"scalar Tensor, got tensor with 1 dims. Maybe you wanted to use the vjp or jacrev"):
        grad(lambda a: a * 2)(x)
    with pytest.raises(RuntimeError, match="to return a Tensor, got <class 'float'>"):
        grad(lambda a: 1.0)(x)
    with pytest.raises(RuntimeError, match=r"output of function f should be a tuple: \(output, aux\)"):
        grad(lambda a: a.sum(), has_aux=True)(x)
    with pytest.raises(RuntimeError, match="Got argnum=2, but only 1 positional inputs"):
        grad(lambda a: a.sum(), argnums=2)(x)
    with pytest.raises(RuntimeError, match=r"argnums elements must be unique, got \(0, -1\)"):
        grad(lambda a: a.sum(), argnums=(0, -1))(x)
    with pytest.raises(ValueError, match="Thing passed to transform API must be Tensor, got <class 'int'>"):
        grad(lambda a: a * 1.0)(3)
    with pytest.raises(RuntimeError, match="Expected primals to be a tuple"):
        jvp(lambda a: a, x, x)
    with pytest.raises(RuntimeError, match="Expected primals and tangents to have the same python structure"):
        jvp(lambda a: a, (x,), (x, x))
    with pytest.raises(RuntimeError, match=r"strict=True\): The output of f is independent of the inputs"):
        jvp(lambda a: dg.ones(2), (x,), (x,), strict=True)
    assert jvp(lambda a: dg.ones(2), (x,), (x,))[1].tolist() == [0.0, 0.0]
    _, fn = vjp(lambda a: (a, a), x)
    with pytest.raises(RuntimeError, match="Expected pytree structure of cotangents to be the same"):
        fn(x)
    assert x.tolist() == [1.0, 2.0] and not x.requires_grad
