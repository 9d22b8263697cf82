"""Trust in the static front end (dualgrad/static/): run-time checks inside control flow fire,
static shapes of slices are TF1's and match the run, and TF1's corner rules of switch_case,
matmul, ensure_shape, set_shape and sparse_to_dense.

Checks inside a `cond` branch or a `while_loop` body (`ds.Assert`, `ds.debugging.assert_*`,
`check_numerics`, `ds.Print`) used to pass silently on both backends: the branch's checks never
left its sub-program. They fire now where their branch or iteration runs, never in the branch
not taken; the oracle is the condition written out in Python."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad.static as ds

HERE = r"test_static_trust_more\.py:\d+"


def _guarded(value, check):
    """`value`, computed after the Operation `check` (TF1's idiom for an assertion)."""
    with ds.control_dependencies([check]):
        return ds.identity(value)


# -- 1. checks inside control flow -------------------------------------------------------------


def _counting_loop(stop, bad, kind: str):
    """A loop over i = 0, 1, ... while i < stop whose body's check fails when i == bad."""
    def body(i, acc):
        if kind == "Assert":
            check = ds.Assert(ds.not_equal(i, bad), ["iteration", i])
        elif kind == "assert_equal":
            check = ds.debugging.assert_equal(ds.cast(ds.equal(i, bad), ds.int32), 0)
        else:  # check_numerics: log(0) at i == bad
            logged = ds.check_numerics(ds.log(ds.cast(ds.abs(i - bad), ds.float64)), "loop log")
            return i + 1, acc + ds.cast(i, ds.float64) + 0.0 * ds.minimum(logged, 0.0)
        return i + 1, _guarded(acc + ds.cast(i, ds.float64), check)
    return ds.while_loop(lambda i, acc: i < stop, body, [ds.constant(0), ds.constant(0.0, ds.float64)])


@pytest.mark.parametrize("kind", ["Assert", "assert_equal", "check_numerics"])
def test_a_check_in_a_while_body_fires_on_the_failing_iteration_only(backend, kind):
    stop = ds.placeholder(ds.int32, [])
    i, acc = _counting_loop(stop, 3, kind)
    counter = ds.Variable(0.0, dtype=ds.float64)
    with ds.control_dependencies([acc]):
        bump = ds.assign_add(counter, 1.0)
    error = ds.errors.InvalidArgumentError if kind != "check_numerics" else ValueError
    with ds.Session(backend=backend) as sess:
        sess.run(counter.initializer)
        for n in range(4):  # iterations 0..n-1 never reach i == 3
            assert sess.run([i, acc, bump], {stop: n}) == [n, sum(range(n)), n + 1.0]
        for n in (4, 7):
            with pytest.raises(error, match=HERE if kind != "check_numerics" else "loop log"):
                sess.run(bump, {stop: n})
        assert sess.run(counter) == 4.0  # a failed run commits nothing


@pytest.mark.parametrize("taken", [True, False])
def test_a_check_fires_only_in_the_branch_taken(backend, taken):
    x = ds.placeholder(ds.float64, [])
    which = ds.placeholder(ds.bool, [])

    def failing():
        return _guarded(x + 1.0, ds.debugging.assert_positive(x, message="x must be positive"))

    out = ds.cond(which, failing, lambda: x - 1.0) if taken else ds.cond(which, lambda: x - 1.0, failing)
    with ds.Session(backend=backend) as sess:
        assert sess.run(out, {x: 2.0, which: True}) == (3.0 if taken else 1.0)
        # the failing branch: only where it is the one the predicate picks
        assert sess.run(out, {x: -2.0, which: not taken}) == -3.0
        with pytest.raises(ds.errors.InvalidArgumentError, match="x must be positive.*" + HERE):
            sess.run(out, {x: -2.0, which: taken})


def test_nested_checks_fire_through_every_level(backend):
    """An Assert in a cond inside a while body inside a cond: fires only when every level
    reaches it (outer branch taken, the iteration where the inner branch is taken and fails)."""
    n = ds.placeholder(ds.int32, [])
    outer = ds.placeholder(ds.bool, [])

    def loop():
        def body(i, acc):
            inner = ds.cond(ds.equal(i % 2, 1),
                            lambda: _guarded(acc + 1.0, ds.Assert(ds.less(i, 5), ["odd i too big", i])),
                            lambda: acc + 10.0)
            return i + 1, inner
        return ds.while_loop(lambda i, acc: i < n, body, [ds.constant(0), ds.constant(0.0, ds.float64)])[1]

    out = ds.cond(outer, loop, lambda: ds.constant(-1.0, ds.float64))
    with ds.Session(backend=backend) as sess:
        assert sess.run(out, {n: 5, outer: True}) == 32.0  # i = 0..4: +10 +1 +10 +1 +10
        assert sess.run(out, {n: 6, outer: False}) == -1.0
        for steps in (6, 9):  # i = 5 is odd: its branch runs and fails
            with pytest.raises(ds.errors.InvalidArgumentError, match="odd i too big.*" + HERE):
                sess.run(out, {n: steps, outer: True})


def test_a_check_inside_a_while_inside_a_cond_branch_not_taken_stays_quiet(backend):
    x = ds.placeholder(ds.float64, [])

    def loop():
        def body(k, v):
            return k + 1, ds.check_numerics(v * x, "overflow")
        return ds.while_loop(lambda k, v: k < 400, body, [0, ds.constant(10.0, ds.float64)])[1]

    out = ds.cond(x < 100.0, loop, lambda: x)
    with ds.Session(backend=backend) as sess:
        assert sess.run(out, {x: 1.0}) == 10.0
        assert sess.run(out, {x: 1000.0}) == 1000.0  # (x * 10 ** 400 would overflow)
        with pytest.raises(ValueError, match="overflow"):
            sess.run(out, {x: 50.0})


def test_print_in_a_loop_prints_each_iteration_and_not_in_the_branch_not_taken(backend, capsys):
    n = ds.placeholder(ds.int32, [])

    def body(i, acc):
        shown = ds.Print(acc, [i, acc], message="step: ")
        skipped = ds.cond(i < 0, lambda: ds.Print(acc, [acc], message="never: "), lambda: acc)
        return i + 1, shown + skipped + 1.0

    out = ds.while_loop(lambda i, acc: i < n, body, [ds.constant(0), ds.constant(0.0, ds.float64)])[1]
    with ds.Session(backend=backend) as sess:
        assert sess.run(out, {n: 3}) == 7.0  # acc: 0 -> 1 -> 3 -> 7
        if backend == "jax":
            import jax

            jax.effects_barrier()
    assert capsys.readouterr().err.splitlines() == ["step: 00.0", "step: 11.0", "step: 23.0"]


@pytest.mark.parametrize("api", ["switch_case", "case"])
def test_checks_in_case_branches(backend, api):
    k = ds.placeholder(ds.int32, [])
    x = ds.placeholder(ds.float64, [])

    def checked():
        return _guarded(x * 2.0, ds.debugging.assert_non_negative(x, message="branch one"))

    fns = [lambda: x + 0.0, checked, lambda: x - 100.0]
    if api == "switch_case":
        out = ds.switch_case(k, fns)
    else:
        out = ds.case([(ds.equal(k, j), f) for j, f in enumerate(fns)], default=fns[2])
    with ds.Session(backend=backend) as sess:
        assert [sess.run(out, {k: j, x: -1.0}) for j in (0, 2)] == [-1.0, -101.0]
        assert sess.run(out, {k: 1, x: 3.0}) == 6.0
        with pytest.raises(ds.errors.InvalidArgumentError, match="branch one.*" + HERE):
            sess.run(out, {k: 1, x: -1.0})


@pytest.mark.parametrize("api", ["map_fn", "scan", "foldl", "foldl_unknown"])
def test_checks_in_functional_ops(backend, api):
    xs = ds.placeholder(ds.float64, [None] if api == "foldl_unknown" else [4])

    def positive(v, out):
        return _guarded(out, ds.debugging.assert_positive(v, message=f"{api} element"))

    if api == "map_fn":
        out = ds.reduce_sum(ds.map_fn(lambda v: positive(v, v * 2.0), xs))
    elif api == "scan":
        out = ds.reduce_sum(ds.scan(lambda acc, v: positive(v, acc + v), xs))
    else:
        out = ds.foldl(lambda acc, v: positive(v, acc + v), xs, initializer=ds.constant(0.0, ds.float64))
    good, bad = np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 2.0, -3.0, 4.0])
    want = {"map_fn": 20.0, "scan": 20.0}.get(api, 10.0)
    with ds.Session(backend=backend) as sess:
        assert sess.run(out, {xs: good}) == want
        with pytest.raises(ds.errors.InvalidArgumentError, match=f"{api} element.*" + HERE):
            sess.run(out, {xs: bad})


