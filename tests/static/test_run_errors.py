"""Ops that fail when the graph runs (shapes that meet only at run time, through `None` dims):
TF1's `InvalidArgumentError` naming the op (graph name and type), the input shapes and dtypes,
the line that built the op and the line of the run, with numpy's or jax's error as its cause,
on both backends and through `make_callable`, `ds.gradients`, `cond` and `while_loop`. The run
commits nothing (an assign ordered before the failing op included) and the session keeps
working: a good run afterwards gives numpy's numbers."""
from __future__ import annotations

import inspect

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad.static as ds
from dualgrad import ops
from dualgrad.errors import DualgradError, IndexShapeError, InvalidArgumentError, InvalidArgumentIndexError

FILE = "test_run_errors.py"
ROWS2, ROWS4 = np.arange(6, dtype=np.float32).reshape(2, 3), np.ones((4, 3), np.float32)


def _line() -> int:
    """The caller's line number (the line that builds an op or runs the graph)."""
    return inspect.currentframe().f_back.f_lineno


def _op(kind: str, name: str, line: int) -> str:
    """The regex of how the error names an op and the line that built it."""
    return rf"{kind} \(op '{name}', created at {FILE}:{line}\)"


def _pair():
    return ds.placeholder(ds.float32, [None, 3]), ds.placeholder(ds.float32, [None, 3])


def test_the_error_is_tf1s_and_a_value_error():
    assert ds.errors.InvalidArgumentError is InvalidArgumentError
    assert issubclass(InvalidArgumentError, ValueError) and issubclass(InvalidArgumentError, DualgradError)
    assert issubclass(InvalidArgumentIndexError, IndexError)
    assert issubclass(InvalidArgumentIndexError, InvalidArgumentError)


def test_run_time_shapes_name_the_op_the_shapes_and_the_users_lines(backend):
    x, y = _pair()
    built = _line(); z = x + y  # noqa: E702 - the line the error must name
    with ds.Session(backend=backend) as sess:
        with pytest.raises(InvalidArgumentError) as caught:
            run = _line(); sess.run(z, {x: ROWS2, y: ROWS4})  # noqa: E702
        text = str(caught.value)
        assert text.startswith(f"add (op 'add', created at {FILE}:{built}): ")
        assert "inputs float32 of shape (2, 3), float32 of shape (4, 3)" in text
        assert text.endswith(f"run at {FILE}:{run}")
        raw = caught.value.__cause__  # numpy's ValueError, jax's TypeError
        assert isinstance(raw, ValueError if backend == "numpy" else TypeError)
        assert not isinstance(raw, DualgradError)
        assert sess.compile_count == 0  # a failed trace compiles nothing
        np.testing.assert_array_equal(sess.run(z, {x: ROWS2, y: ROWS2}), ROWS2 + ROWS2)
        assert sess.compile_count == (1 if backend == "jax" else 0)


def test_a_failed_run_assigns_nothing_and_the_session_keeps_working(backend):
    x, y = _pair()
    count = ds.Variable(0.0)
    w = ds.Variable(np.zeros(3, np.float32))
    bump = count.assign_add(1.0)
    keep = w.assign(ds.ones([3]))
    with ds.control_dependencies([bump, keep]):  # both assigns run before the failing op
        built = _line(); total = ds.reduce_sum(x * y, axis=0)  # noqa: E702
    step = w.assign_add(total)
    with ds.Session(backend=backend) as sess:
        sess.run(ds.global_variables_initializer())
        for _ in range(2):  # the same failure again: nothing cached from the first one
            with pytest.raises(InvalidArgumentError, match=_op("multiply", "multiply", built)):
                sess.run([step, bump], {x: ROWS2, y: ROWS4})
            assert sess.run(count) == 0.0
            np.testing.assert_array_equal(sess.run(w), np.zeros(3, np.float32))
        sess.run(step, {x: ROWS2, y: ROWS2})
        assert sess.run(count) == 1.0
        np.testing.assert_allclose(sess.run(w), 1.0 + (ROWS2 * ROWS2).sum(axis=0))


def test_make_callable_and_gradients_name_the_forward_op(backend):
    x, y = _pair()
    w = ds.Variable(np.ones(3, np.float32))
    built = _line(); z = (x - y) * w  # noqa: E702
    grads = ds.gradients(ds.reduce_sum(z), [w, x])
    with ds.Session(backend=backend) as sess:
        sess.run(w.initializer)
        call = sess.make_callable(grads, [x, y])
        shapes = rf".*\(2, 3\).*\(4, 3\); run at {FILE}:"
        with pytest.raises(InvalidArgumentError, match=_op("subtract", "subtract", built) + shapes):
            call(ROWS2, ROWS4)
        with pytest.raises(InvalidArgumentError, match=rf"created at {FILE}:{built}"):
            sess.run(grads, {x: ROWS2, y: ROWS4})
        gw, gx = call(ROWS2, 2 * ROWS2)
        np.testing.assert_allclose(gw, -ROWS2.sum(axis=0))
        np.testing.assert_array_equal(gx, np.ones((2, 3), np.float32))


