"""TF1's SparseTensor in the static front end (static/sparse_tensor.py, sparse_ops.py,
sparse_nn.py): values against numpy float64 transcriptions of the dense equivalents, gradients
against jax's of the same dense programs, feeding and fetching, and TF1's errors, on both
backends. (TF 2.21's tf.compat.v1 gave the same numbers by hand; the optional `tf` test below
repeats that comparison where TensorFlow is installed.)"""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad.static as ds
from dualgrad.errors import DualgradNotImplementedError, FeedError, InvalidArgumentError, ShapeError
from dualgrad.static import sparse_rows

RNG = np.random.default_rng(7)
SHAPE = (4, 5)
FLAT = np.sort(RNG.choice(20, size=7, replace=False))
IDX = np.stack(np.unravel_index(FLAT, SHAPE), axis=1).astype(np.int64)  # row-major, distinct
VALS = RNG.normal(size=7)
B = RNG.normal(size=(5, 3))


def _dense(idx=IDX, vals=VALS, shape=SHAPE) -> np.ndarray:
    out = np.zeros(shape)
    np.add.at(out, tuple(idx.T), vals)
    return out


def _feed(sp, idx=IDX, vals=VALS, shape=SHAPE) -> dict:
    return {sp: ds.SparseTensorValue(idx, vals, np.array(shape))}


def test_fetch_and_feed_round_trip(backend):
    const = ds.SparseTensor([[0, 1], [2, 3]], [1.0, 2.0], [3, 4])
    sp = ds.sparse_placeholder(ds.float64, shape=[None, 5], name="sp")
    assert const.shape.as_list() == [3, 4] and sp.shape.as_list() == [None, 5]
    names = (sp.indices.name, sp.values.name, sp.dense_shape.name)
    assert names == ("sp/indices:0", "sp/values:0", "sp/shape:0")
    with ds.Session(backend=backend) as sess:
        got = sess.run({"c": const, "pair": (sp, sp.dense_shape)}, _feed(sp))
        again = sess.run(sp, {sp: (IDX.tolist(), VALS.tolist(), list(SHAPE))})  # a plain tuple feeds too
        called = sess.make_callable(sp, [sp])(_feed(sp)[sp])
    c = got["c"]
    assert isinstance(c, ds.SparseTensorValue)
    assert c.indices.dtype == np.int64 and c.dense_shape.dtype == np.int64
    np.testing.assert_array_equal(c.indices, [[0, 1], [2, 3]])
    np.testing.assert_array_equal(c.values, np.float32([1, 2]))
    np.testing.assert_array_equal(c.dense_shape, [3, 4])
    value, dense_shape = got["pair"]
    for v in (value, again, called):
        np.testing.assert_array_equal(v.indices, IDX)
        np.testing.assert_array_equal(v.values, VALS)
        np.testing.assert_array_equal(v.dense_shape, SHAPE)
    np.testing.assert_array_equal(dense_shape, SHAPE)


