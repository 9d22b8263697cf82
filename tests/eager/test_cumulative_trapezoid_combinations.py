"""cumulative_trapezoid against a running sum written out here in float64 (sample points as
1-d or full tensors, a constant dx, any dim), its gradient by finite differences, and
trapezoid as its last value; combinations against itertools on the values, its gradient
counting how often each element is picked; PyTorch's refusals."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
from dualgrad.errors import DualgradError


def _running(y: np.ndarray, spacing: np.ndarray, axis: int) -> np.ndarray:
    """The running trapezoid sum along axis, one interval at a time."""
    y, spacing = np.moveaxis(y, axis, -1), np.moveaxis(spacing, axis, -1)
    out, total = [], np.zeros(y.shape[:-1])
    for i in range(y.shape[-1] - 1):
        total = total + (y[..., i] + y[..., i + 1]) / 2 * spacing[..., i]
        out.append(total)
    stacked = np.stack(out, -1) if out else np.zeros(y.shape[:-1] + (0,))
    return np.moveaxis(stacked, -1, axis)


@pytest.mark.cpu_only  # (drawn shapes; the jax device runs one case below)
@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=3), st.data())
def test_cumulative_trapezoid_matches_a_running_sum(shape, data):
    _check(tuple(shape), data.draw(st.integers(-len(shape), len(shape) - 1)),
           data.draw(st.sampled_from(["none", "dx", "1-d", "full"])))


def test_cumulative_trapezoid_on_each_device():
    _check((3, 4), -1, "1-d")


def _check(shape: tuple, dim: int, spacing: str) -> None:
    rng = np.random.default_rng(len(shape) + dim)
    y = rng.standard_normal(shape)
    axis = dim % len(shape)
    kwargs, steps = {}, np.ones(shape)
    if spacing == "dx":
        kwargs["dx"], steps = 0.3, np.full(shape, 0.3)
    elif spacing != "none":
        points = np.cumsum(rng.uniform(0.1, 1.0, shape), axis=axis)
        if spacing == "1-d":
            points = np.moveaxis(points, axis, 0)[(slice(None),) + (0,) * (len(shape) - 1)]
            full = np.moveaxis(np.broadcast_to(points, np.moveaxis(y, axis, -1).shape), -1, axis)
        else:
            full = points
        kwargs["x"] = dg.tensor(points)
        steps = np.diff(full, axis=axis, append=np.take(full, [-1], axis=axis))
    want = _running(y, steps, axis)
    out = dg.cumulative_trapezoid(dg.tensor(y), dim=dim, **kwargs)
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-12, atol=1e-14)
    if want.shape[axis]:
        total = dg.trapezoid(dg.tensor(y), dim=dim, **kwargs).numpy()
        np.testing.assert_allclose(np.take(want, -1, axis=axis), total, rtol=1e-12, atol=1e-14)
    leaf = dg.tensor(y, requires_grad=True)
    assert dg.autograd.gradcheck(lambda t: dg.cumulative_trapezoid(t, dim=dim, **kwargs), (leaf,))


@pytest.mark.cpu_only
@settings(max_examples=20, deadline=None)
@given(st.integers(0, 5), st.integers(0, 4), st.booleans())
def test_combinations_match_itertools(n, r, with_replacement):
    _check_combinations(n, r, with_replacement)


def test_combinations_on_each_device():
    _check_combinations(4, 2, True)


def _check_combinations(n: int, r: int, with_replacement: bool) -> None:
    values = np.arange(1.0, n + 1.0)
    x = dg.tensor(values, requires_grad=True)
    out = dg.combinations(x, r, with_replacement)
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    rows = list(pick(values, r))
    want = np.array(rows).reshape(-1, r) if r else np.zeros(0)
    np.testing.assert_array_equal(out.detach().numpy(), want)
    if out.numel():
        out.sum().backward()
        counts = [sum(row.count(v) for row in rows) for v in values]
        np.testing.assert_array_equal(x.grad.numpy(), counts)


@pytest.mark.parametrize("call, text", [
    (lambda: dg.combinations(dg.ones(2, 2)), "Expect a 1D vector, but got shape [2, 2]"),
    (lambda: dg.combinations(dg.ones(2), -1), "Expect a non-negative number, but got -1"),
    (lambda: dg.cumulative_trapezoid(dg.tensor(3.0)), "cannot be applied to a 0-dim tensor"),
    (lambda: dg.cumulative_trapezoid(dg.ones(3), dg.ones(2)), "one `x` value for each sample point"),
])
def test_refusals_name_the_function(call, text):
    with pytest.raises(DualgradError) as info:
        call()
    assert text in str(info.value) and "test_cumulative_trapezoid_combinations.py" in str(info.value)
