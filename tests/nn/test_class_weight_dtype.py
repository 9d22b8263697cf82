"""Class weights of another dtype than the input in `cross_entropy` / `nll_loss` with class
indices: PyTorch's kernels refuse them ("expected scalar type Float but found Double");
dualgrad computed the float32 model's loss (and its gradients) in float64, silently. With
probability targets PyTorch promotes, and so does dualgrad."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad as dg
import dualgrad.nn.functional as F
from dualgrad import nn

X = np.random.default_rng(2).standard_normal((4, 3)).astype(np.float32)
Y = np.array([0, 1, 2, 1])
W = np.array([1.0, 2.0, 0.5])


@pytest.mark.parametrize("call", [
    lambda w: F.cross_entropy(dg.tensor(X), dg.tensor(Y), weight=w),
    lambda w: F.nll_loss(F.log_softmax(dg.tensor(X), 1), dg.tensor(Y), weight=w, reduction="none"),
    lambda w: nn.CrossEntropyLoss(weight=w)(dg.tensor(X), dg.tensor(Y)),
    lambda w: nn.NLLLoss(weight=w)(dg.tensor(X), dg.tensor(Y)),
])
def test_a_weight_of_another_dtype_is_refused(call):
    with pytest.raises(RuntimeError, match=r"expected scalar type Float but found Double \(weight is "
                                           r"float64, input float32"):
        call(dg.tensor(W))


def test_the_same_dtype_computes_the_weighted_mean():
    loss = F.cross_entropy(dg.tensor(X), dg.tensor(Y), weight=dg.tensor(W, dtype=dg.float32))
    x = X.astype(np.float64)
    logp = x - np.log(np.exp(x).sum(1, keepdims=True))
    want = -(W[Y] * logp[np.arange(4), Y]).sum() / W[Y].sum()
    assert loss.dtype == dg.float32
    assert float(loss) == pytest.approx(want, rel=1e-6)
    with pytest.raises(RuntimeError, match="nll_loss: expected scalar type Double but found Float"):
        F.nll_loss(dg.tensor(X).double(), dg.tensor(Y), weight=dg.tensor(W, dtype=dg.float32))


def test_probability_targets_promote_as_pytorch():
    probs = np.full((4, 3), 1 / 3, np.float32)
    loss = F.cross_entropy(dg.tensor(X), dg.tensor(probs), weight=dg.tensor(W))
    assert loss.dtype == dg.float64


def test_against_torch(torch):
    with pytest.raises(RuntimeError, match="expected scalar type Float but found Double"):
        torch.nn.functional.cross_entropy(torch.tensor(X), torch.tensor(Y), weight=torch.tensor(W))
    probs = torch.full((4, 3), 1 / 3)
    loss = torch.nn.functional.cross_entropy(torch.tensor(X), probs, weight=torch.tensor(W))
    assert loss.dtype == torch.float64
