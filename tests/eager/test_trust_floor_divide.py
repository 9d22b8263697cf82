"""Float floor division on jax is numpy's (and PyTorch's, and TF1's): jax's own rounds a
quotient (x - fmod(x, y)) / y that lands on .5 to the next integer, and drops the sign of a
zero quotient. Eager tensors on both devices and the static `floordiv` on both backends share
the registry op; numpy's float floor_divide is the oracle (TF1's floor(x / y) for static)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import dualgrad as dg
import dualgrad.static as ds

FLOATS = [np.float16, np.float32, np.float64]
EDGES = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 3.0, -3.0, 0.1, -0.1, np.inf, -np.inf, np.nan, 1e30, -1e30, 2.5]


def _same(got: np.ndarray, want: np.ndarray, reciprocal: bool = False) -> None:
    """Equal values, equal signs of zero, nan where nan. `reciprocal`: a division by a Python
    number, which XLA on the jax device computes as a product with its reciprocal (docs/devices.md),
    one unit in the last place off; near 2**mantissa bits, where a unit is 0.5 or more, that can
    move the quotient by two units (-> 1 for float32 9999999 // -1.25 = -8000000)."""
    assert got.dtype == want.dtype
    nan = np.isnan(want)
    np.testing.assert_array_equal(np.isnan(got), nan)
    got, want = got[~nan], want[~nan]
    if reciprocal:
        big = np.isfinite(want) & (np.abs(want) >= 2.0 ** (np.finfo(want.dtype).nmant - 2))
        within = np.abs(got[big] - want[big]) <= 2 * np.spacing(np.abs(want[big]))
        assert np.all(within), (got[big], want[big])
        got, want = got[~big], want[~big]
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(np.signbit(got), np.signbit(want))


def _numpy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        return np.floor_divide(x, y)


@pytest.mark.parametrize("dtype", FLOATS)
def test_every_pair_of_edge_values_divides_as_numpy(dtype):
    x, y = (a.ravel().astype(dtype) for a in np.meshgrid(EDGES, EDGES))
    _same((dg.tensor(x) // dg.tensor(y)).numpy(), _numpy(x, y))
    _same(dg.floor_divide(dg.tensor(x), dg.tensor(y)).numpy(), _numpy(x, y))


def test_a_quotient_that_lands_on_a_half_is_floored():
    """float32 -524288.9375 / -0.1: (x - fmod(x, y)) / y is 5242889.5 in float32; numpy,
    PyTorch and TF1 give 5242889, jax's floor_divide gave 5242890."""
    x, y = np.float32([-524288.9375]), np.float32([-0.1])
    _same((dg.tensor(x) // dg.tensor(y)).numpy(), np.float32([5242889.0]))


@settings(max_examples=15, deadline=None)
@given(dtype=st.sampled_from(FLOATS), data=st.data())
def test_large_quotients_divide_as_numpy(dtype, data):
    """Quotients past 2**22 (float32's last fractional bit) are where the .5 ties happen (one
    length: each new shape would compile the jax kernels again)."""
    n = 32
    x = data.draw(arrays(np.float64, n, elements=st.floats(-1e7, 1e7))).astype(dtype)
    x[np.abs(x) < np.finfo(dtype).tiny] = 0  # (XLA flushes subnormals to zero: docs/devices.md)
    y = data.draw(arrays(np.float64, n, elements=st.floats(1e-4, 2.0) | st.floats(-2.0, -1e-4))).astype(dtype)
    _same((dg.tensor(x) // dg.tensor(y)).numpy(), _numpy(x, y))
    _same((dg.tensor(x) // float(y[0])).numpy(), _numpy(x, y[:1]), reciprocal=True)  # a Python number


@pytest.mark.cpu_only
@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_the_static_floordiv_is_tf1s_floor_of_the_quotient(backend):
    """TF1's float floordiv is floor(x / y) (static/int_division.py takes the larger of that and
    the registry's floor division): the registry op's jax tie made it 5242890 as well."""
    rng = np.random.default_rng(7)
    x = (rng.standard_normal(4000) * 10.0 ** rng.integers(-3, 7, 4000)).astype(np.float32)
    y = (rng.standard_normal(4000) * 10.0 ** rng.integers(-3, 2, 4000)).astype(np.float32)
    x = np.concatenate([x, np.float32([-524288.9375, -0.5, 1.0, -336758.72, 97.0])])
    y = np.concatenate([y, np.float32([-0.1, -1.0, 0.0, 0.021964537, 97.0])])
    graph = ds.Graph()
    with graph.as_default():
        a, b = ds.placeholder(ds.float32, [None]), ds.placeholder(ds.float32, [None])
        with ds.Session(backend=backend) as sess:
            with np.errstate(all="ignore"):
                _same(sess.run(ds.floordiv(a, b), {a: x, b: y}), np.floor(x / y))
