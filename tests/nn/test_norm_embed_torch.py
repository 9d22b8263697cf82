"""Embedding, EmbeddingBag, LayerNorm, BatchNorm1d/2d/3d, InstanceNorm1d/2d/3d, GroupNorm, RMSNorm
against torch 2.13 itself (collected only where torch is installed: tests/nn/conftest.py):
values, gradients, running stats over training steps and eval, state_dict keys and reprs, float64
and float32."""
from __future__ import annotations

import re

import numpy as np
import pytest
import torch

import dualgrad as dg
from dualgrad import nn

DTYPES = {"float64": (dg.float64, torch.float64, 1e-12), "float32": (dg.float32, torch.float32, 2e-5)}


def _both(dg_fn, torch_fn, arrays, upstream, dtype):
    dg_dtype, torch_dtype, _ = DTYPES[dtype]
    ours = [dg.tensor(a, dtype=dg_dtype, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, dtype=torch_dtype, requires_grad=True) for a in arrays]
    a, b = dg_fn(*ours), torch_fn(*theirs)
    (a * dg.tensor(upstream, dtype=dg_dtype)).sum().backward()
    (b * torch.tensor(upstream, dtype=torch_dtype)).sum().backward()
    return ([a.detach().numpy()] + [t.grad.numpy() for t in ours],
            [b.detach().numpy()] + [t.grad.numpy() for t in theirs])


def _close(ours, theirs, dtype):
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=DTYPES[dtype][2], atol=DTYPES[dtype][2])


@pytest.mark.parametrize("dtype", sorted(DTYPES))
@pytest.mark.parametrize("padding_idx", [None, 2, -1])
@pytest.mark.parametrize(("max_norm", "norm_type"), [(None, 2.0), (1.5, 2.0), (1.0, 1.0), (2.0, 3.0)])
@pytest.mark.parametrize("scale_grad_by_freq", [False, True])
def test_embedding(dtype, padding_idx, max_norm, norm_type, scale_grad_by_freq):
    rng = np.random.default_rng(0)
    weight, idx = rng.normal(size=(6, 4)) * 2, np.array([[0, 2, 2, 5], [1, 0, 2, 2]])
    upstream = rng.normal(size=(2, 4, 4))
    ours_w, theirs_w = dg.tensor(weight, dtype=DTYPES[dtype][0]), torch.tensor(weight, dtype=DTYPES[dtype][1])
    options = {"padding_idx": padding_idx, "max_norm": max_norm, "norm_type": norm_type,
               "scale_grad_by_freq": scale_grad_by_freq}
    ours, theirs = _both(lambda w: nn.functional.embedding(dg.tensor(idx), w, **options),
                         lambda w: torch.nn.functional.embedding(torch.tensor(idx), w, **options),
                         [weight], upstream, dtype)
    _close(ours, theirs, dtype)
    nn.functional.embedding(dg.tensor(idx), ours_w, max_norm=max_norm, norm_type=norm_type)
    torch.nn.functional.embedding(torch.tensor(idx), theirs_w, max_norm=max_norm, norm_type=norm_type)
    _close([ours_w.numpy()], [theirs_w.numpy()], dtype)  # the table renormalised in place


BAGS = [(np.array([[0, 2, 2, 5], [1, 0, 2, 2]]), None, False),
        (np.array([1, 2, 4, 5, 4, 3, 2, 2]), np.array([0, 4]), False),
        (np.array([1, 2, 4, 5, 4, 3, 2, 2]), np.array([0, 3, 3, 8]), True),  # an empty bag
        (np.array([1, 2, 4, 5, 4, 3, 2, 2]), np.array([0, 2, 2]), False)]


@pytest.mark.parametrize("dtype", sorted(DTYPES))
@pytest.mark.parametrize("bags", range(len(BAGS)))
@pytest.mark.parametrize(("mode", "weighted"), [("sum", False), ("sum", True), ("mean", False),
                                               ("max", False)])
