"""gradcheck/gradgradcheck and detect_anomaly."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import dualgrad as dg
from dualgrad import autograd


def _inputs(*shapes):
    rng = np.random.default_rng(5)
    return tuple(dg.tensor(rng.uniform(0.5, 1.5, s), dtype=dg.float64, requires_grad=True) for s in shapes)


@pytest.mark.parametrize("fn, shapes", [
    (lambda a, b: (a @ b).tanh(), ((2, 3), (3, 2))),
    (lambda a: a.softmax(dim=1), ((3, 4),)),
    (lambda a: a.log_softmax(dim=0).sum(), ((3, 2),)),
    (lambda a, b: (a / b).sqrt() * a.log(), ((4,), (4,))),
    (lambda a: a.var(dim=1) + a.std(), ((2, 5),)),
    (lambda a: a.norm() * a.prod(), ((3,),)),
    (lambda a: a[1:, None].expand(2, 3, 2).sum(0), ((3, 2),)),
])
def test_gradcheck_passes_for_correct_gradients(fn, shapes) -> None:
    xs = _inputs(*shapes)
    assert autograd.gradcheck(fn, xs)
    assert autograd.gradgradcheck(fn, xs)


class WrongSquare(autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x * 2.0 + (x > 1.2).double() * g  # wrong where x > 1.2


def test_gradcheck_reports_the_worst_element() -> None:
    x = dg.tensor([0.5, 1.0, 1.5], dtype=dg.float64, requires_grad=True)
    with pytest.raises(RuntimeError) as e:
        autograd.gradcheck(WrongSquare.apply, (x,))
    msg = str(e.value)
    assert "worst element (output 2, input 2)" in msg
    assert "numerical 3" in msg and "analytical 4" in msg
    assert autograd.gradcheck(WrongSquare.apply, (x,), raise_exception=False) is False


def test_gradcheck_warns_for_single_precision() -> None:
    x = dg.tensor([0.5], requires_grad=True)
    with pytest.warns(UserWarning, match="double precision"):
        autograd.gradcheck(lambda a: a * 2, (x,), atol=1e-2, rtol=1e-2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        autograd.gradcheck(lambda a: a * 2, (x.detach().double().requires_grad_(),))


class BadSecondOrder(autograd.Function):
    """First derivative right, second derivative wrong (the backward is not differentiable
    the way it claims: it detaches x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * x.detach() ** 2


def test_gradgradcheck_catches_wrong_second_derivative() -> None:
    x = dg.tensor([0.7, 1.3], dtype=dg.float64, requires_grad=True)
    assert autograd.gradcheck(BadSecondOrder.apply, (x,))
    with pytest.raises(RuntimeError, match="Jacobian mismatch"):
        autograd.gradgradcheck(BadSecondOrder.apply, (x,))


def test_detect_anomaly_names_the_forward_op_and_line() -> None:
    x = dg.tensor([0.0, 1.0], requires_grad=True)
    with autograd.detect_anomaly():
        assert autograd.is_anomaly_enabled()
        y = x.sqrt()  # LINE: sqrt
        loss = (y * 0).sum()  # sqrt's backward sees 0 / (2 * 0) = nan
        with pytest.raises(RuntimeError) as e:
            loss.backward()
    assert not autograd.is_anomaly_enabled()
    msg = str(e.value)
    line = next(i for i, text in enumerate(open(__file__), 1) if "# LINE: sqrt" in text)
    assert "SqrtBackward0" in msg and "returned nan values" in msg
    assert f"test_gradcheck_anomaly.py:{line}" in msg
    assert x.grad is None


def test_without_anomaly_mode_nan_propagates_silently() -> None:
    y = dg.tensor([0.0], requires_grad=True)
    (y.sqrt() * 0).sum().backward()
    assert np.isnan(y.grad.item())
