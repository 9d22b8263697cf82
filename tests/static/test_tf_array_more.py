"""TF1's top-level unstack, tensordot, eye, diag, trace, matrix_band_part, norm, meshgrid,
sequence_mask, scatter_nd, tensor_scatter_nd_add/update, strided_slice, reverse_sequence, rint,
map_fn and case: values against numpy float64 (TF1's documented semantics written out; the
expected arrays were also checked once against tf.compat.v1 2.21), gradients against central
finite differences and jax.grad, errors at the user's line. Numpy backend (no compiles)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad.static as ds
from dualgrad.errors import DualgradError

RNG = np.random.default_rng(3)
X = np.arange(24.0).reshape(2, 3, 4)
LINE = r"test_tf_array_more\.py:\d+"


def _run(fetches, feed=None):
    with ds.Session(backend="numpy") as sess:
        return sess.run(fetches, feed)


def test_values_match_numpy():
    a = RNG.normal(size=(2, 3, 4))
    got = _run(
        dict(
            unstack=ds.unstack(a, axis=1),
            unstack_num=ds.unstack(a, num=2),
            tensordot=ds.tensordot(a, np.ones((4, 5)) * 2, 1),
            pairs=ds.tensordot(a, X[0].T, [[1, 2], [1, 0]]),
            outer=ds.tensordot([1.0, 2.0], [3.0, 4.0, 5.0], 0),
            eye=ds.eye(2, 3, batch_shape=[2], dtype=ds.float64),
            eye_int=ds.eye(3, dtype=ds.int32),
            diag=ds.diag([[1.0, 2.0], [3.0, 4.0]]),
            diag1=ds.diag([1.0, 2.0, 3.0]),
            trace=ds.trace(a),
            band=ds.matrix_band_part(X, 1, 0),
            band_all=ds.matrix_band_part(X, -1, 2),
            mesh_xy=ds.meshgrid([1.0, 2.0, 3.0], [4.0, 5.0]),
            mesh_ij=ds.meshgrid([1.0, 2.0], [3.0, 4.0, 5.0], [6.0], indexing="ij"),
            mask=ds.sequence_mask([1, 3, 2], 4),
            mask_max=ds.sequence_mask([[1], [3]], dtype=ds.float32),
            rint=ds.rint([0.5, 1.5, 2.5, -0.5, -1.7]),
        )
    )
    np.testing.assert_array_equal(got["unstack"], [a[:, i] for i in range(3)])
    np.testing.assert_array_equal(got["unstack_num"], [a[0], a[1]])
    np.testing.assert_allclose(got["tensordot"], a @ (np.ones((4, 5)) * 2), rtol=1e-14)
    np.testing.assert_allclose(got["pairs"], np.einsum("bij,ji->b", a, X[0].T), rtol=1e-14)
    np.testing.assert_array_equal(got["outer"], np.outer([1.0, 2.0], [3.0, 4.0, 5.0]))
    np.testing.assert_array_equal(got["eye"], [np.eye(2, 3)] * 2)
    assert got["eye"].dtype == np.float64 and got["eye_int"].dtype == np.int32
    expected_diag = np.zeros((2, 2, 2, 2))
    for i, j in np.ndindex(2, 2):
        expected_diag[i, j, i, j] = [[1.0, 2.0], [3.0, 4.0]][i][j]
    np.testing.assert_array_equal(got["diag"], expected_diag)
    np.testing.assert_array_equal(got["diag1"], np.diag([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(got["trace"], np.trace(a, axis1=1, axis2=2), rtol=1e-14)
    i, j = np.arange(3)[:, None], np.arange(4)[None, :]
    np.testing.assert_array_equal(got["band"], X * ((i - j <= 1) & (j - i <= 0)))
    np.testing.assert_array_equal(got["band_all"], X * (j - i <= 2))
    np.testing.assert_array_equal(got["mesh_xy"], np.meshgrid([1.0, 2.0, 3.0], [4.0, 5.0]))
    np.testing.assert_array_equal(
        got["mesh_ij"], np.meshgrid([1.0, 2.0], [3.0, 4.0, 5.0], [6.0], indexing="ij")
    )
    np.testing.assert_array_equal(got["mask"], np.arange(4) < np.array([1, 3, 2])[:, None])
    np.testing.assert_array_equal(
        got["mask_max"], (np.arange(3) < np.array([[1], [3]])[..., None]).astype(np.float32)
    )
    assert got["mask_max"].shape == (2, 1, 3) and got["mask_max"].dtype == np.float32
    np.testing.assert_array_equal(got["rint"], [0.0, 2.0, 2.0, -0.0, -2.0])


def test_masked_matrices_keep_inf_and_nan_where_they_are():
    """diag / trace / band_part select with a mask: an inf or NaN entry does not spread (a
    product with a 0/1 mask would read inf * 0 = NaN)."""
    m = np.array([[np.inf, np.nan], [1.0, 2.0]])
    got = _run([ds.diag([np.inf, 1.0]), ds.trace(m.T), ds.matrix_band_part(m, 0, 0)])
    np.testing.assert_array_equal(got[0], [[np.inf, 0.0], [0.0, 1.0]])
    assert got[1] == np.inf
    np.testing.assert_array_equal(got[2], [[np.inf, 0.0], [0.0, 2.0]])


@pytest.mark.parametrize(
    "ord_, axis, keepdims",
    [
        ("euclidean", None, False),
        (2, -1, False),
        (1, 1, True),
        (np.inf, 0, False),
        (3, -1, False),
        (0.5, None, True),
        ("fro", (1, 2), False),
        (1, [1, 2], False),
        (np.inf, (-2, -1), True),
        ("euclidean", (2, 0), False),
    ],
)
def test_norm_matches_numpy(ord_, axis, keepdims):
    a = RNG.normal(size=(2, 3, 4))
    got = _run(ds.norm(a, ord=ord_, axis=axis, keepdims=keepdims))
    if isinstance(axis, (tuple, list)):
        expected = np.linalg.norm(
            a, ord="fro" if isinstance(ord_, str) else ord_, axis=tuple(axis), keepdims=keepdims
        )
    elif axis is None:
        p = 2 if isinstance(ord_, str) else ord_
        expected = np.sum(np.abs(a) ** p) ** (1 / p)
        expected = np.reshape(expected, (1, 1, 1)) if keepdims else expected
    else:
        expected = np.linalg.norm(a, ord=2 if isinstance(ord_, str) else ord_, axis=axis, keepdims=keepdims)
    np.testing.assert_allclose(got, expected, rtol=1e-13)
    assert np.shape(got) == np.shape(expected)


def test_scatters_match_numpy():
    got = _run(
        dict(
            nd=ds.scatter_nd([[1], [3], [1]], [9.0, 10.0, 11.0], [5]),
            rows=ds.scatter_nd([[0, 1], [2, 2], [0, 1]], [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], [3, 3, 2]),
            add=ds.tensor_scatter_nd_add(
                np.ones((3, 2)), [[0], [2], [0]], [[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]]
            ),
            update=ds.tensor_scatter_nd_update(
                np.full((3, 2), -1.0), [[0, 1], [2, 0], [0, 1]], [1.0, 2.0, 3.0]
            ),
            update_rows=ds.tensor_scatter_nd_update(np.zeros((3, 2)), [[2]], [[7.0, 8.0]]),
        )
    )
    np.testing.assert_array_equal(got["nd"], [0.0, 20.0, 0.0, 10.0, 0.0])
    expected = np.zeros((3, 3, 2))
    np.add.at(expected, (np.array([0, 2, 0]), np.array([1, 2, 1])), [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    np.testing.assert_array_equal(got["rows"], expected)
    np.testing.assert_array_equal(got["add"], [[5.0, 5.0], [1.0, 1.0], [3.0, 3.0]])
    np.testing.assert_array_equal(got["update"], [[-1.0, 3.0], [-1.0, -1.0], [2.0, -1.0]])  # last wins
    np.testing.assert_array_equal(got["update_rows"], [[0.0, 0.0], [0.0, 0.0], [7.0, 8.0]])


def test_scatter_and_reverse_sequence_with_fed_indices():
    idx = ds.placeholder(ds.int32, [None, 1])
    upd = ds.placeholder(ds.float64, [None])
    out = ds.scatter_nd(idx, upd, [4])
    x = ds.placeholder(ds.float64, [None, 3, 2])
    lengths = ds.placeholder(ds.int64, [None])
    rev = ds.reverse_sequence(x, lengths, seq_axis=1)
    rev_t = ds.reverse_sequence(ds.transpose(x, [1, 0, 2]), lengths, seq_axis=0, batch_axis=1)
    data = np.arange(12.0).reshape(2, 3, 2)
    got = _run([out, rev, rev_t], {idx: [[3], [0], [3]], upd: [1.0, 2.0, 4.0], x: data, lengths: [2, 0]})
    np.testing.assert_array_equal(got[0], [2.0, 0.0, 0.0, 5.0])
    expected = data.copy()
    expected[0, :2] = data[0, 1::-1]
    np.testing.assert_array_equal(got[1], expected)
    np.testing.assert_array_equal(got[2], expected.transpose(1, 0, 2))
    with pytest.raises(DualgradError, match=r"index 4 is not in \[0, 4\)"):
        _run(rev, {x: data, lengths: [4, 1]})
    with pytest.raises(DualgradError, match=r"index 7 is not in \[0, 4\)"):
        _run(out, {idx: [[7]], upd: [1.0]})


@settings(max_examples=20, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(-5, 5), st.integers(-5, 5), st.sampled_from([1, 2, -1, -2])),
        min_size=3,
        max_size=3,
    ),
    st.integers(0, 7),
    st.integers(0, 7),
    st.integers(0, 7),
)
def test_strided_slice_is_python_slicing(spec, begin_mask, end_mask, shrink):
    """Each entry a slice begin:end:stride (None where its mask bit is set), or the index begin
    where shrink_axis_mask is set, as TF1's; numpy's indexing as the oracle."""
    ds.reset_default_graph()
    shape = (4, 3, 5)
    shrink &= ~(begin_mask | end_mask) & 7
    key = []
    for i, (b, e, s) in enumerate(spec):
        if shrink >> i & 1:
            b = b % shape[i]
            key.append(b)
            spec[i] = (b, e, abs(s))  # (TF1 refuses a shrunk entry with a negative stride)
        else:
            key.append(slice(None if begin_mask >> i & 1 else b, None if end_mask >> i & 1 else e, s))
    a = np.arange(60.0).reshape(shape)
    b, e, s = (list(v) for v in zip(*spec, strict=True))
    got = _run(
        ds.strided_slice(a, b, e, s, begin_mask=begin_mask, end_mask=end_mask, shrink_axis_mask=shrink)
    )
    np.testing.assert_array_equal(got, a[tuple(key)])


def test_strided_slice_masks_ellipsis_and_new_axis():
    got = _run(
        [
            ds.strided_slice(X, [0, 0, 1], [1, 1, 3], [1, 1, 1], ellipsis_mask=1, new_axis_mask=2),
            ds.strided_slice(X, [1, 0, -1], [2, 3, 0], [1, 2, -2], begin_mask=2, end_mask=4),
        ]
    )
    np.testing.assert_array_equal(got[0], X[..., None, 1:3])
    np.testing.assert_array_equal(got[1], X[1:2, :3:2, -1::-2])


def test_map_fn_and_case():
    a = RNG.normal(size=(3, 4))
    doubled = ds.map_fn(lambda row: ds.reduce_sum(row) * 2.0, a)
    nested = ds.map_fn(lambda pair: (pair[0] + pair[1], pair[0] * pair[1]), (a, a[::-1]))
    p = ds.placeholder(ds.int32, [])
    picked = ds.case(
        [(ds.equal(p, 0), lambda: ds.constant(10.0)), (ds.equal(p, 1), lambda: ds.constant(20.0))],
        default=lambda: ds.constant(-1.0),
    )
    last = ds.case({ds.less(p, 5): lambda: ds.constant(1.0), ds.less(p, 8): lambda: ds.constant(2.0)})
    only = ds.case(
        [(ds.equal(p, 0), lambda: ds.constant(1.0)), (ds.less(p, 2), lambda: ds.constant(2.0))],
        default=lambda: ds.constant(3.0),
        exclusive=True,
    )
    with ds.Session(backend="numpy") as sess:
        got = sess.run([doubled, nested])
        assert [sess.run(picked, {p: v}) for v in (0, 1, 2)] == [10.0, 20.0, -1.0]
        assert [sess.run(last, {p: v}) for v in (3, 6)] == [1.0, 2.0]  # the first true predicate wins
        assert sess.run(only, {p: 1}) == 2.0
        with pytest.raises(
            DualgradError, match=rf"ds\.case: none of the conditions evaluated as True.*{LINE}"
        ):
            sess.run(last, {p: 9})  # no default: the last pair's, and TF1's assert
        with pytest.raises(DualgradError, match=rf"ds\.case: more than one condition.*exclusive.*{LINE}"):
            sess.run(only, {p: 0})
    np.testing.assert_allclose(got[0], a.sum(1) * 2, rtol=1e-14)
    np.testing.assert_allclose(got[1][0], a + a[::-1], rtol=1e-14)
    np.testing.assert_allclose(got[1][1], a * a[::-1], rtol=1e-14)


def _fd_check(build, shapes, seed=0):
    """<grad of sum(w * build(*xs)), d> against the central difference along random d, for each input."""
    rng = np.random.default_rng(seed)
    places = [ds.placeholder(ds.float64, s) for s in shapes]
    out = build(*places)
    w = rng.normal(size=out.shape)
    loss = ds.reduce_sum(out * w)
    grads = ds.gradients(loss, places)
    values = [rng.normal(size=s) for s in shapes]
    with ds.Session(backend="numpy") as sess:
        got = sess.run(grads, dict(zip(places, values, strict=True)))
        for k, (g, v) in enumerate(zip(got, values, strict=True)):
            d = rng.normal(size=v.shape)
            eps = 1e-6
            feed = [dict(zip(places, values, strict=True)) for _ in range(2)]
            feed[0][places[k]], feed[1][places[k]] = v + eps * d, v - eps * d
            fd = (sess.run(loss, feed[0]) - sess.run(loss, feed[1])) / (2 * eps)
            np.testing.assert_allclose(np.vdot(g, d), fd, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize(
    "build, shapes",
    [
        (lambda x: ds.stack(ds.unstack(x, axis=1)[::-1]) * 2.0, [(2, 3)]),
        (lambda a, b: ds.tensordot(a, b, [[0, 2], [1, 0]]), [(3, 2, 4), (4, 3, 5)]),
        (lambda x: ds.diag(x), [(2, 3)]),
        (lambda x: ds.trace(x), [(2, 3, 3)]),
        (lambda x: ds.matrix_band_part(x, 0, 1), [(3, 4)]),
        (lambda x: ds.norm(x, ord=3, axis=-1), [(2, 5)]),
        (lambda x: ds.norm(x, ord=1, axis=(0, 1)), [(3, 4)]),
        (lambda x: ds.norm(x), [(3, 4)]),
        (lambda x, y: ds.meshgrid(x, y)[0] * ds.meshgrid(x, y)[1], [(3,), (2,)]),
        (lambda u: ds.scatter_nd([[1], [0], [1]], u, [3, 2]), [(3, 2)]),
        (lambda t, u: ds.tensor_scatter_nd_add(t, [[1], [1]], u), [(3, 2), (2, 2)]),
        (lambda t, u: ds.tensor_scatter_nd_update(t, [[1, 0], [2, 1], [1, 0]], u), [(3, 2), (3,)]),
        (lambda x: ds.strided_slice(x, [2, 0], [0, 3], [-1, 2], shrink_axis_mask=0), [(3, 4)]),
        (lambda x: ds.reverse_sequence(x, [2, 3], seq_axis=1), [(2, 3, 2)]),
        (lambda x: ds.map_fn(lambda r: ds.tanh(r) * r, x), [(3, 2)]),
    ],
)
def test_gradients_match_finite_differences(build, shapes):
    _fd_check(build, shapes)


def test_gradients_match_jax():
    a, b, t, u = (RNG.normal(size=s) for s in ((3, 4), (4, 3), (3, 2), (2, 2)))

    def graph(a, b, t, u):
        parts = [
            ds.reduce_sum(ds.tensordot(a, b, 1) * ds.eye(3, dtype=ds.float64)),
            ds.trace(ds.matrix_band_part(ds.tensordot(a, b, [[1], [0]]), 1, 0)) ** 2,
            ds.norm(a, ord=3, axis=-1)[1],
            ds.norm(b, ord=np.inf, axis=(0, 1)),
            ds.reduce_sum(ds.tensor_scatter_nd_update(t, [[0], [2]], u) ** 3),
            ds.reduce_sum(ds.diag(u[0]) * a[:2, :2]),
        ]
        return ds.add_n(parts)

    def reference(a, b, t, u):
        band = jnp.tril(jnp.triu(a @ b, -1), 0)
        updated = t.at[jnp.array([0, 2])].set(u)
        return (
            jnp.trace(a @ b)
            + jnp.trace(band) ** 2
            + jnp.sum(jnp.abs(a[1]) ** 3) ** (1 / 3)
            + jnp.max(jnp.sum(jnp.abs(b), axis=1))
            + jnp.sum(updated**3)
            + jnp.sum(jnp.diag(u[0]) * a[:2, :2])
        )

    places = [ds.placeholder(ds.float64, v.shape) for v in (a, b, t, u)]
    loss = graph(*places)
    got = _run([loss, ds.gradients(loss, places)], dict(zip(places, (a, b, t, u), strict=True)))
    with jax.enable_x64(True):
        value, expected = jax.jit(jax.value_and_grad(reference, argnums=(0, 1, 2, 3)))(a, b, t, u)
    np.testing.assert_allclose(got[0], float(value), rtol=1e-12)
    for g, e in zip(got[1], expected, strict=True):
        np.testing.assert_allclose(g, np.asarray(e), rtol=1e-10, atol=1e-12)


def test_bad_arguments_raise_at_the_users_line():
    x = ds.placeholder(ds.float32, [None, 3])
    cases = [
        (lambda: ds.unstack(x), r"ds\.unstack: cannot infer num from shape \(None, 3\)"),
        (lambda: ds.unstack(x, num=2, axis=1), r"ds\.unstack: num=2 does not match the size 3 of axis 1"),
        (
            lambda: ds.tensordot(x, np.ones((4, 2)), 1),
            r"ds\.tensordot: axis 1 of a \(size 3\) and axis 0 of b "
            r"\(size 4\)",
        ),
        (
            lambda: ds.tensordot(x, x, [[0], [0, 1]]),
            r"ds\.tensordot: axes .* pair lists of different lengths",
        ),
        (lambda: ds.eye(2.5), r"ds\.eye: num_rows must be an int"),
        (lambda: ds.diag(x), r"ds\.diag: the shape of diagonal must be known, got \(None, 3\)"),
        (lambda: ds.trace(ds.zeros([3])), r"ds\.trace: input must have rank >= 2"),
        (
            lambda: ds.matrix_band_part(ds.zeros([3, 3]), ds.constant(1), 0),
            r"ds\.matrix_band_part: num_lower must "
            r"be an int",
        ),
        (lambda: ds.norm(x, ord=-1), r"ds\.norm: ord must be 'euclidean', 1, 2, np\.inf or a number > 0"),
        (lambda: ds.norm(x, ord=2, axis=(0, 1)), r"ds\.norm: the matrix 2-norm"),
        (lambda: ds.norm(x, axis=(1, 1)), r"ds\.norm: axis must be a pair of distinct axes"),
        (lambda: ds.meshgrid(x, [1.0]), r"ds\.meshgrid: the shape of argument 0 must be known"),
        (lambda: ds.sequence_mask(ds.placeholder(ds.int32, [None])), r"ds\.sequence_mask: maxlen=None needs"),
        (lambda: ds.sequence_mask([1.5], 3), r"ds\.sequence_mask: indices must be int32 or int64"),
        (
            lambda: ds.scatter_nd([[0, 1]], [1.0], [3]),
            r"ds\.scatter_nd: indices of shape \(1, 2\) index 2 dims",
        ),
        (
            lambda: ds.scatter_nd([[0]], [1.0, 2.0], [3]),
            r"ds\.scatter_nd: updates must have shape .* \(1,\), got "
            r"\(2,\)",
        ),
        (
            lambda: ds.tensor_scatter_nd_update(x, [[0]], [[1.0, 2.0, 3.0]]),
            r"ds\.tensor_scatter_nd_update: the "
            r"shape of tensor must be known",
        ),
        (lambda: ds.strided_slice(x, [0], [1], [0]), r"ds\.strided_slice: strides\[0\] must be non-zero"),
        (
            lambda: ds.strided_slice(x, [0, 1], [1], [1]),
            r"ds\.strided_slice: begin, end and strides must have",
        ),
        (
            lambda: ds.reverse_sequence(ds.zeros([2, 3]), [1, 2, 3], seq_axis=1),
            r"ds\.reverse_sequence: "
            r"seq_lengths has 3 entries",
        ),
        (
            lambda: ds.reverse_sequence(x, [1], seq_axis=0),
            r"ds\.reverse_sequence: seq_axis and batch_axis must",
        ),
        (lambda: ds.rint(ds.constant([1, 2])), r"ds\.rint: x must be floating point, got int32"),
        (lambda: ds.map_fn(lambda r: r, x), r"ds\.map_fn: every element of elems needs the same leading dim"),
        (
            lambda: ds.case([(True, 3)]),
            r"ds\.case: each entry of pred_fn_pairs must be a \(predicate, callable\)",
        ),
        (lambda: ds.case([(ds.constant(1), lambda: x)]), r"ds\.case: predicates must be scalar bool tensors"),
    ]
    for call, message in cases:
        with pytest.raises(DualgradError, match=rf"{message}.*{LINE}"):
            call()
