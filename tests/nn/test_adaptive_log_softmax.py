"""nn.AdaptiveLogSoftmaxWithLoss against a numpy float64 formula of its definition from the same
weights (output, loss, log_prob, predict, the unbatched row), gradcheck of the loss through the
input and every parameter, and PyTorch's refusals."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad as dg
from dualgrad import nn
from dualgrad.errors import DualgradError, DualgradValueError, ShapeError


def _np_log_softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def _np_adaptive_log_prob(m: nn.AdaptiveLogSoftmaxWithLoss, x):
    """The definition: shortlist from the head's log-softmax, cluster i's words its head entry
    plus the log-softmax of its two Linears."""
    w = {k: v.detach().numpy() for k, v in m.state_dict().items()}
    head = x @ w["head.weight"].T + (w["head.bias"] if "head.bias" in w else 0.0)
    head = _np_log_softmax(head)
    parts, short = [head[:, :m.cutoffs[0]]], m.cutoffs[0]
    for i in range(len(m.cutoffs) - 1):
        tail = (x @ w[f"tail.{i}.0.weight"].T) @ w[f"tail.{i}.1.weight"].T
        parts.append(_np_log_softmax(tail) + head[:, short + i:short + i + 1])
    return np.concatenate(parts, axis=1)


@pytest.mark.parametrize("cutoffs, div_value, head_bias", [([3, 7], 2.0, False), ([2, 5, 9], 4.0, True)])
def test_adaptive_log_softmax_matches_its_definition(cutoffs, div_value, head_bias):
    dg.manual_seed(3)
    m = nn.AdaptiveLogSoftmaxWithLoss(8, 11, cutoffs, div_value=div_value, head_bias=head_bias,
                                      dtype=dg.float64)
    rng = np.random.default_rng(2)
    x, target = rng.standard_normal((7, 8)), np.array([0, 2, 3, 6, 7, 10, 5])
    full = _np_adaptive_log_prob(m, x)
    out = m(dg.tensor(x), dg.tensor(target))
    assert out._fields == ("output", "loss")
    np.testing.assert_allclose(out.output.detach().numpy(), full[np.arange(7), target], rtol=1e-12)
    np.testing.assert_allclose(out.loss.item(), -full[np.arange(7), target].mean(), rtol=1e-12)
    np.testing.assert_allclose(m.log_prob(dg.tensor(x)).detach().numpy(), full, rtol=1e-12)
    np.testing.assert_allclose(np.exp(full).sum(axis=1), 1.0, rtol=1e-12)
    for scale in (1.0, 8.0):  # (8: rows whose head argmax is a cluster)
        np.testing.assert_array_equal(m.predict(dg.tensor(scale * x)).numpy(),
                                      _np_adaptive_log_prob(m, scale * x).argmax(axis=1))
    single = m(dg.tensor(x[3]), dg.tensor(target[3]))  # unbatched: a 0-d output
    assert single.output.shape == () and np.isclose(single.output.item(), full[3, target[3]], rtol=1e-12)


def test_adaptive_log_softmax_gradcheck():
    dg.manual_seed(4)
    m = nn.AdaptiveLogSoftmaxWithLoss(4, 7, [2, 4], div_value=2.0, head_bias=True, dtype=dg.float64)
    x, t = dg.randn(3, 4, dtype=dg.float64, requires_grad=True), dg.tensor([1, 3, 6])  # head, tail 0, tail 1
    assert dg.autograd.gradcheck(lambda x, *_: m(x, t).loss, (x, *m.parameters()))


def test_adaptive_log_softmax_refusals():
    m = nn.AdaptiveLogSoftmaxWithLoss(4, 6, [2])
    assert [tuple(p.shape) for p in m.parameters()] == [(3, 4), (1, 4), (4, 1)]  # PyTorch's: 4 // 4 = 1
    with pytest.raises(DualgradValueError, match="cutoffs should be a sequence of length larger than 0"):
        nn.AdaptiveLogSoftmaxWithLoss(4, 6, [])
    for cutoffs in ([3, 2], [0, 2], [2, 6], [2, 2]):
        with pytest.raises(DualgradValueError, match="cutoffs should be a sequence of unique, positive"):
            nn.AdaptiveLogSoftmaxWithLoss(4, 6, cutoffs)
    x = dg.zeros(3, 4)
    with pytest.raises(DualgradError, match=r"should be in \[0, 5\], but values in range \[0, 6\] were"):
        m(x, dg.tensor([0, 6, 1]))
    with pytest.raises(ShapeError, match="Input and target should have the same size in the batch dimension"):
        m(x, dg.tensor([0, 1]))
    with pytest.raises(ShapeError, match="0D or 1D target tensor expected, multi-target not supported"):
        m(x, dg.zeros(3, 1, dtype=dg.int64))
