"""F.cross_entropy / F.nll_loss with concrete labels and no weight take a short path
(-log_softmax at the labels' classes, ignored examples zeroed: ops.losses.nll_loss_at_labels): its value
and input gradient must be the general mask path's bit for bit, on both eager devices, and a
numpy float64 formula's to float rounding. The cases the short path leaves to the mask path (a
weight, label smoothing) give the formula's numbers too."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad as dg
import dualgrad.autograd.forward_ad as fwAD
import dualgrad.nn.functional as F
import dualgrad.static as ds
from dualgrad import ops
from dualgrad.nn.class_labels import class_mask
from dualgrad.ops.class_nll import nll_at_labels, nll_at_labels_grad

pytestmark = pytest.mark.usefixtures("jax_float64")  # (float64 on the jax device too)
OPTIONS = ["ignored", "all_ignored", "weight", "weight_grad", "smoothing", "ignore_in_range", "uint8"]


def _graph_names(t) -> set:
    """The grad_fn names of the graph behind `t`."""
    names, stack = set(), [t.grad_fn]
    while stack:
        fn = stack.pop()
        if fn is not None and type(fn).__name__ not in names:
            names.add(type(fn).__name__)
            stack.extend(f for f, _ in fn.next_functions)
    return names


def _np_loss(x, y, reduction, ignore_index=-100, weight=None, smoothing=0.0, log_probs=False):
    """PyTorch's definition in numpy float64 (classes on axis 1, or 0 for one example)."""
    x = np.asarray(x, np.float64)
    axis = 1 if x.ndim >= 2 else 0
    logp = x if log_probs else x - x.max(axis, keepdims=True)
    if not log_probs:
        logp = logp - np.log(np.exp(logp).sum(axis, keepdims=True))
    logp = np.moveaxis(logp, axis, -1)
    classes = logp.shape[-1]
    w = np.ones(classes) if weight is None else np.asarray(weight, np.float64)
    valid = y != ignore_index
    safe = np.where(valid, y, 0).astype(np.int64)
    wt = w[safe] * valid
    loss = -np.take_along_axis(logp, safe[..., None], -1)[..., 0] * wt
    loss = (1 - smoothing) * loss + smoothing / classes * (-(logp * w).sum(-1) * valid)
    return {"none": loss, "sum": loss.sum(), "mean": loss.sum() / wt.sum()}[reduction]


def _general(fn, x, t, reduction, ignore_index=-100, weight=None):
    """The mask path the short path replaces (what F.<fn> ran before it)."""
    mask = class_mask(x, t, ignore_index)
    return getattr(ops, fn)(x, mask, weight, reduction=reduction)


def _value_and_grad(make, x0, device):
    x = dg.tensor(x0, device=device, requires_grad=True)
    out = make(x)
    (out if out.ndim == 0 else (out * dg.tensor(np.linspace(0.5, 1.5, out.numel()).reshape(out.shape).astype(
        x0.dtype), device=device)).sum()).backward()
    return out, np.asarray(x.grad.numpy())


CASES = [((64, 10), np.float32), ((7, 5), np.float32), ((3, 4, 5), np.float64), ((2, 3, 2, 3), np.float32),
         ((4,), np.float64), ((0, 3), np.float32)]


# (the jax device compiles each op for each shape: one shape there keeps the file fast)
GRID = [("cpu", shape, dtype) for shape, dtype in CASES] + [("jax", (7, 5), np.float64)]


