"""Sums and products of small integers accumulate in int64, as PyTorch's: on the jax device
`cumsum`/`cumprod` of int8 and uint8 wrapped around in 8 bits ([100, 100, 3] summed to
[100, -56, -53]), and a uint8 `sum` or `prod` made a uint64 tensor, a dtype dualgrad does not
have. Oracle: Python's own integers (itertools.accumulate, math.prod), eager on both devices
and static on both backends (static `ds.cumsum` keeps its input's dtype, as TF1's)."""
from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
import dualgrad.static as ds

DTYPES = {"int8": (np.int8, -128, 127), "uint8": (np.uint8, 0, 255), "int16": (np.int16, -(2**15), 2**15 - 1),
          "bool": (np.bool_, 0, 1)}
OPS = {
    "sum": (lambda t: t.sum(), lambda ds_x: ds.reduce_sum(ds_x), lambda v: [sum(v)]),
    "prod": (lambda t: t.prod(), lambda ds_x: ds.reduce_prod(ds_x), lambda v: [math.prod(v)]),
    "cumsum": (lambda t: t.cumsum(0), None, lambda v: list(itertools.accumulate(v))),
}
WHERE = ["cpu", "jax", "graph-numpy", "graph-jax"]


@settings(max_examples=20, deadline=None)
@given(data=st.data(), dtype=st.sampled_from(sorted(DTYPES)), name=st.sampled_from(sorted(OPS)))
def test_integer_accumulation_is_exact_in_int64(data, dtype, name):
    np_dtype, low, high = DTYPES[dtype]
    eager, static, python = OPS[name]
    where = data.draw(st.sampled_from(WHERE if static is not None else WHERE[:2]))
    values = data.draw(st.lists(st.integers(low, high), min_size=1, max_size=5 if name == "prod" else 8))
    a = np.array(values, dtype=np_dtype)
    if where.startswith("graph"):
        with ds.Graph().as_default():
            x = ds.placeholder(ds.as_dtype(np_dtype), shape=(None,))
            with ds.Session(backend=where.split("-")[1]) as sess:
                got = np.atleast_1d(sess.run(static(x), {x: a}))
    else:
        got = np.atleast_1d(eager(dg.tensor(a, device=where)).numpy())
    assert got.dtype == np.int64
    # int64 arithmetic, as PyTorch's: exact while the result fits, wrapping beyond (five int16
    # factors can reach 2**75)
    assert got.tolist() == [_int64(v) for v in python([int(v) for v in values])]


def _int64(v: int) -> int:
    return (v + 2**63) % 2**64 - 2**63


@pytest.mark.parametrize("device", ["cpu", "jax"])
def test_cumprod_of_small_integers_does_not_wrap(device):
    got = dg.tensor([100, 100, 3], dtype=dg.int8, device=device).cumprod(0)
    assert got.dtype == dg.int64 and got.tolist() == [100, 10000, 30000]
