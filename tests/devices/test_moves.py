"""Gradients across a device move: `x.to(device)` of a tensor that requires grad is recorded
(PyTorch's ToCopyBackward0), so the gradient comes back to x's own device. Before, a moved
leaf was a new leaf (`x.grad` stayed None) and a moved non-leaf passed the other device's
gradient into its history (a CPU leaf got a jax `.grad`). `dst.copy_(src)` across devices
(PyTorch's `cuda_t.copy_(cpu_t)`) was refused. Oracle: the same function with no move, its
gradient by numpy in float64."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg

PAIRS = [("cpu", "jax"), ("jax", "cpu")]
values = st.lists(st.floats(-3, 3, allow_subnormal=False), min_size=1, max_size=6)


def expected_grad(v: np.ndarray) -> np.ndarray:
    """d/dv of sum(sin(3 v) * 2): 6 cos(3 v)."""
    return 6 * np.cos(3 * v)


def check(leaf, home: str, v: np.ndarray) -> None:
    assert leaf.grad is not None
    assert leaf.grad.device == home
    np.testing.assert_allclose(leaf.grad.numpy(), expected_grad(v), rtol=1e-12, atol=1e-12)


@settings(max_examples=15, deadline=None)
@given(values, st.sampled_from(PAIRS), st.booleans())
def test_a_move_is_differentiated_back_to_the_leafs_device(v, pair, moved_leaf):
    home, away = pair
    v = np.array(v)
    x = dg.tensor(v, dtype=dg.float64, device=home, requires_grad=True)
    if moved_leaf:  # the leaf itself moved, then the math on the other device
        y = (x.to(away) * 3).sin() * 2
    else:  # the math first, then the result moved
        y = ((x * 3).sin() * 2).to(away)
        assert y.grad_fn.name() == "ToCopyBackward0"
    assert y.device == away
    y.sum().backward()
    check(x, home, v)


@settings(max_examples=15, deadline=None)
@given(values, st.sampled_from(PAIRS))
def test_copy_from_another_device(v, pair):
    home, away = pair
    v = np.array(v)
    src = dg.tensor(v, dtype=dg.float64, device=home, requires_grad=True)
    dst = dg.zeros(len(v), dtype=dg.float64, device=away)
    dst.copy_((src * 3).sin())
    assert dst.device == away
    np.testing.assert_allclose(dst.detach().cpu().numpy(), np.sin(3 * v), rtol=1e-12, atol=1e-12)
    (dst * 2).sum().backward()
    check(src, home, v)


@pytest.mark.parametrize("home,away", PAIRS)
def test_second_derivative_through_a_move(home, away):
    x = dg.tensor([0.5, -1.0], dtype=dg.float64, device=home, requires_grad=True)
    g, = dg.autograd.grad((x.to(away) ** 3).sum(), x, create_graph=True)
    assert g.device == home
    g.sum().backward()  # d/dx of 3 x**2 summed: 6 x
    np.testing.assert_allclose(x.grad.numpy(), [3.0, -6.0])


def test_a_move_without_grad_records_nothing():
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    with dg.no_grad():
        y = x.to("jax")
    assert y.grad_fn is None and not y.requires_grad
    z = dg.tensor([1.0, 2.0]).to("jax")
    assert z.grad_fn is None and not z.requires_grad


@pytest.mark.parametrize("home,away", PAIRS)
def test_symbolic_reads_a_move_as_the_value_itself(home, away):
    """A recorded move is no op of the closed form: the expression is the one without it,
    and its gradient checks against the engine's."""
    from dualgrad import symbolic

    x = dg.tensor([0.5, -1.0], dtype=dg.float64, device=home, requires_grad=True)
    moved_inside = ((x * 3).to(away).sin() * 2).sum()
    moved_leaf = (x.to(away) ** 2).sum()
    assert str(symbolic.expr(moved_inside)) == str(symbolic.expr(((x * 3).sin() * 2).sum()))
    assert str(symbolic.expr(moved_leaf)) == str(symbolic.expr((x ** 2).sum()))
    assert symbolic.check(moved_leaf, x)