@pytest.mark.parametrize(("padding_idx", "max_norm"), [(None, None), (2, None), (2, 1.0)])
def test_embedding_bag(dtype, bags, mode, weighted, padding_idx, max_norm):
    rng = np.random.default_rng(6)
    idx, offsets, last = BAGS[bags]
    arrays = [rng.normal(size=(7, 3))] + ([rng.normal(size=idx.shape)] if weighted else [])
    options = {"mode": mode, "padding_idx": padding_idx, "max_norm": max_norm, "include_last_offset": last}

    def call(module, tensor):
        def bag(w, *p):
            bounds = None if offsets is None else tensor(offsets)
            scales = p[0] if p else None
            return module.functional.embedding_bag(tensor(idx), w, bounds, per_sample_weights=scales,
                                                   **options)
        return bag

    bag_count = len(idx) if offsets is None else len(offsets) - last
    upstream = rng.normal(size=(bag_count, 3))
    ours, theirs = _both(call(nn, dg.tensor), call(torch.nn, torch.tensor), arrays, upstream, dtype)
    _close(ours, theirs, dtype)


@pytest.mark.parametrize("dtype", sorted(DTYPES))
def test_layer_norm(dtype):
    rng = np.random.default_rng(1)
    arrays = [rng.normal(size=(3, 4, 5)) * 3 + 1, rng.normal(size=(4, 5)), rng.normal(size=(4, 5))]
    ours, theirs = _both(lambda x, w, b: nn.functional.layer_norm(x, (4, 5), w, b),
                         lambda x, w, b: torch.nn.functional.layer_norm(x, (4, 5), w, b),
                         arrays, rng.normal(size=(3, 4, 5)), dtype)
    _close(ours, theirs, dtype)


@pytest.mark.parametrize("dtype", sorted(DTYPES))
@pytest.mark.parametrize(("shape", "groups"), [((3, 4), 2), ((2, 6, 5), 3), ((2, 4, 3, 3), 4),
                                               ((2, 4, 3, 3), 1)])
def test_group_norm(dtype, shape, groups):
    rng = np.random.default_rng(3)
    arrays = [rng.normal(size=shape) * 2 + 1, rng.normal(size=shape[1]), rng.normal(size=shape[1])]
    ours, theirs = _both(lambda x, w, b: nn.functional.group_norm(x, groups, w, b),
                         lambda x, w, b: torch.nn.functional.group_norm(x, groups, w, b),
                         arrays, rng.normal(size=shape), dtype)
    _close(ours, theirs, dtype)


@pytest.mark.parametrize("dtype", sorted(DTYPES))
@pytest.mark.parametrize("eps", [None, 0.1])
def test_rms_norm(dtype, eps):
    rng = np.random.default_rng(4)
    x = rng.normal(size=(3, 4, 5))
    x[0, 1] = 0.0
    ours, theirs = _both(lambda x, w: nn.functional.rms_norm(x, (4, 5), w, eps),
                         lambda x, w: torch.nn.functional.rms_norm(x, (4, 5), w, eps),
                         [x, rng.normal(size=(4, 5))], rng.normal(size=(3, 4, 5)), dtype)
    _close(ours, theirs, dtype)


def _same_repr(ours, theirs) -> bool:
    """PyTorch's repr; torch 2.13's norm layers print `bias=` (their `bias` argument) and 2.11's
    do not, so against a torch without it ours is compared without it."""
    mine = repr(ours)
    if "bias=" not in repr(theirs):
        mine = re.sub(r", bias=(True|False)", "", mine)
    return mine == repr(theirs)


@pytest.mark.parametrize("dtype", sorted(DTYPES))
@pytest.mark.parametrize(("name", "shape"), [("BatchNorm1d", (5, 3)), ("BatchNorm1d", (4, 3, 6)),
                                             ("BatchNorm2d", (2, 3, 4, 5)), ("BatchNorm3d", (2, 3, 2, 3, 2))])
