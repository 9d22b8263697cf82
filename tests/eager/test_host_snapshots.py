"""A numpy array handed to an op is read as it was when the op was called, whatever the
caller writes into it next: on the jax device and in every backward.

jax reads numpy memory after its call has returned: a 64-byte aligned array is aliased
outright and the others are copied in the background, behind the work already queued. So on
the jax device `y = x * a; a[:] = 2` computed `y` from the 2s whenever `x` was still being
computed, and `cpu_t.to('jax'); cpu_t.add_(1)` moved the changed values. On the CPU, an index
(`x[idx]`, `x[mask]`) or a numpy operand (`x * w`) was kept by reference for the backward, so
`idx += 2` before `backward()` scattered the gradient to the wrong elements. Each op now
takes its own copy (`backend.host_snapshot`, `bind.as_key`). The oracle is numpy on a copy
taken before the write; the arrays are 64-byte aligned and queued behind a slow product, the
case where the old code was wrong in 5 or 6 runs of 6."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
from dualgrad import nn

N = 48
TRIALS = 3


def aligned(values, dtype=np.float32) -> np.ndarray:
    """`values` in a 64-byte aligned array (the alignment jax aliases without copying)."""
    values = np.asarray(values, dtype=dtype)
    raw = np.empty(values.nbytes + 64, np.uint8)
    start = (-raw.ctypes.data) % 64
    out = raw[start:start + values.nbytes].view(dtype).reshape(values.shape)
    out[...] = values
    return out


@pytest.fixture(scope="module")
def slow_zero():
    """A jax scalar 0 that takes long to compute: ops on it queue behind the product."""
    m = dg.ones(800, 800, device="jax") * 0.001

    def zero():
        return (m @ m @ m).sum() * 0

    return zero


def operand(a, zero):
    y = (dg.ones(N, device="jax") + zero()) * a
    a[:] = 2.0
    return y


def moved_then_queued(a, zero):
    zero()  # the move itself queues behind the product
    y = dg.from_numpy(a).to("jax")
    a[:] = 5.0
    return y


def module_moved(a, zero):
    lin = nn.Linear(N, 1, bias=False).cpu()
    with dg.no_grad():
        lin.weight.copy_(dg.from_numpy(a).reshape(1, N))
    host = lin.weight.detach().numpy()  # the CPU storage the parameter had
    zero()
    lin.to("jax")
    host[...] = 7.0
    return lin.weight.reshape(N)


def setitem_array(a, zero):
    y = dg.zeros(N, device="jax") + zero()
    y[:] = a
    a[:] = 3.0
    return y


def setitem_cpu_tensor(a, zero):
    y = dg.zeros(N, device="jax") + zero()
    t = dg.from_numpy(a)
    y[:] = t
    t.add_(1.0)
    return y


def setitem_recorded(a, zero):
    w = dg.zeros(N, device="jax", requires_grad=True)
    y = w * 1.0 + zero()
    y[:] = a
    a[:] = 3.0
    return y


def indexed(a, zero):
    idx = aligned(np.arange(N), np.int64)
    y = (dg.from_numpy(a).to("jax") + zero())[idx]
    idx[:] = 0
    return y


def cpu_scalar(a, zero):
    s = dg.from_numpy(a[:1].reshape(()))  # a 0-d CPU tensor: it mixes with the device's
    y = dg.ones(N, device="jax") * 0 + zero() + s
    s.add_(1.0)
    return y


def in_place_operand(a, zero):
    y = dg.zeros(N, device="jax") + zero()
    y.add_(a)
    a[:] = 3.0
    return y


def backward_operand(a, zero):
    w = dg.zeros(N, device="jax", requires_grad=True)
    ((w + zero()) * a).sum().backward()
    a[:] = 3.0
    return w.grad


PATHS = [operand, moved_then_queued, module_moved, setitem_array, setitem_cpu_tensor,
         setitem_recorded, indexed, cpu_scalar, in_place_operand, backward_operand]


@pytest.mark.parametrize("path", PATHS, ids=lambda f: f.__name__)
def test_jax_device_reads_numpy_as_it_was_at_the_call(path, slow_zero):
    rng = np.random.default_rng(0)
    for _ in range(TRIALS):
        values = rng.uniform(0.5, 1.5, N).astype(np.float32)
        a = aligned(values)
        got = path(a, slow_zero)
        expected = np.full(N, values[0]) if path is cpu_scalar else values
        np.testing.assert_allclose(got.detach().numpy(), expected, rtol=1e-6)


# -- the CPU: what a backward reads --------------------------------------------------------
def index_gradient(n: int, index: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """d/dx of sum(x[index] * weights), in float64 by numpy."""
    g = np.zeros(n)
    np.add.at(g, index, weights)
    return g


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 12).flatmap(lambda n: st.tuples(
    st.just(n), st.lists(st.integers(0, n - 1), min_size=1, max_size=8),
    st.lists(st.integers(0, n - 1), min_size=8, max_size=8))),
    st.sampled_from(["tensor", "array", "list in a tuple"]))
def test_a_changed_index_does_not_move_the_gradient(case, kind):
    n, index, later = case
    index = np.array(index)
    weights = np.arange(1.0, len(index) + 1)
    x = dg.zeros(2, n, dtype=dg.float64, requires_grad=True)
    if kind == "tensor":
        key = dg.tensor(index)
        y = x[1][key]
    elif kind == "array":
        key = index.copy()
        y = x[1][key]
    else:
        key = index.tolist()
        y = x[1, key]
    loss = (y * dg.tensor(weights)).sum()
    if kind == "tensor":
        key.copy_(dg.tensor(later[:len(index)]))
    else:
        key[:] = later[:len(index)]
    loss.backward()
    np.testing.assert_array_equal(x.grad.numpy()[1], index_gradient(n, index, weights))
    np.testing.assert_array_equal(x.grad.numpy()[0], np.zeros(n))


@settings(max_examples=30, deadline=None)
@given(st.lists(st.booleans(), min_size=1, max_size=10), st.randoms(use_true_random=False))
def test_a_changed_mask_does_not_move_the_gradient(mask, random):
    mask = np.array(mask)
    weights = np.arange(1.0, mask.sum() + 1)
    expected = np.zeros(len(mask))
    expected[mask] = weights  # d/dx of sum(x[mask] * weights), the mask as it was
    x = dg.zeros(len(mask), dtype=dg.float64, requires_grad=True)
    loss = (x[mask] * dg.tensor(weights)).sum()
    random.shuffle(mask)  # in place: as many True, elsewhere
    loss.backward()
    np.testing.assert_array_equal(x.grad.numpy(), expected)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(-4, 4, width=32, allow_subnormal=False), min_size=1, max_size=8),
       st.floats(-4, 4, width=32))  # (the jax device flushes subnormals: devices.md)
def test_a_changed_numpy_operand_does_not_change_the_gradient(values, later):
    w = np.array(values, dtype=np.float32)
    expected = w.copy()  # d/dx of sum(x * w): w as it was
    x = dg.zeros(len(w), requires_grad=True)
    loss = (x * w).sum()
    w[:] = later
    loss.backward()
    np.testing.assert_array_equal(x.grad.numpy(), expected)


def test_a_memmap_operand_changed_before_backward(tmp_path):
    """A numpy subclass (a dataset's `np.memmap`) is copied as a plain array is."""
    m = np.memmap(tmp_path / "w.dat", dtype=np.float32, mode="w+", shape=(3,))
    m[:] = [1.0, 10.0, 0.0]
    x = dg.zeros(3, requires_grad=True)
    loss = (x * m).sum()
    m[:] = 7.0
    loss.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 10.0, 0.0])
    del m
