"""Silent wrong numbers found by the differential hunt of the static losses, nn, training and
reduction APIs against tf.compat.v1 2.21 (2026-12-05, see docs/reliability.md). Oracles: numpy
float64 written from TF1's documented rules; TF itself is not needed."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad.static as ds
from dualgrad.errors import DTypeError, ShapeError

_REDUCTIONS = ["NONE", "SUM", "MEAN", "SUM_OVER_BATCH_SIZE", "SUM_BY_NONZERO_WEIGHTS"]


def _fits(w_shape: tuple, loss_shape: tuple) -> bool:
    """TF1's assert_broadcastable: a scalar, or the losses' rank with each dim 1 or theirs."""
    return w_shape == () or (len(w_shape) == len(loss_shape)
                             and all(a in (1, b) for a, b in zip(w_shape, loss_shape, strict=True)))


def _reduce(losses: np.ndarray, w: np.ndarray, reduction: str) -> np.ndarray:
    """TF1's compute_weighted_loss in float64, with the divisor the gradient is scaled by."""
    every = np.broadcast_to(w, losses.shape)
    total = (losses * every).sum()
    divisor = {"NONE": 1.0, "SUM": 1.0, "MEAN": every.sum(), "SUM_OVER_BATCH_SIZE": float(losses.size),
               "SUM_BY_NONZERO_WEIGHTS": float(np.count_nonzero(every))}[reduction]
    if reduction == "NONE":
        return losses * every, every
    return (total / divisor if divisor > 0 else 0.0), (every / divisor if divisor > 0 else 0 * every)


# losses (3, 5) and (3, 1); the jax backend (one compile per shape) takes the first two
_W_SHAPES = {"absolute_difference": [(1, 5), (5,), (), (3, 1), (3, 5, 1)],
             "cosine_distance": [(3, 5), (3, 1), (1, 5), ()]}


@pytest.mark.parametrize("loss", ["absolute_difference", "cosine_distance"])
def test_loss_weights_fed_at_run_time_must_fit_the_losses(backend: str, loss: str) -> None:
    """Weights of a shape known only at run time were multiplied in with numpy's broadcasting:
    cosine_distance's (3, 1) losses with weights fed as (3, 5) became a (3, 5) loss and a sum 5
    times too large, weights (5,) against (3, 5) losses were taken per column (TF1 fails the run:
    'weights can not be broadcast to values'). Now InvalidArgumentError for every shape TF1
    refuses; the ones it takes give TF1's reduction of each kind and its gradient (numpy)."""
    rng = np.random.default_rng(7)
    labels = rng.normal(size=(3, 5))
    preds = rng.normal(size=(3, 5))
    w = ds.placeholder("float64", None)  # rank unknown until the run
    p = ds.placeholder("float64", [None, None])
    fetches = []
    for red in _REDUCTIONS:
        reduction = getattr(ds.losses.Reduction, red)
        if loss == "absolute_difference":
            out = ds.losses.absolute_difference(labels, p, weights=w, reduction=reduction)
        else:
            out = ds.losses.cosine_distance(labels, p, axis=1, weights=w, reduction=reduction)
        fetches.append((out, ds.gradients(ds.reduce_sum(out), p)[0]))
    per_element = np.abs(preds - labels) if loss == "absolute_difference" else \
        1.0 - (labels * preds).sum(axis=1, keepdims=True)
    d_per_element = np.sign(preds - labels) if loss == "absolute_difference" else -labels
    with ds.Session(backend=backend) as sess:
        for shape in _W_SHAPES[loss][:None if backend == "numpy" else 2]:
            wv = rng.uniform(0.5, 2.0, shape)
            if wv.ndim:
                wv.reshape(-1)[0] = 0.0  # a zero weight, for the non-zero count
            if not _fits(shape, per_element.shape):
                with pytest.raises(ds.errors.InvalidArgumentError, match="broadcast"):
                    sess.run(fetches, {w: wv, p: preds})
                continue
            for red, (got, dgot) in zip(_REDUCTIONS, sess.run(fetches, {w: wv, p: preds}), strict=True):
                want, scale = _reduce(per_element, wv, red)
                np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15, err_msg=f"{shape} {red}")
                np.testing.assert_allclose(dgot, d_per_element * scale, rtol=1e-12, atol=1e-15,
                                           err_msg=f"{shape} {red}")


