"""A binary op given no graph tensor (two numpy arrays or numbers) builds a graph node, as TF1
converts both operands (`sess.run(tf.add(3, 4))` is 7): it returned numpy's answer at once,
which no Session would run, in numpy's dtype (int32 / int32 was float32, TF1's float64).
Oracle: numpy float64 of the same values and TF1's result dtypes."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad.static as ds
from dualgrad.static.graph import Tensor

_A = np.array([-7, 7, -7, 9], np.int32)
_B = np.array([3, -3, -3, 2], np.int32)
_X = np.array([0.5, -1.5, 2.0, np.nan], np.float32)
_Y = np.array([0.7, 0.3, np.nan, 1.0], np.float32)

# (function, operands, numpy float64 oracle, TF1's result dtype)
_CASES = {
    "add": (ds.add, (_X, _Y), np.add, np.float32),
    "subtract": (ds.subtract, (_A, _B), np.subtract, np.int32),
    "multiply": (ds.multiply, (_X, 2.0), np.multiply, np.float32),
    "realdiv": (ds.realdiv, (_X, _Y), np.divide, np.float32),
    "pow": (ds.pow, (np.array([2, 3], np.int32), np.array([3, 2], np.int32)), np.power, np.int32),
    "maximum": (ds.maximum, (_X, _Y), np.maximum, np.float32),
    "minimum": (ds.minimum, (_X, _Y), np.minimum, np.float32),
    "less": (ds.less, (_X, _Y), np.less, np.bool_),
    "equal": (ds.equal, (_A, _B), np.equal, np.bool_),
    "floormod": (ds.floormod, (_A, _B), np.mod, np.int32),
    "truncatemod": (ds.truncatemod, (_A, _B), np.fmod, np.int32),
    "floordiv": (ds.floordiv, (_A, _B), np.floor_divide, np.int32),
    "div": (ds.div, (_A, _B), np.floor_divide, np.int32),
    "truediv": (ds.truediv, (_A, _B), np.true_divide, np.float64),
    "numbers": (ds.add, (3, 4), np.add, np.int32),
}


@pytest.mark.parametrize("name", sorted(_CASES))
def test_a_binary_op_of_numpy_operands_is_a_graph_node(name, backend) -> None:
    fn, operands, oracle, dtype = _CASES[name]
    out = fn(*operands)
    assert isinstance(out, Tensor)
    got = ds.Session(backend=backend).run(out)
    assert got.dtype == dtype
    want = oracle(*(np.asarray(v, np.float64) for v in operands))
    np.testing.assert_array_equal(np.asarray(got, np.float64), want.astype(dtype).astype(np.float64))


def test_clip_by_value_of_a_numpy_array(backend) -> None:
    out = ds.clip_by_value(np.array([-1.0, 0.2, 3.0], np.float32), 0.0, 1.0)
    assert isinstance(out, Tensor)
    np.testing.assert_array_equal(ds.Session(backend=backend).run(out), np.float32([0.0, 0.2, 1.0]))
