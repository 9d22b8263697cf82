"""A float times a bool mask keeps NaN and inf visible on the jax device and backend, as on
numpy and in PyTorch and TF1: XLA's algebraic simplifier rewrites `x * convert(mask)` into
`select(mask, x, 0)`, so `nan * False` and `inf * False` read 0 in every jax program
(eager ops, a static Session's program, a dg.compile step) while numpy gave NaN. A bool made
float on jax is now `where(mask, 1, 0)` (ops/promotion.py `converted`), which XLA leaves as it
is. Oracle: numpy float64 (IEEE: NaN * 0 and inf * 0 are NaN), compared NaN-aware."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import dualgrad as dg
import dualgrad.static as ds

_VALUES = st.one_of(st.floats(-1e3, 1e3, width=32, allow_subnormal=False),  # (XLA flushes subnormals)
                    st.sampled_from([np.nan, np.inf, -np.inf]))


def _case():
    return st.integers(1, 6).flatmap(lambda n: st.tuples(
        arrays(np.float32, (n,), elements=_VALUES), arrays(np.bool_, (n,))))


@settings(max_examples=20, deadline=None)
@given(case=_case())
def test_eager_jax_products_with_a_mask_match_numpy(case):
    x, m = case
    expected = (x.astype(np.float64) * m).astype(np.float32)
    a, b = dg.tensor(x, device="jax"), dg.tensor(m, device="jax")
    for out in (a * b, b * a, a * b.float(), a * b.to(dg.float32), dg.mul(a, b)):
        np.testing.assert_array_equal(out.numpy(), expected)


@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_static_products_with_a_cast_mask_match_numpy(backend):
    x0 = np.array([np.nan, np.inf, -np.inf, 2.0, np.nan, 3.0], np.float32)
    m0 = np.array([False, False, False, False, True, True])
    x = ds.placeholder(ds.float32, [6])
    m = ds.placeholder(ds.bool, [6])
    mask = ds.cast(m, ds.float32)
    fetches = [x * mask, ds.multiply(mask, x), ds.reduce_sum(x * mask)]
    with ds.Session(backend=backend) as sess:
        product, swapped, total = sess.run(fetches, {x: x0, m: m0})
    expected = x0.astype(np.float64) * m0
    np.testing.assert_array_equal(product, expected.astype(np.float32))
    np.testing.assert_array_equal(swapped, expected.astype(np.float32))
    assert np.isnan(total)


def test_compiled_step_keeps_a_masked_nan():
    x0 = np.array([np.nan, 1.0, np.inf, 2.0], np.float32)
    m0 = np.array([False, True, False, True])

    def step(x, m):
        return (x * m).sum(), x * m.float()

    compiled = dg.compile(step)
    for device in ("cpu", "jax"):
        total, product = compiled(dg.tensor(x0, device=device), dg.tensor(m0, device=device))
        assert np.isnan(total.item())
        np.testing.assert_array_equal(product.numpy(), (x0.astype(np.float64) * m0).astype(np.float32))