def test_loss_weights_check_partly_known_shapes(backend: str) -> None:
    """A weights placeholder of shape [None, 1] or [3, None] is checked at run time for its
    unknown dim only; a dim of 1 known when built fits (3, 1) against (3, 5) losses."""
    labels, preds = np.zeros((3, 5)), np.arange(15.0).reshape(3, 5)
    for spec, good, bad in [([None, 1], (3, 1), (2, 1)), ([3, None], (3, 5), (3, 2)),
                            ([None, 5], (1, 5), (4, 5))]:
        ds.reset_default_graph()
        w = ds.placeholder("float64", spec)
        out = ds.losses.mean_squared_error(labels, preds, weights=w, reduction=ds.losses.Reduction.SUM)
        with ds.Session(backend=backend) as sess:
            np.testing.assert_allclose(sess.run(out, {w: np.ones(good)}), (preds ** 2).sum(), rtol=1e-12)
            with pytest.raises(ds.errors.InvalidArgumentError, match="broadcast"):
                sess.run(out, {w: np.ones(bad)})


def _segment_oracle(x: np.ndarray, ids: np.ndarray, n: int, reduce: str, empty) -> np.ndarray:
    """Each segment's max/min over its own rows (numpy float64), `empty` for a segment with none."""
    f = np.max if reduce == "max" else np.min
    return np.stack([f(x[ids == s], axis=0) if (ids == s).any() else np.full(x.shape[1:], empty)
                     for s in range(n)])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_segment_max_min_of_only_infinities(backend: str, dtype: str) -> None:
    """ds.math.segment_max of a segment whose elements are all -inf gave the dtype's lowest finite
    value (-3.4e38 in float32; segment_min of +infs its largest), the unsorted op's starting fill,
    where TF1's sorted kernel gives -inf (+inf). Checked against each segment's own max/min, with
    infinities of both signs, whole -inf/+inf segments and empty ones (0, TF1's); the unsorted
    ops keep TF1's finite fill (an all -inf segment is lowest there, as TF1's)."""
    rng = np.random.default_rng(11)
    ids = np.array([0, 0, 1, 1, 1, 3, 4, 4, 6])
    n = 7
    x = rng.normal(size=(ids.size, 3))
    x[rng.random(x.shape) < 0.3] = -np.inf
    x[rng.random(x.shape) < 0.2] = np.inf
    x[2:5, 0] = -np.inf  # segment 1, column 0: only -inf
    x[5, 1], x[6:8, 1] = np.inf, np.inf  # segments 3 and 4, column 1: only +inf
    x = x.astype(dtype)
    t = ds.constant(x)
    outs = [ds.math.segment_max(t, ids), ds.math.segment_min(t, ids),
            ds.math.unsorted_segment_max(t, ids, n), ds.math.unsorted_segment_min(t, ids, n)]
    with ds.Session(backend=backend) as sess:
        smax, smin, umax, umin = sess.run(outs)
    x64, info = x.astype(np.float64), np.finfo(dtype)
    np.testing.assert_array_equal(smax, _segment_oracle(x64, ids, n, "max", 0.0))
    np.testing.assert_array_equal(smin, _segment_oracle(x64, ids, n, "min", 0.0))
    np.testing.assert_array_equal(umax, np.maximum(_segment_oracle(x64, ids, n, "max", -np.inf), info.min))
    np.testing.assert_array_equal(umin, np.minimum(_segment_oracle(x64, ids, n, "min", np.inf), info.max))