def test_a_cond_check_past_maximum_iterations_is_not_run(backend):
    """The loop's `cond` is not evaluated once `maximum_iterations` is reached (as numpy's
    short-circuit), so its check cannot fail there; before that it does."""
    limit = ds.placeholder(ds.int32, [])

    def more(i):
        return _guarded(i < 100, ds.Assert(ds.less(i, 3), ["cond saw", i]))

    for maximum in (3, 4):
        out = ds.while_loop(more, lambda i: i + 1, [ds.constant(0)], maximum_iterations=maximum)
        with ds.Session(backend=backend) as sess:
            if maximum == 3:
                assert sess.run(out, {limit: 0}) == 3
            else:
                with pytest.raises(ds.errors.InvalidArgumentError, match="cond saw"):
                    sess.run(out, {limit: 0})


def test_gradients_through_a_checked_loop(backend):
    x = ds.placeholder(ds.float64, [])

    def body(i, acc):
        return i + 1, _guarded(acc * x, ds.debugging.assert_less(acc, 50.0, message="acc grew"))

    out = ds.while_loop(lambda i, acc: i < 3, body, [ds.constant(0), ds.constant(1.0, ds.float64)])[1]
    (grad,) = ds.gradients(out, [x])
    with ds.Session(backend=backend) as sess:
        assert sess.run([out, grad], {x: 2.0}) == [8.0, 12.0]  # x ** 3, 3 x ** 2
        with pytest.raises(ds.errors.InvalidArgumentError, match="acc grew"):
            sess.run(grad, {x: 10.0})  # acc: 1, 10, 100 (fails before the third product)


