"""Issue 10's last siblings: Python lists as eager operands, out-of-range writes into integer
tensors, one overflow error class, and the user's line behind a generator-based `with`."""
from __future__ import annotations

import functools
import math
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
import dualgrad.eager.convert as eager_convert
import dualgrad.errors as errors
import dualgrad.static as ds
import dualgrad.static.convert as static_convert
from dualgrad.static.graph import Graph

HERE = os.path.basename(__file__)


# -- one ValueOverflowError ---------------------------------------------------------------------
def test_one_overflow_error_class_for_eager_and_static():
    assert eager_convert.ValueOverflowError is errors.ValueOverflowError
    assert static_convert.ValueOverflowError is errors.ValueOverflowError
    for python_type in (OverflowError, ValueError, RuntimeError, errors.DualgradError):
        assert issubclass(errors.ValueOverflowError, python_type)


# -- user_frame behind contextlib and functools -------------------------------------------------
def test_an_error_on_entering_a_dualgrad_with_names_the_users_line(monkeypatch):
    # ds.variable_scope is a @contextlib.contextmanager whose body opens a name scope on entry.
    # Routing that call through functools.partialmethod into a dualgrad check that refuses a
    # str puts contextlib's and functools' frames between the user's line and the raise.
    monkeypatch.setattr(Graph, "name_scope", functools.partialmethod(Graph.control_dependencies))
    with ds.Graph().as_default():
        with pytest.raises(errors.DTypeError) as info:
            with ds.variable_scope("layer"):  # the line the error must name
                pass
    line = info.traceback[0].lineno + 1  # the `with` line (pytest counts from 0)
    assert f"(at {HERE}:{line})" in str(info.value)
    assert "contextlib" not in str(info.value) and "functools" not in str(info.value)


# -- Python lists as eager operands: refused, as PyTorch refuses them ---------------------------
def _t64():
    return dg.tensor([1.0, 2.0], dtype=dg.float64)


LIST_OPERANDS = {
    "dg.add": lambda t: dg.add(t, [0.7]), "dg.sub": lambda t: dg.sub(t, [0.7]),
    "dg.mul": lambda t: dg.mul(t, [0.7]), "dg.div": lambda t: dg.div(t, [0.7]),
    "dg.maximum": lambda t: dg.maximum(t, [0.7, 0.1]), "dg.matmul": lambda t: dg.matmul(t, [0.7, 0.1]),
    "t + list": lambda t: t + [0.7], "list + t": lambda t: [0.7] + t, "t * tuple": lambda t: t * (0.7,),
    "t - list": lambda t: t - [0.7], "t / list": lambda t: t / [0.7], "t ** list": lambda t: t ** [0.7],
    "t @ list": lambda t: t @ [0.7, 0.1],
    "t < list": lambda t: t < [0.7, 3.0], "t.add(list)": lambda t: t.add([0.7]),
    "t.mul(list)": lambda t: t.mul([0.7]), "dg.where(list)": lambda t: dg.where(t > 1.5, t, [0.7, 0.7]),
    "masked_fill(list)": lambda t: t.masked_fill(t > 1.5, [0.7]),
}
LIST_INPLACE = {
    "t.add_(list)": lambda t: t.add_([0.7]), "t.mul_(list)": lambda t: t.mul_([0.7]),
    "t += list": lambda t: t.__iadd__([0.7]), "t.copy_(list)": lambda t: t.copy_([0.7, 0.1]),
    "t == list": lambda t: t == [1.0, 0.7],  # (refused too, where PyTorch answers False)
}


@pytest.mark.parametrize("name", sorted({**LIST_OPERANDS, **LIST_INPLACE}))
def test_a_list_operand_is_refused_naming_the_op_and_line(name):
    fn = {**LIST_OPERANDS, **LIST_INPLACE}[name]
    t = _t64()
    with pytest.raises(TypeError) as info:
        fn(t)
    assert isinstance(info.value, errors.DualgradError)
    assert "list" in str(info.value) or "tuple" in str(info.value)
    assert f"at {HERE}:" in str(info.value)
    np.testing.assert_array_equal(t.numpy(), [1.0, 2.0])  # unchanged