def test_errors_inside_cond_and_while_loop_name_the_body_op(backend):
    x, y = _pair()

    def body(i, acc):
        return i + 1, acc * y

    body_line = _line() - 2
    loop_line = _line(); _, looped = ds.while_loop(lambda i, acc: i < 2, body, [0, x])  # noqa: E702
    branch_line = _line(); chosen = ds.cond(ds.placeholder_with_default(True, []), lambda: x + y, lambda: x)  # noqa: E702,E501
    with ds.Session(backend=backend) as sess:
        with pytest.raises(InvalidArgumentError) as caught:
            sess.run(looped, {x: ROWS2, y: ROWS4})
        text = str(caught.value)
        assert f"(op 'while/multiply', created at {FILE}:{body_line})" in text
        assert f"inside While (op 'while/Exit', created at {FILE}:{loop_line})" in text
        assert not isinstance(caught.value.__cause__, DualgradError)  # numpy's or jax's own
        with pytest.raises(InvalidArgumentError, match=_op("add", "cond/add", branch_line) + ".*inside Cond"):
            sess.run(chosen, {x: ROWS2, y: ROWS4})
        np.testing.assert_array_equal(sess.run(looped, {x: ROWS2, y: ROWS2}), ROWS2 ** 3)


def test_index_and_reshape_failures(backend):
    p = ds.placeholder(ds.float32, [None])
    built = _line(); picked = p[5]  # noqa: E702
    reshaped = ds.reshape(p, [-1, 4])
    with ds.Session(backend=backend) as sess:
        named = _op("getitem", "getitem", built) + r".*float32 of shape \(3,\)"
        with pytest.raises(InvalidArgumentIndexError, match=named) as caught:
            sess.run(picked, {p: np.ones(3, np.float32)})
        assert isinstance(caught.value, IndexError)
        with pytest.raises(InvalidArgumentError, match=_op("reshape", "reshape", built + 1)):
            sess.run(reshaped, {p: np.ones(3, np.float32)})
        assert sess.run(picked, {p: np.arange(6, dtype=np.float32)}) == 5.0


def test_a_twin_of_a_compiled_op_names_itself(backend):
    """Plans that compute the same thing share one program (built from the first plan's ops):
    the error names the op the user ran, not its twin."""
    x, y = _pair()
    first = x + y
    built = _line(); twin = x + y  # noqa: E702
    with ds.Session(backend=backend) as sess:
        sess.run(first, {x: ROWS2, y: ROWS2})
        with pytest.raises(InvalidArgumentError, match=_op("add", "add_1", built)):
            sess.run(twin, {x: ROWS2, y: ROWS4})
        with pytest.raises(InvalidArgumentError, match=_op("add", "add", built - 1)):
            sess.run(first, {x: ROWS2, y: ROWS4})


def test_a_kernels_own_error_keeps_its_class_and_gains_the_op():
    params, ids = ds.placeholder(ds.float32, [None]), ds.placeholder(ds.int32, [None])
    built = _line(); picked = ds.gather(params, ids)  # noqa: E702
    with ds.Session(backend="numpy") as sess:
        named = _op("take", "take", built) + r": index 5 is not in \[0, 3\).*int32 of shape \(1,\)"
        with pytest.raises(IndexShapeError, match=named):
            sess.run(picked, {params: np.ones(3, np.float32), ids: np.array([5], np.int32)})


def test_a_fault_that_is_no_bad_input_keeps_its_type(monkeypatch):
    x, y = _pair()
    z = x * y

    def broken(xp, *args, **kwargs):
        raise FloatingPointError("injected kernel fault")

    monkeypatch.setattr(ops.multiply, "kernel", broken)
    with ds.Session(backend="numpy") as sess, pytest.raises(FloatingPointError) as caught:
        sess.run(z, {x: ROWS2, y: ROWS2})
    assert any("op 'multiply'" in note for note in caught.value.__notes__)


@settings(max_examples=20, deadline=None)
@given(st.lists(st.integers(1, 3), min_size=2, max_size=2) | st.just([2, 3]),
       st.lists(st.integers(1, 3), min_size=2, max_size=2))
def test_drawn_shapes_add_as_numpy_does_or_name_both_shapes(a, b):
    ds.reset_default_graph()
    x, y = ds.placeholder(ds.float32, [None, None]), ds.placeholder(ds.float32, [None, None])
    xs, ys = np.ones(a, np.float32), np.full(b, 2.0, np.float32)
    with ds.Session(backend="numpy") as sess:
        try:
            want = np.add(xs.astype(np.float64), ys)
        except ValueError:
            with pytest.raises(InvalidArgumentError, match=rf"of shape \({a[0]}, {a[1]}\), float32 of "
                                                          rf"shape \({b[0]}, {b[1]}\)"):
                sess.run(x + y, {x: xs, y: ys})
            return
        np.testing.assert_array_equal(sess.run(x + y, {x: xs, y: ys}), want)