@pytest.mark.parametrize("axis", [[0, 2], [-1, 0], (1,), np.array([0, 1]), np.int64(-2), None, []])
def test_reduce_any_all_take_axis_lists(backend: str, axis) -> None:
    """ds.reduce_any / ds.reduce_all handed an axis list to the kernel as it was: numpy refused
    it, so reduce_any(x, axis=[0, 2]) failed on the numpy backend (the jax one ran). Axes as
    ds.reduce_sum takes them, with keepdims, against numpy's any/all."""
    x = np.random.default_rng(5).random((2, 3, 4)) > 0.4
    t = ds.constant(x)
    outs = [ds.reduce_any(t, axis=axis), ds.reduce_all(t, axis=axis, keepdims=True),
            ds.reduce_any(t, reduction_indices=axis, keepdims=True)]
    with ds.Session(backend=backend) as sess:
        got = sess.run(outs)
    ax = None if axis is None else tuple(np.atleast_1d(axis).tolist())
    for g, want in zip(got, [x.any(axis=ax), x.all(axis=ax, keepdims=True), x.any(axis=ax, keepdims=True)],
                       strict=True):
        assert g.shape == want.shape and g.dtype == np.bool_
        np.testing.assert_array_equal(g, want)


@pytest.mark.parametrize("epsilon", [1e-7, 1e-4])
def test_log_loss_of_a_prediction_of_one(backend: str, epsilon: float) -> None:
    """ds.losses.log_loss wrote log(1 - predictions + epsilon); on the jax backend XLA's simplifier
    folded it to log((1 + epsilon) - predictions), and 1 + 1e-7 is 1 + 2^-23 in float32, so a
    prediction of exactly 1 (a saturated sigmoid) gave -log(1.19e-7) = 15.94 for its (1 - y) term
    where TF1 gives -log(1e-7) = 16.12, and a gradient 16% short. Values and gradients against
    the formula in numpy float64, at 1, 0, next to 1 and inside."""
    pv = np.array([1.0, 0.0, 1 - 2.0 ** -24, 1 - 2.0 ** -23, 0.5, 0.3, 2.0 ** -30, 0.9999], np.float32)
    y = np.linspace(0.0, 1.0, pv.size).astype(np.float32)
    p = ds.placeholder("float32", [None])
    loss = ds.losses.log_loss(y, p, epsilon=epsilon, reduction=ds.losses.Reduction.NONE)
    (grad,) = ds.gradients(ds.reduce_sum(loss), [p])
    with ds.Session(backend=backend) as sess:
        got, dgot = sess.run([loss, grad], {p: pv})
    p64, y64, eps = pv.astype(np.float64), y.astype(np.float64), float(np.float32(epsilon))
    want = -y64 * np.log(p64 + eps) - (1 - y64) * np.log(1 - p64 + eps)
    dwant = -y64 / (p64 + eps) + (1 - y64) / (1 - p64 + eps)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(dgot, dwant, rtol=1e-5)


def test_weighted_cross_entropy_gradient_at_zero_logits_is_the_derivative(backend: str) -> None:
    """Documented difference (docs/static.md): at logits exactly 0 TF1's relu/abs form gives 1 - z;
    the loss is smooth there and dualgrad gives its derivative, 1 - z - (1 + (q - 1) z) sigmoid(-x),
    checked at 0 and around it against the formula in numpy float64."""
    z = np.array([0.0, 0.3, 1.0, 0.5, 0.2, 0.9])
    xv = np.array([0.0, 0.0, 0.0, -1.5, 2.0, 1e-3])
    x = ds.placeholder("float64", [None])
    q = 2.0
    loss = ds.nn.weighted_cross_entropy_with_logits(labels=z, logits=x, pos_weight=q)
    (grad,) = ds.gradients(ds.reduce_sum(loss), [x])
    with ds.Session(backend=backend) as sess:
        got, dgot = sess.run([loss, grad], {x: xv})
    weight = 1 + (q - 1) * z
    np.testing.assert_allclose(got, (1 - z) * xv + weight * np.log1p(np.exp(-xv)), rtol=1e-12)
    np.testing.assert_allclose(dgot, 1 - z - weight / (1 + np.exp(xv)), rtol=1e-12, atol=1e-15)


