"""A view written in place is a view of its base's new value afterwards (PyTorch regenerates
its grad_fn from the CopySlices), so its later uses flow through the base: the base's hooks
and retained `.grad` see them, and a second write into the same view reaches the base.

Before, the written view kept the in-place op's node as its history, which bypasses the base:
`v.mul_(2); v.mul_(3)` left the base's history at 2x (x.grad [2, 2, 1, 1] for [6, 6, 1, 1]),
and a retained base's `.grad` missed the gradient of the view's later uses. Oracles: numpy
float64 views (which share memory) replayed on an index array, and differences of the numpy
replay (every program here is affine in the leaves, so a difference of 1 is exact)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
from dualgrad.errors import GraphError


def test_two_writes_into_one_view_both_reach_the_base():
    x = dg.ones(4, dtype=dg.float64, requires_grad=True)
    b = x * 1
    v = b[0:2]
    v.mul_(2)
    v.mul_(3)
    b.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [6.0, 6.0, 1.0, 1.0])


def test_a_retained_base_sees_the_later_uses_of_a_view_written_in_place():
    w1, w2, w3 = (np.random.default_rng(k).normal(size=12) for k in range(3))
    x = dg.tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
    b = x * 1
    b.retain_grad()
    seen = []
    v, w = b.reshape(-1), b.reshape(-1)
    v[8] = 5.0
    b.register_hook(seen.append)  # (after the write: it hooks b's current value)
    loss = (b * dg.tensor(w1.reshape(3, 4))).sum() + (v * dg.tensor(w2)).sum() + (w * dg.tensor(w3)).sum()
    loss.backward()
    want = (w1 + w2 + w3).reshape(3, 4)
    np.testing.assert_allclose(b.grad.numpy(), want, rtol=1e-15)
    np.testing.assert_allclose(seen[0].numpy(), want, rtol=1e-15)
    want[2, 0] = 0.0  # (the write replaced that element)
    np.testing.assert_allclose(x.grad.numpy(), want, rtol=1e-15)


def test_a_retained_view_written_in_place_keeps_only_its_own_uses():
    x = dg.tensor([1.0, 2.0, 3.0, 4.0], dtype=dg.float64, requires_grad=True)
    b = x * 1
    v = b[1:3]
    v.retain_grad()
    v.mul_(2)
    (b.sum() + (v * dg.tensor([10.0, 100.0], dtype=dg.float64)).sum()).backward()
    np.testing.assert_array_equal(v.grad.numpy(), [10.0, 100.0])
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 22.0, 202.0, 1.0])


def test_a_saved_output_of_a_view_written_again_still_raises():
    x = dg.ones(4, dtype=dg.float64, requires_grad=True)
    b = x * 1
    v = b[0:2]
    v.exp_()
    v.mul_(5)  # exp saved its output, now changed
    with pytest.raises(GraphError, match="modified by an inplace operation"):
        (v * v).sum().backward()


# -- random programs of views and writes --------------------------------------------------------

_VIEWS = ("rows", "cols", "t", "flat", "unsqueeze", "select", "narrow")
_WRITES = ("add_", "mul_", "fill_", "setitem", "sub", "add_leaf")


def _view(kind: str, t, k: int, tensors: bool):
    """The view `kind` of a tensor or of a numpy array alike (None where it would copy or be
    empty)."""
    shape = tuple(t.shape)
    n0 = shape[0] if shape else 0
    if kind == "rows" and n0 > 1:
        return t[k % n0:]
    if kind == "cols" and len(shape) == 2 and shape[1] > 1:
        return t[:, :1 + k % (shape[1] - 1)]
    if kind == "t" and len(shape) == 2:
        return t.t() if tensors else t.T
    if kind == "flat" and shape and (t.is_contiguous() if tensors else t.flags.c_contiguous):
        return t.reshape(-1)
    if kind == "unsqueeze":
        return t.unsqueeze(0) if tensors else t[None]
    if kind == "select" and n0:
        return t.select(0, k % n0) if tensors else t[k % n0, ...]
    if kind == "narrow" and n0:
        return t.narrow(0, k % n0, n0 - k % n0) if tensors else t[k % n0:]
    return None


def _program(steps, x0, y0, tensors, writes=True):
    """Run `steps` on the leaves' values: on dualgrad tensors when `tensors`, else on numpy
    arrays (the views only, without `writes`); returns the family (root first) and the tree
    of who was made from whom."""
    if tensors:
        x = dg.tensor(x0, requires_grad=True)
        y = dg.tensor(y0, requires_grad=True)
        root = x * 1
    else:
        x, y = x0, y0
        root = x.copy()
    family, parents = [root], [None]
    for op, i, k, c in steps:
        i %= len(family)
        t = family[i]
        if op in _VIEWS:
            made = _view(op, t, k, tensors)
            if made is not None:
                family.append(made)
                parents.append(i)
        elif op == "retain":
            if tensors:
                t.retain_grad()
        elif not writes:
            continue
        elif op == "add_":
            t += c
        elif op == "sub":
            t -= c
        elif op == "mul_":
            t *= c
        elif op == "fill_":
            if tensors:
                t.fill_(c)
            else:
                t[...] = c
        elif op == "setitem" and t.ndim and t.shape[0]:
            t[k % t.shape[0]] = c
        elif op == "add_leaf":
            t += y  # (a 0-d leaf that requires grad)
    return x, y, family, parents


_STEP = st.tuples(st.sampled_from(_VIEWS + _VIEWS + _WRITES + ("retain",)), st.integers(0, 50),
                  st.integers(0, 50), st.sampled_from([-1.5, 0.5, 2.0, 3.0]))


@settings(max_examples=12, deadline=None)
@given(st.lists(_STEP, min_size=1, max_size=14), st.integers(0, 2**31))
def test_random_view_and_write_programs(steps, seed):
    rng = np.random.default_rng(seed)
    x0 = rng.normal(size=(3, 4))
    y0 = np.float64(rng.normal())
    x, y, family, parents = _program(steps, x0, y0, tensors=True)
    weights = [rng.normal(size=tuple(t.shape)) for t in family]
    seen = {}
    for j, t in enumerate(family):  # hooks after every write: they see the current values
        t.register_hook(lambda g, j=j: seen.__setitem__(j, g.numpy()))
    loss = sum((t * dg.tensor(w)).sum() for t, w in zip(family, weights, strict=True))
    loss.backward()

    def value(xv, yv):
        _, _, fam, _ = _program(steps, xv, yv, tensors=False)
        return fam, sum(float((a * w).sum()) for a, w in zip(fam, weights, strict=True))

    fam, base = value(x0.copy(), y0)
    for t, a in zip(family, fam, strict=True):  # values: numpy's views share memory too
        np.testing.assert_allclose(t.detach().numpy(), a, rtol=1e-12, atol=1e-12)
    # gradients of the leaves: the program is affine in them
    want_x = np.zeros(12)
    for e in range(12):
        xe = x0.copy().reshape(-1)
        xe[e] += 1.0
        want_x[e] = value(xe.reshape(3, 4), y0)[1] - base
    got_x = np.zeros(12) if x.grad is None else x.grad.numpy().reshape(-1)
    np.testing.assert_allclose(got_x, want_x, rtol=1e-9, atol=1e-9)
    want_y = value(x0.copy(), y0 + 1.0)[1] - base
    got_y = 0.0 if y.grad is None else float(y.grad.numpy())
    np.testing.assert_allclose(got_y, want_y, rtol=1e-9, atol=1e-9)
    # gradient of each member's current value: its own weight and those of the views made
    # from it (and from them), through the positions they read in the root
    index = _program(steps, np.arange(12).reshape(3, 4), 0, tensors=False, writes=False)[2]

    def flows(j: int) -> np.ndarray:
        into_root = np.zeros(12)
        stack = [j]
        while stack:
            d = stack.pop()
            np.add.at(into_root, index[d].reshape(-1), weights[d].reshape(-1))
            stack += [c for c, p in enumerate(parents) if p == d]
        return into_root[index[j]]

    for j in seen:
        np.testing.assert_allclose(seen[j], flows(j), rtol=1e-12, atol=1e-12)
    for j, t in enumerate(family):
        if t.grad_fn is not None and getattr(t, "_retains_grad", False):
            np.testing.assert_allclose(t.grad.numpy(), flows(j), rtol=1e-12, atol=1e-12)


def test_a_write_after_a_write_through_a_reshape_ends():
    """After `f = root.reshape(-1); f += y`, root's history is a reshape of f and f's a reshape
    of root: the walk from a view of f outwards looped forever (found by the random programs
    above: one CI worker hung, another grew to 20 GB). Oracle: the program written out."""
    w = np.random.default_rng(4).normal(size=(3, 4))
    x = dg.tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
    y = dg.tensor(0.5, dtype=dg.float64, requires_grad=True)
    root = x * 1
    f = root.reshape(-1)
    f += y
    s = f.select(0, 9)
    s.fill_(3.0)
    root.retain_grad()
    (root * dg.tensor(w)).sum().backward()
    want_root = np.arange(12.0) + 0.5
    want_root[9] = 3.0
    np.testing.assert_array_equal(root.detach().numpy().reshape(-1), want_root)
    kept = np.ones(12)
    kept[9] = 0.0
    np.testing.assert_array_equal(x.grad.numpy(), (w.reshape(-1) * kept).reshape(3, 4))
    np.testing.assert_allclose(float(y.grad.numpy()), float((w.reshape(-1) * kept).sum()), rtol=1e-15)
    np.testing.assert_array_equal(root.grad.numpy(), w)
