"""Integer powers with an integer exponent tensor wrap in the result dtype, as numpy's and
PyTorch's do, on both devices. The differential hunt against torch 2.13 found jax's `power`
reading only an array exponent's low 6 bits: on the jax device `2 ** tensor([64])` (int64) was
1 and `3 ** tensor([200])` 3 ** 8, where the cpu device and PyTorch give 0 and 3 ** 200
wrapped."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dualgrad as dg

_BASES = [np.int8, np.uint8, np.int64]  # (each pair compiles a jax kernel: a few kept)
_EXPONENTS = [np.uint8, np.int64]


@settings(max_examples=8, deadline=None)
@given(st.sampled_from(_BASES), st.sampled_from(_EXPONENTS), st.data())
def test_integer_power_of_integer_tensors_wraps_as_numpy(base_dtype, exponent_dtype, data) -> None:
    x = data.draw(hnp.arrays(base_dtype, 6, elements=st.integers(-7, 7) if np.dtype(base_dtype).kind == "i"
                             else st.integers(0, 7)))
    y = data.draw(hnp.arrays(exponent_dtype, 6, elements=st.integers(0, 255)))
    with np.errstate(all="ignore"):
        want = np.power(x, y)
    got = dg.tensor(x) ** dg.tensor(y)
    assert got.numpy().dtype == want.dtype
    np.testing.assert_array_equal(got.numpy(), want)


def test_large_exponents_on_each_device() -> None:
    """Exponents past 63 (an even base wraps to 0, an odd one cycles), a Python-int base, and
    a negative exponent element (PyTorch's 0 for |base| > 1)."""
    e = np.array([0, 1, 63, 64, 65, 127, 128, 200, 255], dtype=np.uint8)
    np.testing.assert_array_equal((2 ** dg.tensor(e)).numpy(), np.power(np.uint8(2), e))
    for base in (np.int64(3), np.int32(-3), np.int8(5)):
        x = np.full(e.shape, base)
        with np.errstate(all="ignore"):
            want = np.power(x, e.astype(np.int64))
        np.testing.assert_array_equal(dg.pow(dg.tensor(x), dg.tensor(e.astype(np.int64))).numpy(), want)
    got = dg.tensor(np.array([3, 1, -1, 2])) ** dg.tensor(np.array([-1, -3, -3, 70]))
    np.testing.assert_array_equal(got.numpy(), [0, 1, -1, 0])
