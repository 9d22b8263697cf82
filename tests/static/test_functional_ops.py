"""ds.scan, ds.foldl, ds.foldr and ds.switch_case (dualgrad/static/functional_ops.py): values
against numpy float64 loops written out from TF1's documented semantics on both Session
backends, against tf.compat.v1 2.21 where installed, gradients against central finite
differences and jax.lax.scan of the same function, hypothesis over lengths and widths, and
bad input at the user's line."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad.static as ds
from dualgrad.errors import DualgradError

RNG = np.random.default_rng(11)
X = RNG.normal(size=(4, 3))
LINE = r"test_functional_ops\.py:\d+"


def _run(fetches, feed=None, backend="numpy"):
    with ds.Session(backend=backend) as sess:
        return sess.run(fetches, feed)


def _program(tf, x):
    """One program in TF1's spelling, built with `tf` = tensorflow.compat.v1 or dualgrad.static."""
    zeros, ones = tf.zeros([3], tf.float64), tf.ones([3], tf.float64)
    return dict(
        cumsum=tf.scan(lambda a, e: a + e, x),
        decay=tf.scan(lambda a, e: 0.5 * a + e, x, initializer=ones, reverse=True),
        pair=tf.scan(lambda a, e: (a[0] + e, a[1] * e), x, initializer=(zeros, ones)),
        nested_elems=tf.scan(lambda a, e: a + e["u"] * e["v"][1], {"u": x, "v": (x, x[::-1])},
                             initializer=zeros),
        rows=tf.scan(lambda a, e: tf.reduce_sum(e) + a, x, initializer=tf.constant(0.0, tf.float64)),
        foldl=tf.foldl(lambda a, e: a * 2.0 + e, x),
        foldl_init=tf.foldl(lambda a, e: (a[0] + tf.reduce_sum(e), a[1] - e),
                            x, initializer=(tf.constant(1.0, tf.float64), ones)),
        foldr=tf.foldr(lambda a, e: a * 2.0 + e, x),
        foldr_init=tf.foldr(lambda a, e: a - e / 3.0, x, initializer=ones),
        switch=[tf.switch_case(tf.constant(k), [lambda: x[0], lambda: x[1], lambda: x[2]])
                for k in (0, 2, 7, -1)],
        switch_default=tf.switch_case(tf.constant(5), {1: lambda: x[1], 0: lambda: x[0]},
                                      default=lambda: x[3]),
    )


def _expected(x):
    n = len(x)
    decay, acc = np.zeros_like(x), np.ones(3)
    for i in reversed(range(n)):
        acc = 0.5 * acc + x[i]
        decay[i] = acc
    fl = x[0]
    for i in range(1, n):
        fl = fl * 2.0 + x[i]
    fr = x[-1]
    for i in reversed(range(n - 1)):
        fr = fr * 2.0 + x[i]
    return dict(
        cumsum=np.cumsum(x, axis=0),
        decay=decay,
        pair=(np.cumsum(x, axis=0), np.cumprod(x, axis=0)),
        nested_elems=np.cumsum(x * x[::-1], axis=0),
        rows=np.cumsum(x.sum(axis=1)),
        foldl=fl,
        foldl_init=(1.0 + x.sum(), 1.0 - x.sum(axis=0)),
        foldr=fr,
        foldr_init=1.0 - x.sum(axis=0) / 3.0,
        switch=[x[0], x[2], x[2], x[2]],
        switch_default=x[3],
    )


def _close(got, want, rtol=1e-12):
    if isinstance(want, (list, tuple)):
        assert len(got) == len(want)
        for g, w in zip(got, want, strict=True):
            _close(g, w, rtol)
    else:
        np.testing.assert_allclose(got, want, rtol=rtol, atol=1e-12)


@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_values_match_numpy_loops(backend):
    x = ds.placeholder(ds.float64, X.shape)
    got = _run(_program(ds, x), {x: X}, backend)
    want = _expected(X)
    assert set(got) == set(want)
    for key in want:
        _close(got[key], want[key])
    assert isinstance(got["pair"], tuple) and isinstance(got["foldl_init"], tuple)


def test_against_tf_compat_v1_where_installed(tf):
    graph = tf.Graph()
    with graph.as_default(), tf.Session(graph=graph) as sess:
        want = sess.run(_program(tf, tf.constant(X)))
    got = _run(_program(ds, ds.constant(X)))
    for key, value in want.items():
        _close(got[key], value)


def _cell(ds_or_jnp, w, u):
    """An LSTM-like step with a (h, c) accumulator: fn(acc, x) for scan, in either library."""
    m = ds_or_jnp

    def fn(acc, x):
        h, c = acc
        gate = m.tanh(m.matmul(h, w) + x * u) if m is ds else jnp.tanh(h @ w + x * u)
        c2 = c * 0.5 + gate
        return (m.sin(c2) + h * 0.25, c2) if m is ds else (jnp.sin(c2) + h * 0.25, c2)

    return fn


