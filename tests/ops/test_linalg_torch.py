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


# -- decompositions: losses that do not depend on the vectors' signs (dualgrad fixes them,
# torch keeps LAPACK's), on symmetric input where cholesky/eigh read A differently --------------

def _losses(m, a):
    """Every decomposition of A (symmetric positive definite, 3 x 3) and of its first two columns,
    through sign-invariant quantities; one scalar."""
    w, v = m.linalg.eigh(a)
    u, s, vh = m.linalg.svd(a[..., :2], full_matrices=False)
    q, r = m.linalg.qr(a[..., :2])
    d = m.sign(m.diagonal(r, dim1=-2, dim2=-1))  # (torch's R diagonal may be negative)
    return ((m.linalg.cholesky(a) ** 3).sum() + (w * m.sin(w)).sum() + (v ** 4).sum()
            + ((u * s.unsqueeze(-2)) @ vh).sin().sum() + (u ** 4).sum() + (s ** 3).sum()
            + m.sin(q * d.unsqueeze(-2)).sum() + (r * d.unsqueeze(-1)).pow(2).sum()
            + m.linalg.pinv(a[..., :2]).sin().sum() + m.linalg.matrix_power(a, -2).sum()
            + m.linalg.lstsq(a[..., :2], a[..., 2:]).solution.sum() + m.linalg.svdvals(a).sum())


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from([(), (2,)]))
def test_decompositions_match_torch_on_sign_invariant_losses(seed, batch):
    b = np.random.default_rng(seed).uniform(-1, 1, batch + (3, 3))
    a = b @ np.swapaxes(b, -1, -2) + np.diag([1.0, 3.0, 6.0])
    grads = []
    for lib, make in ((dg, lambda x: dg.tensor(x, requires_grad=True)),
                      (torch, lambda x: torch.tensor(x, requires_grad=True))):
        t = make(a)
        out = _losses(lib, t)
        out.backward()
        grads.append((float(out.detach().numpy()), t.grad.numpy()))
    assert abs(grads[0][0] - grads[1][0]) <= 1e-9 * max(1.0, abs(grads[1][0]))
    assert_close(grads[0][1], grads[1][1], rtol=1e-7, atol=1e-9)


def test_cholesky_error_text_and_rank_match_torch():
    bad = np.stack([np.eye(2), np.diag([1.0, -2.0])])
    with pytest.raises(torch.linalg.LinAlgError) as theirs:
        torch.linalg.cholesky(torch.tensor(bad))
    with pytest.raises(dg.linalg.LinAlgError) as ours:
        dg.linalg.cholesky(dg.tensor(bad))
    phrase = "The factorization could not be completed because the input is not positive-definite " \
             "(the leading minor of order 2 is not positive-definite)"
    assert phrase in str(theirs.value) and phrase in str(ours.value)
    a = np.stack([np.diag([3.0, 1e-9, 0.0]), np.ones((3, 3))])
    for kw in ({}, {"atol": 1e-3}, {"rtol": 0.5}):
        theirs = torch.linalg.matrix_rank(torch.tensor(a), **kw).tolist()
        assert dg.linalg.matrix_rank(dg.tensor(a), **kw).tolist() == theirs
