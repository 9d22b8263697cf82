"""symbolic.check: it proves right gradients right and names the input of a wrong one, and it
tells a wrong rule from finite-difference noise and from a non-differentiable point."""
from __future__ import annotations

import time

import numpy as np
import pytest

import dualgrad as dg
import dualgrad.static as ds
from dualgrad import ops, symbolic
from dualgrad.errors import GraphError


class WrongSquare(dg.autograd.Function):
    """x**2 whose backward forgets the factor 2."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x


class GoodSquare(dg.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 2 * g * x


class WrongInSecond(dg.autograd.Function):
    """x * y with a wrong gradient for y only."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return x * y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        return g * y, g * y


class NoisyCube(dg.autograd.Function):
    """x**3 computed in float32 (so finite differences are noisy), exact backward."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return (x.float() ** 3).double()

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 3 * g * x * x


def leaf(values, name):
    return dg.tensor(values, dtype=dg.float64, requires_grad=True, name=name)


def test_wrong_backward_is_reported_with_the_input_named():
    x = leaf([0.5, 1.5, -2.0], "x")
    report = symbolic.check((WrongSquare.apply(x) * dg.sin(x)).sum(), [x])
    assert not report.ok and not bool(report)
    assert report.failed == ["x"]
    assert report["x"].verdict == "wrong_rule"
    assert "x" in report["x"].detail and "wrong" in str(report)


def test_wrong_backward_against_a_declared_sympy_form():
    class Declared(WrongSquare):
        @staticmethod
        def sympy(x):
            return ops.multiply(x, x)

    x = leaf([0.5, 1.5], "x")
    report = symbolic.check(Declared.apply(x).sum(), [x])
    assert report.failed == ["x"]
    assert "closed form" in report["x"].detail


def test_correct_custom_function_is_ok():
    x = leaf([0.5, 1.5, -2.0], "x")
    report = symbolic.check((GoodSquare.apply(x) * dg.sin(x)).sum(), [x])
    assert report.ok, report


def test_only_the_wrong_input_is_named():
    x, y = leaf([0.5, 1.5], "x"), leaf([2.0, -1.0], "y")
    report = symbolic.check(WrongInSecond.apply(x, y).sum(), [x, y])
    assert report.failed == ["y"]
    assert report["x"].ok


def test_finite_difference_noise_is_not_a_wrong_rule():
    x = leaf([0.3, 1.1, 2.5], "x")
    report = symbolic.check(NoisyCube.apply(x).sum(), [x])
    assert report.ok, report
    assert report["x"].verdict == "fd_noise"


def test_non_differentiable_point_is_told_apart():
    # clamp passes the gradient at its bound (PyTorch); sympy says Heaviside(0) = 1/2 there
    x = leaf([0.0, 0.7], "x")
    report = symbolic.check(dg.clamp(x, min=0.0).sum(), [x])
    assert report.ok, report
    assert report["x"].verdict == "nondifferentiable"
    assert "non-differentiable" in report["x"].detail


def test_a_wrong_registry_rule_is_caught(monkeypatch):
    sin = ops.REGISTRY["sin"]
    monkeypatch.setattr(sin, "vjps", (lambda g, out, x: ops.multiply(g, ops.sin(x)),))
    x = leaf([0.4, 1.2], "x")
    report = symbolic.check((dg.sin(x) * x).sum(), [x])
    assert report.failed == ["x"]
    assert report["x"].verdict == "wrong_rule"

    ds.reset_default_graph()
    v = ds.Variable(np.array([0.4, 1.2]), name="v", dtype=ds.float64)
    report = symbolic.check(ds.reduce_sum(ds.sin(v) * v), [v])
    assert report.failed == ["v"]


def test_default_inputs_are_those_requiring_grad():
    x = leaf([1.0, 2.0], "x")
    c = dg.tensor([3.0, 4.0], dtype=dg.float64, name="c")
    report = symbolic.check((x * c).sum())
    assert list(report.inputs) == ["x"]
    assert report.method == "exact simplification"


def test_report_renders_as_text_and_latex():
    x = leaf([1.0, 2.0], "x")
    report = symbolic.check((x * x).sum(), [x])
    assert str(report).startswith("symbolic.check(")
    assert report._repr_latex_().startswith("$") and "ok" in report._repr_latex_()
    assert report.max_diff < 1e-12


def test_an_exhausted_budget_still_compares_numbers_at_one_point():
    x = leaf([1.0, 2.0], "x")
    report = symbolic.check((dg.tanh(x) * x).sum(), [x], budget=1e-9)
    assert any("budget" in n for n in report.notes)
    assert report.ok, report
    assert report["x"].points == 1
    assert "finite differences" in report["x"].method

    wrong = symbolic.check(WrongSquare.apply(x).sum(), [x], budget=1e-9)
    assert wrong.failed == ["x"]


def test_grad_raises_when_its_budget_is_spent():
    x = leaf([1.0, 2.0], "x")
    with pytest.raises(symbolic.BudgetExceeded):
        symbolic.grad((dg.tanh(x) * x).sum(), x, budget=1e-9)


def test_a_freed_graph_says_how_to_keep_it():
    x = leaf([1.0, 2.0], "x")
    y = (x * x).sum()
    y.backward()
    with pytest.raises(GraphError, match="retain_graph=True"):
        symbolic.expr(y)
    z = (x * x).sum()
    z.backward(retain_graph=True)
    assert symbolic.check(z, [x]).ok


class TwoOutputs(dg.autograd.Function):
    @staticmethod
    def forward(ctx, t):
        ctx.save_for_backward(t)
        return t * 2, t * t

    @staticmethod
    def backward(ctx, g1, g2):
        (t,) = ctx.saved_tensors
        return 2 * g1 + 2 * g2 * t


def test_a_function_with_two_outputs_is_checked_on_each_path():
    v = leaf([0.5, 1.5], "v")
    a, c = TwoOutputs.apply(v)
    assert symbolic.check((a * c).sum(), [v]).ok
    a, _ = TwoOutputs.apply(v)   # the second output does not reach the loss
    assert symbolic.check(a.sum(), [v]).ok


def test_static_dense_layer_with_relu_and_softmax_cross_entropy():
    ds.reset_default_graph()
    x = ds.placeholder(ds.float64, shape=(None, 3), name="x")
    lab = ds.placeholder(ds.float64, shape=(None, 2), name="lab")
    w = ds.Variable(np.array([[0.1, 0.2], [0.3, -0.1], [0.2, 0.5]]), name="W", dtype=ds.float64)
    b = ds.Variable(np.array([0.1, -0.2]), name="b", dtype=ds.float64)
    logits = ds.nn.relu(ds.matmul(x, w) + b)
    loss = ds.reduce_mean(ds.nn.softmax_cross_entropy_with_logits(labels=lab, logits=logits))
    report = symbolic.check(loss, [w, b], budget=4)
    assert report.ok, report
    assert set(report.inputs) == {"W", "b"}


def test_a_budget_interruption_swallowed_once_fires_again():
    """An alarm that lands in a gc callback or a __del__ is swallowed by Python; the budget
    must still stop the step."""
    from dualgrad.symbolic.budget import Budget

    swallowed = 0
    give_up = time.monotonic() + 2.0  # without a second alarm the loop would end here
    with pytest.raises(symbolic.BudgetExceeded):
        with Budget(5).limit(cap=0.05):
            while time.monotonic() < give_up:
                try:
                    time.sleep(0.01)
                except symbolic.BudgetExceeded:
                    if swallowed:
                        raise
                    swallowed += 1
    assert swallowed == 1


def test_a_gradient_free_of_the_inputs_is_evaluated_as_a_closed_form():
    """A linear function's gradient holds no input: its closed form was called with the inputs
    anyway, failed ('unexpected keyword argument'), and the check quietly compared with finite
    differences while saying 'engine numbers match it' (the closed form)."""
    x = dg.tensor([0.3, 0.5], requires_grad=True)
    w = dg.tensor([[0.3, 0.5], [1.0, 2.0]], requires_grad=True)
    for y in [(x * 2).sum(), (w @ dg.tensor([1.0, -1.0])).sum() + (w * w).sum() * 0]:
        report = symbolic.check(y)
        assert report.ok and not any("evaluation failed" in n for n in report.notes), str(report)
        for c in report.inputs.values():
            assert c.points and c.closed_form_points == c.points, str(report)
            assert "engine numbers match it" in c.method


def test_a_closed_form_off_by_a_constant_is_caught(monkeypatch):
    """sin's sympy form planted as sin(x) + 1: its derivative, the VJP rule's graph and the
    engine's gradient all agree, so only the value (against the forward kernels) shows it."""
    import sympy as sp

    sin = ops.REGISTRY["sin"]
    monkeypatch.setattr(sin, "sympy", lambda x: sp.sin(x) + 1)
    x = leaf([0.4, 1.2], "x")
    report = symbolic.check((dg.sin(x) + x).sum(), [x])
    assert not report.ok and report.failed == ["x"] and report["x"].mark == "WRONG"
    assert report["x"].verdict == "wrong_form"
    # times x, the gradient disagrees too; the verdict names the form, not the VJP rule
    assert symbolic.check((dg.sin(x) * x).sum(), [x])["x"].verdict == "wrong_form"
    assert "closed form" in report.value_error and "forward pass" in report.value_error
    assert "NOT ok" in str(report)