@pytest.mark.parametrize("name", sorted(LIST_OPERANDS))
def test_pytorch_refuses_the_same_list_operands(torch, name):
    # the same calls spelled in torch; a TypeError each (the oracle for refusing)
    spelled = {
        "dg.add": lambda t: torch.add(t, [0.7]), "dg.sub": lambda t: torch.sub(t, [0.7]),
        "dg.mul": lambda t: torch.mul(t, [0.7]), "dg.div": lambda t: torch.div(t, [0.7]),
        "dg.maximum": lambda t: torch.maximum(t, [0.7, 0.1]),
        "dg.matmul": lambda t: torch.matmul(t, [0.7, 0.1]),
        "dg.where(list)": lambda t: torch.where(t > 1.5, t, [0.7, 0.7]),
    }
    t = torch.tensor([1.0, 2.0], dtype=torch.float64)
    with pytest.raises(TypeError):
        spelled.get(name, LIST_OPERANDS[name])(t)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=4))
def test_a_list_written_into_a_float64_tensor_keeps_python_floats_exact(values):
    expected = np.array(values, dtype=np.float64)  # numpy float64: the oracle
    plain = dg.zeros(len(values), dtype=dg.float64)
    plain[:] = values
    recorded = dg.zeros(len(values), dtype=dg.float64, requires_grad=True) * 1.0
    recorded[:] = values  # the recorded (CopySlices) path
    for t in (plain, recorded):
        np.testing.assert_array_equal(t.detach().numpy(), expected)


@settings(max_examples=30, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300))
def test_static_list_operand_takes_the_float64_tensors_dtype_exactly(v):
    x = ds.constant([1.0, 2.0], dtype=ds.float64)
    with ds.Session() as sess:
        got = sess.run([x + [v], ds.multiply(x, [v])])
    np.testing.assert_array_equal(got[0], np.array([1.0, 2.0]) + np.float64(v))
    np.testing.assert_array_equal(got[1], np.array([1.0, 2.0]) * np.float64(v))


# -- out-of-range writes into integer tensors --------------------------------------------------
INT_DTYPES = ("int8", "int16", "int32", "int64", "uint8")


def _stored(v: int, name: str) -> int | None:
    """What PyTorch stores for the Python int v in an int tensor, None where it raises: the value
    when it fits; for uint8, -255..-1 wrap (PyTorch's two's-complement allowance)."""
    info = np.iinfo(name)
    if info.min <= v <= info.max:
        return v
    if name == "uint8" and -int(info.max) <= v < 0:
        return v & int(info.max)
    return None


INT_WRITES = {
    "t[0] = v": lambda t, v: t.__setitem__(0, v),
    "t[:] = v": lambda t, v: t.__setitem__(slice(None), v),
    "t[mask] = v": lambda t, v: t.__setitem__(np.array([[True, False], [False, True]]), v),
    "t[0] = [v, 1]": lambda t, v: t.__setitem__(0, [v, 1]),
    "t.fill_(v)": lambda t, v: t.fill_(v),
    "fill_diagonal_": lambda t, v: t.fill_diagonal_(v),
    "scatter_(value=v)": lambda t, v: t.scatter_(0, dg.tensor([[1, 0]]), value=v),
}


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(INT_DTYPES), st.sampled_from(sorted(INT_WRITES)),
       st.one_of(st.integers(-(2**70), 2**70), st.integers(-300, 300),
                 st.sampled_from([2**31, -(2**31) - 1, 2**63, -(2**63) - 1, 2**40, 128, 256])))
def test_an_int_written_into_an_int_tensor_is_stored_exactly_or_refused(name, how, v):
    t = dg.tensor([[1, 2], [3, 4]], dtype=getattr(dg, name))
    before = t.numpy().copy()
    want = _stored(v, name)
    if want is None:
        with pytest.raises(errors.ValueOverflowError, match=r"cannot be converted|outside int64") as info:
            INT_WRITES[how](t, v)
        assert f"at {HERE}:" in str(info.value)
        np.testing.assert_array_equal(t.numpy(), before)
    else:
        INT_WRITES[how](t, v)
        assert want in t.numpy().ravel().tolist()


