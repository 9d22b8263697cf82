"""The hyperparameters a schedule moves (SGD's and RMSprop's momentum, Adam's betas) are weak
operands of the update ops, as the lr is: a 0-d array holding a value runs the arithmetic of
the Python float bit for bit on numpy (so a value `dg.compile` feeds gives the eager numbers),
on jax the same formulas on float64 arrays (lerp's two formulas under a `where`), and the
update stays in the parameter's dtype (numpy 2 would promote by a 0-d float64 array)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dualgrad.ops import updates, updates_more


def arrays(shape, dtype, count: int = 6, seed: int = 3) -> list:
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape).astype(dtype) for _ in range(count)]


def trajectory(rule: str, hyper: dict, shape, dtype, wrap) -> list:
    """Four steps of `rule` from fixed gradients, its hyperparameters passed through `wrap`."""
    param, grad, a, b, c, d = arrays(shape, dtype)
    sq = np.abs(b) + np.asarray(0.1, dtype)
    h = {k: wrap(v) for k, v in hyper.items()}
    out = []
    for k in range(1, 5):
        step = np.asarray(np.float32(k))
        g = np.asarray(grad * np.asarray(k, dtype))
        if rule == "sgd":
            param, a = updates.sgd(param, g, None if k == 1 else a, lr=h["lr"], momentum=h["momentum"],
                                   nesterov=True)
        elif rule == "rmsprop":
            param, sq, c, d = updates.rmsprop(param, g, sq, c, d, step, lr=h["lr"], alpha=0.9, eps=1e-3,
                                              momentum=h["momentum"], centered=True)
        elif rule == "adam":
            param, a, sq, _ = updates.adam(param, g, a, sq, None, step, lr=h["lr"], beta1=h["beta1"],
                                           beta2=h["beta2"], eps=1e-3, weight_decay=0.1, decoupled=True)
        elif rule == "nadam":
            param, a, sq, c = updates_more.nadam(param, g, a, sq, np.ones((), np.float32), step, lr=h["lr"],
                                                 beta1=h["beta1"], beta2=h["beta2"], eps=1e-3)
        else:
            param, a, sq = updates_more.radam(param, g, a, sq, np.asarray(np.float32(k + 4)), lr=h["lr"],
                                              beta1=h["beta1"], beta2=h["beta2"], eps=1e-3)
        # arrays, as an optimizer's `write` keeps them (a kernel's 0-d result is a numpy scalar)
        param, a, sq, c, d = (None if v is None else np.asarray(v) for v in (param, a, sq, c, d))
        out.append(param)
    return out


RULES = ["sgd", "rmsprop", "adam", "nadam", "radam"]


def hyper(rule: str, first: float, second: float) -> dict:
    if rule in ("sgd", "rmsprop"):
        return dict(lr=0.05, momentum=first)
    return dict(lr=0.05, beta1=first, beta2=second)


@settings(max_examples=20, deadline=None)
@given(rule=st.sampled_from(RULES), first=st.floats(0.05, 0.95), second=st.floats(0.5, 0.999),
       dtype=st.sampled_from([np.float32, np.float64]), shape=st.sampled_from([(3, 2), ()]))
def test_a_0d_array_runs_the_python_float_arithmetic_bit_for_bit_on_numpy(rule, first, second, dtype, shape):
    """beta1 and momentum on both sides of 0.5 (lerp's switch), a 0-d parameter too."""
    h = hyper(rule, first, second)
    want = trajectory(rule, h, shape, dtype, lambda v: v)
    got = trajectory(rule, h, shape, dtype, lambda v: np.asarray(v, np.float64))
    for g, w in zip(got, want, strict=True):
        assert g.dtype == w.dtype == dtype
        np.testing.assert_array_equal(g, w)


@pytest.mark.parametrize("rule", RULES)
def test_float64_arrays_on_jax_match_the_float_numbers(rule):
    import jax.numpy as jnp

    from dualgrad.backend import x64

    for first in (0.3, 0.9):  # ema from avg's side, from x's side
        h = hyper(rule, first, 0.99)
        want = trajectory(rule, h, (3, 2), np.float32, lambda v: v)
        with x64():
            got = trajectory(rule, h, (3, 2), np.float32, lambda v: jnp.asarray(v, jnp.float64))
        for g, w in zip(got, want, strict=True):
            assert g.dtype == np.float32
            np.testing.assert_allclose(g, w, rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("weight", [0.1, 0.25, 0.5, 0.7, 0.95])
def test_ema_is_pytorchs_lerp_with_a_number_or_array_weight(weight):
    """PyTorch's lerp_ written out: avg + w (x - avg) below 0.5, x - (x - avg)(1 - w) from
    0.5, in the tensors' dtype (w rounded to it)."""
    avg, x = arrays((4, 3), np.float32, 2)
    w32, far32 = np.float32(weight), np.float32(1 - weight)
    want = avg + w32 * (x - avg) if weight < 0.5 else x - (x - avg) * far32
    for w in (weight, np.asarray(weight)):
        got = updates.ema(avg, x, w)
        assert got.dtype == np.float32
        np.testing.assert_array_equal(got, want)
    import jax.numpy as jnp

    from dualgrad.backend import x64

    with x64():
        got = np.asarray(updates.ema(jnp.asarray(avg), jnp.asarray(x), jnp.asarray(weight, jnp.float64)))
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("dtype", [np.float16, np.float32])
def test_a_float64_operand_never_promotes_the_update(dtype):
    """A 0-d parameter and a 0-d float64 momentum or beta: numpy 2 would give float64."""
    p, g, b = (np.asarray(v, dtype) for v in (0.5, -0.25, 0.125))
    m = np.asarray(0.9)
    assert updates.add_momentum(b, g, m).dtype == dtype
    assert updates.ema(b, g, m).dtype == dtype
    assert updates.add_square(b, g, m, np.asarray(0.1)).dtype == dtype
    new, buf = updates.sgd(p, g, b, lr=np.asarray(0.1), momentum=m)
    assert new.dtype == buf.dtype == dtype
    p, g, b = (np.full(3, v, dtype) for v in (0.5, -0.25, 0.125))  # (0-d: the float32 count promotes)
    step = np.asarray(np.float32(2.0))
    assert updates.adam(p, g, b, np.abs(b), None, step, lr=0.1, beta1=m, beta2=np.asarray(0.99),
                        eps=1e-3)[0].dtype == dtype


def test_whether_a_momentum_takes_part():
    """A number by its value (SGD: not 0; RMSprop: above 0), anything else (a graph value
    `dg.compile` feeds only while the momentum is above 0) takes part."""
    assert not updates.takes_part(0.0) and updates.takes_part(-0.5) and updates.takes_part(0.9)
    assert not updates.takes_part(-0.5, positive=True) and updates.takes_part(0.5, positive=True)
    assert not updates.takes_part(np.float32(0)) and not updates.takes_part(np.asarray(0.0))
    assert updates.takes_part(object())
    g = np.ones(3, np.float32)
    _, buf = updates.sgd(g, g, g, lr=0.1, momentum=0.0)
    assert buf is g  # no momentum: the buffer is not touched (PyTorch keeps none)