def test_ops_match_numpy_dense_equivalents(backend):
    sp = ds.sparse_placeholder(ds.float64, shape=[None, 5])
    shuffled_sp = ds.sparse_placeholder(ds.float64, shape=[None, 5])
    repeated = ds.sparse_placeholder(ds.float64, shape=[2, 3])
    b = ds.constant(B)
    dense = _dense()
    shuffled = RNG.permutation(len(VALS))
    mask = np.array([True, False, True, True, False, False, True])
    fetches = {  # (one run: each compile costs seconds on jax)
        "to_dense": ds.sparse.to_dense(sp),
        "default": ds.sparse_tensor_to_dense(sp, default_value=np.float64(-2.0)),
        "matmul": ds.sparse.sparse_dense_matmul(sp, b),
        "adj_b": ds.sparse_tensor_dense_matmul(sp, ds.transpose(b), adjoint_b=True),
        "adj_a": ds.sparse.sparse_dense_matmul(sp, b[:4], adjoint_a=True),
        "adj_ab": ds.sparse.matmul(sp, ds.transpose(b[:4]), adjoint_a=True, adjoint_b=True),
        "sum": ds.sparse.reduce_sum(sp),
        "sum0": ds.sparse_reduce_sum(sp, axis=0),
        "sum1k": ds.sparse.reduce_sum(sp, axis=-1, keepdims=True),
        "add": ds.sparse.add(sp, ds.ones([4, 5], ds.float64)),
        "radd": ds.sparse_add(ds.ones([4, 5], ds.float64), sp),
        "retain": ds.sparse.to_dense(ds.sparse.retain(sp, mask)),
        "reshape": ds.sparse.to_dense(ds.sparse.reshape(sp, [2, 2, 5])),
        "reorder": ds.sparse.reorder(shuffled_sp),
        "from_dense": ds.sparse.from_dense(np.float32([[0, 3], [-1, 0]])),
        # a repeated index: to_dense keeps its last value (TF1's CPU kernel), reduce_sum adds
        "last": ds.sparse.to_dense(repeated, default_value=np.float64(9), validate_indices=False),
        "sums": ds.sparse.reduce_sum(repeated, axis=1),
    }
    feed = {**_feed(sp), **_feed(shuffled_sp, IDX[shuffled], VALS[shuffled]),
            repeated: ([[1, 2], [0, 0], [1, 2]], [1.0, 2.0, 3.0], [2, 3])}
    with ds.Session(backend=backend) as sess:
        got = sess.run(fetches, feed)
    default = np.where(_dense(vals=np.ones(7)) > 0, dense, -2.0)
    want = {"to_dense": dense, "default": default, "matmul": dense @ B, "adj_b": dense @ B,
            "adj_a": dense.T @ B[:4], "adj_ab": dense.T @ B[:4], "sum": dense.sum(), "sum0": dense.sum(0),
            "sum1k": dense.sum(1, keepdims=True), "add": dense + 1, "radd": dense + 1,
            "retain": _dense(IDX[mask], VALS[mask]), "reshape": dense.reshape(2, 2, 5),
            "last": [[2, 9, 9], [9, 9, 3]], "sums": [2, 4]}
    for k, v in want.items():
        np.testing.assert_allclose(got[k], v, rtol=1e-12, atol=1e-12, err_msg=k)
    np.testing.assert_array_equal(got["reorder"].indices, IDX)
    np.testing.assert_array_equal(got["reorder"].values, VALS)
    np.testing.assert_array_equal(got["from_dense"].indices, [[0, 1], [1, 0]])
    np.testing.assert_array_equal(got["from_dense"].values, np.float32([3, -1]))


