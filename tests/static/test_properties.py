"""Property tests: random programs built once with registry ops run as eager dualgrad and as
static graphs (both Session backends) and must agree on values, gradients and
Hessian-vector products (static `gradients` of `gradients` vs eager `create_graph`)."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import dualgrad as dg
import dualgrad.static as ds
from dualgrad import ops

SHAPES = [(2, 3), (1, 3), (2, 1)]

UNARY = [
    ops.tanh, ops.sin, ops.cos, ops.sigmoid, ops.square, ops.relu, ops.abs, ops.negative,
    lambda x: ops.exp(ops.tanh(x)),
    lambda x: ops.log(1 + ops.square(x)),
    lambda x: ops.sqrt(1 + ops.square(x)),
    lambda x: ops.softmax(x, axis=-1),
    lambda x: ops.log_softmax(x, axis=0),
    lambda x: ops.sum(x, axis=-1, keepdims=True),
    lambda x: ops.mean(x, axis=0, keepdims=True),
    lambda x: x ** 2 * 0.5 - x,
]
FULL = np.zeros((2, 3))
BINARY = [
    lambda x, y: x + y,
    lambda x, y: x - y,
    lambda x, y: x * y,
    lambda x, y: x / (1 + ops.square(y)),
    ops.maximum,
    lambda x, y: ops.matmul(ops.matmul(x + FULL, ops.transpose(y + FULL)), x + FULL) / 4,
    lambda x, y: ops.where(ops.greater(x, y), x, y * 2),
]

step = st.tuples(st.booleans(), st.integers(0, 100), st.integers(0, 100), st.integers(0, 100))
# no subnormal values, nor ones whose few products could be: XLA flushes them to zero
# (docs/devices.md); -2.2e-308 (the least normal) times 0.5 was one
NORMAL = st.floats(-2, 2, allow_subnormal=False).filter(lambda v: v == 0 or abs(v) >= 1e-3)
values = st.tuples(*(arrays(np.float64, s, elements=NORMAL) for s in SHAPES))


def program(inputs, steps):
    """Apply the drawn steps to `inputs` (eager tensors or graph tensors alike)."""
    vals = list(inputs)
    for binary, k, i, j in steps:
        a, b = vals[i % len(vals)], vals[j % len(vals)]
        vals.append(BINARY[k % len(BINARY)](a, b) if binary else UNARY[k % len(UNARY)](a))
    return ops.sum(vals[-1]) + 0.5 * ops.sum(vals[-2]) + 0.1 * ops.sum(vals[0] * vals[1] * vals[2])


def eager(data, steps, direction):
    xs = [dg.tensor(d, requires_grad=True) for d in data]
    y = program(xs, steps)
    grads = dg.autograd.grad(y, xs, create_graph=True, allow_unused=True)
    hv = sum((g * dg.tensor(v)).sum() for g, v in zip(grads, direction, strict=True) if g is not None)
    hvp = dg.autograd.grad(hv, xs, allow_unused=True) if isinstance(hv, dg.Tensor) and hv.requires_grad \
        else [None] * 3

    def as_np(ts):
        return [np.zeros_like(d) if t is None else t.detach().numpy() for t, d in zip(ts, data, strict=True)]

    return y.item(), as_np(grads), as_np(hvp)


def static(data, steps, direction, backend):
    g = ds.Graph()
    with g.as_default():
        xs = [ds.placeholder(ds.float64, shape=(None, None) if i == 0 else s) for i, s in enumerate(SHAPES)]
        y = program(xs, steps)
        grads = ds.gradients(y, xs)
        hv = [ops.sum(gr * v) for gr, v in zip(grads, direction, strict=True) if gr is not None]
        hvp = ds.gradients(hv, xs) if hv else [None] * 3
        fetch = {"y": y, "g": [t for t in grads if t is not None], "h": [t for t in hvp if t is not None]}
        with ds.Session(backend=backend) as sess:
            out = sess.run(fetch, dict(zip(xs, data, strict=True)))

    def fill(ts, got):
        it = iter(got)
        return [np.zeros_like(d) if t is None else next(it) for t, d in zip(ts, data, strict=True)]
    return out["y"], fill(grads, out["g"]), fill(hvp, out["h"])


@settings(max_examples=25, deadline=None)
@given(values, values, st.lists(step, min_size=2, max_size=6))
def test_static_matches_eager(data, direction, steps):
    want_y, want_g, want_h = eager(data, steps, direction)
    for backend in ("jax", "numpy"):
        y, grads, hvp = static(data, steps, direction, backend)
        np.testing.assert_allclose(y, want_y, rtol=1e-9, atol=1e-9)
        for a, b in zip(grads, want_g, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-9)
        for a, b in zip(hvp, want_h, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-8)


# -- run semantics against a reference model ---------------------------------------------------
# (kind, variable, function of the pre-run values (a, b) giving the assigned value or delta)
STATE_OPS = [
    ("read", "a", None),
    ("read", "b", None),
    ("Assign", "a", lambda a, b: b + 1.0),
    ("AssignAdd", "b", lambda a, b: a * 2.0),
    ("AssignSub", "a", lambda a, b: 0.5),
    ("AssignAdd", "a", lambda a, b: b),
    ("Assign", "b", lambda a, b: a - b),
]


def reference_run(values, chosen):
    pre = dict(values)
    pending = dict(values)
    out = []
    for kind, var, f in chosen:  # creation order
        if kind == "read":
            out.append(pre[var])
            continue
        v = f(pre["a"], pre["b"])
        pending[var] = v if kind == "Assign" else pending[var] + v if kind == "AssignAdd" \
            else pending[var] - v
        out.append(pending[var])
    return out, pending


@settings(max_examples=20, deadline=None)
@given(st.lists(st.lists(st.booleans(), min_size=len(STATE_OPS), max_size=len(STATE_OPS))
                .filter(any), min_size=1, max_size=4))
def test_run_semantics_match_the_reference_model(runs):
    g = ds.Graph()
    with g.as_default():
        var = {"a": ds.Variable(1.0, name="a"), "b": ds.Variable(2.0, name="b")}
        a, b = var["a"], var["b"]
        tensors = []
        for kind, name, f in STATE_OPS:
            v = var[name]
            if kind == "read":
                tensors.append(v)
            else:
                tensors.append({"Assign": v.assign, "AssignAdd": v.assign_add,
                                "AssignSub": v.assign_sub}[kind](f(a, b)))
        init = ds.global_variables_initializer()
    for backend in ("jax", "numpy"):
        with ds.Session(graph=g, backend=backend) as sess:
            sess.run(init)
            model = {"a": 1.0, "b": 2.0}
            for mask in runs:
                fetch = [t for t, m in zip(tensors, mask, strict=True) if m]
                chosen = [o for o, m in zip(STATE_OPS, mask, strict=True) if m]
                want, model = reference_run(model, chosen)
                np.testing.assert_allclose(sess.run(fetch), want, rtol=1e-6)
                np.testing.assert_allclose(sess.run([a, b]), [model["a"], model["b"]], rtol=1e-6)
