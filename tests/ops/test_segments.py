"""TF1's segment reductions (`ds.math.segment_*`, `ds.math.unsorted_segment_*`) against numpy
loops written out here (one row at a time), values and gradients, on both Session backends:
repeated ids, ties (max/min share the gradient evenly among the tied elements, TF1's rule),
zeros (prod's gradient is the product of the others at a lone zero, 0 with two zeros),
empty segments (TF1's fills), negative ids (their rows are dropped), ids of rank 2, and the
errors, which name the op and the shapes."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad.static as ds
from dualgrad import ops
from dualgrad.errors import DualgradError

REDUCTIONS = ("sum", "mean", "prod", "max", "min")


def _loop(reduce: str, data: np.ndarray, ids: np.ndarray, n: int, g: np.ndarray, sorted_fill: bool = False):
    """(value, gradient of sum(value * g) in data) of one segment reduction, row by row."""
    rest = data.shape[ids.ndim:]
    low, high = np.finfo(data.dtype).min, np.finfo(data.dtype).max
    fill = {"sum": 0.0, "mean": 0.0, "prod": 1.0, "max": low, "min": high}[reduce]
    if sorted_fill and reduce in ("max", "min"):
        fill = 0.0  # TF1's sorted segment_max/min: 0 for an empty segment
    members: list[list] = [[] for _ in range(n)]
    for pos in np.ndindex(*ids.shape):
        if ids[pos] >= 0:  # a negative id drops its row
            members[ids[pos]].append(pos)
    out = np.full((n,) + rest, fill)
    grad = np.zeros(data.shape)
    for s, rows in enumerate(members):
        for e in np.ndindex(*rest):
            values = [data[pos + e] for pos in rows]
            if not values:
                continue
            if reduce == "sum":
                out[(s,) + e] = sum(values)
            elif reduce == "mean":
                out[(s,) + e] = sum(values) / len(values)
            elif reduce == "prod":
                out[(s,) + e] = np.prod(values)
            else:
                out[(s,) + e] = max(values) if reduce == "max" else min(values)
            ties = sum(v == out[(s,) + e] for v in values)
            for k, pos in enumerate(rows):
                gk = g[(s,) + e]
                if reduce == "sum":
                    grad[pos + e] = gk
                elif reduce == "mean":
                    grad[pos + e] = gk / len(values)
                elif reduce == "prod":
                    grad[pos + e] = gk * np.prod([v for j, v in enumerate(values) if j != k])
                elif values[k] == out[(s,) + e]:
                    grad[pos + e] = gk / ties
    return out, grad


def _data(shape, seed):
    """Values on a 0.5 grid (ties) with some zeros, one segment with two zeros."""
    rng = np.random.default_rng(seed)
    return rng.integers(-3, 4, shape) / 2.0


# (data shape, ids, num_segments): repeated ids, an empty segment (2 or 4), a dropped row (-1),
# ids of rank 2
UNSORTED = [((6,), [0, 1, 0, 3, -1, 0], 5), ((5, 2), [1, 1, 0, 3, 1], 4),
            ((2, 3, 2), [[0, 2, 0], [-1, 0, 2]], 3)]


@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_unsorted_segment_ops_against_loops(backend):
    """One graph for all cases and reductions (one jax compile)."""
    fetches, wants = [], []
    with ds.Graph().as_default():
        for c, (shape, ids, n) in enumerate(UNSORTED):
            data = _data(shape, c)
            data.reshape(-1)[:2] = 0.0  # two zeros, in one segment for the first case
            ids = np.array(ids)
            for k, reduce in enumerate(REDUCTIONS):
                g = np.random.default_rng(10 * c + k).standard_normal((n,) + shape[ids.ndim:])
                x = ds.Variable(data)
                out = getattr(ds.math, f"unsorted_segment_{reduce}")(x, ds.constant(ids), n)
                (grad,) = ds.gradients(ds.reduce_sum(out * g), [x])
                fetches.append((out, grad))
                wants.append((reduce, _loop(reduce, data, ids, n, g)))
        _run_and_compare(backend, fetches, wants)


def _run_and_compare(backend: str, fetches: list, wants: list) -> None:
    """Run the (value, gradient) fetches and compare each with its loop's (reduce, want)."""
    with ds.Session(backend=backend) as sess:
        sess.run(ds.global_variables_initializer())
        got = sess.run(fetches)
    for (reduce, (want, want_grad)), (value, grad) in zip(wants, got, strict=True):
        np.testing.assert_allclose(value, want, rtol=1e-14, err_msg=reduce)
        np.testing.assert_allclose(grad, want_grad, rtol=1e-14, atol=1e-15, err_msg=reduce)


