"""`dg.linalg` against PyTorch's `torch.linalg` (values and gradients) on hypothesis-drawn
batches; collected only where torch is installed (tests/ops/conftest.py)."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
from dualgrad.testing import assert_close

from .test_linalg import MATRIX_ORDS, RHS, _rhs_shape, matrices

CALLS = {
    "inv": (lambda m, a: m.linalg.inv(a[0])),
    "det": (lambda m, a: m.linalg.det(a[0])),
    "logabsdet": (lambda m, a: m.linalg.slogdet(a[0])[1]),
    "solve": (lambda m, a: m.linalg.solve(a[0], a[1])),
}


def _both(call, arrays):
    """The value and input gradients (cotangent cos(k)) of call on dualgrad and on torch."""
    results = []
    for lib, make in ((dg, lambda a: dg.tensor(a, requires_grad=True)),
                      (torch, lambda a: torch.tensor(a, requires_grad=True))):
        inputs = [make(a) for a in arrays]
        out = call(lib, inputs)
        g = np.cos(np.arange(out.numel())).reshape(tuple(out.shape))
        (out * lib.tensor(g)).sum().backward()
        results.append((out.detach().numpy(), [x.grad.numpy() for x in inputs]))
    return results


@settings(max_examples=20, deadline=None)
@given(matrices(), st.sampled_from(sorted(CALLS)), st.sampled_from(RHS), st.integers(1, 3),
       st.integers(0, 2**32 - 1))
def test_values_and_gradients_match_torch(a, name, rhs, k, seed):
    arrays = [a]
    if name == "solve":
        arrays.append(np.random.default_rng(seed).uniform(-2, 2, _rhs_shape(a.shape, rhs, k)))
    (ours, our_grads), (theirs, their_grads) = _both(CALLS[name], arrays)
    assert_close(ours, theirs, rtol=1e-10, atol=1e-12, msg=name)
    for g, e in zip(our_grads, their_grads, strict=True):
        assert_close(g, e, rtol=1e-9, atol=1e-11, msg=f"{name} gradient")


@pytest.mark.parametrize("ord", MATRIX_ORDS)
def test_matrix_norm_matches_torch(ord):
    a = np.random.default_rng(3).uniform(-3, 3, (2, 3, 4))  # no ties among the column/row sums
    (ours, our_grads), (theirs, their_grads) = _both(lambda m, x: m.linalg.matrix_norm(x[0], ord), [a])
    assert_close(ours, theirs, rtol=1e-12, atol=1e-12)
    assert_close(our_grads[0], their_grads[0], rtol=1e-12, atol=1e-12)


def test_singular_matrix_raises_where_torch_raises():
    a = np.array([[1.0, 2.0], [2.0, 4.0]])
    with pytest.raises(torch.linalg.LinAlgError):
        torch.linalg.inv(torch.tensor(a))
    with pytest.raises(dg.linalg.LinAlgError):
        dg.linalg.inv(dg.tensor(a))