@pytest.mark.parametrize("momentum", [0.1, None])
def test_batch_norm_steps(dtype, name, shape, momentum):
    rng = np.random.default_rng(2)
    dg_dtype, torch_dtype, tol = DTYPES[dtype]
    ours = getattr(nn, name)(3, momentum=momentum, dtype=dg_dtype)
    theirs = getattr(torch.nn, name)(3, momentum=momentum, dtype=torch_dtype)
    for mode in ("train", "train", "train", "eval", "train"):
        ours.train(mode == "train")
        theirs.train(mode == "train")
        x, upstream = rng.normal(size=shape) * 2 + 1, rng.normal(size=shape)
        got, want = _both(ours, theirs, [x], upstream, dtype)
        _close(got, want, dtype)
        for key, value in theirs.state_dict().items():
            np.testing.assert_allclose(ours.state_dict()[key].numpy(), value.numpy(), rtol=tol, atol=tol)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert _same_repr(ours, theirs)


@pytest.mark.parametrize("dtype", sorted(DTYPES))
@pytest.mark.parametrize(("name", "shape"), [("InstanceNorm1d", (3, 4, 5)), ("InstanceNorm1d", (4, 5)),
                                             ("InstanceNorm2d", (2, 4, 3, 3)),
                                             ("InstanceNorm3d", (2, 4, 2, 3, 2))])
@pytest.mark.parametrize("options", [{}, {"affine": True}, {"track_running_stats": True, "momentum": 0.3},
                                     {"affine": True, "track_running_stats": True, "momentum": None}])
def test_instance_norm_steps(dtype, name, shape, options):
    rng = np.random.default_rng(5)
    dg_dtype, torch_dtype, tol = DTYPES[dtype]
    ours = getattr(nn, name)(4, dtype=dg_dtype, **options)
    theirs = getattr(torch.nn, name)(4, dtype=torch_dtype, **options)
    for mode in ("train", "train", "eval", "train"):
        ours.train(mode == "train")
        theirs.train(mode == "train")
        got, want = _both(ours, theirs, [rng.normal(size=shape) * 2 + 1], rng.normal(size=shape), dtype)
        _close(got, want, dtype)
        for key, value in theirs.state_dict().items():
            np.testing.assert_allclose(ours.state_dict()[key].numpy(), value.numpy(), rtol=tol, atol=tol)
    assert list(ours.state_dict()) == list(theirs.state_dict()) and _same_repr(ours, theirs)


def _torch_takes(name: str, args: tuple, options: dict) -> bool:
    """Whether the installed torch's module takes these options (BatchNorm's bias: 2.13)."""
    try:
        getattr(torch.nn, name)(*args, **options)
    except TypeError:
        return False
    return True


# the applicable cases only: an option newer than the installed torch has nothing to compare
MODULE_CASES = [
    ("BatchNorm1d", (4,), {}), ("BatchNorm1d", (4,), {"bias": False}),
    ("BatchNorm2d", (4,), {"affine": False}), ("BatchNorm1d", (4,), {"track_running_stats": False}),
    ("LayerNorm", (4,), {}),
    ("LayerNorm", ([2, 3],), {"bias": False}), ("LayerNorm", (3,), {"elementwise_affine": False}),
    ("Embedding", (10, 3), {"padding_idx": -1}), ("Embedding", (10, 3), {"norm_type": 1.0}),
    ("Embedding", (10, 3), {"max_norm": 2.0, "padding_idx": 1}),
    ("Embedding", (3, 2), {"scale_grad_by_freq": True}), ("EmbeddingBag", (10, 3), {}),
    ("EmbeddingBag", (10, 3), {"mode": "sum", "padding_idx": 0, "max_norm": 1.0, "norm_type": 1.0}),
    ("BatchNorm3d", (2,), {"momentum": None}),
    ("GroupNorm", (2, 4), {}), ("GroupNorm", (2, 4), {"affine": False}),
    ("GroupNorm", (1, 3), {"bias": False}),
    ("RMSNorm", (4,), {}), ("RMSNorm", ([2, 3],), {"eps": 1e-3, "elementwise_affine": False})]
MODULE_CASES = [case for case in MODULE_CASES if _torch_takes(*case)]


@pytest.mark.parametrize(("name", "args", "options"), MODULE_CASES)
def test_module_reprs_and_keys(name, args, options):
    b = getattr(torch.nn, name)(*args, **options)
    a = getattr(nn, name)(*args, **options)
    assert _same_repr(a, b)
    assert list(a.state_dict()) == list(b.state_dict())