def test_a_custom_functions_wrong_sympy_value_is_caught():
    class Shifted(GoodSquare):  # right backward, sympy form x*x + 1: the same derivative
        @staticmethod
        def sympy(x):
            return ops.add(ops.multiply(x, x), 1.0)

    x = leaf([0.5, 1.5], "x")
    report = symbolic.check(Shifted.apply(x).sum(), [x])
    assert report["x"].verdict == "wrong_form", report

    class Declared(GoodSquare):
        @staticmethod
        def sympy(x):
            return ops.multiply(x, x)

    good = symbolic.check(Declared.apply(x).sum() + dg.sin(x).sum(), [x])
    assert good.ok and good.value_points >= 1 and not good.value_error, good


def test_the_value_is_compared_for_a_right_form():
    x = leaf([0.4, 1.2], "x")
    report = symbolic.check((dg.sin(x) * x * 0.123).sum(), [x])
    assert report.ok and report.value_points == 3 and report["x"].verdict == "exact", report


def test_the_value_is_compared_with_unknown_sizes():
    """A static loss over a (None, 1) placeholder: its closed form holds the size N, which is
    not a free index, so the value is compared at every point."""
    ds.reset_default_graph()
    xp = ds.placeholder(ds.float64, shape=(None, 1), name="x")
    w = ds.Variable(np.zeros(1), name="w", dtype=ds.float64)
    report = symbolic.check(ds.reduce_mean(ds.square(xp * w - 1.0)), [w])
    assert report.ok and report.value_points == 3 and not report.value_error, report
