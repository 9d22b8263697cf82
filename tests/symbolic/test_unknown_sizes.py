"""Unknown (None) sizes are solved from the graph's own shapes, and a check report never calls
a gradient wrong without a counterexample (issue #12)."""
from __future__ import annotations

import numpy as np

import dualgrad as dg
import dualgrad.static as ds
from dualgrad import symbolic
from dualgrad.symbolic import program as P
from dualgrad.symbolic import sizes


def test_placeholder_broadcast_against_a_variable_takes_its_size():
    ds.reset_default_graph()
    p = ds.placeholder(ds.float64, shape=(None, 4), name="p")
    v = ds.Variable(np.arange(8.0).reshape(2, 4) / 4, name="v")
    loss = ds.reduce_mean(ds.nn.softmax_cross_entropy_with_logits(labels=p, logits=v))
    assert sizes.solve(P.build(loss)) == {0: 2}
    report = symbolic.check(loss, [v])
    assert report.ok and report["v"].points > 0, report
    assert report["v"].verdict in ("exact", "numeric") and report.max_diff < 1e-9
    assert "N=2" in " ".join(report.notes)


def test_matmul_inner_axis_is_solved():
    ds.reset_default_graph()
    X = ds.placeholder(ds.float64, shape=(None, None), name="X")
    W = ds.Variable(np.ones((5, 2)), name="W")
    y = ds.reduce_sum(ds.tanh(ds.matmul(X, W)))
    assert sizes.solve(P.build(y)) == {0: 3, 1: 5}
    assert symbolic.check(y, [W]).ok


def test_free_unknown_size_takes_the_default():
    ds.reset_default_graph()
    x = ds.placeholder(ds.float64, shape=(None,), name="x")
    w = ds.Variable(0.5, dtype=ds.float64, name="w")
    assert sizes.solve(P.build(ds.reduce_sum(x * w))) == {0: sizes.DEFAULT_SIZE}


def test_nothing_compared_is_unchecked_not_wrong():
    """An opaque Function that is nan at every point check draws: neither a proof nor a number
    can be had, and the report must say so rather than call the gradient wrong."""

    class LogNeg(dg.autograd.Function):
        @staticmethod
        def forward(ctx, t):
            ctx.save_for_backward(t)
            with np.errstate(all="ignore"):
                return dg.log(-t)

        @staticmethod
        def backward(ctx, g):
            (t,) = ctx.saved_tensors
            return g / t

    x = dg.tensor([0.7, 1.2], dtype=dg.float64, requires_grad=True, name="x")
    report = symbolic.check(LogNeg.apply(x).sum(), [x])
    c = report["x"]
    assert c.verdict == "unchecked" and c.max_diff == 0 and c.mark == "UNCHECKED"
    assert not report.ok and "WRONG" not in str(report) and "not checked" in str(report)


def test_wrong_verdict_always_has_a_difference():
    class Half(dg.autograd.Function):
        @staticmethod
        def forward(ctx, t):
            return t * 3.0

        @staticmethod
        def backward(ctx, g):
            return g * 1.5

    x = dg.tensor([0.3, -0.4], dtype=dg.float64, requires_grad=True, name="x")
    report = symbolic.check(Half.apply(x).sum(), [x])
    assert report["x"].mark == "WRONG" and report["x"].max_diff > 1.0
    assert "NOT ok" in str(report)


def test_slices_of_an_unknown_size_use_the_small_concrete_shape():
    """A slice's start and length on an axis of unknown size are expressions of it: the index
    form gave up with numpy's raw TypeError ("'Symbol' object cannot be interpreted as an
    integer") for `x[:, 1:]`, `ds.reverse`, a reversed or exclusive `cumsum`. Now the concrete
    fallback (N=3) writes the closed form, checked against numpy at that size."""
    a = np.random.default_rng(0).uniform(-1, 1, (3, 3))
    for build, numpy_value in (
            (lambda x: ds.reduce_sum(ds.cumsum(x, axis=1, reverse=True) ** 2),
             lambda v: (np.cumsum(v[:, ::-1], 1)[:, ::-1] ** 2).sum()),
            (lambda x: ds.reduce_sum(ds.cumsum(x, axis=0, exclusive=True) * x),
             lambda v: (np.concatenate([np.zeros((1, 3)), np.cumsum(v, 0)[:-1]]) * v).sum()),
            (lambda x: ds.reduce_sum(ds.sin(x[:, 1:]) * ds.reverse(x, [0])[:, :2]),
             lambda v: (np.sin(v[:, 1:]) * v[::-1, :2]).sum())):
        ds.reset_default_graph()
        x = ds.placeholder(ds.float64, shape=(None, 3), name="x")
        w = ds.Variable(0.5, dtype=ds.float64, name="w")
        loss = build(x) * w
        assert np.isclose(symbolic.lambdify(symbolic.expr(loss))(x=a, w=0.5), 0.5 * numpy_value(a))
        report = symbolic.check(loss, [w])
        assert report.ok and report.mode == "concrete", report
