"""A registry op's own run-time check (gather's and unsorted_segment_sum's index bounds,
sparse_softmax_cross_entropy's labels, an integer divided by zero, a singular or not positive
definite matrix for inv/solve/cholesky) fires inside `ds.cond` branches and `ds.while_loop`
bodies as it does at top level, on both backends.

On jax such a check used to be made only for ops at top level: inside a branch or loop the
program read gather's fill value (NaN for floats, a wrong number for ints), an inverse of inf
and NaN, where the numpy backend (and TF1: InvalidArgumentError) raises. The oracle for the
values of runs that pass is numpy float64 of the same formula; a run that fails raises the
op's error, naming it and where it was built, and commits nothing."""

from __future__ import annotations

import numpy as np
import pytest

import dualgrad.static as ds
from dualgrad.errors import DualgradRuntimeError, IndexShapeError, LinAlgError

HERE = r"test_static_registry_checks_in_control_flow\.py:\d+"
BAD = 2  # the value of k (the cond's, or the loop's iteration) at which each case fails


def _bad(x, k):
    """1 (in x's dtype) where k is BAD, else 0."""
    return ds.cast(ds.equal(k, BAD), x.dtype)


def _matrix(x, k, by: float):
    """x as a 2x2 matrix, its last entry lowered by `by` where k is BAD."""
    return ds.reshape(x - ds.stack([0.0, 0.0, 0.0, by]) * _bad(x, k), [2, 2])


def _log_softmax(v):
    return v - np.log(np.sum(np.exp(v)))


_INDEX = np.arange(1, 5)  # params fed to the index cases
_SPD = np.array([2.0, 1.0, 1.0, 1.0])  # [[2, 1], [1, 1]]: its last entry lowered by 0.5, singular

