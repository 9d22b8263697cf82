"""ds.losses (TF1's tf.losses): each loss and reduction against numpy float64 formulas written
from TF1's documentation, weights of every broadcast kind (zeros included), the LOSSES
collection and get_total_loss; gradients against jax.grad, both backends."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dualgrad.static as ds
from dualgrad.errors import ShapeError
from dualgrad.static.convert import ArgumentError

R = ds.losses.Reduction
rng = np.random.default_rng(5)
LABELS = rng.uniform(0.05, 0.95, (4, 3))
PRED = rng.uniform(0.05, 0.95, (4, 3))
ONEHOT = np.eye(3)[[0, 2, 1, 2]]
LOGITS = rng.normal(size=(4, 3))


def log_softmax(z):
    return z - np.log(np.exp(z - z.max(-1, keepdims=True)).sum(-1, keepdims=True)) - z.max(-1, keepdims=True)


ELEMENTWISE = {  # name: (call, numpy per-element losses)
    "mean_squared_error": (lambda w, r: ds.losses.mean_squared_error(LABELS, PRED, w, reduction=r),
                           (PRED - LABELS) ** 2),
    "absolute_difference": (lambda w, r: ds.losses.absolute_difference(LABELS, PRED, w, reduction=r),
                            np.abs(PRED - LABELS)),
    "huber_loss": (lambda w, r: ds.losses.huber_loss(LABELS * 4, PRED, w, delta=0.7, reduction=r),
                   np.where(np.abs(PRED - 4 * LABELS) <= 0.7, 0.5 * (PRED - 4 * LABELS) ** 2,
                            0.7 * np.abs(PRED - 4 * LABELS) - 0.5 * 0.7 ** 2)),
    "log_loss": (lambda w, r: ds.losses.log_loss(LABELS, PRED, w, reduction=r),
                 -LABELS * np.log(PRED + 1e-7) - (1 - LABELS) * np.log(1 - PRED + 1e-7)),
    "sigmoid_cross_entropy": (
        lambda w, r: ds.losses.sigmoid_cross_entropy(ONEHOT, LOGITS, w, label_smoothing=0.2, reduction=r),
        -(0.8 * ONEHOT + 0.1) * np.log(1 / (1 + np.exp(-LOGITS)))
        - (1 - (0.8 * ONEHOT + 0.1)) * np.log(1 - 1 / (1 + np.exp(-LOGITS)))),
    "softmax_cross_entropy": (
        lambda w, r: ds.losses.softmax_cross_entropy(ONEHOT, LOGITS, w[:, 0] if np.ndim(w) == 2 else w,
                                                     label_smoothing=0.3, reduction=r),
        -((0.7 * ONEHOT + 0.1) * log_softmax(LOGITS)).sum(-1)),
    "sparse_softmax_cross_entropy": (
        lambda w, r: ds.losses.sparse_softmax_cross_entropy(
            np.array([0, 2, 1, 2], np.int32), LOGITS, w[:, 0] if np.ndim(w) == 2 else w, reduction=r),
        -log_softmax(LOGITS)[np.arange(4), [0, 2, 1, 2]]),
}

pytestmark = pytest.mark.usefixtures("jax_float64")  # float64 jax oracles
WEIGHTS = [1.0, 0.0, np.array([[1.0], [0.0], [2.5], [0.5]]),
           rng.uniform(0, 2, (4, 3)) * (rng.random((4, 3)) > 0.3)]


def reduce(losses, w, reduction):
    """TF1's compute_weighted_loss, from its documentation."""
    if np.ndim(w) == 2 and losses.ndim == 1:  # per-example losses take per-example weights
        w = w[:, 0]  # (the calls above pass the same column)
    weighted = losses * w
    every = np.broadcast_to(w, losses.shape)
    total = weighted.sum()
    return {R.NONE: weighted, R.SUM: total,
            R.MEAN: total / every.sum() if every.sum() else 0.0,
            R.SUM_OVER_BATCH_SIZE: total / losses.size,
            R.SUM_BY_NONZERO_WEIGHTS: total / np.count_nonzero(every) if np.count_nonzero(every) else 0.0
            }[reduction]


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_losses_and_reductions_match_tf1s_formulas(name):
    call, per_element = ELEMENTWISE[name]
    cases, fetches = [], []
    for w in WEIGHTS:
        for r in (R.NONE, R.SUM, R.MEAN, R.SUM_OVER_BATCH_SIZE, R.SUM_BY_NONZERO_WEIGHTS):
            cases.append(reduce(per_element, w, r))
            fetches.append(call(w, r))
    assert ds.losses.get_losses() == [f for f in fetches]  # each added to LOSSES
    with ds.Session(backend="numpy") as sess:
        got = sess.run(fetches)
    for g, want in zip(got, cases, strict=True):
        np.testing.assert_allclose(g, want, rtol=1e-6, atol=1e-7)


