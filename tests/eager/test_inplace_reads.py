"""An in-place change of a value no needed gradient reads is allowed, as in PyTorch, and the
gradients are those of the same program written without in-place ops (and of jax); a change
of a value that IS read still raises the in-place error naming the backward node.

`b = a * 1.0; b[:, 0] = b[:, 1] * 2` then backpropagates: the product saved b[:, 1] only for
the gradient of 2, which nothing wants. The table below is each op's math (PyTorch's
derivatives.yaml), written here, not read from the registry's declarations.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dualgrad as dg

OUT = "out"
# op: (function, jax function, shapes, domains, {input: what its gradient reads})
OPS = {
    "mul": (lambda x, y: x * y, jnp.multiply, ((2, 3), (2, 3)), (None, None), {0: {1}, 1: {0}}),
    "div": (lambda x, y: x / y, jnp.divide, ((2, 3), (3,)), (None, (0.5, 2.0)), {0: {1}, 1: {0, 1}}),
    "pow": (lambda x, y: x ** y, jnp.power, ((2, 3), (2, 3)), ((0.5, 2.0), None),
            {0: {0, 1}, 1: {0, 1, OUT}}),
    "matmul": (lambda x, y: x @ y, jnp.matmul, ((2, 3), (3, 4)), (None, None), {0: {1}, 1: {0}}),
    "where": (lambda x, y: dg.where(_MASK, x, y), lambda x, y: jnp.where(_MASK, x, y),
              ((2, 3), (2, 3)), (None, None), {0: set(), 1: set()}),  # (the mask never changes)
    "add": (lambda x, y: x + y, jnp.add, ((2, 3), (1, 3)), (None, None), {0: set(), 1: set()}),
    "maximum": (dg.maximum, jnp.maximum, ((2, 3), (2, 3)), (None, None), {0: {0, 1}, 1: {0, 1}}),
    "fmod": (dg.fmod, jnp.fmod, ((2, 3), (2, 3)), (None, (0.5, 2.0)), {0: set(), 1: {0, 1}}),
}
_MASK = np.array([[True, False, True], [False, False, True]])


def _changed(p, how: str, in_place: bool):
    """p * 3 or p with its first column replaced by twice its last, in place or not."""
    if in_place:
        if how == "scale":
            p.mul_(3.0)
        else:
            p[..., 0] = p[..., -1] * 2
        return p
    if how == "scale":
        return p * 3.0
    first = np.zeros(p.shape[-1])
    first[0] = 1.0
    return p * (1.0 - first) + p[..., -1:] * 2 * first


def _jax_changed(p, columns):
    """`_changed` in jax, `columns` (0 or 1) choosing the change as a number, so one
    compiled gradient serves every case of an op."""
    return columns * p.at[..., 0].set(p[..., -1] * 2) + (1 - columns) * (p * 3.0)


def _program(name, leaves, target, how, in_place):
    """loss = sum(w * op(x', y')) + sum(v * changed) where the target (an input copy or
    the output) is changed after the op ran."""
    fn = OPS[name][0]
    copies = [leaf * 1.0 for leaf in leaves]
    out = fn(*copies)
    changed = _changed(out if target == OUT else copies[target], how, in_place)
    if in_place:
        return (out * _W[name]).sum() + (changed * 0.5).sum(), out
    if target == OUT:
        return (changed * _W[name]).sum() + (changed * 0.5).sum(), out
    return (out * _W[name]).sum() + (changed * 0.5).sum(), out


def _weights(name: str, shapes: tuple) -> np.ndarray:
    """Distinct weights on the op's output, so no gradient is a plain sum."""
    shape = (shapes[0][0], shapes[1][1]) if name == "matmul" else np.broadcast_shapes(*shapes)
    return np.linspace(-1.0, 1.5, int(np.prod(shape))).reshape(shape)


_W = {name: _weights(name, spec[2]) for name, spec in OPS.items()}


def _jax_loss(name, x, y, pick, columns):
    """`_program`'s loss in jax; `pick` (one-hot over x, y, out) names the changed value."""
    out = OPS[name][1](x, y)
    seen = pick[2] * _jax_changed(out, columns) + (1 - pick[2]) * out
    changed = sum(p * jnp.sum(_jax_changed(v, columns) * 0.5) for p, v in zip(pick, (x, y, out), strict=True))
    return jnp.sum(seen * _W[name]) + changed