@pytest.mark.parametrize("device,shape,dtype", GRID)
@pytest.mark.parametrize("fn", ["cross_entropy", "nll_loss"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("ignore", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
def test_short_path_is_the_mask_path_bit_for_bit(device, fn, shape, dtype, reduction, ignore, weighted):
    """With and without labels at ignore_index (every third example, where there are two), and
    with and without a class weight."""
    rng = np.random.default_rng(len(shape) * 10 + shape[0])
    x0 = (rng.standard_normal(shape) * 3).astype(dtype)
    if fn == "nll_loss":
        wide = x0.astype(np.float64)
        x0 = (wide - np.log(np.exp(wide).sum(min(1, x0.ndim - 1), keepdims=True))).astype(dtype)
    axis = 1 if len(shape) >= 2 else 0
    y0 = rng.integers(0, shape[axis], shape[:1] + shape[2:] if len(shape) >= 2 else ())
    if ignore and y0.size > 1:
        y0.reshape(-1)[::3] = -100
    t = dg.tensor(y0, device=device)
    w0 = rng.uniform(0.2, 2.0, shape[axis]).astype(dtype) if weighted else None
    w = None if w0 is None else dg.tensor(w0, device=device)
    fast, g_fast = _value_and_grad(lambda x: getattr(F, fn)(x, t, w, reduction=reduction), x0, device)
    slow, g_slow = _value_and_grad(lambda x: _general(fn, x, t, reduction, weight=w), x0, device)
    assert "NllLossBackward0" in _graph_names(fast)  # the short path ran (PyTorch's grad_fn)
    assert fast.dtype == slow.dtype and fast.shape == slow.shape and fast.device == slow.device
    assert fast.detach().numpy().tobytes() == slow.detach().numpy().tobytes()
    assert g_fast.tobytes() == g_slow.tobytes()
    want = _np_loss(x0, y0, reduction, weight=w0, log_probs=fn == "nll_loss")
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(fast.detach().numpy(), want, rtol=tol, atol=tol)


@pytest.mark.parametrize("device,option", [("cpu", o) for o in OPTIONS])
def test_options_beside_the_short_path(device, option):
    """Smoothing and a weight that requires grad keep the mask path (which gives the weight a
    gradient, where PyTorch has none); ignored labels (also with an ignore_index inside the
    classes, and every label ignored: a NaN 'mean' and a zero gradient, as PyTorch), a weight
    and a uint8 target (class indices, never a mask) take the short one."""
    rng = np.random.default_rng(3)
    x0 = rng.standard_normal((6, 4)).astype(np.float64)
    y0 = rng.integers(0, 4, 6)
    kw, ref = {}, {}
    if option == "ignored":
        y0[[1, 4]] = -100
    elif option in ("weight", "weight_grad"):
        kw["weight"] = ref["weight"] = np.array([0.5, 2.0, 1.0, 3.0])
    elif option == "smoothing":
        kw["label_smoothing"] = ref["smoothing"] = 0.2
    elif option == "all_ignored":
        y0[:] = -100
    elif option == "ignore_in_range":
        kw["ignore_index"] = ref["ignore_index"] = int(y0[0])
    target = dg.tensor(y0.astype(np.uint8) if option == "uint8" else y0, device=device)
    if "weight" in kw:
        kw["weight"] = dg.tensor(kw["weight"], device=device, requires_grad=option == "weight_grad")
    for reduction in ("mean", "sum", "none"):
        out, grad = _value_and_grad(lambda x, r=reduction: F.cross_entropy(x, target, reduction=r, **kw), x0,
                                    device)
        short = "NllLossBackward0" in _graph_names(out)
        assert short == (option in ("ignored", "all_ignored", "weight", "ignore_in_range", "uint8"))
        np.testing.assert_allclose(out.detach().numpy(), _np_loss(x0, y0, reduction, **ref), rtol=1e-12)
        # d mean / d x of the formula: (softmax - onehot) / n over the kept examples, 0 elsewhere
        # (everywhere when no example is kept: PyTorch's gradient of its NaN 'mean')
        if option == "all_ignored" and reduction == "mean":
            assert np.isnan(out.item()) and not grad.any()
        elif short and reduction == "mean":  # (weighted: w[y] (softmax - onehot) / sum of w[y] kept)
            p = np.exp(x0 - x0.max(1, keepdims=True))
            p /= p.sum(1, keepdims=True)
            kept = y0 != kw.get("ignore_index", -100)
            safe = np.where(kept, y0, 0)
            wt = (np.ones(4) if "weight" not in ref else ref["weight"])[safe] * kept
            want = wt[:, None] * (p - np.eye(4)[safe]) / wt.sum()
            np.testing.assert_allclose(grad, want, rtol=1e-12, atol=1e-15)
        if option == "weight_grad":  # the mask path's gradient of the weight
            assert kw["weight"].grad is not None and kw["weight"].grad.abs().sum().item() > 0
            kw["weight"].grad = None


@pytest.mark.parametrize("device", ["cpu"])
def test_short_path_keeps_forward_mode_tangents(device):
    """The short path's ops are registry ops, so a dual input's loss has a tangent: the
    directional derivative sum((softmax - onehot) * v) / n."""
    rng = np.random.default_rng(5)
    x0, v0, y0 = rng.standard_normal((5, 3)), rng.standard_normal((5, 3)), rng.integers(0, 3, 5)
    with fwAD.dual_level():
        x = fwAD.make_dual(dg.tensor(x0, device=device), dg.tensor(v0, device=device))
        tangent = fwAD.unpack_dual(F.cross_entropy(x, dg.tensor(y0, device=device))).tangent
        assert tangent is not None
        p = np.exp(x0 - x0.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        np.testing.assert_allclose(tangent.numpy(), ((p - np.eye(3)[y0]) * v0).sum() / 5, rtol=1e-12)


def test_labels_written_after_the_call_do_not_change_the_gradient():
    """The short path's index key holds the target's array: bind copies it, so writing into
    the target before backward() changes nothing (PyTorch's saved index)."""
    x0 = np.arange(12.0).reshape(4, 3) / 7
    t = dg.tensor(np.array([0, 2, 1, 0]))
    x = dg.tensor(x0, requires_grad=True)
    loss = F.cross_entropy(x, t)
    t.fill_(1)
    loss.backward()
    p = np.exp(x0 - x0.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    np.testing.assert_allclose(x.grad.numpy(), (p - np.eye(3)[[0, 2, 1, 0]]) / 4, rtol=1e-12)


@pytest.mark.parametrize("device", ["cpu", "jax"])
def test_the_op_refuses_a_weight_or_gradient_of_another_dtype_on_every_front_end(device):
    """A float16 weight beside float64 log-probabilities summed its total in float16 (a mean
    of 3.0012 for 3), and an int8 or bool incoming gradient overflowed or raised numpy's
    TypeError: each is refused as the graph's shape rule refuses it (PyTorch's nll_loss too)."""
    logp = dg.tensor(np.full((3, 4), -3.0), device=device)
    labels = np.zeros(3, np.int64)
    with pytest.raises(dg.errors.DTypeError, match="nll_at_labels: weight must have logp's dtype float64"):
        nll_at_labels(logp, labels, dg.tensor(np.full(4, 0.2, np.float16), device=device), mean=True)
    refusal = "nll_at_labels_grad: the gradient must have logp's dtype"
    for g in (np.array(-3, np.int8), np.array(True), np.array(1.0, np.float16)):
        with pytest.raises(dg.errors.DTypeError, match=refusal):
            nll_at_labels_grad(dg.tensor(g, device=device), logp, labels, 1, mean=True)
    with pytest.raises(dg.errors.DTypeError, match="nll_at_labels: weight must have logp's dtype"):
        nll_at_labels(ds.constant(np.full((3, 4), -3.0)), labels, ds.constant(np.full(4, 0.2, np.float16)))
    with pytest.raises(dg.errors.DTypeError, match=refusal):
        nll_at_labels_grad(ds.constant(np.array(-3, np.int8)), ds.constant(np.full((3, 4), -3.0)), labels, 1)
