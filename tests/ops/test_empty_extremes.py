"""Reductions with no value for an empty dim (max, min, argmax, argmin) are refused by their
shape rule, naming the op and the dim, on every front end (a static graph when it is built):
a static run used to end in numpy's raw "zero-size array to reduction operation" ValueError.
`logsumexp` of a bool mask takes its 0/1 values, as it takes an integer tensor's (a raw
"numpy boolean subtract" TypeError before). Found by tests/reliability/test_fuzz_public_api.py."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad as dg
import dualgrad.static as ds

EMPTY = [((0,), None), ((2, 0), 1), ((0, 3), 0)]
EAGER = {"amax": lambda t, d: t.amax(d), "max": lambda t, d: t.max(d) if d is not None else t.max(),
         "argmin": lambda t, d: t.argmin(d)}
STATIC = {"reduce_max": ds.reduce_max, "reduce_min": ds.reduce_min, "argmax": ds.argmax}


@pytest.mark.parametrize("name", sorted(EAGER))
@pytest.mark.parametrize("shape, dim", EMPTY)
def test_an_empty_dim_has_no_extreme_in_eager_mode(name, shape, dim):
    with pytest.raises(IndexError, match=r"Expected reduction dim \d to have non-zero size"):
        EAGER[name](dg.zeros(shape), dim)


@pytest.mark.parametrize("name", sorted(STATIC))
@pytest.mark.parametrize("shape, dim", EMPTY)
def test_an_empty_dim_has_no_extreme_in_a_static_graph(name, shape, dim):
    with ds.Graph().as_default(), pytest.raises(IndexError, match="to have non-zero size") as info:
        STATIC[name](ds.constant(np.zeros(shape)), dim if dim is not None else 0)
    assert "test_empty_extremes.py" in str(info.value)


def test_reducing_the_other_dim_of_an_empty_tensor_is_fine():
    assert tuple(dg.zeros(2, 0).amax(0).shape) == (0,)
    with ds.Graph().as_default(), ds.Session() as sess:
        assert sess.run(ds.reduce_max(ds.constant(np.zeros((2, 0))), 0)).shape == (0,)


@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_logsumexp_of_a_mask_is_of_its_zeros_and_ones(backend):
    mask = np.array([[True, False, True], [False, False, False]])
    expected = np.log(np.exp(mask.astype(np.float64)).sum(axis=1))
    got = dg.tensor(mask, device="cpu" if backend == "numpy" else "jax").logsumexp(1)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-6)
    with ds.Graph().as_default(), ds.Session(backend=backend) as sess:
        np.testing.assert_allclose(sess.run(ds.reduce_logsumexp(ds.constant(mask), 1)), expected, rtol=1e-6)
