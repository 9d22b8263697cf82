"""Issue 10 for the static front end: no silent wrong numbers.

1. TF1 ordering inside one run (SPEC §3): a read ordered after an assign sees its value,
   checked against hand-worked TF1 values and, for random programs, against a pure-Python
   reference interpreter of the SPEC rule (written here, independent of `compile.py`).
2. Creation: ints that do not fit are refused (never wrapped), Python floats into int dtypes
   are TF1's TypeError, and float64 paths keep Python floats exact (numpy float64 oracle).
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad.static as ds
from dualgrad.errors import DualgradError
from dualgrad.static.convert import ValueOverflowError

# -- 1. ordering: hand-worked TF1 values ----------------------------------------------------------


def test_a_read_inside_the_frame_of_its_assign_counts_1_2_3(backend):
    """The issue's example: TF1 fetches 1, 2, 3 (dualgrad fetched 0, 1, 2)."""
    v = ds.Variable(0, dtype=ds.int64)
    with ds.control_dependencies([v.assign_add(1)]):
        y = ds.identity(v)
    with ds.Session(backend=backend) as sess:
        sess.run(v.initializer)
        assert [int(sess.run(y)) for _ in range(3)] == [1, 2, 3]


def test_an_update_in_front_of_the_loss_trains_on_the_updated_value(backend):
    """`with control_dependencies([update]): loss = ...` trains on the updated weight; the
    reference is the same step written out in numpy float64."""
    xs = np.array([1.0, 2.0, 3.0])
    ys = np.array([2.0, 4.0, 7.0])
    w = ds.Variable(np.float64(0.5), name="w")
    update = w.assign_add(1.0)
    with ds.control_dependencies([update]):
        loss = ds.reduce_mean(ds.square(w * xs - ys))
    train = ds.train.GradientDescentOptimizer(0.05).minimize(loss)
    ref_w, ref_losses = 0.5, []
    for _ in range(4):
        ref_w += 1.0
        r = ref_w * xs - ys
        ref_losses.append(np.mean(r ** 2))
        ref_w -= 0.05 * np.mean(2 * r * xs)
    with ds.Session(backend=backend) as sess:
        sess.run(w.initializer)
        losses = [sess.run([loss, train])[0] for _ in range(4)]
        np.testing.assert_allclose(losses, ref_losses, rtol=1e-12)
        np.testing.assert_allclose(sess.run(w), ref_w, rtol=1e-12)


def test_ordering_is_transitive_through_ops_groups_and_nested_frames(backend):
    v = ds.Variable(np.float64(1.0))
    bump = v.assign_add(10.0)
    after_bump = ds.identity(bump) * 0.0          # data dependency on the assign's output
    grouped = ds.group(after_bump)               # a NoOp that depends on it
    with ds.control_dependencies([grouped]):      # control deps on something that depends on it
        with ds.control_dependencies([ds.no_op()]):
            indirect = ds.identity(v)
    data = bump + v                               # a data edge orders the read of v too
    plain = v * 1.0                               # no ordering: the value before the run
    with ds.Session(backend=backend) as sess:
        sess.run(v.initializer)
        got = sess.run([indirect, data, plain])
        np.testing.assert_array_equal(got, [11.0, 22.0, 1.0])
        assert sess.run(v) == 11.0


def test_assign_read_assign_chains_in_order(backend):
    v = ds.Variable(np.float64(2.0))
    first = v.assign(5.0)
    with ds.control_dependencies([first]):
        seen = ds.identity(v)                     # 5
        second = v.assign_add(seen * 10.0)        # 5 + 50
    with ds.control_dependencies([second]):
        last = v * 2.0                            # 110
    with ds.Session(backend=backend) as sess:
        sess.run(v.initializer)
        got = sess.run([seen, last, second])
        np.testing.assert_array_equal(got, [5.0, 110.0, 55.0])
        assert sess.run(v) == 55.0


def test_a_failed_run_after_an_ordered_assign_commits_nothing(backend):
    v = ds.Variable(np.array([1.0, 2.0]))
    poison = v.assign(np.array([np.nan, 0.0]))
    with ds.control_dependencies([poison]):
        checked = ds.debugging.check_numerics(ds.identity(v), "poisoned")
    with ds.Session(backend=backend) as sess:
        sess.run(v.initializer)
        with pytest.raises(DualgradError, match="poisoned"):
            sess.run(checked)
        np.testing.assert_array_equal(sess.run(v), [1.0, 2.0])


# -- 1. ordering: random programs against a reference interpreter of the SPEC rule ---------------

_ASSIGNS = ("Assign", "AssignAdd", "AssignSub")


def _data_inputs(op) -> list:
    if op.type in _ASSIGNS:
        return [op.inputs[1]]
    return [a for a in op.inputs if isinstance(a, ds.Tensor)]


