"""Nests of namedtuples and dicts through the graph's control flow and functional ops
(dualgrad/static/nest.py): while_loop, cond, case, map_fn, scan and foldl take and return them as
tf.nest does (a dict's leaves in sorted key order, the dict rebuilt in its own key order). Values
against numpy float64 loops written out here, on both Session backends; gradients through a
namedtuple loop against the closed form. Before nest.py, a namedtuple made while_loop and cond
fail inside dualgrad (`P.__new__() missing 1 required positional argument`) and a dict of loop
variables was refused."""

from __future__ import annotations

import collections

import numpy as np
import pytest

import dualgrad.static as ds
from dualgrad.errors import DualgradError
from dualgrad.static.nest import flatten, pack, same_nesting

State = collections.namedtuple("State", "step total")
X = np.array([0.5, -1.25, 2.0, 3.5])


def _run(fetches, backend, feed=None):
    with ds.Session(backend=backend) as sess:
        return sess.run(fetches, feed)


def test_flatten_and_pack_round_trip_every_kind():
    nest = {"b": State(1, [2, (3,)]), "a": 4, "c": {"y": 5, "x": 6}}
    leaves, structure = flatten(nest)
    assert leaves == [4, 1, 2, 3, 6, 5]  # sorted keys at every dict, as tf.nest.flatten
    back = pack(structure, leaves)
    assert back == nest and list(back) == ["b", "a", "c"] and list(back["c"]) == ["y", "x"]
    assert type(back["b"]) is State and type(back["b"].total) is list
    assert same_nesting(flatten([1, (2, 3)])[1], flatten((9, [8, 7]))[1])
    assert not same_nesting(flatten({"a": 1})[1], flatten({"b": 1})[1])
    assert not same_nesting(flatten({"a": 1})[1], flatten([1])[1])


def test_while_loop_with_a_namedtuple_of_loop_variables(backend):
    x = ds.placeholder(ds.float64, [None])
    out = ds.while_loop(lambda s: s.step < 3,
                        lambda s: State(s.step + 1, s.total * 2.0 + x),
                        [State(ds.constant(0), ds.zeros_like(x))])
    got = _run(out, backend, {x: X})
    assert isinstance(got, list) and type(got[0]) is State
    total = np.zeros_like(X)
    for _ in range(3):
        total = total * 2.0 + X
    assert got[0].step == 3
    np.testing.assert_allclose(got[0].total, total, rtol=1e-15)


def test_while_loop_with_a_dict_and_its_shape_invariants(backend):
    x = ds.placeholder(ds.float64, [None])
    start = {"rows": ds.zeros_like(x), "n": ds.constant(0)}
    out = ds.while_loop(lambda v: v["n"] < 3,
                        lambda v: {"n": v["n"] + 1, "rows": v["rows"] * 2.0 + x},
                        [start], shape_invariants=[{"n": [], "rows": [None]}])
    got = _run(out, backend, {x: X})[0]
    assert list(got) == ["rows", "n"]  # the loop variables' own key order
    assert got["n"] == 3
    np.testing.assert_allclose(got["rows"], 7.0 * X, rtol=1e-15)  # ((0 * 2 + x) * 2 + x) * 2 + x


def test_shape_invariants_that_do_not_follow_a_dict_are_refused():
    start = {"n": ds.constant(0)}
    with pytest.raises(DualgradError, match="shape_invariants must follow the nesting"):
        ds.while_loop(lambda v: v["n"] < 3, lambda v: {"n": v["n"] + 1}, [start],
                      shape_invariants=[{"m": []}])


def test_a_body_returning_other_dict_keys_is_refused():
    start = {"n": ds.constant(0)}
    with pytest.raises(DualgradError, match="same structure as loop_vars"):
        ds.while_loop(lambda v: v["n"] < 3, lambda v: {"m": v["n"] + 1}, [start])


def test_cond_and_case_return_namedtuples_and_dicts(backend):
    p = ds.placeholder(ds.bool, [])
    a, b = ds.constant(2.0, ds.float64), ds.constant(5.0, ds.float64)
    both = ds.cond(p, lambda: State(a, {"v": a * b}), lambda: State(b, {"v": a + b}))
    chosen = ds.case([(p, lambda: {"k": a})], default=lambda: {"k": b})
    for pred, want in ((True, State(2.0, {"v": 10.0})), (False, State(5.0, {"v": 7.0}))):
        got, picked = _run([both, chosen], backend, {p: pred})
        assert type(got) is State and got == want
        assert picked == {"k": want.step}


def test_map_fn_over_a_dict_returning_a_namedtuple(backend):
    x = ds.constant(X)
    out = ds.map_fn(lambda e: State(e["u"] * 2.0, e["v"] - e["u"]), {"v": x[::-1], "u": x})
    got = _run(out, backend)
    assert type(got) is State
    np.testing.assert_allclose(got.step, X * 2.0, rtol=1e-15)
    np.testing.assert_allclose(got.total, X[::-1] - X, rtol=1e-15)


def test_map_fn_results_of_different_structures_are_refused():
    calls = []

    def fn(e):
        calls.append(e)
        return (e,) if len(calls) == 1 else (e, e)

    with pytest.raises(DualgradError, match="another structure for element 1"):
        ds.map_fn(fn, ds.constant(X))


def test_scan_with_namedtuple_accumulators_and_its_gradient(backend):
    w = ds.placeholder(ds.float64, [])
    x = ds.constant(X)
    out = ds.scan(lambda s, e: State(s.step + 1.0, s.total * w + e), x,
                  initializer=State(ds.constant(0.0, ds.float64), ds.constant(0.0, ds.float64)))
    (grad,) = ds.gradients(out.total[-1], [w])
    got, g = _run([out, grad], backend, {w: 0.5})
    totals, t, dt = [], 0.0, 0.0
    for e in X:  # t_k = w t_{k-1} + e_k, dt_k/dw = t_{k-1} + w dt_{k-1}
        t, dt = 0.5 * t + e, t + 0.5 * dt
        totals.append(t)
    np.testing.assert_allclose(got.step, [1.0, 2.0, 3.0, 4.0])
    np.testing.assert_allclose(got.total, totals, rtol=1e-14)
    np.testing.assert_allclose(g, dt, rtol=1e-14)
