"""Shifts of bool tensors as PyTorch's: two bools are refused ("lshift_cpu" not implemented for
'Bool'; numpy gave int8 and XLA int32, so the dtype hung on the device, and a static graph
declared bool), and a bool beside an integer is that integer's dtype, with the integer path's
rules for counts outside the width (numpy's shift of a bool by -4 or 9 is C's undefined
shift). Oracle: Python's shifts on ints, wrapped in the result dtype."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import dualgrad as dg
import dualgrad.static as ds

INTS = [np.int8, np.uint8, np.int32, np.int64]


def _python(x: int, s: int, left: bool, dtype) -> int:
    """PyTorch's shift: 0 (left) or the sign (right) for counts outside [0, width)."""
    width = np.dtype(dtype).itemsize * 8
    if s < 0 or s >= width:
        return 0 if left or x >= 0 else -1
    if not left:
        return x >> s
    wrapped = (x << s) & ((1 << width) - 1)
    signed = np.issubdtype(dtype, np.signedinteger) and wrapped >= 1 << (width - 1)
    return wrapped - (1 << width) if signed else wrapped


@pytest.mark.parametrize("op", ["__lshift__", "__rshift__"])
def test_two_bool_tensors_are_refused(op):
    b = dg.tensor([True, False])
    with pytest.raises(TypeError, match="not implemented for 'Bool': shifts of two bool tensors"):
        getattr(b, op)(b)


@settings(max_examples=20, deadline=None)
@given(dtype=st.sampled_from(INTS), left=st.booleans(), bool_first=st.booleans(), data=st.data())
def test_a_bool_beside_an_integer_shifts_in_the_integers_dtype(dtype, left, bool_first, data):
    n = data.draw(st.integers(1, 8))
    bools = data.draw(arrays(np.bool_, n))
    info = np.iinfo(dtype)
    ints = data.draw(arrays(dtype, n, elements=st.integers(max(info.min, -70), min(info.max, 70))))
    x, s = (bools, ints) if bool_first else (ints, bools)
    out = (dg.tensor(x) << dg.tensor(s)) if left else (dg.tensor(x) >> dg.tensor(s))
    assert out.dtype.np == np.dtype(dtype)
    want = [_python(int(a), int(b), left, dtype) for a, b in zip(x, s, strict=True)]
    np.testing.assert_array_equal(out.numpy(), np.array(want).astype(dtype))


@pytest.mark.cpu_only
def test_the_static_shifts_refuse_two_bools_when_the_graph_is_built():
    graph = ds.Graph()
    with graph.as_default():
        a = ds.placeholder(ds.bool, [2])
        with pytest.raises(TypeError, match="shifts of two bool tensors"):
            ds.bitwise.left_shift(a, a)