@pytest.mark.parametrize("how", sorted(INT_WRITES))
@pytest.mark.parametrize("v", [math.nan, math.inf, -math.inf, 1e20])
def test_nan_inf_and_huge_floats_into_an_int_tensor_are_refused(how, v):
    t = dg.tensor([[1, 2], [3, 4]], dtype=dg.int32)
    with pytest.raises(errors.ValueOverflowError):
        INT_WRITES[how](t, v)
    np.testing.assert_array_equal(t.numpy(), [[1, 2], [3, 4]])


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(("int8", "int16", "int32", "int64")), st.integers(-(2**63), 2**63 - 1))
def test_where_and_masked_fill_refuse_an_int_the_result_cannot_hold(name, v):
    t = dg.tensor([1, 2], dtype=getattr(dg, name))
    cond = dg.tensor([False, True])
    fits = _stored(v, name) == v
    for fn in (lambda: dg.where(cond, t, v), lambda: t.masked_fill(~cond, v)):
        if fits:
            assert fn().tolist() == [v, 2]  # Python ints: the oracle
        else:
            with pytest.raises(errors.ValueOverflowError, match=name):
                fn()


def test_static_where_refuses_an_int_the_result_cannot_hold():
    x = ds.constant([1], dtype=ds.int32)
    with ds.Session() as sess, pytest.raises(errors.ValueOverflowError, match="int32"):
        sess.run(ds.where(ds.constant([False]), x, 2**40))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(-100, 100), min_size=1, max_size=5),
       st.floats(-150, 150, allow_nan=False, allow_subnormal=False, width=32),  # XLA flushes f32 subnormals
       st.booleans())
def test_clamping_an_int_tensor_by_a_float_promotes_as_pytorch(values, bound, as_max):
    t = dg.tensor(values, dtype=dg.int32)
    kw = {"max" if as_max else "min": bound}
    got = t.clamp(**kw)
    low, high = (None, np.float32(bound)) if as_max else (np.float32(bound), None)
    expected = np.clip(np.array(values, np.float32), low, high)  # numpy, in the default float
    assert got.dtype == dg.float32
    np.testing.assert_array_equal(got.numpy(), expected)
    with pytest.raises(RuntimeError, match="can't be cast"):
        t.clamp_(**kw)
    assert t.tolist() == values


def test_int_writes_and_clamp_match_torch(torch):
    tt = torch.tensor([1, 2, 3], dtype=torch.int32)
    with pytest.raises(RuntimeError, match="overflow"):
        tt[0] = 2**40
    with pytest.raises(RuntimeError, match="overflow"):
        tt.fill_(math.nan)
    assert tt.tolist() == [1, 2, 3]
    assert tt.clamp(max=2.5).tolist() == dg.tensor([1, 2, 3], dtype=dg.int32).clamp(max=2.5).tolist()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(-100, 100), min_size=1, max_size=5), st.floats(-1e3, 1e3, allow_nan=False))
def test_masked_fill_converts_a_number_to_the_inputs_dtype_as_pytorch(values, v):
    t = dg.tensor(values, dtype=dg.int32)
    got = t.masked_fill(t > 0, v)
    assert got.dtype == dg.int32
    assert got.tolist() == [int(v) if x > 0 else x for x in values]  # Python's truncation: the oracle
    f64 = dg.tensor([float(x) for x in values], dtype=dg.float64)
    assert f64.masked_fill(f64 > 0, v).tolist() == [v if x > 0 else float(x) for x in values]


def test_a_list_clamp_bound_is_refused():
    t = dg.tensor([1, 2, 3], dtype=dg.int32)
    for call in (lambda: t.clamp(min=[1.5]), lambda: t.clamp_(max=(2,)), lambda: dg.clamp(t, [0], None)):
        with pytest.raises(TypeError, match="bound must be a number"):
            call()
    assert t.tolist() == [1, 2, 3]


@pytest.mark.parametrize("v", [math.nan, math.inf, 1e20])
def test_an_int_masked_fill_by_a_float_it_cannot_hold_is_refused(v):
    t = dg.tensor([1, 2, 3], dtype=dg.int32)
    with pytest.raises(RuntimeError, match="overflow"):
        t.masked_fill(t > 1, v)
    assert t.tolist() == [1, 2, 3]


def test_an_int_masked_fill_matches_torch(torch):
    t = dg.tensor([1, 2, 3], dtype=dg.int32)
    tt = torch.tensor([1, 2, 3], dtype=torch.int32)
    assert t.masked_fill(t > 1, 2.5).tolist() == tt.masked_fill(tt > 1, 2.5).tolist()
    with pytest.raises(RuntimeError, match="overflow"):
        tt.masked_fill(tt > 1, math.nan)
    with pytest.raises(RuntimeError, match="overflow"):
        t.masked_fill(t > 1, math.nan)