# -- 2. static shapes of slices ------------------------------------------------------------------

# (input shape, begin, end, strides, masks, TF1's static shape): tf.compat.v1 2.21's shape
# inference, written out. A dim unknown when the graph is built stays unknown (it may be 0).
STRIDED = [
    ((None, 4), [0, 0], [1, 4], [1, 1], {}, (None, 4)),
    ((None, 4), [2, 0], [5, 4], [1, 1], {}, (None, 4)),
    ((None, 4), [-3, 0], [-1, 4], [1, 1], {}, (None, 4)),
    ((None, 4), [0, 1], [1, 3], [1, 1], {"new_axis_mask": 1}, (1, None, 4)),
    ((None, 4), [0], [1], [1], {"shrink_axis_mask": 1}, (4,)),
    ((None, 4), [0, 0], [0, 0], [1, 1], {"begin_mask": 1, "end_mask": 1}, (None, 0)),
    ((5, 4), [1, 0], [-1, 4], [2, 1], {}, (2, 4)),
    ((5, None), [4, 0], [0, 0], [-2, 1], {"end_mask": 3}, (3, None)),
    ((None, 3, 4), [0, 1], [0, 3], [1, 1], {"ellipsis_mask": 1}, (None, 3, 2)),
    ((None, 3, 4), [0, 2], [0, 0], [1, -1], {"ellipsis_mask": 1, "end_mask": 2}, (None, 3, 3)),
    ((None, None), [1, 0], [0, 0], [1, 1], {"ellipsis_mask": 2, "shrink_axis_mask": 1}, (None,)),
    ((3, None), [0, 0], [2, 7], [1, 3], {}, (2, None)),
    ((6,), [-1], [0], [-2], {"end_mask": 1}, (3,)),
    ((6,), [7], [9], [1], {}, (0,)),
    ((None,), [0], [0], [1], {"new_axis_mask": 1}, (1, None)),
]
SLICES = [  # (input shape, begin, size, TF1's static shape)
    ((None, 4), [1, 0], [2, -1], (2, 4)),
    ((None, 4), [3, 1], [-1, 2], (None, 2)),
    ((None, None), [0, 2], [0, 1], (0, 1)),
    ((5, None), [2, 0], [-1, 3], (3, 3)),
]


def _fed(shape, fill):
    return np.arange(int(np.prod([fill if d is None else d for d in shape])), dtype=np.float32).reshape(
        [fill if d is None else d for d in shape])


