"""ds.image.extract_image_patches / extract_patches (TF1's) against the patches written out in
numpy: every output position's window of taps `rates` apart, zero where SAME padding (TF1's
rule: ceil(in / stride) windows, the odd pad at the end) falls, laid out rows, cols, depth
with depth fastest; the gradient (the op is linear) each output's weight added back to the
input element its tap read. Windows that cannot fit give TF1's empty result or its error."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad.static as ds
from dualgrad.errors import ShapeError


def _oracle(x, k, s, r, padding):
    """(patches, the flat input index each patch entry read or -1 for padding)."""
    n, h, w, c = x.shape
    eff = [r[i] * (k[i] - 1) + 1 for i in (0, 1)]
    if padding == "SAME":
        out = [-(-dim // s[i]) for i, dim in enumerate((h, w))]
        before = [max((out[i] - 1) * s[i] + eff[i] - dim, 0) // 2 for i, dim in enumerate((h, w))]
    else:
        out = [(dim - eff[i]) // s[i] + 1 for i, dim in enumerate((h, w))]
        before = [0, 0]
    index = np.arange(h * w * c).reshape(h, w, c)
    where = np.full((out[0], out[1], k[0] * k[1] * c), -1)
    for i in range(out[0]):
        for j in range(out[1]):
            taps = []
            for a in range(k[0]):
                for b in range(k[1]):
                    y, z = i * s[0] - before[0] + a * r[0], j * s[1] - before[1] + b * r[1]
                    inside = 0 <= y < h and 0 <= z < w
                    taps.extend(index[y, z] if inside else [-1] * c)
            where[i, j] = taps
    flat = x.reshape(n, -1)
    patches = np.where(where >= 0, flat[:, np.maximum(where, 0)], 0.0)
    return patches, where


@settings(max_examples=25, deadline=None)
@given(k=st.tuples(st.integers(1, 3), st.integers(1, 3)), s=st.tuples(st.integers(1, 3), st.integers(1, 3)),
       r=st.tuples(st.integers(1, 2), st.integers(1, 2)), padding=st.sampled_from(["SAME", "VALID"]),
       size=st.tuples(st.integers(5, 7), st.integers(5, 7)), later_name=st.booleans(),
       backend=st.sampled_from(["numpy", "jax"]), seed=st.integers(0, 2**16))
def test_patches_and_gradients_match_the_windows_written_out(k, s, r, padding, size, later_name, backend,
                                                            seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, *size, 3))
    want, where = _oracle(x, k, s, r, padding)
    ds.reset_default_graph()
    images = ds.placeholder(ds.float64, [None, *size, 3])
    args = ([1, *k, 1], [1, *s, 1], [1, *r, 1], padding)
    fn = ds.image.extract_patches if later_name else ds.image.extract_image_patches
    out = fn(images, *args)
    assert out.shape.as_list() == [None, *want.shape[1:]]
    weights = rng.standard_normal(want.shape)
    (grad,) = ds.gradients(ds.reduce_sum(out * weights), [images])
    with ds.Session(backend=backend) as sess:
        got, got_grad = sess.run([out, grad], {images: x})
    np.testing.assert_array_equal(got, want)
    expected = np.zeros((2, x[0].size))
    for b in range(2):
        np.add.at(expected[b], where[where >= 0], weights[b][where >= 0])
    np.testing.assert_allclose(got_grad, expected.reshape(x.shape), rtol=1e-12, atol=1e-12)


def test_windows_that_cannot_fit_give_tf1s_empty_result_or_its_error():
    ds.reset_default_graph()
    images = ds.placeholder(ds.float64, [None, 3, 5, 1])
    empty = ds.extract_image_patches(images, [1, 3, 1, 1], [1, 2, 1, 1], [1, 2, 1, 1], "VALID")
    assert empty.shape.as_list() == [None, 0, 5, 3]  # TF1's (3 - 5 + 2) / 2, truncated: 0 windows
    with ds.Session() as sess:
        assert sess.run(empty, {images: np.ones((2, 3, 5, 1))}).shape == (2, 0, 5, 3)
    with pytest.raises(ShapeError, match="Computed output size would be negative"):
        ds.image.extract_image_patches(images, [1, 3, 1, 1], [1, 1, 1, 1], [1, 2, 1, 1], "VALID")
