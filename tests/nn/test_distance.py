"""F.normalize, F.cosine_similarity, F.pairwise_distance and their modules, against jax
transcriptions of PyTorch's definitions (float64, values and gradients): normalize divides
by the clamped norm; cosine_similarity clamps each norm for the value only (its kernel takes
the clamp apart from the gradient); pairwise_distance adds eps to the difference. Rows of
zeros and norms below eps are drawn on purpose."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dualgrad as dg
from dualgrad.errors import ShapeError

pytestmark = pytest.mark.usefixtures("jax_float64")

F = dg.nn.functional
_ELEMENT = st.one_of(st.just(0.0), st.just(1e-10), st.floats(-3, 3, allow_subnormal=False))
MATRICES = hnp.arrays(np.float64, (3, 4), elements=_ELEMENT)
WEIGHTS = np.arange(1.0, 13.0).reshape(3, 4) / 7


def _norm(x, p, axis):
    """The p-norm with PyTorch's gradient 0 where it is 0 (jax's own root would give NaN)."""
    magnitude = jnp.where(x == 0, 0.0, jnp.abs(x))  # |x|'(0) = sgn(0) = 0, as PyTorch (jax: 1)
    total = jnp.sum(magnitude ** p, axis=axis, keepdims=True)
    positive = total > 0
    return jnp.where(positive, jnp.where(positive, total, 1.0) ** (1 / p), 0.0)


def _value_and_grads(torch_like, reference, arrays, weights, term_scales=None):
    """dualgrad's value and gradients of sum(weights * f(...)) beside jax's of the reference.
    `term_scales[i]`: the size of the terms that cancel in array i's gradient, per row (where
    the exact gradient is 0, both sides are rounding noise of that size)."""
    tensors = [dg.tensor(a, requires_grad=True) for a in arrays]
    out = torch_like(*tensors)
    (out * dg.tensor(weights)).sum().backward()
    expected = reference(*map(jnp.asarray, arrays))
    grads = jax.grad(lambda *xs: jnp.sum(jnp.asarray(weights) * reference(*xs)), range(len(arrays)))(
        *map(jnp.asarray, arrays))
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-12, atol=1e-300)
    for i, (t, g) in enumerate(zip(tensors, grads, strict=True)):  # (cancellation: atol scaled)
        atol = 1e-12 * float(np.abs(g).max()) + 1e-300
        if term_scales is not None:
            atol = np.maximum(atol, 1e-12 * term_scales[i])
        got = t.grad.numpy()
        assert np.all(np.abs(got - g) <= atol + 1e-9 * np.abs(g)), (got, np.asarray(g), atol)


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0])
@settings(max_examples=10, deadline=None)
@given(x=MATRICES)
def test_normalize(p, x):
    x = x.copy()
    x[1] = 0.0  # a zero row: divided by eps, its gradient 1 / eps
    _value_and_grads(lambda t: F.normalize(t, p=p, dim=1),
                     lambda a: a / jnp.maximum(_norm(a, p, 1), 1e-12), [x], WEIGHTS)


@settings(max_examples=10, deadline=None)
@given(x1=MATRICES, x2=MATRICES)
def test_cosine_similarity(x1, x2):
    def reference(a, b):
        def unit(v):
            n = _norm(v, 2, 1)
            # the value sees max(n, eps), the gradient n itself (PyTorch's kernel)
            return v / (n + jax.lax.stop_gradient(jnp.maximum(n, 1e-8) - n))
        return jnp.sum(unit(a) * unit(b), axis=1)

    x1 = x1.copy()
    x1[0] = 0.0
    # d cos / d a = b / (|a||b|) - cos * a / |a|^2: two terms of size |w| / |a| that cancel
    # exactly for parallel rows (a = [1e-10, 0, 0, 0], b = [0.0066, 0, 0, 0] left 2e-16 in jax)
    scales = [np.abs(WEIGHTS[:, :1]) / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-8)
              for v in (x1, x2)]
    _value_and_grads(lambda a, b: F.cosine_similarity(a, b, dim=1), reference, [x1, x2], WEIGHTS[:, 0],
                     scales)


@pytest.mark.parametrize("p", [2.0, 1.0])
@settings(max_examples=10, deadline=None)
@given(x1=MATRICES, x2=MATRICES)
def test_pairwise_distance(p, x1, x2):
    _value_and_grads(lambda a, b: F.pairwise_distance(a, b, p=p),
                     lambda a, b: _norm(a - b + 1e-6, p, -1)[..., 0], [x1, x2], WEIGHTS[:, 0])


def test_cosine_similarity_broadcasts_first_and_the_modules():
    x1, x2 = np.array([[3.0], [0.5]]), np.array([[1.0, 2.0, 2.0], [1.0, 0.0, -1.0]])
    got = dg.nn.CosineSimilarity(dim=1)(dg.tensor(x1), dg.tensor(x2)).numpy()
    wide = np.broadcast_to(x1, x2.shape)  # the broadcast copies count in x1's norm
    expected = (wide * x2).sum(1) / np.linalg.norm(wide, axis=1) / np.linalg.norm(x2, axis=1)
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    distance = dg.nn.PairwiseDistance(p=1.0, keepdim=True)(dg.tensor(x2), dg.tensor(x2[::-1].copy()))
    np.testing.assert_allclose(distance.numpy(), np.abs(x2 - x2[::-1] + 1e-6).sum(1, keepdims=True))
    with pytest.raises(ShapeError, match="cosine_similarity: the shapes"):
        F.cosine_similarity(dg.ones(2, 3), dg.ones(4, 3))