def test_strided_slice_and_slice_static_shapes_are_tf1s_and_fit_the_run(backend):
    outs = []
    for shape, b, e, s, masks, want in STRIDED:
        x = ds.placeholder(ds.float32, shape)
        y = ds.strided_slice(x, b, e, s, **masks)
        assert y.shape == want, (shape, b, e, s, masks)
        outs.append((x, y))
    for shape, b, size, want in SLICES:
        x = ds.placeholder(ds.float32, shape)
        y = ds.slice(x, b, size)
        assert y.shape == want, (shape, b, size)
        outs.append((x, y))
    with ds.Session(backend=backend) as sess:  # (one run: one program)
        values = sess.run([y for _, y in outs], {x: _fed(x.shape.as_list(), 5) for x, _ in outs})
    for (_, y), got in zip(outs, values, strict=True):
        assert len(got.shape) == len(y.shape)
        assert all(d is None or d == g for d, g in zip(y.shape.as_list(), got.shape, strict=True))


def test_slice_of_an_unknown_dim_is_checked_when_the_graph_runs(backend):
    x = ds.placeholder(ds.float32, [None, 4])
    y = ds.slice(x, [1, 0], [2, -1])
    (grad,) = ds.gradients(ds.reduce_sum(y * 3.0), [x])
    with ds.Session(backend=backend) as sess:
        fed = _fed((4, 4), 0)
        np.testing.assert_array_equal(sess.run(y, {x: fed}), fed[1:3])
        rows = np.arange(4)[:, None] * np.ones((1, 4))
        np.testing.assert_array_equal(sess.run(grad, {x: fed}), np.where((rows >= 1) & (rows < 3), 3.0, 0.0))
        for rows in (0, 1, 2):  # begin 1 + size 2 passes the fed dim
            with pytest.raises(ds.errors.InvalidArgumentError, match=r"begin\[0\] \+ size\[0\].*" + HERE):
                sess.run(y, {x: _fed((rows, 4), 0)})
    with pytest.raises(ValueError, match="begin"):
        ds.slice(x, [-1, 0], [1, 4])


def test_strided_slice_refuses_a_shrunk_entry_with_a_negative_stride():
    x = ds.placeholder(ds.float32, [None])
    with pytest.raises(ValueError, match="only stride 1 allowed on non-range indexing.*" + HERE):
        ds.strided_slice(x, [1], [2], [-1], shrink_axis_mask=1)


def _as_strided(key: list) -> tuple:
    """TF1's encoding of a numpy key (ints, slices, None, one Ellipsis) as strided_slice's
    begin, end, strides and masks: the documented meaning of each bit, written from the key."""
    begin, end, strides = [], [], []
    masks = dict.fromkeys(("begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask", "shrink_axis_mask"), 0)
    for i, k in enumerate(key):
        bit = 1 << i
        if k is Ellipsis:
            masks["ellipsis_mask"] |= bit
            begin.append(0), end.append(0), strides.append(1)
        elif k is None:
            masks["new_axis_mask"] |= bit
            begin.append(0), end.append(0), strides.append(1)
        elif isinstance(k, int):
            masks["shrink_axis_mask"] |= bit
            begin.append(k), end.append(k + 1), strides.append(1)
        else:
            masks["begin_mask"] |= bit if k.start is None else 0
            masks["end_mask"] |= bit if k.stop is None else 0
            begin.append(k.start or 0), end.append(k.stop or 0), strides.append(k.step)
    return begin, end, strides, masks


@st.composite
def _slicing(draw):
    """(fed shape, static shape with some dims unknown, a numpy key valid for the fed shape)."""
    rank = draw(st.integers(1, 3))
    full = draw(st.lists(st.integers(0, 4), min_size=rank, max_size=rank))
    static = [None if draw(st.booleans()) else d for d in full]
    n_index = draw(st.integers(0, rank))
    front = draw(st.booleans())  # (the key indexes the first n_index dims, else the last)
    dims = full[:n_index] if front else full[rank - n_index:]
    key = []
    for d in dims:
        if d > 0 and draw(st.integers(0, 3)) == 0:
            key.append(draw(st.integers(-d, d - 1)))
        else:
            bound = st.one_of(st.none(), st.integers(-6, 6))
            key.append(slice(draw(bound), draw(bound), draw(st.sampled_from([1, 2, 3, -1, -2]))))
    for _ in range(draw(st.integers(0, 2))):
        key.insert(draw(st.integers(0, len(key))), None)
    if n_index < rank and (not front or draw(st.booleans())):  # (the dims left: numpy's implicit `...`)
        key.insert(len(key) if front else 0, Ellipsis)
    elif n_index == rank and draw(st.booleans()):
        key.insert(draw(st.integers(0, len(key))), Ellipsis)
    return full, static, key