def test_gradients_and_total_loss(backend):
    w = ds.Variable(np.array([[0.5, -1.0, 2.0], [1.5, 0.3, -0.7]]))
    x = ds.placeholder(ds.float64, [None, 2])
    logits = ds.matmul(x, w)
    weights = np.array([1.0, 0.0, 3.0])
    ce = ds.losses.sparse_softmax_cross_entropy(np.array([2, 0, 1]), logits, weights)
    mse = ds.losses.mean_squared_error(np.ones((3, 3)), logits)
    total = ds.losses.get_total_loss()
    (gw,) = ds.gradients(total, [w])
    xv = rng.normal(size=(3, 2))

    def ref(wv):
        z = xv @ wv
        ce_ = -(jax.nn.log_softmax(z)[jnp.arange(3), jnp.array([2, 0, 1])] * weights).sum() / 2
        return ce_ + jnp.mean((z - 1) ** 2)

    with ds.Session(backend=backend) as sess:
        sess.run(ds.global_variables_initializer())
        got_total, got_gw, got_ce, got_mse = sess.run([total, gw, ce, mse], {x: xv})
    wv = np.array([[0.5, -1.0, 2.0], [1.5, 0.3, -0.7]])
    np.testing.assert_allclose(got_total, ref(wv), rtol=1e-12)
    np.testing.assert_allclose(got_total, got_ce + got_mse, rtol=1e-12)
    np.testing.assert_allclose(got_gw, jax.grad(ref)(wv), rtol=1e-10)


def test_refusals():
    with pytest.raises(ArgumentError, match="unknown reduction 'mean'"):
        ds.losses.mean_squared_error([1.0], [2.0], reduction="mean")
    with pytest.raises(ShapeError, match=r"weights of shape \(4, 1\) cannot be broadcast .* \(4,\)"):
        ds.losses.softmax_cross_entropy(ONEHOT, LOGITS, np.ones((4, 1)))
    with pytest.raises(ArgumentError, match="no losses have been collected"):
        ds.losses.get_total_loss()
    x = ds.placeholder(ds.float32, [None, None])
    with pytest.raises(ArgumentError, match="label_smoothing needs the number of classes"):
        ds.losses.softmax_cross_entropy(x, x, label_smoothing=0.1)


@pytest.mark.parametrize("name", ["mean_squared_error", "absolute_difference", "huber_loss", "log_loss",
                                  "sigmoid_cross_entropy", "softmax_cross_entropy"])
def test_labels_and_predictions_are_never_broadcast(name):
    # TF1's assert_is_compatible_with: labels (4,) against predictions (4, 1) made a (4, 4) loss
    message = rf"ds.losses.{name}: labels of shape \(4,\) and \w+ of shape \(4, 1\)"
    with pytest.raises(ShapeError, match=message):
        getattr(ds.losses, name)(np.ones(4), np.full((4, 1), 0.5))
    x = ds.placeholder(ds.float64, [None, 1])
    assert getattr(ds.losses, name)(x, ds.placeholder(ds.float64, [3, None])).shape == ()