def test_unsorted_segment_ids_fed_at_run_time_and_the_registry_op():
    data, ids = _data((5, 2), 3), np.array([2, 0, 2, -1, 2])
    g = np.random.default_rng(0).standard_normal((3, 2))
    want, want_grad = _loop("max", data, ids, 3, g)
    with ds.Graph().as_default():
        x = ds.placeholder(ds.float64, (None, 2))
        i = ds.placeholder(ds.int32, (None,))
        out = ds.unsorted_segment_max(x, i, num_segments=3)
        (grad,) = ds.gradients(ds.reduce_sum(out * g), [x])
        with ds.Session() as sess:
            value, got_grad = sess.run([out, grad], {x: data, i: ids})
    np.testing.assert_array_equal(value, want)
    np.testing.assert_allclose(got_grad, want_grad, rtol=1e-14)
    # the registry op on numpy arrays (what eager code and dg.compile call)
    np.testing.assert_array_equal(ops.unsorted_segment_max(data, ids, num_segments=3), want)


@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_sorted_segment_ops_against_loops(backend):
    """Sorted ids known when the graph is built: max(id) + 1 rows, segment 2 empty (0 for
    every reduction but prod's 1); the ids are constants, so they get no gradient."""
    data = _data((6, 2), 5)
    data[0, 0] = data[1, 0] = 0.0
    ids = np.array([0, 0, 1, 1, 1, 3])
    fetches, wants = [], []
    with ds.Graph().as_default():
        x = ds.Variable(data)
        for k, reduce in enumerate(REDUCTIONS):
            g = np.random.default_rng(k).standard_normal((4, 2))
            out = getattr(ds.math, f"segment_{reduce}")(x, ids)
            grad = ds.gradients(ds.reduce_sum(out * g), [x])[0]
            fetches.append((out, grad))
            wants.append((reduce, _loop(reduce, data, ids, 4, g, sorted_fill=True)))
        const_ids = ds.constant(ids)
        out = ds.segment_sum(x, const_ids)
        assert ds.gradients(ds.reduce_sum(out), [const_ids]) == [None]
        _run_and_compare(backend, fetches, wants)


def test_an_id_past_num_segments_raises_on_both_backends():
    with ds.Graph().as_default():
        x = ds.placeholder(ds.float64, (4, 2))
        i = ds.placeholder(ds.int64, (4,))
        out = ds.math.unsorted_segment_sum(x, i, 3)
        for backend in ("numpy", "jax"):
            with ds.Session(backend=backend) as sess:
                with pytest.raises(DualgradError, match=r"unsorted_segment_sum.*segment id 5 .*\[0, 3\)"):
                    sess.run(out, {x: np.ones((4, 2)), i: [0, 1, 5, 2]})


@pytest.mark.parametrize("call, words", [
    (lambda x: ds.math.unsorted_segment_sum(x, ds.placeholder(ds.int64, (3,)), 3),
     ["unsorted_segment_sum", "prefix", "(4, 2)", "(3,)"]),
    (lambda x: ds.math.unsorted_segment_max(x, ds.placeholder(ds.float32, (4,)), 3),
     ["unsorted_segment_max", "int32 or int64", "float32"]),
    (lambda x: ds.math.unsorted_segment_prod(x, [0, 1, 1, 0], -1), ["unsorted_segment_prod", "-1"]),
    (lambda x: ds.math.segment_sum(x, [0, 2, 1, 1]), ["segment_sum", "sorted", "[0, 2, 1, 1]"]),
    (lambda x: ds.math.segment_mean(x, [0, 1, 1]), ["segment_mean", "(3,)", "(4, 2)"]),
    (lambda x: ds.math.segment_min(x, ds.placeholder(ds.int64, (4,))),
     ["segment_min", "unsorted_segment_min"]),
    (lambda x: ds.math.segment_prod(x, [[0, 1], [1, 1]]), ["segment_prod", "(2, 2)"]),
])
def test_errors_name_the_op_and_the_shapes(call, words):
    with ds.Graph().as_default():
        x = ds.placeholder(ds.float64, (4, 2))
        with pytest.raises(DualgradError) as info:
            call(x)
    for w in words:
        assert w in str(info.value), (w, str(info.value))
    assert "test_segments.py" in str(info.value)