_ORACLES: dict = {}


def _jax_grads(name, values, target, how) -> list:
    """d loss / d x and d loss / d y by jax (float64), compiled once per op."""
    with jax.enable_x64(True):
        if name not in _ORACLES:
            _ORACLES[name] = jax.jit(jax.grad(lambda *a: _jax_loss(name, *a), argnums=(0, 1)))
        pick = jnp.asarray([target == 0, target == 1, target == OUT], dtype=jnp.float64)
        grads = _ORACLES[name](jnp.asarray(values[0]), jnp.asarray(values[1]), pick, float(how == "columns"))
        return [np.asarray(g) for g in grads]


@pytest.mark.cpu_only  # (the jax device: the tests below; its kernels compile per case)
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(sorted(OPS)), grads=st.sampled_from([(True, False), (False, True), (True, True)]),
       target=st.sampled_from([0, 1, OUT]), how=st.sampled_from(["scale", "columns"]),
       seed=st.integers(0, 2**32 - 1))
def test_changing_what_no_needed_gradient_reads(name, grads, target, how, seed):
    _, _, shapes, domains, reads = OPS[name]
    rng = np.random.default_rng(seed)
    values = [rng.uniform(*(d or (-2.0, 2.0)), s) for s, d in zip(shapes, domains, strict=True)]
    read = set().union(*(reads[i] for i in range(2) if grads[i]))
    leaves = [dg.tensor(v, dtype=dg.float64, requires_grad=g) for v, g in zip(values, grads, strict=True)]
    loss, out = _program(name, leaves, target, how, in_place=True)
    if target in read:
        node = type(out.grad_fn).__name__ if target != OUT else None
        with pytest.raises(dg.errors.GraphError, match="modified by an inplace operation") as caught:
            loss.backward()
        if node is not None:
            assert f"used by {node}" in str(caught.value)
        return
    loss.backward()
    fresh = [dg.tensor(v, dtype=dg.float64, requires_grad=g) for v, g in zip(values, grads, strict=True)]
    _program(name, fresh, target, how, in_place=False)[0].backward()
    oracle = _jax_grads(name, values, target, how)
    for i in range(2):
        if grads[i]:
            np.testing.assert_allclose(leaves[i].grad.numpy(), fresh[i].grad.numpy(), rtol=1e-12, atol=1e-12)
            np.testing.assert_allclose(leaves[i].grad.numpy(), oracle[i], rtol=1e-10, atol=1e-12)


def test_the_reported_program_runs_as_in_pytorch():
    """The report: a view's product with a number, then a write into the base. Three
    steps: on jax the second and third run as one compiled backward."""
    for _ in range(3):
        a = dg.tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
        b = a * 1.0
        b[:, 0] = b[:, 1] * 2
        b.sum().backward()
        np.testing.assert_array_equal(a.grad.numpy(), [[0.0, 3.0]] * 3)


def test_an_output_no_needed_gradient_reads_is_not_kept():
    """x ** 2 (only the base needs a gradient): the output is not saved, so changing it in
    place is fine and the gradient is 2x (three steps: on jax, compiled from the second)."""
    for _ in range(3):
        x = dg.tensor([1.5, -2.0, 0.5], requires_grad=True)
        y = dg.tensor([2.0, 2.0, 2.0])
        out = (x * 1.0) ** y
        assert out.grad_fn.out is None
        out.add_(1.0)
        out.sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), [3.0, -4.0, 1.0])
    e = dg.tensor([2.0, 3.0], requires_grad=True)
    out = dg.tensor([1.5, 2.0]) ** (e * 1.0)
    out.mul_(2.0)
    with pytest.raises(dg.errors.GraphError, match="modified by an inplace operation"):
        out.sum().backward()  # the exponent's gradient reads the output


def test_a_read_input_changed_in_place_still_raises_naming_the_node():
    a = dg.tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    b = a * 1.0
    c = b * a  # a's gradient reads b
    b.add_(1)
    with pytest.raises(dg.errors.GraphError,
                       match="used by MulBackward0, is at version 1; expected version 0"):
        c.sum().backward()