def _fused(rank: int, axis: int, dtype: str) -> bool:
    """tf.compat.v1 2.21's Keras BatchNormalization takes the fused kernel (which hands back the
    unbiased batch variance) for 4-D inputs over axis 1 or 3 and 5-D ones over axis 1 or 4."""
    return (rank, axis % rank) in ((4, 1), (4, 3), (5, 1), (5, 4)) and dtype != "float64"


_BN_SHAPES = [((2, 2, 3, 2, 3), -1), ((2, 3, 2, 2, 2), 1), ((2, 2, 3, 2, 3), 2), ((2, 2, 3, 2, 3), -4),
              ((2, 3, 2, 3), -1), ((2, 3, 4), -1), ((5, 3), 1)]


# every case on numpy; on jax the float32 rank-5 ones, which the fix changed (one compile each)
@pytest.mark.parametrize("backend, shape, axis, dtype", [
    *(("numpy", shape, axis, dtype) for shape, axis in _BN_SHAPES for dtype in ("float32", "float64")),
    *(("jax", shape, axis, "float32") for shape, axis in _BN_SHAPES if len(shape) == 5)])
def test_batch_norm_moving_variance_follows_the_fused_rule(backend: str, shape: tuple, axis: int,
                                                           dtype: str) -> None:
    """ds.layers.batch_normalization took TF1's fused path (moving variance fed the unbiased
    batch variance, n / (n - 1) times the population one) for 4-D inputs only; tf.compat.v1
    2.21 takes it for 5-D inputs over axis 1 or 4 too, so a 3-D convnet's moving variance
    was n / (n - 1) short at each update (36 / 35 for 36 elements a channel). One training
    update, against numpy float64 with the rule written out."""
    x = np.random.default_rng(9).normal(1.0, 2.0, size=shape)
    y = ds.layers.batch_normalization(ds.constant(x.astype(dtype)), axis=axis, momentum=0.75, training=True)
    with ds.control_dependencies(ds.get_collection(ds.GraphKeys.UPDATE_OPS)):
        step = ds.identity(y)
    moving_variance = [v for v in ds.global_variables() if v.name.endswith("moving_variance:0")][0]
    with ds.Session(backend=backend) as sess:
        sess.run(ds.global_variables_initializer())
        sess.run(step)
        got = sess.run(moving_variance)
    ax = axis % len(shape)
    others = tuple(i for i in range(len(shape)) if i != ax)
    var = x.var(axis=others)
    n = x.size / shape[ax]
    batch = var * n / (n - 1) if _fused(len(shape), axis, dtype) else var
    np.testing.assert_allclose(got, 0.75 * 1.0 + 0.25 * batch, rtol=1e-5 if dtype == "float32" else 1e-12)


def _bound_value(b):
    """A bound's value: a constant's read back from its graph op."""
    return b.op.attrs["value"] if isinstance(b, ds.Tensor) else b


def test_clip_by_value_refuses_bounds_that_broadcast_t_up(backend: str) -> None:
    """An array bound of shape (3, 2) against t of shape (2,) made a (3, 2) value while the graph
    said (2,), so reduce_sum of it was 3 times the clipped t's (TF1 refuses: 'Shapes (2,) and
    (3, 2) are incompatible'). Refused now, for array and tensor bounds; bounds that broadcast
    to t's own shape still clip, against numpy (minimum, then maximum, as TF1)."""
    x = np.array([[3.0, -4.0], [0.5, 9.0], [-1.0, 2.0]])
    t = ds.constant(x)
    for lo, hi in [(np.zeros((3, 2, 1)), 3.5), (0.0, np.full((2, 3, 2), 2.0)), (np.zeros((4, 2)), 1.0),
                   (ds.constant(np.zeros((2, 3, 2))), 1.0)]:
        with pytest.raises(ShapeError, match="broadcast"):
            ds.clip_by_value(t, lo, hi)
    with pytest.raises(ShapeError, match="broadcast"):
        ds.clip_by_value(ds.constant(np.array([3.0, 4.0])), np.zeros((3, 2)), 3.5)
    fits = [(np.array([0.0, -1.0]), 2.5), (-1.0, np.array([[1.0], [2.0], [3.0]])), (np.zeros((1, 2)), 4.0),
            (ds.constant(np.array([0.0, 1.0])), ds.constant(3.0))]
    outs = [ds.clip_by_value(t, lo, hi) for lo, hi in fits]
    with ds.Session(backend=backend) as sess:
        got = sess.run([ds.reduce_sum(o) for o in outs] + outs)
    for (lo, hi), total, value in zip(fits, got[:len(fits)], got[len(fits):], strict=True):
        lo, hi = _bound_value(lo), _bound_value(hi)
        want = np.maximum(np.minimum(x, hi), lo)
        np.testing.assert_array_equal(value, want)
        assert total == want.sum()