def _numeric_gradient(f, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Central differences of the scalar numpy function f at x (float64)."""
    out = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[i] = h
        out[i] = (f(x + step) - f(x - step)) / (2 * h)
    return out


DENSE_LOSSES = [  # the dense equivalents of the losses below, in numpy float64
    lambda v, m: np.sin(_dense(vals=v) @ m).sum(),
    lambda v, m: np.square(_dense(vals=v).T @ m[:4]).sum(),
    lambda v, m: (np.exp(_dense(vals=v) + 1.0) * _dense(vals=v)).sum(),
    lambda v, m: np.square(_dense(vals=v).sum(1)).sum(),
]


def test_gradients_match_the_dense_equivalents(backend):
    sp = ds.sparse_placeholder(ds.float64, shape=[None, 5])
    b = ds.constant(B)
    losses = [ds.reduce_sum(ds.sin(ds.sparse.sparse_dense_matmul(sp, b))),
              ds.reduce_sum(ds.square(ds.sparse.sparse_dense_matmul(sp, b[:4], adjoint_a=True))),
              ds.reduce_sum(ds.exp(ds.sparse.add(sp, ds.ones([4, 5], ds.float64))) * ds.sparse.to_dense(sp)),
              ds.reduce_sum(ds.square(ds.sparse.reduce_sum(sp, axis=1)))]
    if backend == "jax":  # (the products' gradients only: each compile costs seconds)
        losses = losses[:2]
    grads = [ds.gradients(loss, [sp.values, b] if k < 2 else [sp.values]) for k, loss in enumerate(losses)]
    with ds.Session(backend=backend) as sess:
        got = sess.run(grads, _feed(sp))
    for k, (found, f) in enumerate(zip(got, DENSE_LOSSES[:len(got)], strict=True)):
        np.testing.assert_allclose(found[0], _numeric_gradient(lambda v, f=f: f(v, B), VALS), rtol=1e-7,
                                   atol=1e-8, err_msg=str(k))
        if k < 2:
            np.testing.assert_allclose(found[1], _numeric_gradient(lambda m, f=f: f(VALS, m), B), rtol=1e-7,
                                       atol=1e-8, err_msg=str(k))


def _embedding_reference(params, weights, combiner, idx, ids, rows=5):
    """TF1's embedding_lookup_sparse written out in numpy float64 (one row per dense row)."""
    out = np.zeros((rows, params.shape[1]))
    norm = np.zeros(rows)
    for (r, _), i, w in zip(idx, ids, weights, strict=True):
        out[r] += w * params[i]
        norm[r] += w * w if combiner == "sqrtn" else w
    if combiner == "sum":
        return out
    norm = np.sqrt(norm) if combiner == "sqrtn" else norm
    return np.divide(out, norm[:, None], out=np.zeros_like(out), where=norm[:, None] != 0)


def test_embedding_lookup_sparse_matches_numpy(backend):
    params_value = RNG.normal(size=(6, 3))
    idx = np.array([[0, 0], [0, 1], [2, 0], [2, 1], [2, 2], [3, 0]], np.int64)
    ids_value = np.array([1, 4, 0, 4, 4, 5], np.int64)
    weights_value = np.array([0.5, 2.0, 1.0, -1.0, 3.0, 1.5])
    params = ds.Variable(params_value)
    sp_ids = ds.sparse_placeholder(ds.int64)  # (TF1's usual: rank and shape fed)
    sp_w = ds.sparse_placeholder(ds.float64, shape=[None, 3])
    cases = [(c, w) for c in ("sum", "mean", "sqrtn") for w in (None, sp_w)]
    if backend == "jax":  # (each compile costs seconds: the same kernels, fewer cases)
        cases = cases[1:2] + cases[-1:]
    outs = [ds.nn.embedding_lookup_sparse(params, sp_ids, w, combiner=c) for c, w in cases]
    grads = [ds.gradients(ds.reduce_sum(ds.square(o)), params)[0] for o in outs]
    g_w = ds.gradients(ds.reduce_sum(ds.square(outs[-1])), sp_w.values)[0]
    assert sparse_rows.slices_of(grads[0]) is not None  # TF1's IndexedSlices
    feed = {sp_ids: (idx, ids_value, [5, 3]), sp_w: (idx, weights_value, [5, 3])}
    with ds.Session(backend=backend) as sess:
        sess.run(ds.global_variables_initializer())
        got, got_grads, got_g_w = sess.run([outs, grads, g_w], feed)
    for (c, w), value, g in zip(cases, got, got_grads, strict=True):
        weights = weights_value if w is not None else np.ones(6)

        def loss(p, weights=weights, c=c):
            return np.square(_embedding_reference(p, weights, c, idx, ids_value)).sum()

        np.testing.assert_allclose(value, _embedding_reference(params_value, weights, c, idx, ids_value),
                                   rtol=1e-12, err_msg=c)
        np.testing.assert_allclose(g, _numeric_gradient(loss, params_value), rtol=1e-7, atol=1e-8, err_msg=c)
    want_w = _numeric_gradient(lambda w: np.square(_embedding_reference(params_value, w, "sqrtn", idx,
                                                                       ids_value)).sum(), weights_value)
    np.testing.assert_allclose(got_g_w, want_w, rtol=1e-7, atol=1e-8)


def test_ctc_loss_v1_is_v2_on_the_dense_labels(backend):
    idx = [[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [2, 0], [2, 1]]
    case = (4, [4, 3, 2], idx, [1, 1, 2, 0, 2, 1, 2], [[1, 1, 2], [0, 2, 0], [1, 2, 0]], [3, 2, 2])
    if backend == "jax":  # (a smaller case: each compile costs seconds; jax checks the values)
        case = (2, [2, 2, 1], [[0, 0], [1, 0], [1, 1], [2, 0]], [1, 0, 2, 2], [[1, 0], [0, 2], [2, 0]],
                [1, 2, 1])
    frames, seq, case_idx, values, dense, lengths = case
    logits_value = RNG.normal(size=(frames, 3, 4))
    seq = np.array(seq, np.int32)
    with ds.Graph().as_default(), ds.Session(backend="numpy") as sess:  # the reference: ctc_loss_v2
        logits = ds.constant(logits_value)
        want = ds.nn.ctc_loss_v2(np.array(dense, np.int32), logits, lengths, seq, blank_index=-1)
        collapsed = ds.nn.ctc_loss_v2(np.array([[1, 2], [0, 2], [1, 2]], np.int32), logits, [2, 2, 2], seq,
                                      blank_index=-1)  # (the numpy case's labels, repeats merged)
        g_want = ds.gradients(ds.reduce_sum(want), logits)[0]
        want, g_want, want_collapsed = sess.run([want, g_want, collapsed])
    labels = ds.sparse_placeholder(ds.int32)
    logits = ds.constant(logits_value)
    loss = ds.nn.ctc_loss(labels, logits, seq)
    fetches = [loss] if backend == "jax" else [loss, ds.gradients(ds.reduce_sum(loss), logits)[0]]
    with ds.Session(backend=backend) as sess:
        got, *g = sess.run(fetches, {labels: (case_idx, values, [3, len(dense[0])])})
    np.testing.assert_allclose(got, want, rtol=1e-12)
    for found in g:
        np.testing.assert_allclose(found, g_want, rtol=1e-12, atol=1e-14)
    if backend == "numpy":  # (each compile costs seconds on jax)
        forgiving = ds.nn.ctc_loss(labels, logits, seq, ignore_longer_outputs_than_inputs=True)
        too_long = {labels: (idx[:5] + [[2, 0], [2, 1], [2, 2]], [1, 1, 2, 0, 2, 1, 2, 1], [3, 3])}
        with ds.Session(backend=backend) as sess:
            kept = sess.run(forgiving, too_long)
            with pytest.raises(InvalidArgumentError, match="Not enough time"):
                sess.run(loss, too_long)
            with pytest.raises(InvalidArgumentError, match="nonnegative integers below num_classes - 1"):
                sess.run(loss, {labels: (idx, [1, 1, 2, 0, -1, 1, 3], [3, 3])})
            with pytest.raises(InvalidArgumentError, match="Labels length is zero"):
                sess.run(loss, {labels: (idx[:3] + idx[5:], [1, 1, 2, 1, 2], [3, 3])})
            with pytest.raises(InvalidArgumentError, match="sorted by row"):
                sess.run(loss, {labels: (idx[3:5] + idx[:3] + idx[5:], [0, 2, 1, 1, 2, 1, 2], [3, 3])})
            gapped = [[0, 0], [0, 2], [0, 4], [1, 1], [1, 3], [2, 0], [2, 3]]  # TF1 reads no column
            by_order = sess.run(loss, {labels: (gapped, [1, 1, 2, 0, 2, 1, 2], [3, 5])})
            np.testing.assert_array_equal(by_order, got)
            merged = ds.nn.ctc_loss(labels, logits, seq, preprocess_collapse_repeated=True)
            np.testing.assert_allclose(sess.run(merged, {labels: (idx, [1, 1, 2, 0, 2, 1, 2], [3, 3])}),
                                       want_collapsed, rtol=1e-12)
        assert kept[2] == 0 and np.allclose(kept[:2], got[:2])


def test_run_time_errors_are_invalid_argument(backend):
    sp = ds.sparse_placeholder(ds.float32, shape=[None, 4])
    ops = [ds.sparse.to_dense(sp), ds.sparse.sparse_dense_matmul(sp, ds.ones([4, 2])),
           ds.sparse.reduce_sum(sp, axis=1), ds.sparse.add(sp, ds.zeros([2, 4]))]
    checked = ops if backend == "numpy" else ops[:1]  # (each compile costs seconds on jax)
    with ds.Session(backend=backend) as sess:
        for bad in ([[0, 1], [2, 3]], [[0, -1], [1, 0]], [[0, 4], [1, 0]]):
            for op in checked:
                with pytest.raises(InvalidArgumentError, match="out of bounds"):
                    sess.run(op, {sp: (bad, [5.0, 6.0], [2, 4])})
        for unsorted in ([[1, 1], [0, 3]], [[0, 1], [0, 1]]):
            with pytest.raises(InvalidArgumentError, match="row-major order"):
                sess.run(ops[0], {sp: (unsorted, [5.0, 6.0], [2, 4])})
        if backend == "numpy":
            with pytest.raises(InvalidArgumentError, match="dense_shape"):
                sess.run(ops[3], {sp: ([[0, 1]], [5.0], [3, 4])})
            np.testing.assert_array_equal(sess.run(ops[1], {sp: ([[1, 1], [0, 3]], [5.0, 6.0], [2, 4])}),
                                          [[6, 6], [5, 5]])  # the product takes unsorted indices, as TF1's
        with pytest.raises(FeedError, match="dense_shape"):
            sess.run(ops[0], {sp: ([[0, 1]], [5.0], [2, 5])})
        with pytest.raises(FeedError, match=r"\[N, rank\]"):
            sess.run(ops[0], {sp: ([[0, 1]], [5.0, 6.0], [2, 4])})


def test_build_time_errors():
    sp = ds.SparseTensor([[0, 1]], [1.0], [2, 4])
    with pytest.raises(ShapeError, match="inner dimension"):
        ds.sparse.sparse_dense_matmul(sp, ds.ones([3, 2]))
    with pytest.raises(TypeError, match="same dtype"):
        ds.sparse.sparse_dense_matmul(sp, ds.ones([4, 2], ds.float64))
    with pytest.raises(ShapeError, match="indices must be"):
        ds.SparseTensor([[0, 1]], [1.0, 2.0], [2, 4])
    computed = ds.SparseTensor([[0, 1]], [1.0], ds.placeholder(ds.int64, [2]))
    with pytest.raises(DualgradNotImplementedError, match="known when the graph is built"):
        ds.sparse.to_dense(computed)
    with pytest.raises(NotImplementedError, match="two SparseTensors"):
        ds.sparse.add(sp, sp)
    with pytest.raises(ValueError, match="combiner"):
        ds.nn.embedding_lookup_sparse(ds.ones([3, 2]), sp, None, combiner="max")
    with pytest.raises(ShapeError, match="reduction dimension"):
        ds.sparse.reduce_sum(sp, axis=2)
    with pytest.raises(TypeError, match="SparseTensor"):
        ds.sparse.to_dense(ds.ones([2, 2]))


def test_values_agree_with_tensorflow(tf):
    def program(ns, sp):
        b = ns.constant(B.astype(np.float32))
        lookup = ns.nn.embedding_lookup_sparse(b, sp_ids(ns), None, combiner="sqrtn")
        product = ns.sparse.sparse_dense_matmul(sp, b)
        return [ns.sparse.to_dense(sp), product, ns.sparse.reduce_sum(sp, axis=1), lookup]

    def sp_ids(ns):
        return ns.SparseTensor([[0, 0], [0, 1], [1, 0]], np.int64([4, 2, 4]), [2, 2])

    results = []
    for ns in (tf, ds):
        graph = ns.Graph()
        with graph.as_default():
            sp = ns.sparse_placeholder(ns.float32, shape=[None, 5])
            fetches = program(ns, sp)
            with ns.Session() as sess:
                results.append(sess.run(fetches, _feed(sp, vals=VALS.astype(np.float32))))
    for mine, theirs in zip(results[1], results[0], strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=1e-5, atol=1e-6)