#: name -> (fn(x, k), the params fed, numpy float64 oracle of the value, error, message, dtypes);
#: one op per check class (floormod/truncatemod share floordiv's, solve inv's; cholesky's
#: PositiveDefiniteCheck is read as inv's, a bool per batch element, and left out for time)
CASES = {
    "gather": (lambda x, k: ds.gather(x, 1 + 6 * ds.cast(_bad(x, k), ds.int32)), _INDEX,
               lambda v: v[1], IndexShapeError, r"take .*index 7 is not in \[0, 4\)", ("int32", "float32")),
    "unsorted_segment_sum": (
        lambda x, k: ds.unsorted_segment_sum(x[:2], ds.stack([0, 2 + 3 * ds.cast(_bad(x, k), ds.int32)]),
                                             num_segments=3),
        _INDEX, lambda v: v[0] + v[1], IndexShapeError, r"unsorted_segment_sum .*segment id 5", ("int32",)),
    "sparse_softmax_cross_entropy": (
        lambda x, k: ds.nn.sparse_softmax_cross_entropy_with_logits(
            labels=ds.reshape(1 + 6 * ds.cast(_bad(x, k), ds.int32), [1]), logits=ds.reshape(x, [1, 4])),
        _INDEX, lambda v: -_log_softmax(v)[1], IndexShapeError, r"nll_at_labels .*Target 7", ("float32",)),
    "floordiv": (lambda x, k: ds.floordiv(x, 2 - 2 * _bad(x, k)), _INDEX, lambda v: np.sum(v // 2),
                 DualgradRuntimeError, r"floor_divide .*divided by zero", ("int64",)),
    "inv": (lambda x, k: ds.linalg.inv(_matrix(x, k, 0.5)), _SPD,
            lambda v: np.sum(np.linalg.inv(v.reshape(2, 2))), LinAlgError, r"inv .*singular", ("float32",)),
}
TABLE = [(name, dtype) for name, case in CASES.items() for dtype in case[-1]]


def _scalar(t):
    return ds.reduce_sum(ds.cast(t, ds.float64))


def _program(fn, x):
    """One graph holding the case in each place: a cond branch (p, k), a loop body (iteration
    i < stop) and a cond branch holding a loop whose body holds a cond (q, stop2); and a counter
    bumped after the total, to see that a failed run commits nothing."""
    p, q = ds.placeholder(ds.bool, []), ds.placeholder(ds.bool, [])
    k, stop, stop2 = (ds.placeholder(ds.int32, []) for _ in range(3))
    zero = ds.constant(0.0, ds.float64)
    in_cond = ds.cond(p, lambda: _scalar(fn(x, k)), lambda: zero)
    in_loop = ds.while_loop(lambda i, acc: i < stop, lambda i, acc: (i + 1, acc + _scalar(fn(x, i))),
                            [0, zero])[1]

    def nested_body(i, acc):
        return i + 1, acc + ds.cond(i >= 0, lambda: _scalar(fn(x, i)), lambda: zero)

    nested = ds.cond(q, lambda: ds.while_loop(lambda i, acc: i < stop2, nested_body, [0, zero])[1],
                     lambda: zero)
    total = in_cond + in_loop + nested
    counter = ds.Variable(0.0, dtype=ds.float64)
    with ds.control_dependencies([total]):
        bump = ds.assign_add(counter, 1.0)
    return (p, k, stop, q, stop2), total, counter, bump


#: (p, k, stop, q, stop2) -> how many times the good value the total is (None: the run fails)
RUNS = [
    ((True, 0, BAD, True, BAD), 1 + 2 * BAD),  # every place computes the case, none at BAD
    ((True, BAD, 0, False, 0), None),  # the cond taken at BAD
    ((False, BAD, BAD, False, 0), BAD),  # the cond not taken: its check does not fire
    ((False, 0, BAD + 2, False, 0), None),  # the loop's iteration BAD
    ((False, 0, 0, True, BAD + 1), None),  # nested: cond > while_loop > cond, iteration BAD
    ((False, 0, 0, False, BAD + 3), 0),  # nested, its outer cond not taken
]


@pytest.mark.parametrize("name,dtype", TABLE)
def test_a_registry_check_fires_where_its_branch_or_iteration_runs(backend, name, dtype):
    fn, params, oracle, error, message, _ = CASES[name]
    x = ds.placeholder(dtype, [4])
    controls, total, counter, bump = _program(fn, x)
    value = np.asarray(params, dtype=dtype)
    good = oracle(value.astype(np.float64))
    with ds.Session(backend=backend) as sess:
        sess.run(counter.initializer)
        bumps = 0.0
        for feeds, times in RUNS:
            feed = dict(zip(controls, feeds, strict=True)) | {x: value}
            if times is None:
                with pytest.raises(error, match=f"{message}.*{HERE}"):
                    sess.run([total, bump], feed)
            else:
                got, bumps = sess.run([total, bump], feed)
                np.testing.assert_allclose(got, times * good, rtol=1e-5, err_msg=str(feeds))
        assert sess.run(counter) == bumps == 3.0  # the failed runs assigned nothing


def test_fetching_only_the_gradient_still_checks(backend):
    """The gradient of the cond and loops of gather runs after them, so they check."""
    fn, params, _, error, message, dtypes = CASES["gather"]
    x = ds.placeholder(dtypes[-1], [4])
    controls, total, _, _ = _program(fn, x)
    (grad,) = ds.gradients(total, [x])
    top = ds.gradients(_scalar(fn(x, ds.constant(0))), [x])[0]  # the same op outside control flow
    value = np.asarray(params, dtype=dtypes[-1])
    with ds.Session(backend=backend) as sess:
        one = sess.run(top, {x: value})
        for feeds, times in RUNS:
            feed = dict(zip(controls, feeds, strict=True)) | {x: value}
            if times is None:
                with pytest.raises(error, match=message):
                    sess.run(grad, feed)
            else:
                np.testing.assert_allclose(sess.run(grad, feed), times * one, rtol=1e-5, atol=1e-6)


def test_the_example_of_the_report(backend):
    """gather of an index past the end inside a cond and a loop (jax read NaN)."""
    x, i = ds.placeholder(ds.float32, [4]), ds.placeholder(ds.int32, [])
    out = ds.cond(i > 0, lambda: ds.gather(x, i), lambda: x[0])
    w = ds.while_loop(lambda k, acc: k < 3, lambda k, acc: (k + 1, acc + ds.gather(x, k * 3)),
                      [ds.constant(0), ds.constant(0.0)])
    with ds.Session(backend=backend) as sess:
        value = np.arange(4, dtype=np.float32)
        assert sess.run(out, {x: value, i: 3}) == 3.0
        with pytest.raises(IndexShapeError, match=f"index 7 is not in .*{HERE}"):
            sess.run(out, {x: value, i: 7})
        with pytest.raises(IndexShapeError, match=f"index 6 is not in .*{HERE}"):
            sess.run(w, {x: value})


def test_switch_case_case_and_foldl_over_an_unknown_length_check_too(backend):
    """The constructs built on cond and while_loop: a branch of switch_case and case, the loop
    of foldl over elements whose number is known only at run time."""
    x, a = ds.placeholder(ds.float32, [4]), ds.placeholder(ds.int32, [])
    which, pred = ds.placeholder(ds.int32, []), ds.placeholder(ds.bool, [])
    elems = ds.placeholder(ds.int32, [None])
    total = (ds.switch_case(which, [lambda: x[0], lambda: ds.gather(x, a)])
             + ds.case([(pred, lambda: ds.gather(x, a))], default=lambda: x[1])
             + ds.foldl(lambda acc, j: acc + ds.gather(x, j), elems, initializer=ds.constant(0.0)))
    v = np.array([1.0, 2.0, 4.0, 8.0], dtype=np.float32)
    with ds.Session(backend=backend) as sess:
        def run(w, p, i, e):
            return sess.run(total, {x: v, which: w, pred: p, a: i, elems: e})

        assert run(1, True, 2, [1, 3]) == v[2] + v[2] + v[1] + v[3]
        assert run(0, False, 9, [0]) == v[0] + v[1] + v[0]  # the branches reading x[9] not taken
        for w, p, i, e in [(1, False, 9, [0]), (0, True, 9, [0]), (0, False, 0, [1, 9])]:
            with pytest.raises(IndexShapeError, match=f"index 9 is not in .*{HERE}"):
                run(w, p, i, e)


def test_a_tensor_with_two_checks_in_a_branch_keeps_both(backend):
    """A gather's bounds check and a `set_shape` promise on its result, inside a branch: each
    flag leaves the cond under its own (tensor, check) (one flag per tensor crashed the run
    on both backends before, and with the registry's check only the promise went unchecked)."""
    x, i = ds.placeholder(ds.float32, [None]), ds.placeholder(ds.int32, [None])
    p = ds.placeholder(ds.bool, [])

    def branch():
        got = ds.gather(x, i)
        got.set_shape([3])
        return ds.reduce_sum(got)

    out = ds.cond(p, branch, lambda: ds.constant(0.0))
    v = np.arange(4, dtype=np.float32)
    with ds.Session(backend=backend) as sess:
        assert sess.run(out, {x: v, i: [0, 1, 3], p: True}) == 4.0
        assert sess.run(out, {x: v, i: [0, 9], p: False}) == 0.0
        with pytest.raises(ds.errors.InvalidArgumentError, match=r"set_shape.*expected shape \[3\]"):
            sess.run(out, {x: v, i: [0, 1], p: True})
        with pytest.raises(IndexShapeError, match="index 9 is not in"):
            sess.run(out, {x: v, i: [0, 9, 1], p: True})