@settings(max_examples=60, deadline=None)
@given(_slicing())
def test_slicing_shapes_fit_the_run_and_values_are_numpys(case):
    """Random keys as strided_slice and as getitem on placeholders with unknown dims: the
    static shape's known dims are the run's, and the values numpy's slicing of the fed array."""
    full, static, key = case
    fed = np.arange(int(np.prod(full)), dtype=np.float32).reshape(full)
    want = fed[tuple(key)]
    with ds.Graph().as_default():
        x = ds.placeholder(ds.float32, static)
        begin, end, strides, masks = _as_strided(key)
        outs = [ds.strided_slice(x, begin, end, strides, **masks), x[tuple(key)]]
        with ds.Session(backend="numpy") as sess:
            for y, got in zip(outs, sess.run(outs, {x: fed}), strict=True):
                np.testing.assert_array_equal(got, want)
                assert got.shape == want.shape and len(y.shape) == want.ndim
                dims = zip(y.shape.as_list(), want.shape, strict=True)
                assert all(d in (None, g) for d, g in dims), (y.shape, key)


# -- 3. TF1's corner rules ---------------------------------------------------------------------


def test_switch_case_takes_an_int64_index(backend):
    """TF1 refuses an int64 branch_index (TypeError); dualgrad takes it, compared as int64: an
    index past int32's range is out of range (the default), never wrapped onto a branch."""
    k = ds.placeholder(ds.int64, [])
    out = ds.switch_case(k, [lambda: ds.constant(10.0), lambda: ds.constant(11.0)],
                         default=lambda: ds.constant(-1.0))
    with ds.Session(backend=backend) as sess:
        got = [sess.run(out, {k: v}) for v in (0, 1, 2, -1, 2 ** 32, 2 ** 32 + 1)]
    assert got == [10.0, 11.0, -1.0, -1.0, -1.0, -1.0]


@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.int16, np.bool_])
def test_matmul_of_narrow_ints_needs_output_type(backend, dtype):
    """int8 [[100, 100]] @ [[2], [1]] summed in int8 wraps to 44; TF1 refuses such inputs
    without output_type=int32, with it the sum is 300."""
    a = ds.constant(np.array([[100, 100]]).astype(dtype))
    b = ds.constant(np.array([[2], [1]]).astype(dtype))
    for product in (lambda: ds.matmul(a, b), lambda: a @ b):
        with pytest.raises(TypeError, match="ds.matmul: .*output_type.*" + HERE):
            product()
    if dtype in (np.int8, np.uint8):
        with ds.Session(backend=backend) as sess:
            assert sess.run(ds.matmul(a, b, output_type=ds.int32)).tolist() == [[300]]


def test_ensure_shape_merges_and_checks_the_run(backend):
    x = ds.placeholder(ds.float32, [None, 4])
    y = ds.ensure_shape(x, [3, None])
    assert y.shape == (3, 4)  # (TF1: merged)
    words = "Dimension 1 in both shapes must be equal, but are 4 and 5"
    with pytest.raises(ValueError, match=words + ".*" + HERE):
        ds.ensure_shape(x, [None, 5])
    with pytest.raises(ValueError, match="Shapes must be equal rank, but are 2 and 1"):
        ds.ensure_shape(x, [None])
    (grad,) = ds.gradients(ds.reduce_sum(y * 2.0), [x])
    unknown = ds.placeholder(ds.float32, None)
    z = ds.ensure_shape(unknown, [2, None])
    assert z.shape == (2, None)
    inside = ds.cond(ds.reduce_sum(x) > 0.0, lambda: ds.ensure_shape(x, [2, 4]), lambda: x)
    with ds.Session(backend=backend) as sess:
        np.testing.assert_array_equal(sess.run(grad, {x: np.ones((3, 4))}), np.full((3, 4), 2.0))
        assert sess.run(z, {unknown: np.ones((2, 7))}).shape == (2, 7)
        assert sess.run(inside, {x: -np.ones((3, 4))}).shape == (3, 4)  # (the branch not taken)
        for fetch, feed in ((y, {x: np.ones((2, 4))}), (z, {unknown: np.ones((2, 4, 1))}),
                            (inside, {x: np.ones((3, 4))})):
            with pytest.raises(ds.errors.InvalidArgumentError, match="not compatible with expected shape"):
                sess.run(fetch, feed)  # (each compiled apart: the shapes are part of a program's key)


