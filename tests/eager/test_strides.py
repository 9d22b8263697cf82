"""Tensor.stride / storage_offset against a model of PyTorch's view rules written out here
(slicing multiplies a stride by the step and moves the offset, select drops a dim, transpose
swaps, unsqueeze inserts shape[d] * stride[d]), on drawn view chains (the strides of dims of
size 1, which never move a read, apart); as_strided against
reads written out element by element (offset + sum i_k stride_k), its gradient against
numpy's np.add.at of the cotangent, its writes reaching the input, and its refusals."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
from dualgrad.errors import DualgradError


def _contiguous(shape: tuple) -> list:
    return [int(np.prod(shape[k + 1:], dtype=np.int64)) for k in range(len(shape))]


@st.composite
def view_chains(draw):
    """(the base shape, the view steps), each step valid for the layout before it."""
    shape = list(draw(st.lists(st.integers(1, 4), min_size=1, max_size=3)))
    base, steps = tuple(shape), []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["slice", "select", "transpose", "unsqueeze"] if len(shape) > 1
                                    else ["slice", "unsqueeze"]))
        if kind == "slice":
            d = draw(st.integers(0, len(shape) - 1))
            start, step = draw(st.integers(0, shape[d] - 1)), draw(st.integers(1, 2))
            steps.append(("slice", d, start, step))
            shape[d] = len(range(start, shape[d], step))
        elif kind == "select":
            d = draw(st.integers(0, len(shape) - 1))
            steps.append(("select", d, draw(st.integers(0, shape[d] - 1))))
            del shape[d]
        elif kind == "transpose":
            steps.append(("transpose", *draw(st.permutations(range(len(shape))))[:2]))
            d1, d2 = steps[-1][1:]
            shape[d1], shape[d2] = shape[d2], shape[d1]
        else:
            d = draw(st.integers(0, len(shape)))
            steps.append(("unsqueeze", d))
            shape.insert(d, 1)
    return base, steps


def _apply(t, step):
    kind, *args = step
    if kind == "slice":
        d, start, every = args
        return t[(slice(None),) * d + (slice(start, None, every),)]
    if kind == "select":
        return t.select(*args)
    return t.transpose(*args) if kind == "transpose" else t.unsqueeze(*args)


def _model(base: tuple, steps: list) -> tuple[tuple, tuple, int]:
    """(shape, stride, offset) by PyTorch's rules."""
    shape, stride, offset = list(base), _contiguous(base), 0
    for kind, *args in steps:
        if kind == "slice":
            d, start, every = args
            offset += start * stride[d]
            shape[d], stride[d] = len(range(start, shape[d], every)), stride[d] * every
        elif kind == "select":
            d, i = args
            offset += i * stride[d]
            del shape[d], stride[d]
        elif kind == "transpose":
            d1, d2 = args
            shape[d1], shape[d2], stride[d1], stride[d2] = shape[d2], shape[d1], stride[d2], stride[d1]
        else:
            (d,) = args
            stride.insert(d, shape[d] * stride[d] if d < len(shape) else 1)
            shape.insert(d, 1)
    return tuple(shape), tuple(stride), offset


@pytest.mark.cpu_only  # (drawn chains; the jax device replays one below)
@settings(max_examples=40, deadline=None)
@given(view_chains())
def test_stride_and_storage_offset_follow_pytorch_view_rules(chain):
    _check_chain(*chain)


def test_stride_on_each_device():
    _check_chain((3, 4), [("slice", 1, 1, 2), ("transpose", 0, 1), ("unsqueeze", 1), ("select", 0, 1)])
    assert dg.ones(2, 3).stride(-2) == 3 and dg.ones(2, 3).expand(4, 2, 3).stride() == (0, 3, 1)


def _check_chain(base: tuple, steps: list) -> None:
    t = dg.arange(float(np.prod(base))).reshape(base)
    for step in steps:
        t = _apply(t, step)
    shape, stride, offset = _model(base, steps)
    assert (tuple(t.shape), t.storage_offset()) == (shape, offset)
    # a size-1 dim's stride never moves a read: numpy (the CPU's layout) does not keep it
    assert [s for s, n in zip(t.stride(), shape, strict=True) if n > 1] == \
        [s for s, n in zip(stride, shape, strict=True) if n > 1]


@st.composite
def strided_reads(draw):
    """(n elements of a 1-d input, size, stride, offset) reading only elements < n."""
    size = tuple(draw(st.lists(st.integers(0, 3), min_size=1, max_size=3)))
    stride = tuple(draw(st.lists(st.integers(0, 3), min_size=len(size), max_size=len(size))))
    offset = draw(st.integers(0, 3))
    last = offset + sum((n - 1) * s for n, s in zip(size, stride, strict=True) if n)
    return last + 1 + draw(st.integers(0, 2)), size, stride, offset


@pytest.mark.cpu_only
@settings(max_examples=40, deadline=None)
@given(strided_reads())
def test_as_strided_reads_and_gradient(case):
    _check_reads(*case)


def test_as_strided_on_each_device():
    _check_reads(10, (4, 3), (2, 1), 1)


def _check_reads(n: int, size: tuple, stride: tuple, offset: int) -> None:
    values = np.random.default_rng(0).standard_normal(n)
    x = dg.tensor(values, requires_grad=True)
    out = x.as_strided(size, stride, offset)
    reads = [offset + sum(i * s for i, s in zip(idx, stride, strict=True)) for idx in np.ndindex(*size)]
    np.testing.assert_array_equal(out.detach().numpy().reshape(-1), values[reads])
    g = np.random.default_rng(1).standard_normal(size)
    (out * dg.tensor(g)).sum().backward()
    want = np.zeros(n)
    np.add.at(want, np.asarray(reads, int), g.reshape(-1))  # overlapping reads add up
    np.testing.assert_allclose(x.grad.numpy(), want, rtol=1e-15)


def test_as_strided_of_a_view_is_a_view_of_its_storage():
    b = dg.arange(12.).reshape(3, 4)
    rows = b[1:]  # storage offset 4
    np.testing.assert_array_equal(rows.as_strided((2, 2), (4, 1), 5).numpy(), [[5, 6], [9, 10]])
    rows.as_strided((2, 2), (1, 4)).mul_(10)  # a write reaches b
    np.testing.assert_array_equal(b.numpy()[1:, :2], [[40, 50], [80, 90]])
    with pytest.raises(DualgradError, match="not an element of the input") as info:
        rows.as_strided((2, 2), (4, 1), 0)  # PyTorch would read b's first row
    assert "test_strides.py" in str(info.value)
    with pytest.raises(DualgradError, match="share memory"):
        dg.ones(3).expand(2, 3).as_strided((2,), (1,))
    with pytest.raises(DualgradError, match="one length"):
        b.as_strided((2, 2), (1,))
