"""cumprod and scatter_reduce against PyTorch, values and gradients, including where the
finite-difference tests cannot go: repeated zeros (prod, cumprod) and ties (amax/amin share
the gradient evenly). Collected only where torch is installed (tests/ops/conftest.py)."""
from __future__ import annotations

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dualgrad as dg
from dualgrad.testing import assert_close

from .test_accumulate import REDUCTIONS, scatter_calls

SMALL_INTS = st.sampled_from([0.0, 1.0, -1.0, 2.0, 0.0])  # zeros and ties on purpose


def _run(lib, fn, arrays, g):
    inputs = [lib.tensor(a, requires_grad=a.dtype == np.float64) for a in arrays]
    out = fn(lib, *inputs)
    (out * lib.tensor(g)).sum().backward()
    return out.detach().numpy(), [x.grad.numpy() for x in inputs if x.requires_grad]


def _compare(fn, arrays, shape, seed):
    g = np.random.default_rng(seed).standard_normal(shape)
    ours, our_grads = _run(dg, fn, arrays, g)
    theirs, their_grads = _run(torch, fn, arrays, g)
    assert_close(ours, theirs, rtol=1e-12, atol=1e-12)
    for a, b in zip(our_grads, their_grads, strict=True):
        assert_close(a, b, rtol=1e-10, atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), elements=SMALL_INTS),
       st.integers(0, 2), st.integers(0, 2**32 - 1))
def test_cumprod_matches_torch_with_zeros(x, dim, seed):
    dim = dim % x.ndim
    _compare(lambda lib, t: lib.cumprod(t, dim), [x], x.shape, seed)


@settings(max_examples=40, deadline=None)
@given(scatter_calls(), st.sampled_from(REDUCTIONS), st.booleans(), st.booleans(), st.integers(0, 2**32 - 1))
def test_scatter_reduce_matches_torch(call, reduce, include_self, with_ties, seed):
    x, dim, index, src = call
    if with_ties:  # values from a small set: zeros, repeated src values, src equal to x
        rng = np.random.default_rng(seed)
        x, src = (rng.choice([0.0, 1.0, -1.0, 2.0], a.shape) for a in (x, src))
    if not include_self and reduce in ("amax", "amin"):
        # PyTorch counts an excluded x that equals the extreme among the ties, so src gets g/2
        # there and the rest of g is lost; dualgrad gives src all of g (docs/eager.md)
        x = x + 10.0
    _compare(lambda lib, t, i, s: t.scatter_reduce(dim, i, s, reduce, include_self=include_self),
             [x, index, src], x.shape, seed)
