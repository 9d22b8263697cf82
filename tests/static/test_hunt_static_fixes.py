"""Silent wrong numbers found by the differential hunt of the static APIs added on 2026-12-05
against tf.compat.v1 2.21 (see docs/reliability.md). Oracles: numpy float64 and the written-out
definition; TF1 only where installed."""
from __future__ import annotations

import math

import numpy as np
import pytest

import dualgrad.static as ds
from dualgrad.errors import ShapeError

# rows holding -0.0 among other values (no NaN: TF1's order of NaN in top_k is its heap's)
_ROWS = np.array([[-0.0, -2.0, -np.inf, -0.0, -1.0, -3.0],
                  [0.0, -0.0, 1.5, -np.inf, np.inf, -0.0],
                  [-0.0, -0.0, -0.0, -0.0, -0.0, -0.0]])


def _oracle(x: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k largest along the last dim, ties by position (a stable sort of -x), as TF1."""
    order = np.argsort(-x, axis=-1, kind="stable")[..., :k]
    return np.take_along_axis(x, order, axis=-1), order


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_top_k_keeps_the_sign_of_a_negative_zero(backend: str, dtype: str) -> None:
    """ds.nn.top_k summed the picked entry with zeros, so a -0.0 came back +0.0 (1 / value: +inf
    where TF1 gives -inf); leading dims fed at run time; gradients still reach the picked entries."""
    x = _ROWS.astype(dtype)
    p = ds.placeholder(dtype, [None, 6])
    k = 4
    values, indices = ds.nn.top_k(p, k=k)
    weights = np.arange(1, k + 1, dtype=dtype)
    (grad,) = ds.gradients(ds.reduce_sum(values * weights), [p])
    with ds.Session(backend=backend) as sess:
        v, i, g = sess.run([values, indices, grad], {p: x})
    want_v, want_i = _oracle(x.astype(np.float64), k)
    want_g = np.zeros_like(x, dtype=np.float64)
    np.put_along_axis(want_g, want_i, np.broadcast_to(weights.astype(np.float64), want_i.shape), axis=-1)
    assert v.dtype == np.dtype(dtype) and i.dtype == np.int32
    np.testing.assert_array_equal(i, want_i)
    np.testing.assert_array_equal(v, want_v.astype(dtype))
    np.testing.assert_array_equal(np.signbit(v), np.signbit(want_v))
    np.testing.assert_array_equal(g, want_g.astype(dtype))


def test_top_k_negative_zero_matches_tf1(tensorflow) -> None:
    tf = tensorflow
    tf1 = tf.compat.v1
    with tf.Graph().as_default():
        want = tf1.Session().run(tf1.nn.top_k(tf1.constant(_ROWS), k=4).values)
    p = ds.constant(_ROWS)
    with ds.Session(backend="numpy") as sess:
        got = sess.run(ds.nn.top_k(p, k=4).values)
    np.testing.assert_array_equal(np.signbit(got), np.signbit(want))


# rows whose Gumbel draws vanish beside their logits unless they are taken relative to the
# row's largest (1e30 + g == 1e30 in float64): the exact probabilities are softmax's
_LOGITS = np.array([[1e30, 1e30, -1e30],
                    [-1e300, -1e300, -np.inf],
                    [3e38, 3e38, 3e38],
                    [0.0, 1.0, 2.0]])


def _softmax(rows: np.ndarray) -> np.ndarray:
    """exp(l - max l) / sum, in float64 (the definition; -inf logits have probability 0)."""
    e = np.exp(rows - rows.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("fed", [False, True])
@pytest.mark.parametrize("api", ["categorical", "multinomial"])
def test_categorical_draws_follow_softmax_for_huge_logits(backend: str, api: str, fed: bool) -> None:
    """ds.random.categorical/ds.multinomial added Gumbel noise to the raw logits, so rows of
    equal huge logits always drew their first class (TF1 draws each half the time)."""
    n = 4000
    # float32 constants (3e38 is finite there; -1e300 is not), float64 fed at run time
    logits = _LOGITS[[0, 2, 3]].astype(np.float32) if not fed else _LOGITS
    source = ds.placeholder(str(logits.dtype), [None, 3]) if fed else ds.constant(logits)
    draw = getattr(ds.random, api)(source, n, seed=7)
    with ds.Session(backend=backend) as sess:
        got = sess.run(draw, {source: logits} if fed else None)
    assert got.shape == (len(logits), n) and got.dtype == np.int64
    probs = _softmax(logits.astype(np.float64))
    counts = np.stack([np.bincount(row, minlength=3) for row in got])
    bound = 5 * np.sqrt(n * probs * (1 - probs)) + 1  # five standard deviations
    assert np.all(np.abs(counts - n * probs) <= bound), (counts, n * probs)


# (equation, shapes): a subscript letter of one size in one operand and 1 in another, which
# numpy's and PyTorch's einsum broadcast (contracting 1 with n) and TF1 refuses
_EINSUM_MISMATCHES = [
    ("ij,jk->ik", (2, 1), (3, 4)),
    ("ij,jk->ik", (2, 3), (1, 4)),
    ("ij,ij->i", (2, 3), (1, 3)),
    ("ij,ij->", (2, 3), (2, 1)),
    ("bij,bjk->bik", (2, 2, 3), (1, 3, 4)),
]


@pytest.mark.parametrize(("equation", "sa", "sb"), _EINSUM_MISMATCHES)
def test_einsum_refuses_a_size_one_subscript_when_the_graph_is_built(equation: str, sa: tuple,
                                                                     sb: tuple) -> None:
    with pytest.raises(ShapeError, match="Dimensions must be equal"):
        ds.einsum(equation, ds.constant(np.ones(sa)), ds.constant(np.ones(sb)))


def _fed(shape: tuple) -> ds.Tensor:
    return ds.placeholder("float64", [None] * len(shape))


@pytest.mark.parametrize(("equation", "sa", "sb"), _EINSUM_MISMATCHES[:3])
def test_einsum_and_tensordot_check_run_time_sizes(backend: str, equation: str, sa: tuple, sb: tuple) -> None:
    """Dims fed at run time: a mismatch raises InvalidArgumentError (it contracted 1 with n and
    returned numbers); matching sizes give numpy's einsum, and '...' dims still broadcast."""
    a, b = _fed(sa), _fed(sb)
    out = ds.einsum(equation, a, b)
    dot = ds.tensordot(a, b, [[1], [0]])  # a's j against b's first axis
    rng = np.random.default_rng(0)
    with ds.Session(backend=backend) as sess:
        with pytest.raises(ds.errors.InvalidArgumentError, match="einsum"):
            sess.run(out, {a: np.ones(sa), b: np.ones(sb)})
        if sa[1] != sb[0]:
            with pytest.raises(ds.errors.InvalidArgumentError, match="einsum"):
                sess.run(dot, {a: np.ones(sa), b: np.ones(sb)})
        fit = [max(p, q) for p, q in zip(sa, sb, strict=True)]
        va, vb = rng.normal(size=fit), rng.normal(size=fit if equation != "ij,jk->ik" else (fit[1], sb[1]))
        np.testing.assert_allclose(sess.run(out, {a: va, b: vb}), np.einsum(equation, va, vb), rtol=1e-12)
    ds.reset_default_graph()
    x, y = ds.placeholder("float64", [None, None, 3]), ds.placeholder("float64", [None, 3, 4])
    z = ds.einsum("...ij,...jk->...ik", x, y)
    vx, vy = rng.normal(size=(2, 2, 3)), rng.normal(size=(1, 3, 4))
    with ds.Session(backend=backend) as sess:
        np.testing.assert_allclose(sess.run(z, {x: vx, y: vy}), vx @ vy, rtol=1e-12)


def test_searchsorted_checks_run_time_batch_dims(backend: str) -> None:
    """A batch of 1 against a batch of 3 (fed) searched every row of values in the one row of
    sorted_sequence; TF1 refuses. Equal batches give numpy's searchsorted row by row."""
    seq, val = ds.placeholder("float32", [None, 4]), ds.placeholder("float32", [None, 2])
    out = ds.searchsorted(seq, val, side="right")
    s = np.sort(np.random.default_rng(1).normal(size=(3, 4)), axis=1).astype(np.float32)
    v = np.random.default_rng(2).normal(size=(3, 2)).astype(np.float32)
    with ds.Session(backend=backend) as sess:
        with pytest.raises(ds.errors.InvalidArgumentError, match="searchsorted"):
            sess.run(out, {seq: s[:1], val: v})
        got = sess.run(out, {seq: s, val: v})
    want = [np.searchsorted(r, q, side="right") for r, q in zip(s, v, strict=True)]
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize(("alpha", "beta", "dtype"), [(0.01, 1.0, "float32"), (0.3, 5.0, "float16"),
                                                      (1e-3, 1.0, "float64"), (1.0, 1e307, "float64")])
def test_gamma_draws_never_underflow_to_zero(backend: str, alpha: float, beta: float, dtype: str) -> None:
    """ds.random.gamma returned exact zeros (and subnormals) for the draws below the dtype's
    smallest normal, 35% of Gamma(0.01)'s in float32, so log(draw) was -inf and a Dirichlet
    draw x / sum(x) NaN; TF1 maps them to finfo(dtype).tiny. The fraction mapped there is the
    CDF at tiny: 1 - exp(-x) for a = 1 (a huge rate pushes the draws there), else x^a / Gamma(a + 1)
    to first order (x is tiny: the series' next term is ~a x / (a + 1) of it)."""
    n = 4000
    draw = ds.random.gamma([n], alpha, beta=beta, dtype=dtype, seed=3)
    with ds.Session(backend=backend) as sess:
        got = sess.run(draw)
    tiny = np.finfo(dtype).tiny
    assert got.dtype == np.dtype(dtype) and got.min() >= tiny
    x = float(tiny) * beta
    p = -math.expm1(-x) if alpha == 1.0 else x**alpha / math.gamma(alpha + 1)
    mapped = np.count_nonzero(got == tiny)
    assert abs(mapped - n * p) <= 5 * math.sqrt(n * p * (1 - p)) + 1, (mapped, n * p)
    assert np.all(np.isfinite(np.log(got.astype(np.float64))))


# (dtype, minval, maxval): ranges whose top draws round to maxval in the dtype, often: float16
# near 1 (1 in 4096), and ranges of a few grid steps (1e8 + [0, 64) is 8 float32 steps)
_UNIFORM_RANGES = [("float16", 0.0, 1.0), ("float16", 1000.0, 1008.0), ("float32", 1e8, 1e8 + 64),
                   ("float64", 2.0**53, 2.0**53 + 16)]


@pytest.mark.parametrize(("dtype", "low", "high"), _UNIFORM_RANGES)
def test_uniform_draws_stay_below_maxval(backend: str, dtype: str, low: float, high: float) -> None:
    """ds.random_uniform (ds.random.uniform) rounded float64 draws to the nearest value of the
    dtype, so draws just below maxval became maxval (float16 [0, 1): 1.0 once in 4096; float32
    [1e8, 1e8 + 64): 1 in 16), outside TF1's [minval, maxval). Each grid value of the dtype in the
    range now holds the draws of the float64 interval above it (rounding down), so the counts
    follow the interval lengths, written out here."""
    n = 20000
    draw = ds.random_uniform([n], minval=low, maxval=high, dtype=dtype, seed=5)
    with ds.Session(backend=backend) as sess:
        got = sess.run(draw)
    assert got.dtype == np.dtype(dtype) and got.min() >= low and got.max() < high
    if low > 0 and dtype != "float64":  # a few grid values, evenly spaced: each holds 1 / len(grid)
        # (float64 draws are low + (high - low) u rounded in float64 itself: only the bound holds)
        step = float(np.spacing(np.asarray(low, dtype)))
        grid = low + step * np.arange(round((high - low) / step))
        widths = np.full(grid.size, 1 / grid.size)
        counts = np.array([np.count_nonzero(got == g) for g in grid])
        assert counts.sum() == n
        assert np.all(np.abs(counts - n * widths) <= 5 * np.sqrt(n * widths * (1 - widths)) + 1)


def test_uniform_drawn_inside_the_run_stays_below_one() -> None:
    """The in-run uniforms (`random_uniform_like`, for shapes fed at run time) had the same
    rounding on the numpy backend (float16: 1.0 once in 4096)."""
    from dualgrad.static.creation import random_uniform_like

    p = ds.placeholder("float16", [None])
    u = random_uniform_like(p, seed=1)
    with ds.Session(backend="numpy") as sess:
        got = sess.run(u, {p: np.zeros(50000, np.float16)})
    assert got.dtype == np.float16 and got.min() >= 0 and got.max() < 1


@pytest.mark.parametrize("api", ["bias_add", "xw_plus_b"])
def test_bias_add_checks_a_bias_fed_at_run_time(backend: str, api: str) -> None:
    """A bias whose size is known only at run time was added with numpy's broadcasting, so a
    bias of 1 element shifted every column (TF1: 'Must provide as many biases as the last
    dimension'); now InvalidArgumentError. A fitting bias: x + b, gradients written out."""
    x = ds.placeholder("float64", [None, None])
    b = ds.placeholder("float64", [None])
    w = np.arange(6.0).reshape(3, 2) / 4
    y = ds.nn.bias_add(x, b) if api == "bias_add" else ds.nn.xw_plus_b(x, ds.constant(w), b)
    gx, gb = ds.gradients(ds.reduce_sum(y * y), [x, b])
    vx = np.random.default_rng(3).normal(size=(4, 3))
    xw = vx if api == "bias_add" else vx @ w
    with ds.Session(backend=backend) as sess:
        with pytest.raises(ds.errors.InvalidArgumentError, match="bias"):
            sess.run(y, {x: vx, b: np.ones(1)})
        vb = np.linspace(-1, 1, xw.shape[1])
        got, dx, db = sess.run([y, gx, gb], {x: vx, b: vb})
    want = xw + vb
    np.testing.assert_allclose(got, want, rtol=1e-12)
    np.testing.assert_allclose(db, 2 * want.sum(axis=0), rtol=1e-12)
    np.testing.assert_allclose(dx, 2 * want if api == "bias_add" else 2 * want @ w.T, rtol=1e-12)
