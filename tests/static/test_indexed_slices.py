"""TF1's IndexedSlices gradients (`dualgrad/static/sparse_rows.py`), found by a differential run
against tf.compat.v1 2.21: the gradient of a gather passed through `clip_by_global_norm`,
`clip_by_norm`, `clip_by_value` or `ds.identity`, or a gather of `ds.identity(v)`, was updated
densely (Momentum's and RMSProp's untouched rows kept moving) and clipped as a dense tensor
(a row gathered twice counted once in the norm; `clip_by_value(g, 0.1, 1)` lifted every
untouched row to 0.1). And a variable listed twice in `var_list` had its two updates read the
same slot values (TF1 applies them one after the other).

Oracle: TF1's documented rules written out in numpy float64. The gradient of
sum((gather(E, ids) - 1)^2) is the slices (values 2 * (E[ids] - 1), indices ids), duplicates
kept; the clipping functions work on the values; the sparse kernels (`sparse_apply_momentum`,
`sparse_apply_rms_prop`, `sparse_apply_adagrad`) sum duplicate rows and change only the
gathered rows; Adam and gradient descent apply the scattered (dense) gradient.
"""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad.static as ds

E0 = np.random.default_rng(7).normal(size=(5, 2))
LR, MU, RHO, EPS = 0.125, 0.75, 0.875, 2.0 ** -10
CLIP = 1.5


def _clip_values(values, how):
    """TF1's clipping of IndexedSlices: on the values, a duplicate row counted each time."""
    if how == "global_norm" or how == "norm":
        return values * CLIP / max(np.sqrt(np.sum(values ** 2)), CLIP)
    if how == "norm_rows":
        norms = np.sqrt(np.sum(values ** 2, axis=1, keepdims=True))
        return values * CLIP / np.maximum(norms, CLIP)
    if how == "value":
        return np.clip(values, 0.25, 0.75)
    return values


def reference(batches, how, opt):
    e = E0.copy()
    slots = {name: np.full_like(e, start) for name, start in
             (("acc", 0.0), ("ms", 1.0), ("mg", 0.0), ("mom", 0.0), ("m", 0.0), ("v", 0.0), ("ada", 0.1))}
    b1p = b2p = 1.0
    for ids in batches:
        ids = np.asarray(ids)
        values = _clip_values(2 * (e[ids] - 1.0), how)
        g = np.zeros_like(e)
        np.add.at(g, ids, values)  # duplicate rows summed, as TF1's sparse kernels do
        r = np.unique(ids)
        if opt in ("momentum", "nesterov"):
            slots["acc"][r] = MU * slots["acc"][r] + g[r]
            step = g[r] + MU * slots["acc"][r] if opt == "nesterov" else slots["acc"][r]
            e[r] -= LR * step
        elif opt == "rmsprop":
            slots["ms"][r] += (g[r] ** 2 - slots["ms"][r]) * (1 - RHO)
            slots["mg"][r] += (g[r] - slots["mg"][r]) * (1 - RHO)
            denominator = slots["ms"][r] - slots["mg"][r] ** 2 + EPS
            slots["mom"][r] = MU * slots["mom"][r] + LR * g[r] / np.sqrt(denominator)
            e[r] -= slots["mom"][r]
        elif opt == "adagrad":
            slots["ada"][r] += g[r] ** 2
            e[r] -= LR * g[r] / np.sqrt(slots["ada"][r])
        elif opt == "adam":
            b1p, b2p = b1p * MU, b2p * RHO
            slots["m"] = MU * slots["m"] + (1 - MU) * g
            slots["v"] = RHO * slots["v"] + (1 - RHO) * g ** 2
            e -= LR * np.sqrt(1 - b2p) / (1 - b1p) * slots["m"] / (np.sqrt(slots["v"]) + EPS)
        else:
            e -= LR * g
    return e


def optimizer(opt):
    t = ds.train
    return {"momentum": lambda: t.MomentumOptimizer(LR, MU),
            "nesterov": lambda: t.MomentumOptimizer(LR, MU, use_nesterov=True),
            "rmsprop": lambda: t.RMSPropOptimizer(LR, RHO, MU, EPS, centered=True),
            "adagrad": lambda: t.AdagradOptimizer(LR),
            "adam": lambda: t.AdamOptimizer(LR, MU, RHO, EPS),
            "sgd": lambda: t.GradientDescentOptimizer(LR)}[opt]()


