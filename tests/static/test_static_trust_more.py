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
