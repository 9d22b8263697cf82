"""Static-front-end differences found by a differential run against tf.compat.v1 2.21 (TF is
not needed here: each oracle is TF1's documented formula written out in numpy float64).

- `ds.nn.sparse_softmax_cross_entropy_with_logits` picked the label's log-probability with a
  product by the one-hot row, so a -inf logit of another class (a masked-out class) made the
  loss NaN on the numpy backend (0 * -inf); TF1 and the jax backend gave the finite loss.
- `ds.negative` / `ds.subtract` of bool tensors were built and failed with numpy's raw error
  only when run; TF1 refuses them when the graph is built.
- `ds.logical_not` of a float or int tensor returned x == 0 (TF1 refuses it).
- `where(x > 0, sqrt(x), 0)` had gradient NaN at x <= 0 (0 * the NaN derivative): TF1's
  Sqrt, Rsqrt and Reciprocal gradient kernels give 0 where the incoming gradient is 0.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad.static as ds
from dualgrad.errors import DTypeError


def _reference(logits, labels):
    """TF1's loss logsumexp(row) - row[label] and gradient softmax(row) - onehot(label)."""
    shift = logits.max(axis=-1, keepdims=True)
    exps = np.exp(logits - shift)
    total = exps.sum(axis=-1, keepdims=True)
    loss = (np.log(total) + shift)[:, 0] - logits[np.arange(len(labels)), labels]
    grad = exps / total
    grad[np.arange(len(labels)), labels] -= 1.0
    return loss, grad


@st.composite
def _masked_rows(draw):
    rows, classes = draw(st.integers(1, 4)), draw(st.integers(2, 5))
    logits = np.array(draw(st.lists(st.floats(-5, 5), min_size=rows * classes,
                                    max_size=rows * classes))).reshape(rows, classes)
    labels = np.array(draw(st.lists(st.integers(0, classes - 1), min_size=rows, max_size=rows)))
    masked = np.array(draw(st.lists(st.booleans(), min_size=rows * classes,
                                    max_size=rows * classes))).reshape(rows, classes)
    masked[np.arange(rows), labels] = False  # the label's own logit stays finite
    logits[masked] = -np.inf
    return logits, labels


def _check(logits, labels, backend):
    ds.reset_default_graph()
    x = ds.placeholder(ds.float64, [None, logits.shape[1]])
    y = ds.placeholder(ds.int32, [None])
    loss = ds.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=x)
    grad, = ds.gradients(loss, x)
    with ds.Session(backend=backend) as sess:
        got_loss, got_grad = sess.run([loss, grad], {x: logits, y: labels})
    want_loss, want_grad = _reference(logits, labels)
    np.testing.assert_allclose(got_loss, want_loss, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(got_grad, want_grad, rtol=1e-12, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(case=_masked_rows())
def test_sparse_cross_entropy_with_masked_classes(case):
    _check(*case, "numpy")


def test_sparse_cross_entropy_with_masked_classes_jax():
    _check(np.array([[0.0, -np.inf, 1.0], [100.0, 0.0, -100.0], [-np.inf, 2.0, -np.inf]]),
           np.array([0, 2, 1]), "jax")


@pytest.mark.parametrize("build", [lambda b: ds.negative(b), lambda b: ds.neg(b),
                                   lambda b: ds.subtract(b, b), lambda b: ds.subtract(1, b)])
def test_bool_negation_and_subtraction_are_refused_when_built(build):
    b = ds.constant([True, False])
    with pytest.raises(DTypeError, match="bool"):
        build(b)


@pytest.mark.parametrize("value", [[1.0, 0.0], [1, 0]])
def test_logical_not_takes_bools_only(value):
    """TF1 refuses a float or int input; it read as x == 0 (a number TF1 never gives)."""
    for fn in (ds.logical_not, ds.math.logical_not):
        with pytest.raises(DTypeError, match="bool"):
            fn(ds.constant(value))
    with ds.Session() as sess:
        assert sess.run(ds.logical_not(ds.constant([True, False]))).tolist() == [False, True]


_DERIVATIVES = {"sqrt": (ds.sqrt, lambda x: 0.5 / np.sqrt(x)),
                "rsqrt": (ds.math.rsqrt, lambda x: -0.5 * x ** -1.5),
                "reciprocal": (ds.math.reciprocal, lambda x: -1.0 / x ** 2)}


@settings(max_examples=30, deadline=None)
@given(x=st.lists(st.one_of(st.floats(-3, 3), st.just(0.0)), min_size=1, max_size=5),
       fn=st.sampled_from(sorted(_DERIVATIVES)), backend=st.sampled_from(["numpy", "jax"]))
def test_a_gradient_of_zero_stays_zero_through_sqrt_rsqrt_reciprocal(x, fn, backend):
    """TF1's rule: the gradient of where(x > 0.5, f(x), 0) is f'(x) where x > 0.5, else 0."""
    x = np.array(x)
    f, derivative = _DERIVATIVES[fn]
    ds.reset_default_graph()
    p = ds.placeholder(ds.float64, [len(x)])
    grad, = ds.gradients(ds.where(p > 0.5, f(p), ds.zeros_like(p)), p)
    with ds.Session(backend=backend) as sess:
        got = sess.run(grad, {p: x})
    with np.errstate(all="ignore"):
        want = np.where(x > 0.5, derivative(x), 0.0)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)