def _deps(op) -> list:
    return [t.op for t in _data_inputs(op)] + list(op.control_inputs)


def reference_run(fetches: list, state: dict) -> tuple[list, dict]:
    """SPEC §3 read literally: prune to what the fetches need; order the ops so each comes
    after its inputs and control inputs, ties by creation order; assigns of one variable
    chain in that order; a read sees the value of the latest assign of its variable among
    its ancestors, else the value from before the run. Python floats throughout."""
    needed, stack = set(), [f.op if isinstance(f, ds.Tensor) else f for f in fetches]
    while stack:
        op = stack.pop()
        if op not in needed:
            needed.add(op)
            stack.extend(_deps(op))
    order: list = []
    while len(order) < len(needed):
        ready = [op for op in needed if op not in order and all(d in order for d in _deps(op))]
        order.append(min(ready, key=lambda op: op._id))

    def ancestors(op) -> set:
        found, todo = set(), list(_deps(op))
        while todo:
            d = todo.pop()
            if d not in found:
                found.add(d)
                todo.extend(_deps(d))
        return found

    values: dict = {}
    chain = dict(state)

    def read(op, t):
        if isinstance(t, ds.Variable):
            mine = [a for a in ancestors(op) if a.type in _ASSIGNS and a.inputs[0] is t]
            return values[max(mine, key=order.index)] if mine else state[t]
        return values[t.op]

    for op in order:
        if op.type == "Const":
            values[op] = float(op.attrs["value"])
        elif op.type in _ASSIGNS:
            var, x = op.inputs[0], read(op, op.inputs[1])
            new = {"Assign": x, "AssignAdd": chain[var] + x, "AssignSub": chain[var] - x}[op.type]
            values[op] = chain[var] = new
        elif op.type in ("Variable", "NoOp"):
            continue
        else:
            args = [read(op, a) if isinstance(a, ds.Tensor) else float(a) for a in op.inputs]
            values[op] = {"reshape_like": lambda a, b: a, "add": lambda a, b: a + b,
                          "multiply": lambda a, b: a * b}[op.type](*args)
    out = [None if not isinstance(f, ds.Tensor) else state[f] if isinstance(f, ds.Variable)
           else values[f.op] for f in fetches]
    return out, chain


# one step of a random program: (kind, variable, operand, control deps, nested frame)
_step = st.tuples(st.sampled_from(["assign", "assign_add", "assign_sub", "read", "read_plus",
                                   "sum", "group"]),
                  st.integers(0, 2), st.integers(0, 40),
                  st.lists(st.integers(0, 40), max_size=2), st.lists(st.integers(0, 40), max_size=2))


def _build(steps, n_vars):
    vs = [ds.Variable(np.float64(i + 1), name=f"v{i}") for i in range(n_vars)]
    made: list = []  # tensors and ops, in creation order

    def pick(i):
        return made[i % len(made)] if made else None

    def tensor(i):
        tensors = [m for m in made if isinstance(m, ds.Tensor)]
        return tensors[i % len(tensors)] if tensors else ds.constant(np.float64(3.0))

    for kind, vi, operand, outer, inner in steps:
        v = vs[vi % n_vars]
        frame_a = [pick(i) for i in outer if made]
        frame_b = [pick(i) for i in inner if made]
        with ds.control_dependencies(frame_a), ds.control_dependencies(frame_b):
            if kind == "assign":
                made.append(v.assign(tensor(operand)))
            elif kind == "assign_add":
                made.append(v.assign_add(tensor(operand)))
            elif kind == "assign_sub":
                made.append(v.assign_sub(1.0))
            elif kind == "read":
                made.append(ds.identity(v))
            elif kind == "read_plus":
                made.append(v + tensor(operand))
            elif kind == "sum":
                made.append(tensor(operand) * 0.5 + tensor(operand + 1))
            else:
                made.append(ds.group(*[pick(i) for i in (operand, operand + 3) if made]))
    return vs, made


@settings(max_examples=25, deadline=None)  # each example compiles a jax program
@given(steps=st.lists(_step, min_size=1, max_size=9), n_vars=st.integers(1, 3),
       fetch=st.lists(st.integers(0, 40), min_size=1, max_size=4))
def test_random_programs_follow_the_ordering_rule_on_both_backends(steps, n_vars, fetch):
    ds.reset_default_graph()
    vs, made = _build(steps, n_vars)
    fetches = [made[i % len(made)] for i in fetch]
    state0 = {v: float(i + 1) for i, v in enumerate(vs)}
    ref_state, ref_runs = dict(state0), []
    for _ in range(2):
        out, ref_state = reference_run(fetches, ref_state)
        ref_runs.append((out, dict(ref_state)))
    for backend in ("jax", "numpy"):
        with ds.Session(backend=backend) as sess:
            sess.run(ds.global_variables_initializer())
            for out, after in ref_runs:
                got = sess.run(fetches)
                assert got == pytest.approx(out, rel=1e-12), backend
                assert sess.run(vs) == pytest.approx([after[v] for v in vs], rel=1e-12), backend


