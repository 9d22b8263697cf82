"""A compiled update op with a float64 learning rate (a `weak` operand, `declare(weak=)`)
runs its kernel, not the promoting `compute` dispatch: promotion passes weak operands by, so
the two give the same numbers (oracle: numpy, the step rounded to the parameter's dtype)."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad.static as ds
from dualgrad.ops import updates
from dualgrad.ops.registry import Op
from dualgrad.static.compile import _needs_promotion


def _graph():
    g = ds.Graph()
    with g.as_default():
        w = ds.Variable(np.array([1.0, -2.0, 3.5], np.float32), name="w")
        step = ds.placeholder(ds.float32, (3,), name="step")
        lr = ds.placeholder(ds.float64, (), name="lr")
        new = updates.descend(w, step, lr)
        train = w.assign(new)
    return g, w, step, lr, new, train


def test_weak_lr_needs_no_promotion():
    _, _, step, _, new, _ = _graph()
    assert _needs_promotion(updates.descend, new.op.inputs) is False
    # a float64 step (not weak) still needs the cast: the decision is not skipped wholesale
    g = ds.Graph()
    with g.as_default():
        w = ds.Variable(np.zeros(3, np.float32))
        step64 = ds.placeholder(ds.float64, (3,))
        out = updates.descend(w, step64, ds.placeholder(ds.float64, ()))
    assert _needs_promotion(updates.descend, out.op.inputs) is True


@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_weak_lr_runs_the_kernel(backend, monkeypatch):
    g, w, step, lr, new, train = _graph()
    dispatched = []
    compute = Op.compute

    def spy(self, args, attrs):
        dispatched.append(self.name)
        return compute(self, args, attrs)

    monkeypatch.setattr(Op, "compute", spy)
    s = np.array([0.25, 0.5, -1.0], np.float32)
    rate = 0.1
    with ds.Session(g, backend=backend) as sess:
        sess.run(w.initializer)
        got = sess.run(train, {step: s, lr: np.float64(rate)})
        got2 = sess.run(new, {step: s, lr: np.float64(rate)})
    assert "descend" not in dispatched
    want = np.array([1.0, -2.0, 3.5], np.float32) + s * np.float32(-rate)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(got2, want + s * np.float32(-rate))