def test_clip_of_integer_tensors(backend: str) -> None:
    """clip_by_global_norm([int32 [1, 2]], 1.0) scaled the ints by 0.447 and cast back: [0, 0]
    (TF1 takes floats only); clip_by_value(int32, 0.5, 1.5) cast the bounds to 0 and 1. Now
    DTypeError; whole-number bounds still clip ints, as TF1."""
    ints = ds.constant(np.array([1, 2, 5], np.int32))
    for make in [lambda: ds.clip_by_global_norm([ints], 1.0), lambda: ds.clip_by_norm(ints, 1.0),
                 lambda: ds.global_norm([ints]), lambda: ds.clip_by_value(ints, 0.5, 1.5),
                 lambda: ds.clip_by_value(ints, 0, np.array([1.0, 2.5, 3.0]))]:
        with pytest.raises(DTypeError):
            make()
    out = [ds.clip_by_value(ints, 0, 3), ds.clip_by_value(ints, 2.0, np.array([4, 4, 4], np.int32))]
    with ds.Session(backend=backend) as sess:
        a, b = sess.run(out)
    assert a.dtype == np.int32 and b.dtype == np.int32
    np.testing.assert_array_equal(a, [1, 2, 3])
    np.testing.assert_array_equal(b, [2, 2, 4])


def test_clip_by_norm_refuses_a_clip_norm_that_broadcasts_t_up(backend: str) -> None:
    """clip_by_norm(t (2,), clip_norm of shape (3, 2)) broadcast t up to (3, 2) (TF1: 'Shapes (2,)
    and (3, 2) are incompatible'); a clip_norm that broadcasts to t's shape is TF1's formula
    t * c / max(||t||, c) elementwise, against numpy."""
    x = np.array([3.0, 4.0])
    with pytest.raises(ShapeError, match="broadcast"):
        ds.clip_by_norm(ds.constant(x), np.ones((3, 2)))
    c = np.array([1.0, 20.0])
    out = ds.clip_by_norm(ds.constant(x), c)
    with ds.Session(backend=backend) as sess:
        np.testing.assert_allclose(sess.run(out), x * c / np.maximum(np.linalg.norm(x), c), rtol=1e-12)


def test_sparse_softmax_cross_entropy_checks_labels_fed_at_run_time(backend: str) -> None:
    """Labels whose shape is known only at run time were broadcast against the logits' rows: one
    label fed as (1,) against logits (3, 5) gave every row that label's loss, labels (1, 4)
    against logits (2, 4, 5) the same (TF1: 'logits and labels must have the same first
    dimension'). Refused now; fitting labels give -log_softmax at the label and the gradient
    softmax - one_hot (numpy float64)."""
    rng = np.random.default_rng(4)
    cases = [((3,), (3, 5), (1,)), ((2, 4), (2, 4, 5), (1, 4)), ((2, 4), (2, 4, 5), (2, 1))]
    for labels_shape, logits_shape, bad in cases[:None if backend == "numpy" else 2]:
        ds.reset_default_graph()
        labels = ds.placeholder("int32", [None] * len(labels_shape))
        logits = ds.placeholder("float64", [None] * len(labels_shape) + [5])
        loss = ds.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
        (grad,) = ds.gradients(ds.reduce_sum(loss), [logits])
        x = rng.normal(size=logits_shape)
        y = rng.integers(0, 5, labels_shape)
        with ds.Session(backend=backend) as sess:
            with pytest.raises(ds.errors.InvalidArgumentError, match="labels"):
                sess.run(loss, {labels: np.zeros(bad, np.int32), logits: x})
            got, dgot = sess.run([loss, grad], {labels: y, logits: x})
        log_p = x - x.max(-1, keepdims=True)
        log_p = log_p - np.log(np.exp(log_p).sum(-1, keepdims=True))
        one_hot = np.eye(5)[y]
        np.testing.assert_allclose(got, -(log_p * one_hot).sum(-1), rtol=1e-12)
        np.testing.assert_allclose(dgot, np.exp(log_p) - one_hot, rtol=1e-12, atol=1e-15)