# -- 2. creation: no overflow, no precision loss ---------------------------------------------------


def _run(t, feed=None, backend="numpy"):
    with ds.Session(backend=backend) as sess:
        sess.run(ds.global_variables_initializer())
        return sess.run(t, feed)


def test_an_int_that_does_not_fit_is_refused_everywhere_it_can_enter():
    """TF1 refuses these; dualgrad wrapped them (2**40 fed to int32 gave 0, 2**63 became 0)."""
    i32 = ds.placeholder(ds.int32, shape=(None,))
    with pytest.raises(ValueOverflowError, match="int32"):
        _run(i32, {i32: [2**40]})
    with pytest.raises(ValueOverflowError, match="int32"):
        _run(i32, {i32: np.array([1, -(2**31) - 1], np.int64)})
    with pytest.raises(OverflowError):
        ds.Variable([2**63])
    with pytest.raises(OverflowError):
        ds.constant(2**40, dtype=ds.int32)
    with pytest.raises(OverflowError):
        ds.fill([2], 2**64)
    v = ds.Variable(np.int32([1]))
    with pytest.raises(OverflowError):
        v.assign(2**40)
    with pytest.raises(TypeError, match="int64 value to variable"):
        v.assign(ds.constant([2**40]))
    with pytest.raises(OverflowError, match="add"):
        v + 2**40
    with pytest.raises(OverflowError, match="add"):
        v + np.array([2**40])
    with pytest.raises(OverflowError):
        ds.random_uniform([2], 0, 2**40, dtype=ds.int32)
    with pytest.raises(OverflowError):
        ds.get_variable("big", shape=[2], dtype=ds.int32, initializer=ds.constant_initializer(2**40))
    with pytest.raises(TypeError, match="Expected int32"):
        ds.get_variable("half", shape=[2], dtype=ds.int32, initializer=ds.constant_initializer(1.5))
    with ds.Session(backend="numpy") as sess:
        sess.run(v.initializer)
        with pytest.raises(OverflowError):
            v.load([2**40], sess)
        np.testing.assert_array_equal(sess.run(v), [1])


def test_a_python_float_into_an_int_dtype_is_tf1s_type_error():
    with pytest.raises(TypeError, match=r"Expected int32, got 1.5 of type 'float' instead."):
        ds.constant(1.5, dtype=ds.int32)
    with pytest.raises(TypeError, match="Expected int64"):
        ds.Variable([1, 2.0], dtype=ds.int64)
    with pytest.raises(TypeError, match="Expected int32"):
        ds.constant(np.array([1.0, 2.5]), dtype=ds.int32)
    np.testing.assert_array_equal(_run(ds.constant(np.array([1.0, -2.0]), dtype=ds.int32)), [1, -2])


def test_python_ints_take_int32_or_int64_as_tf1():
    assert ds.constant([1, 2]).dtype is ds.int32
    big = ds.constant([1, 2**40])
    assert big.dtype is ds.int64
    np.testing.assert_array_equal(_run(big), np.array([1, 2**40], np.int64))
    assert ds.constant([-(2**63), 2**63 - 1]).dtype is ds.int64


_floats = st.floats(allow_nan=False, allow_infinity=False, allow_subnormal=True)
_float_data = st.one_of(_floats, st.lists(_floats, min_size=1, max_size=4),
                        st.lists(st.lists(_floats, min_size=2, max_size=2), min_size=1, max_size=3))


@settings(max_examples=60, deadline=None)
@given(data=_float_data)
def test_float64_paths_keep_python_floats_exact(data):
    """Every static way in for Python floats with float64 asked for holds the doubles
    themselves (numpy float64 is the oracle), and float32 rounds exactly once."""
    ds.reset_default_graph()
    want = np.array(data, dtype=np.float64)
    ph = ds.placeholder(ds.float64, shape=want.shape)
    v = ds.Variable(data, dtype=ds.float64)
    loaded = ds.Variable(np.zeros(want.shape))
    first = want.flat[0]
    filled = ds.fill([2], np.float64(first))
    initialised = ds.get_variable("init", shape=[2], dtype=ds.float64,
                                  initializer=ds.constant_initializer(float(first)))
    with ds.Session(backend="numpy") as sess:
        sess.run(ds.global_variables_initializer())
        loaded.load(data, sess)
        got = sess.run([ds.constant(data, dtype=ds.float64), v, ph, loaded, filled, initialised,
                        ds.constant(data, dtype=ds.float32), ds.fill([2], float(first))],
                       {ph: data})
    for g in got[:4]:
        np.testing.assert_array_equal(g, want)
        assert np.asarray(g).dtype == np.float64
    np.testing.assert_array_equal(got[4], [first, first])
    np.testing.assert_array_equal(got[5], [first, first])
    with np.errstate(over="ignore"):  # beyond float32's range: inf, as numpy rounds it
        np.testing.assert_array_equal(got[6], want.astype(np.float32))
        np.testing.assert_array_equal(got[7], np.float32([first, first]))


