"""PyTorch's in-place view methods (`squeeze_`, `unsqueeze_`, `t_`, `transpose_`, `swapaxes_`,
`swapdims_`): a random chain of them on a tensor in the graph against numpy's shapes and values
and the gradient numpy's index map of the chain gives; the views made before keep
viewing the storage (a write through the changed tensor reaches them, and their gradients);
PyTorch's refusals (a leaf that requires grad, a view of one, dims out of range) change nothing."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
import dualgrad.autograd.forward_ad as fwAD


@st.composite
def chains(draw):
    """A shape and a chain of in-place view calls valid on it, each as (method, args)."""
    shape = draw(st.lists(st.integers(1, 3), min_size=1, max_size=3).map(tuple))
    ndim, calls = len(shape), []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["t_", "transpose_", "swapaxes_", "swapdims_", "squeeze_", "unsqueeze_"]))
        if kind == "t_" and ndim > 2 or kind in ("transpose_", "swapaxes_", "swapdims_") and ndim == 0:
            kind = "unsqueeze_"
        if kind == "unsqueeze_":
            args = (draw(st.integers(-ndim - 1, ndim)),)
        elif kind == "squeeze_":
            args = draw(st.sampled_from([(), *((d,) for d in range(-ndim, ndim))]))
        elif kind == "t_":
            args = ()
        else:
            args = (draw(st.integers(-ndim, ndim - 1)), draw(st.integers(-ndim, ndim - 1)))
        calls.append((kind, args))
        ndim = len(_apply(np, np.zeros(shape), calls).shape)
    return shape, calls


def _apply(xp, x, calls):
    """The chain out of place in numpy (`xp`): PyTorch's meaning of each call."""
    for kind, args in calls:
        if kind == "t_":
            x = x.T
        elif kind == "unsqueeze_":
            x = xp.expand_dims(x, args[0] % (x.ndim + 1))
        elif kind == "squeeze_":
            dims = range(x.ndim) if not args else (args[0] % x.ndim,)
            x = xp.squeeze(x, tuple(d for d in dims if x.shape[d] == 1))
        else:
            x = xp.swapaxes(x, *args)
    return x


@settings(max_examples=15, deadline=None)
@given(chains())
def test_a_chain_of_in_place_views_is_the_out_of_place_chain_with_its_gradient(chain) -> None:
    shape, calls = chain
    rng = np.random.default_rng(len(calls))
    a = rng.standard_normal(shape)
    weight = rng.standard_normal(_apply(np, a, calls).shape)
    u = rng.standard_normal(a.size)
    ta = dg.tensor(a, requires_grad=True)
    x = ta * 2.0
    flat = x.view(-1)  # made before: a view of the storage, whatever x's shape becomes
    for k, (kind, args) in enumerate(calls):
        assert getattr(x, kind)(*args) is x
        assert x._version[0] == k + 1
    assert tuple(x.shape) == _apply(np, a, calls).shape
    x.mul_(3.0)  # through x's new shape, into the storage the old view reads
    np.testing.assert_allclose(x.detach().numpy(), _apply(np, 6.0 * a, calls), rtol=1e-12)
    np.testing.assert_allclose(flat.detach().numpy(), 6.0 * a.ravel(), rtol=1e-12)
    ((x * dg.tensor(weight)).sum() + (flat * dg.tensor(u)).sum()).backward()

    # the chain moves elements: where each of x's elements came from, by numpy's index map
    source = _apply(np, np.arange(a.size).reshape(shape), calls).ravel()
    want = 6.0 * u
    np.add.at(want, source, 6.0 * weight.ravel())
    np.testing.assert_allclose(ta.grad.numpy(), want.reshape(shape), rtol=1e-12)


def test_a_view_made_before_sees_writes_through_the_changed_tensor_and_back() -> None:
    b = dg.arange(6.0).reshape(2, 3)
    row, w = b[0], b[0:2]
    w.t_()
    w[0, 1] = 100.0  # w is b transposed: this is b[1, 0]
    b[0, 2] = -1.0
    np.testing.assert_array_equal(b.numpy(), [[0, 1, -1], [100, 4, 5]])
    np.testing.assert_array_equal(w.detach().numpy(), [[0, 100], [1, 4], [-1, 5]])
    np.testing.assert_array_equal(row.detach().numpy(), [0, 1, -1])