def test_in_top_k_checks_targets_fed_at_run_time(backend: str) -> None:
    """Targets whose length is known only at run time were compared with the predictions' rows
    by broadcasting: one target fed as (1,) against predictions (3, 5) was checked in every row
    (TF1: 'First dimension of predictions must match length of targets'). Refused now; fitting
    targets against TF1's rule in numpy: fewer than k predictions above the target's (ties
    count in), a finite target prediction."""
    rng = np.random.default_rng(8)
    predictions = ds.placeholder("float32", [None, 5])
    targets = ds.placeholder("int32", None)
    hits = [ds.nn.in_top_k(predictions, targets, k) for k in (1, 2, 3)]
    x = rng.integers(0, 3, (6, 5)).astype(np.float32)
    x[0, 2] = np.nan
    y = rng.integers(0, 5, 6).astype(np.int32)
    y[0] = 2
    with ds.Session(backend=backend) as sess:
        for bad in [np.array([1], np.int32), np.zeros((6, 1), np.int32), np.zeros(4, np.int32)]:
            with pytest.raises(ds.errors.InvalidArgumentError, match="targets|broadcast"):
                sess.run(hits[0], {predictions: x, targets: bad})
        got = sess.run(hits, {predictions: x, targets: y})
    mine = x[np.arange(6), y]
    above = (x > mine[:, None]).sum(axis=1)
    for k, g in zip((1, 2, 3), got, strict=True):
        np.testing.assert_array_equal(g, (above < k) & np.isfinite(mine))


def test_add_n_checks_shapes_fed_at_run_time(backend: str) -> None:
    """ds.add_n compared only shapes known in full when the graph was built, so inputs fed as
    (1, 5) and (3, 5) (or known as (None, 5) and (3, 1)) were broadcast to (3, 5) (TF1's AddN
    refuses: 'Inputs to operation AddN must have the same size and shape'). A ShapeError when
    built where the known dims clash, an InvalidArgumentError in the run otherwise; equal shapes
    sum as numpy, with a gradient of 1 to each input."""
    with pytest.raises(ShapeError, match="same shape"):
        ds.add_n([ds.placeholder("float64", [None, 5]), ds.constant(np.ones((3, 1)))])
    a = ds.placeholder("float64", [None, None])
    b = ds.placeholder("float64", None)
    c = ds.placeholder("float64", [None, 5])
    total = ds.add_n([a, b, c])
    grads = ds.gradients(ds.reduce_sum(total * total), [a, b, c])
    rng = np.random.default_rng(2)
    va, vb, vc = rng.normal(size=(3, 5)), rng.normal(size=(3, 5)), rng.normal(size=(3, 5))
    with ds.Session(backend=backend) as sess:
        for bad in [{a: va[:1], b: vb, c: vc}, {a: va, b: vb[:, :1], c: vc}, {a: va, b: vb[0], c: vc}]:
            with pytest.raises(ds.errors.InvalidArgumentError, match="add_n"):
                sess.run(total, bad)
        got, *dgot = sess.run([total, *grads], {a: va, b: vb, c: vc})
    np.testing.assert_allclose(got, va + vb + vc, rtol=1e-12)
    for d in dgot:
        np.testing.assert_allclose(d, 2 * (va + vb + vc), rtol=1e-12)