def test_set_shape_merges_refuses_and_the_run_keeps_it(backend):
    x = ds.placeholder(ds.float32, [None, 4])
    y = x * 2.0
    y.set_shape([2, None])
    assert y.shape == (2, 4)
    y.set_shape(None)  # (nothing to merge)
    for bad, words in (([3, 4], "Dimension 0 in both shapes must be equal, but are 2 and 3"),
                       ([2], "Shapes must be equal rank, but are 2 and 1")):
        with pytest.raises(ValueError, match=words + ".*" + HERE):
            y.set_shape(bad)
    assert y.shape == (2, 4)
    total = ds.reduce_sum(y)
    fed = ds.placeholder(ds.float32, [None, 4])
    fed.set_shape([3, 4])
    with ds.Session(backend=backend) as sess:
        assert sess.run(total, {x: np.ones((2, 4))}) == 16.0
        with pytest.raises(ds.errors.InvalidArgumentError, match="expected shape \\[2,4\\].*" + HERE):
            sess.run(total, {x: np.ones((3, 4))})  # (TF1 computes on, its static shape wrong)
        with pytest.raises(ValueError, match="Cannot feed value of shape"):  # (TF1's feed check)
            sess.run(fed, {fed: np.ones((2, 4))})


def _sparse_to_dense_oracle(indices, shape, values, default):
    """numpy: a `default` array with values written at each index row, in order."""
    out = np.full(shape, default, dtype=np.asarray(values).dtype)
    rows = np.asarray(indices).reshape(-1, len(shape))
    for r, v in zip(rows, np.broadcast_to(values, (len(rows),)), strict=True):
        out[tuple(r)] = v
    return out


@pytest.mark.parametrize(("indices", "shape", "values", "default"), [
    ([[0, 1], [2, 3]], [3, 4], [5.0, 6.0], 0.0),
    ([[0, 1], [2, 3]], [3, 4], 7.0, -1.0),
    ([1, 3], [5], [1, 2], 0),
    (2, [5], 9, 0),
    (np.array([[0, 0, 1], [1, 1, 0]], np.int64), [2, 2, 2], [3.5, -2.0], 0.25),
])
def test_sparse_to_dense_is_tf1s(backend, indices, shape, values, default):
    out = ds.sparse_to_dense(indices, shape, values, default_value=default)
    assert out.shape == tuple(shape)
    with ds.Session(backend=backend) as sess:
        np.testing.assert_array_equal(sess.run(out), _sparse_to_dense_oracle(indices, shape, values, default))


def test_sparse_to_dense_validates_and_differentiates(backend):
    v = ds.placeholder(ds.float32, [2])
    d = ds.placeholder(ds.float32, [])
    weights = np.arange(12.0, dtype=np.float32).reshape(3, 4)
    dense = ds.sparse_to_dense([[0, 1], [2, 3]], [3, 4], v, default_value=d)
    grads = ds.gradients(ds.reduce_sum(dense * weights), [v, d])
    unsorted = ds.sparse_to_dense([[2, 3], [0, 1]], [3, 4], v)
    repeated = ds.sparse_to_dense([[0, 1], [0, 1]], [3, 4], v)
    loose = ds.sparse_to_dense([[2, 3], [0, 1]], [3, 4], v, validate_indices=False)
    outside = ds.sparse_to_dense([[0, 1], [3, 1]], [3, 4], v, validate_indices=False)
    feed = {v: [5.0, 6.0], d: 0.5}
    with ds.Session(backend=backend) as sess:
        got_v, got_d, got_loose = sess.run([*grads, loose], feed)
        np.testing.assert_array_equal(got_v, [1.0, 11.0])  # (TF1's: the weights at the indices)
        assert got_d == weights.sum() - 12.0
        np.testing.assert_array_equal(got_loose, _sparse_to_dense_oracle(
            [[2, 3], [0, 1]], [3, 4], np.array([5.0, 6.0], np.float32), 0.0))
        for bad in (unsorted, repeated):
            with pytest.raises(ds.errors.InvalidArgumentError, match="sorted in row-major order.*" + HERE):
                sess.run(bad, feed)
        with pytest.raises(IndexError, match="index 3 is not in"):
            sess.run(outside, feed)