def test_gradients_match_jax_lax_scan():
    xs, w = RNG.normal(size=(5, 2, 3)), RNG.normal(size=(3, 3)) * 0.5
    u, h0 = RNG.normal(size=3), RNG.normal(size=(2, 3))
    places = [ds.placeholder(ds.float64, v.shape) for v in (xs, w, u, h0)]
    p_xs, p_w, p_u, p_h0 = places
    hs, cs = ds.scan(_cell(ds, p_w, p_u), p_xs, initializer=(p_h0, ds.zeros_like(p_h0)))
    last = ds.foldl(lambda a, e: a * 0.9 + ds.reduce_sum(e * e), hs, initializer=ds.constant(0.0, ds.float64))
    back = ds.foldr(lambda a, e: a * e, cs)
    loss = ds.reduce_sum(hs * cs) + last + ds.reduce_sum(back)
    got = _run([loss, ds.gradients(loss, places)], dict(zip(places, (xs, w, u, h0), strict=True)))

    def reference(xs, w, u, h0):
        def step(acc, x):
            new = _cell(jnp, w, u)(acc, x)
            return new, new

        _, (hs, cs) = jax.lax.scan(step, (h0, jnp.zeros_like(h0)), xs)
        last = jax.lax.scan(lambda a, e: (a * 0.9 + jnp.sum(e * e), None), 0.0, hs)[0]
        back = jax.lax.scan(lambda a, e: (a * e, None), cs[-1], cs[:-1], reverse=True)[0]
        return jnp.sum(hs * cs) + last + jnp.sum(back)

    with jax.enable_x64(True):
        value, expected = jax.jit(jax.value_and_grad(reference, argnums=(0, 1, 2, 3)))(xs, w, u, h0)
    np.testing.assert_allclose(got[0], float(value), rtol=1e-12)
    for g, e in zip(got[1], expected, strict=True):
        np.testing.assert_allclose(g, np.asarray(e), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_folds_over_a_fed_length_run_as_a_while_loop(backend):
    xs, w = RNG.normal(size=(5, 3)), RNG.normal(size=3)
    x, p_w = ds.placeholder(ds.float64, [None, 3]), ds.placeholder(ds.float64, [3])
    left = ds.foldl(lambda a, e: a * ds.sin(e) + p_w, x)
    right = ds.foldr(lambda a, e: (a[0] * e + p_w, a[1] + ds.reduce_sum(e)), {"e": x}["e"],
                     initializer=(p_w, ds.constant(0.0, ds.float64)))
    loss = ds.reduce_sum(left * right[0]) + right[1] ** 2
    assert "while" in left.op.name.lower() or left.op.type == "While"
    with ds.Session(backend=backend) as sess:
        got = sess.run([left, right, loss, ds.gradients(loss, [x, p_w])], {x: xs, p_w: w})
        empty = sess.run(right, {x: np.zeros((0, 3)), p_w: w})  # 0 elements: the initializer
        with pytest.raises(DualgradError, match=r"take"):  # no initializer: nothing to start from
            sess.run(left, {x: np.zeros((0, 3)), p_w: w})

    def reference(xs, w):
        left = jax.lax.scan(lambda a, e: (a * jnp.sin(e) + w, None), xs[0], xs[1:])[0]
        (r0, r1), _ = jax.lax.scan(lambda a, e: ((a[0] * e + w, a[1] + jnp.sum(e)), None), (w, 0.0), xs,
                                   reverse=True)
        return jnp.sum(left * r0) + r1**2, (left, r0, r1)

    with jax.enable_x64(True):
        step = jax.jit(jax.value_and_grad(reference, argnums=(0, 1), has_aux=True))
        (value, (l_want, r0, r1)), grads = step(xs, w)
    np.testing.assert_allclose(got[0], l_want, rtol=1e-12)
    np.testing.assert_allclose(got[1][0], r0, rtol=1e-12)
    np.testing.assert_allclose(got[1][1], float(r1), rtol=1e-12)
    np.testing.assert_allclose(got[2], float(value), rtol=1e-12)
    for g, e in zip(got[3], grads, strict=True):
        np.testing.assert_allclose(g, np.asarray(e), rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(empty[0], w)
    assert empty[1] == 0.0


def _fd_check(build, shapes, seed=0):
    """<grad of sum(weights * build(*xs)), d> against the central difference along random d."""
    rng = np.random.default_rng(seed)
    places = [ds.placeholder(ds.float64, s) for s in shapes]
    out = build(*places)
    loss = ds.reduce_sum(out * rng.normal(size=out.shape))
    grads = ds.gradients(loss, places)
    values = [rng.normal(size=s) for s in shapes]
    with ds.Session(backend="numpy") as sess:
        got = sess.run(grads, dict(zip(places, values, strict=True)))
        for k, (g, v) in enumerate(zip(got, values, strict=True)):
            d, eps = rng.normal(size=v.shape), 1e-6
            feed = [dict(zip(places, values, strict=True)) for _ in range(2)]
            feed[0][places[k]], feed[1][places[k]] = v + eps * d, v - eps * d
            fd = (sess.run(loss, feed[0]) - sess.run(loss, feed[1])) / (2 * eps)
            np.testing.assert_allclose(np.vdot(g, d), fd, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize(
    "build, shapes",
    [
        (lambda x, a: ds.scan(lambda s, e: ds.tanh(s * e) + a, x, reverse=True), [(4, 2), (2,)]),
        (lambda x, a: ds.foldl(lambda s, e: s * ds.sin(e) + a, x, initializer=a), [(3, 2), (2,)]),
        (lambda x, a: ds.foldr(lambda s, e: (s[0] * e, s[1] + s[0]), x, initializer=(a, a))[1],
         [(3, 2), (2,)]),
        (lambda x, a: ds.switch_case(ds.constant(1), [lambda: x[0] * a, lambda: ds.exp(x[1]) * a]),
         [(2, 2), (2,)]),
    ],
)
def test_gradients_match_finite_differences(build, shapes):
    _fd_check(build, shapes)


def test_back_prop_false_stops_the_gradient_and_switch_case_runs_one_branch():
    x = ds.placeholder(ds.float64, [3, 2])
    s = ds.scan(lambda a, e: a * e, x, back_prop=False)
    f = ds.foldl(lambda a, e: a * e, x, back_prop=False)
    assert ds.gradients(ds.reduce_sum(s) + ds.reduce_sum(f), x) == [None]
    counter = ds.Variable(0.0, dtype=ds.float64)
    index = ds.placeholder(ds.int32, [])

    def bump():
        with ds.control_dependencies([ds.assign_add(counter, 1.0)]):
            return ds.identity(x[0])

    out = ds.switch_case(index, [lambda: x[1], bump, lambda: x[2]])
    with ds.Session(backend="numpy") as sess:
        sess.run(ds.global_variables_initializer())
        values = np.arange(6.0).reshape(3, 2)
        for k, want in ((0, values[1]), (1, values[0]), (2, values[2]), (9, values[2]), (1, values[0])):
            np.testing.assert_array_equal(sess.run(out, {x: values, index: k}), want)
        assert sess.run(counter) == 2.0


@settings(max_examples=15, deadline=None)
@given(n=st.integers(1, 6), d=st.integers(1, 3), reverse=st.booleans(), data=st.data())
def test_scan_is_a_running_sum_for_any_length(n, d, reverse, data):
    values = np.asarray(data.draw(st.lists(st.floats(-10, 10), min_size=n * d, max_size=n * d))).reshape(n, d)
    got = _run(ds.scan(lambda a, e: a + e, ds.constant(values), reverse=reverse))
    want = np.cumsum(values[::-1], axis=0)[::-1] if reverse else np.cumsum(values, axis=0)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    total = _run(ds.foldr(lambda a, e: a + e, ds.constant(values), initializer=np.zeros(d)))
    np.testing.assert_allclose(total, values.sum(axis=0), rtol=1e-12, atol=1e-12)


def test_bad_arguments_raise_at_the_users_line():
    x = ds.placeholder(ds.float32, [None, 3])
    y = ds.zeros([4, 3])
    cases = [
        (lambda: ds.scan(3, y), r"ds\.scan: fn must be callable"),
        (lambda: ds.scan(lambda a, e: a + e, x), r"ds\.scan: every element of elems needs the same leading "
                                                 r"dim, .*got shapes \[\(None, 3\)\]"),
        (lambda: ds.foldl(lambda a, e: a, (y, ds.zeros([2]))), r"ds\.foldl: every element of elems .*"
                                                               r"\[\(4, 3\), \(2,\)\]"),
        (lambda: ds.scan(lambda a, e: a, ds.zeros([0, 2])), r"ds\.scan: the leading dim of elems is 0"),
        (lambda: ds.foldl(lambda a, e: a, ds.placeholder(ds.float32, None)), r"ds\.foldl: every element of "
                                                                              r"elems .*got shapes \[None\]"),
        (lambda: ds.scan(lambda a, e: (a, a), y), r"ds\.scan: fn must return the structure of its "
                                                  r"accumulator"),
        (lambda: ds.foldl(lambda a, e: ds.cast(a, ds.int32), y), r"ds\.foldl: fn changed an accumulator's "
                                                                 r"dtype from float32 to int32 at element 1"),
        (lambda: ds.foldr(lambda a, e: a[:2], y), r"ds\.foldr: fn changed an accumulator's shape from \(3,\) "
                                                  r"to \(2,\) at element 2"),
        (lambda: ds.switch_case(ds.constant(0), {0: lambda: y, 2: lambda: y}),
         r"ds\.switch_case: branch indices \(keys\) must form the contiguous range \[0, 2\), got \[0, 2\]"),
        (lambda: ds.switch_case(ds.constant(0.0), [lambda: y]), r"ds\.switch_case: branch_index must be a "
                                                                r"scalar int32 or int64, got float32"),
        (lambda: ds.switch_case(ds.constant(0), [lambda: y, 4]), r"ds\.switch_case: each branch must be"),
        (lambda: ds.switch_case(ds.constant(0), []), r"ds\.switch_case: branch_fns must not be empty"),
    ]
    for build, message in cases:
        with pytest.raises(DualgradError, match=rf"{message}.*{LINE}"):
            build()
    assert ds.foldl(lambda a, e: a, ds.zeros([0, 2]), initializer=ds.ones([2])).shape == (2,)
