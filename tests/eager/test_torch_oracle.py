"""PyTorch as an independent oracle: printing and gradients compared with torch's own.

Skipped as a module where torch is not installed; the rest of the suite never needs torch."""
from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from test_printing import SPELLED_GRAD_FN_NAMES, grad_fn_operands

import dualgrad as dg

pytestmark = pytest.mark.cpu_only  # compares CPU reprs with torch CPU

import torch  # noqa: E402  (collected only where torch is installed: see conftest.py)


def _unwrap_suffixes(s: str) -> str:
    """'dualgrad.' is three characters longer than 'torch.', which can move a suffix such as
    `dtype=` to the next line in one and not the other: compare suffix placement loosely."""
    return re.sub(r",\s*\n\s*(dtype=|grad_fn=|requires_grad=|size=)", r", \1", s)


def _torch_repr(t) -> str:
    return _unwrap_suffixes(repr(t).replace("torch.", "dualgrad."))


def _our_repr(t) -> str:
    return _unwrap_suffixes(repr(t))


_floats = st.one_of(
    st.floats(-1024.0, 1024.0, width=32), st.floats(-2.0**40, 2.0**40, width=32),
    st.integers(-50, 50).map(float), st.floats(-2.0**-10, 2.0**-10, width=32),
    st.sampled_from([0.0, float("nan"), float("inf"), -float("inf")]))


@settings(max_examples=150, deadline=None)
@given(hnp.arrays(np.float32, hnp.array_shapes(min_dims=0, max_dims=3, max_side=7), elements=_floats))
def test_float32_repr_matches_torch(a: np.ndarray) -> None:
    assert _our_repr(dg.tensor(a)) == _torch_repr(torch.tensor(a))


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(st.sampled_from([np.float64, np.int64, np.int32, np.bool_]),
                  hnp.array_shapes(min_dims=1, max_dims=2, max_side=12)))
def test_other_dtypes_repr_matches_torch(a: np.ndarray) -> None:
    assert _our_repr(dg.tensor(a)) == _torch_repr(torch.tensor(a))


@pytest.mark.parametrize("shape", [(2001,), (40, 40), (3, 400), (1, 1, 1200)])
def test_summarised_repr_matches_torch(shape) -> None:
    a = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    assert _our_repr(dg.tensor(a)) == _torch_repr(torch.tensor(a))


def test_autograd_repr_matches_torch() -> None:
    a = np.arange(6.0).reshape(2, 3)
    x, tx = dg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    assert _our_repr(x) == _torch_repr(tx)
    assert _our_repr(x * 2) == _torch_repr(tx * 2)
    assert _our_repr((x * 2).sum()) == _torch_repr((tx * 2).sum())


@pytest.mark.parametrize("expression, name", SPELLED_GRAD_FN_NAMES)
def test_grad_fn_name_table_is_pytorchs(expression: str, name: str) -> None:
    """The names test_printing.py expects are the ones torch itself gives."""
    out = eval(expression, grad_fn_operands(torch))  # noqa: S307 (a fixed table of expressions)
    assert type(out.grad_fn).__name__ == name


def _mlp(lib, x, w1, w2):
    h = (x @ w1).tanh()
    return (h @ w2).sigmoid().log().mean() + (h * h).sum() / 7


def test_gradients_match_torch() -> None:
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal(s) for s in ((5, 4), (4, 6), (6, 3))]
    ours = [dg.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    _mlp(dg, *ours).backward()
    _mlp(torch, *theirs).backward()
    for o, t in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_kinks_follow_torch() -> None:
    values = [-1.0, 0.0, 0.0, 2.0, 2.0]
    for fn in (lambda t: t.relu().sum(), lambda t: t.abs().sum(), lambda t: t.max(),
               lambda t: t.max(dim=0).values, lambda t: t.clamp(0.0, 2.0).sum()):
        x, tx = dg.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
        fn(x).backward()
        fn(tx).backward()
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())


def test_sgd_update_under_no_grad_matches_torch_bit_for_bit() -> None:
    """`p -= lr * g` (written into p's memory, inplace.write_into) equals torch's sub_."""
    rng = np.random.default_rng(3)
    w, g = rng.standard_normal((8, 6)).astype(np.float32), rng.standard_normal((8, 6)).astype(np.float32)
    p, tp = dg.tensor(w.copy()), torch.tensor(w.copy())
    with dg.no_grad(), torch.no_grad():
        for lr in (0.1, 0.01, 1e-3):
            p -= lr * dg.tensor(g)
            tp -= lr * torch.tensor(g)
    np.testing.assert_array_equal(p.numpy(), tp.numpy())