def train(batches, how, opt, through_identity, backend):
    ds.reset_default_graph()
    e = ds.Variable(E0)
    ids = ds.placeholder(ds.int32, [None])
    table = ds.identity(e) if through_identity else e
    loss = ds.reduce_sum(ds.square(ds.nn.embedding_lookup(table, ids) - 1.0))
    o = optimizer(opt)
    (g, _), = o.compute_gradients(loss, [e])
    if how == "global_norm":
        g = ds.clip_by_global_norm([g], CLIP)[0][0]
    elif how == "norm":
        g = ds.clip_by_norm(g, CLIP)
    elif how == "norm_rows":
        g = ds.clip_by_norm(g, CLIP, axes=[1])
    elif how == "value":
        g = ds.clip_by_value(g, 0.25, 0.75)
    elif how == "identity":
        g = ds.identity(g)
    step = o.apply_gradients([(g, e)])
    with ds.Session(backend=backend) as sess:
        sess.run(ds.global_variables_initializer())
        for b in batches:
            sess.run(step, {ids: b})
        return sess.run(e)


BATCHES = st.lists(st.lists(st.integers(0, 4), min_size=1, max_size=4), min_size=1, max_size=3)
HOW = st.sampled_from(["none", "identity", "global_norm", "norm", "norm_rows", "value"])
OPT = st.sampled_from(["momentum", "nesterov", "rmsprop", "adagrad", "adam", "sgd"])


@settings(max_examples=40, deadline=None)
@given(batches=BATCHES, how=HOW, opt=OPT, through_identity=st.booleans())
def test_sparse_gradients_follow_tf1_numpy(batches, how, opt, through_identity):
    got = train(batches, how, opt, through_identity, "numpy")
    np.testing.assert_allclose(got, reference(batches, how, opt), rtol=1e-10, atol=1e-12)


@settings(max_examples=4, deadline=None)
@given(batches=BATCHES, how=HOW, opt=OPT, through_identity=st.booleans())
def test_sparse_gradients_follow_tf1_jax(batches, how, opt, through_identity):
    got = train(batches, how, opt, through_identity, "jax")
    np.testing.assert_allclose(got, reference(batches, how, opt), rtol=1e-10, atol=1e-12)


def test_clipping_a_gradient_measures_duplicate_rows_each_time(backend):
    """Row 1 gathered twice: TF1's norm is over the two slices (sqrt(2) * 2), not the summed
    row (4); and a dense use of the variable makes everything dense again."""
    ds.reset_default_graph()
    e = ds.Variable(np.zeros((3, 1)))
    sparse = ds.gradients(ds.reduce_sum(ds.gather(e, [1, 1]) * 2.0), e)[0]
    dense = ds.gradients(ds.reduce_sum(ds.gather(e, [1, 1]) * 2.0) + ds.reduce_sum(e * 0.0), e)[0]
    with ds.Session(backend=backend) as sess:
        sess.run(e.initializer)
        norms = sess.run([ds.global_norm([sparse]), ds.global_norm([dense])])
        floor = sess.run([ds.clip_by_value(sparse, 3.0, 5.0), ds.clip_by_value(dense, 3.0, 5.0)])
    np.testing.assert_allclose(norms, [np.sqrt(8.0), 4.0])
    np.testing.assert_allclose(floor[0].ravel(), [0.0, 6.0, 0.0])  # each slice clipped: 3 + 3
    np.testing.assert_allclose(floor[1].ravel(), [3.0, 4.0, 3.0])


# -- a variable listed twice ----------------------------------------------------------------


def reference_twice(opt, steps):
    """TF1 applies the two updates of w one after the other, from one gradient."""
    w, v, state = 1.5, -0.5, {"acc": 0.0, "acc_v": 0.0}
    for _ in range(steps):
        gw, gv = 2 * w * v, w * w  # loss = w^2 v
        for _ in range(2):
            if opt == "momentum":
                state["acc"] = MU * state["acc"] + gw
                w -= LR * state["acc"]
            else:
                w -= LR * gw
        if opt == "momentum":
            state["acc_v"] = MU * state["acc_v"] + gv
            v -= LR * state["acc_v"]
        else:
            v -= LR * gv
    return w, v


@settings(max_examples=10, deadline=None)
@given(opt=st.sampled_from(["momentum", "sgd"]), steps=st.integers(1, 3),
       backend=st.sampled_from(["numpy", "jax"]))
def test_a_variable_listed_twice_is_updated_twice_in_turn(opt, steps, backend):
    ds.reset_default_graph()
    w, v = ds.Variable(1.5, dtype=ds.float64), ds.Variable(-0.5, dtype=ds.float64)
    train_op = optimizer(opt).minimize(w * w * v, var_list=[w, v, w])
    with ds.Session(backend=backend) as sess:
        sess.run(ds.global_variables_initializer())
        for _ in range(steps):
            sess.run(train_op)
        np.testing.assert_allclose(sess.run([w, v]), reference_twice(opt, steps), rtol=1e-12)