@settings(max_examples=60, deadline=None)
@given(value=st.integers(-(2**70), 2**70), dtype=st.sampled_from(["int32", "int64", "uint8"]))
def test_python_ints_fit_exactly_or_are_refused(value, dtype):
    ds.reset_default_graph()
    d = ds.as_dtype(dtype)
    info = np.iinfo(d.np)
    fits = info.min <= value <= info.max
    ph = ds.placeholder(d, shape=())
    if fits:
        assert int(_run(ds.constant(value, dtype=d))) == value
        assert int(_run(ds.Variable(value, dtype=d))) == value
        if -(2**63) <= value < 2**63:
            assert int(_run(ph, {ph: value})) == value
    else:
        with pytest.raises(OverflowError):
            ds.constant(value, dtype=d)
        with pytest.raises(OverflowError):
            ds.Variable([value], dtype=d)
        if -(2**63) <= value < 2**63:
            with pytest.raises(ValueError):  # refused as a feed, never wrapped
                _run(ph, {ph: value})


# -- 4. no silently ignored arguments --------------------------------------------------------------

_BOGUS = "definitely_not_an_argument"


def _public_callables():
    """Every public function and class of ds, ds.nn and ds.train, and every public method of
    the objects a user holds (Variable, Tensor, Operation, Graph, Session, optimizers)."""
    found = []
    for mod, prefix in ((ds, "ds"), (ds.nn, "ds.nn"), (ds.train, "ds.train")):
        for name in mod.__all__:
            obj = getattr(mod, name)
            if callable(obj) and not isinstance(obj, ds.DType) and obj not in (ds.Tensor, ds.Operation) \
                    and name != "Saver":  # the checkpoint module is checked in its own tests
                found.append((f"{prefix}.{name}", obj))
    g = ds.Graph()
    with g.as_default():
        v = ds.Variable(1.0)
        t = v * 2.0
        holders = [("Variable", v), ("Tensor", t), ("Operation", t.op), ("Graph", g),
                   ("Session", ds.Session(graph=g)), ("Adam", ds.train.AdamOptimizer()),
                   ("Momentum", ds.train.MomentumOptimizer(0.1, 0.9))]
    for label, obj in holders:
        for name in dir(obj):
            member = getattr(obj, name)
            if not name.startswith("_") and callable(member) and not isinstance(member, type):
                found.append((f"{label}.{name}", member))
    return found


@pytest.mark.parametrize("name,fn", _public_callables(), ids=lambda x: x if isinstance(x, str) else "")
def test_every_public_static_callable_refuses_an_unknown_keyword(name, fn):
    with pytest.raises(TypeError, match=_BOGUS):
        fn(**{_BOGUS: 1})


def test_a_misspelt_var_list_does_not_train_every_variable():
    w = ds.Variable(1.0, name="w")
    ds.Variable(2.0, name="other")
    loss = ds.square(w)
    with pytest.raises(TypeError, match="var_lst"):
        ds.train.GradientDescentOptimizer(0.1).minimize(loss, var_lst=[w])


def test_minimize_without_any_gradient_is_tf1s_value_error():
    w = ds.Variable(np.ones(3, np.float32), name="w")
    unrelated = ds.Variable(1.0, name="unrelated")
    through_int = ds.reduce_sum(ds.cast(ds.cast(w * 2.7, ds.int32), ds.float32))
    opt = ds.train.GradientDescentOptimizer(0.1)
    with pytest.raises(ValueError, match=r"No gradients provided for any variable, check your graph "
                                         r"for ops that do not support gradients, between variables"):
        opt.minimize(ds.square(unrelated) * 0.0 + ds.reduce_sum(ds.constant([1.0])), var_list=[w])
    with pytest.raises(ValueError, match=r"No gradients provided for any variable.*w:0.*and loss"):
        opt.minimize(through_int, var_list=[w])
    with pytest.raises(ValueError, match="Invalid type int32"):
        opt.minimize(ds.cast(ds.reduce_sum(w), ds.int32))


def test_grad_loss_weights_the_loss_as_tf1():
    w = ds.Variable(np.float64(3.0))
    opt = ds.train.GradientDescentOptimizer(0.5)
    (g, _), = opt.compute_gradients(ds.square(w), grad_loss=ds.constant(np.float64(0.25)))
    assert _run(g) == 0.25 * 2 * 3.0