def test_sparse_softmax_cross_entropy_squeezes_a_column_of_labels_and_weights():
    # TF1's _remove_squeezable_dimensions: labels (n, 1), weights (n, 1) are per example
    labels, w = np.array([0, 2, 1, 2]), np.array([1.0, 0.0, 2.5, 0.5])
    got = ds.losses.sparse_softmax_cross_entropy(labels[:, None], LOGITS, w[:, None])
    want = -(log_softmax(LOGITS)[np.arange(4), labels] * w).sum() / 3
    np.testing.assert_allclose(ds.Session(backend="numpy").run(got), want, rtol=1e-12)


def test_softmax_cross_entropy_sends_no_gradient_to_labels():
    labels, logits = ds.Variable(ONEHOT * 0.5 + 0.1), ds.Variable(LOGITS)
    loss = ds.losses.softmax_cross_entropy(labels, logits, label_smoothing=0.1)
    g_labels, g_logits = ds.gradients(loss, [labels, logits])
    assert g_labels is None and g_logits is not None  # TF1 stops it; sigmoid_cross_entropy does not
    assert ds.gradients(ds.losses.sigmoid_cross_entropy(labels, logits), [labels])[0] is not None


def test_weights_are_a_scalar_or_of_the_losses_rank():
    # TF1's assert_broadcastable: weights (5,) against losses (5, 5) would weight the columns of a
    # per-example intent silently; TF1 refuses any rank other than 0 and the losses' own
    square = np.ones((5, 5))
    for w in (np.ones(5), np.ones(1)):
        with pytest.raises(ShapeError, match=r"weights of shape \((5|1),\) cannot be broadcast .* \(5, 5\)"):
            ds.losses.mean_squared_error(square, square * 2, w)
    for w in (np.ones((1, 5)), np.ones((5, 1)), np.ones((1, 1)), 1.0):
        assert ds.Session(backend="numpy").run(ds.losses.mean_squared_error(square, square * 2, w)) == 1.0


HINGE_COSINE = {  # TF1's formulas: hinge with 0/1 labels mapped to -1/1; cosine keeps the axis
    "hinge_loss": (lambda w, r: ds.losses.hinge_loss(ONEHOT, LOGITS, w, reduction=r),
                   np.maximum(0.0, 1.0 - (2 * ONEHOT - 1) * LOGITS)),
    "cosine_distance": (lambda w, r: ds.losses.cosine_distance(LABELS, PRED, axis=1,
                                                               weights=w if np.ndim(w) != 2 else w[:, :1],
                                                               reduction=r),
                        1.0 - (LABELS * PRED).sum(axis=1, keepdims=True)),
}


@pytest.mark.parametrize("name", sorted(HINGE_COSINE))
def test_hinge_and_cosine_losses_match_tf1s_formulas(name):
    call, per_element = HINGE_COSINE[name]
    weights = [1.0, 0.0, np.array([[1.0], [0.0], [2.5], [0.5]])]
    reductions = (R.NONE, R.SUM, R.MEAN, R.SUM_OVER_BATCH_SIZE, R.SUM_BY_NONZERO_WEIGHTS)
    fetches = [call(w, r) for w in weights for r in reductions]
    with ds.Session(backend="numpy") as sess:
        got = sess.run(fetches)
    want = [reduce(per_element, w, r) for w in weights for r in reductions]
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-14)


def test_hinge_and_cosine_gradients_and_refusals(backend):
    logits = ds.Variable(LOGITS)
    (g,) = ds.gradients(ds.losses.hinge_loss(ONEHOT, logits, reduction=R.SUM), [logits])
    with ds.Session(backend=backend) as sess:
        sess.run(logits.initializer)
        got = sess.run(g)
    y = 2 * ONEHOT - 1
    np.testing.assert_allclose(got, np.where(1 - y * LOGITS > 0, -y, 0.0), rtol=1e-12)
    with pytest.raises(ArgumentError, match="You must specify 'axis'"):
        ds.losses.cosine_distance(LABELS, PRED)
    assert ds.losses.cosine_distance(LABELS, PRED, dim=0).shape == ()
