"""ds.Assert and ds.assert_equal/less/greater/non_negative/positive/rank
(dualgrad/static/tf_asserts.py): under control_dependencies they fail the run with
ds.errors.InvalidArgumentError naming the data and the user's line, on both backends, and the
failed run commits nothing; which feeds pass and which fail is the same as in tf.compat.v1
2.21 where installed (else the conditions written out in numpy decide)."""

from __future__ import annotations

import numpy as np
import pytest

import dualgrad.static as ds
from dualgrad.errors import DualgradError

LINE = r"test_tf_asserts\.py:\d+"

CASES = [  # (name, build(tf, x, y), feeds of (x, y) that pass and fail by numpy's reading)
    ("equal", lambda tf, x, y: tf.assert_equal(x, y), lambda x, y: np.all(x == y)),
    ("less", lambda tf, x, y: tf.assert_less(x, y), lambda x, y: np.all(x < y)),
    ("greater", lambda tf, x, y: tf.assert_greater(x, y), lambda x, y: np.all(x > y)),
    ("non_negative", lambda tf, x, y: tf.assert_non_negative(x), lambda x, y: np.all(x >= 0)),
    ("positive", lambda tf, x, y: tf.assert_positive(x), lambda x, y: np.all(x > 0)),
    ("Assert", lambda tf, x, y: tf.Assert(tf.reduce_all(x <= y + 1.0), ["x too big", x]),
     lambda x, y: np.all(x <= y + 1.0)),
]
FEEDS = [(np.array([1.0, 2.0]), np.array([1.0, 2.0])), (np.array([0.0, 1.0]), np.array([1.0, 2.0])),
         (np.array([3.0, 4.0]), np.array([1.0, 2.0])), (np.array([-1.0, 5.0]), np.array([-1.0, 5.0]))]


def _outcomes(tf, error, backend=None):
    """Which (case, feed) runs pass, for the module `tf` (TF1 or dualgrad.static)."""
    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float64, [None])
        y = tf.placeholder(tf.float64, [None])
        outs = []
        for _, build, _ in CASES:
            with tf.control_dependencies([build(tf, x, y)]):
                outs.append(tf.identity(x))
        session = tf.Session(graph=graph) if backend is None else tf.Session(graph=graph, backend=backend)
        result = {}
        with session as sess:
            for i, out in enumerate(outs):
                for j, (a, b) in enumerate(FEEDS):
                    try:
                        np.testing.assert_array_equal(sess.run(out, {x: a, y: b}), a)
                        result[i, j] = True
                    except error:
                        result[i, j] = False
    return result


@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_assertions_fire_as_their_conditions_say(backend):
    got = _outcomes(ds, ds.errors.InvalidArgumentError, backend)
    want = {(i, j): bool(test(a, b))
            for i, (_, _, test) in enumerate(CASES) for j, (a, b) in enumerate(FEEDS)}
    assert got == want
    assert set(want.values()) == {True, False}


def test_same_outcomes_as_tf_compat_v1_where_installed(tf):
    want = _outcomes(tf, tf.errors.InvalidArgumentError)
    assert _outcomes(ds, ds.errors.InvalidArgumentError) == want


def test_the_message_names_the_data_and_the_failed_run_commits_nothing():
    x = ds.placeholder(ds.float32, [None], name="x")
    counter = ds.Variable(0.0)
    check = ds.Assert(ds.reduce_all(x < 10.0), ["x must stay below 10", x, ds.constant([1, 2, 3, 4, 5])],
                      summarize=4)
    with ds.control_dependencies([check]):
        bump = ds.assign_add(counter, 1.0)
    positive = ds.debugging.assert_positive(x, message="need positive x")
    with ds.Session(backend="numpy") as sess:
        sess.run(ds.global_variables_initializer())
        sess.run(bump, {x: [1.0, 2.0]})
        with pytest.raises(ds.errors.InvalidArgumentError,
                           match=rf"assertion failed: \[x must stay below 10\] \[<x:0: float32 of shape "
                                 rf"\(None,\); its values exist only in the run>\] \[\[1 2 3 4 \.\.\.\]\] "
                                 rf"\(ds\.Assert made at {LINE}\)"):
            sess.run(bump, {x: [1.0, 20.0]})
        assert sess.run(counter) == 1.0  # the failed run applied nothing
        with pytest.raises(ds.errors.InvalidArgumentError,
                           match=rf"assertion failed: \[need positive x\] \[Condition x > 0 did not hold "
                                 rf"element-wise:\] \[x \(x:0\) = \] .*"
                                 rf"\(ds\.assert_positive made at {LINE}\)"):
            sess.run(positive, {x: [0.0]})
        assert sess.run(positive, {x: [3.0]}) is None


def test_assert_rank_checks_now_when_the_rank_is_known():
    assert isinstance(ds.assert_rank(ds.zeros([2, 3]), 2), ds.Operation)
    with pytest.raises(ValueError, match=rf"ds\.assert_rank: Tensor zeros_1:0 must have rank 1\. Received "
                                         rf"rank 2, shape \(2, 3\) .*{LINE}"):
        ds.assert_rank(ds.zeros([2, 3]), 1)
    any_rank = ds.placeholder(ds.float32, None)
    check = ds.debugging.assert_rank(any_rank, 2, message="a matrix")
    with ds.Session(backend="numpy") as sess:
        sess.run(check, {any_rank: np.zeros((2, 2))})
        with pytest.raises(ds.errors.InvalidArgumentError,
                           match=r"\[a matrix\] \[Tensor Placeholder:0 must have rank\] \[2\]"):
            sess.run(check, {any_rank: np.zeros(3)})


def test_bad_arguments_raise_at_the_users_line():
    x = ds.placeholder(ds.float32, [3])
    cases = [
        (lambda: ds.Assert(x, ["x"]), r"ds\.Assert: condition must be a bool tensor, got float32"),
        (lambda: ds.Assert(x > 0, "x"), r"ds\.Assert: data must be a list of tensors and strings"),
        (lambda: ds.Assert(x > 0, [x], summarize=1.5), r"ds\.Assert: summarize must be an int or None"),
        (lambda: ds.assert_rank(x, 1.0), r"ds\.assert_rank: rank must be an int"),
        (lambda: ds.assert_equal(x, ds.zeros([2])), r"equal"),
    ]
    for build, message in cases:
        with pytest.raises(DualgradError, match=rf"{message}.*{LINE}"):
            build()