def test_views_made_before_and_after_a_chain_share_the_storage_and_the_layout() -> None:
    base = dg.arange(12.0)
    x = base.view(3, 4)
    early = x[1]
    x.t_()
    assert not x.is_contiguous()
    x[0].fill_(-1.0)  # a view made after: x's first row is the storage's column 0
    x.unsqueeze_(0).squeeze_(0).t_()
    assert x.is_contiguous()
    x[2, 3] = 100.0
    want = np.arange(12.0)
    want[[0, 4, 8]] = -1.0
    want[11] = 100.0
    np.testing.assert_array_equal(base.numpy(), want)  # (PyTorch's values, checked by hand against 2.13)
    np.testing.assert_array_equal(early.numpy(), want[4:8])
    p = dg.nn.Parameter(dg.ones(2, 3))
    alias = p.data
    alias.t_()  # `.data` changes shape alone; its writes still reach p
    alias[0, 1] = 7.0
    assert tuple(p.shape) == (2, 3)
    np.testing.assert_array_equal(p.detach().numpy(), [[1, 1, 1], [7, 1, 1]])


def test_a_view_in_the_graph_changed_in_place_keeps_its_base_in_the_gradient() -> None:
    a = np.arange(6.0).reshape(2, 3)
    ta = dg.tensor(a, requires_grad=True)
    x = ta * 1.0
    v = x[0:2]
    v.t_()
    v.mul_(2.0)  # reaches x (a CopySlices in PyTorch)
    np.testing.assert_array_equal(x.detach().numpy(), 2 * a)
    weight = np.arange(6.0).reshape(2, 3) + 1
    ((x * dg.tensor(weight)).sum() + v[0].sum()).backward()
    want = 2 * weight
    want[:, 0] += 2  # v[0] is x's column 0
    np.testing.assert_array_equal(ta.grad.numpy(), want)


def test_retain_grad_and_forward_mode_follow_the_new_shape() -> None:
    ta = dg.tensor(np.ones((2, 3)), requires_grad=True)
    x = ta * 1.0
    x.retain_grad()
    x.t_()
    (x * dg.arange(6.0).reshape(3, 2)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.arange(6.0).reshape(3, 2))
    with fwAD.dual_level():
        d = fwAD.make_dual(dg.zeros(2, 3), dg.arange(6.0).reshape(2, 3))
        d.unsqueeze_(0).transpose_(1, 2)
        np.testing.assert_array_equal(fwAD.unpack_dual(d * 2).tangent.numpy(),
                                      2 * np.arange(6.0).reshape(1, 2, 3).transpose(0, 2, 1))


def test_no_grad_changes_a_leaf_and_keeps_it_a_leaf() -> None:
    p = dg.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    with dg.no_grad():
        p.t_().unsqueeze_(0)
    assert p.is_leaf and p.requires_grad and tuple(p.shape) == (1, 3, 2)
    (p * 2).sum().backward()
    np.testing.assert_array_equal(p.grad.numpy(), np.full((1, 3, 2), 2.0))


def _refused(t, call, error, match):
    shape, version = tuple(t.shape), t._version
    with pytest.raises(error, match=match):
        call(t)
    assert (tuple(t.shape), t._version) == (shape, version)


def test_refusals_change_nothing() -> None:
    leaf = dg.ones(2, 3, requires_grad=True)
    _refused(leaf, lambda t: t.t_(), dg.errors.GraphError, r"^t_: a leaf Variable that requires grad")
    _refused(leaf[0:1], lambda t: t.squeeze_(0), dg.errors.GraphError, "a view of a leaf Variable")
    nonleaf = leaf * 1.0
    with dg.no_grad():
        _refused(nonleaf, lambda t: t.t_(), dg.errors.GraphError, "under no_grad of a tensor with history")
    x = dg.ones(2, 3, 4)
    _refused(x, lambda t: t.t_(), RuntimeError, r"expects a tensor with <= 2 dimensions, but self is 3D")
    _refused(x, lambda t: t.transpose_(0, 3), IndexError, "out of range")
    _refused(x, lambda t: t.squeeze_(-4), IndexError, "out of range")
    _refused(x, lambda t: t.unsqueeze_(4), IndexError, "out of range")
    _refused(x, lambda t: t.swapdims_(5, 0), IndexError, "out of range")


def test_in_place_views_are_pytorchs(torch) -> None:
    a = np.random.default_rng(1).standard_normal((2, 1, 3))
    calls = [("squeeze_", (1,)), ("t_", ()), ("unsqueeze_", (-1,)), ("transpose_", (0, 2)),
             ("swapaxes_", (1, 0)), ("swapdims_", (2, 1)), ("squeeze_", ())]
    ours, theirs = dg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    x, y = ours * 1.0, theirs * 1.0
    for kind, args in calls:
        getattr(x, kind)(*args)
        getattr(y, kind)(*args)
        assert tuple(x.shape) == tuple(y.shape) and x._version[0] == y._version
        assert x.is_contiguous() == y.is_contiguous()
    weight = np.arange(float(a.size)).reshape(tuple(y.shape))
    (x * dg.tensor(weight)).sum().backward()
    (y * torch.tensor(weight)).sum().backward()
    np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())
