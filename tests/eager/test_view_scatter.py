"""select_scatter / slice_scatter / diagonal_scatter against numpy: the oracle lists the
view's elements one by one (no slicing or diagonal of the whole view) and writes src's there;
the gradients of sum(out * g) are g off those elements for the input and g on them for src.
Shapes, dims, offsets and slice bounds are drawn, empty views included; the errors name the
op and the shapes, and change nothing."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
from dualgrad.errors import DualgradError

EXAMPLES = 25


def _slots(kind: str, shape: tuple, args: tuple) -> list[tuple[tuple, tuple]]:
    """(input index, src index) pairs of the view, one per element of src, in src's layout."""
    nd = len(shape)
    if kind == "select":
        d, i = args
        rest = [n for k, n in enumerate(shape) if k != d]
        return [(idx[:d] + (i,) + idx[d:], idx) for idx in np.ndindex(*rest)]
    if kind == "slice":
        d, start, end, step = args
        picked = range(shape[d])[slice(start, end, step)]
        return [(idx[:d] + (p,) + idx[d + 1:], idx[:d] + (j,) + idx[d + 1:])
                for j, p in enumerate(picked) for idx in np.ndindex(*shape)
                if idx[d] == 0]
    offset, d1, d2 = args
    rest = [k for k in range(nd) if k not in (d1, d2)]
    n = max(0, min(shape[d1], shape[d2] - offset) - max(0, -offset))
    pairs = []
    for idx in np.ndindex(*[shape[k] for k in rest]):
        for j in range(n):
            full = [0] * nd
            for k, v in zip(rest, idx, strict=True):
                full[k] = v
            full[d1], full[d2] = j + max(0, -offset), j + max(0, -offset) + offset
            pairs.append((tuple(full), idx + (j,)))
    return pairs


def _view_shape(kind: str, shape: tuple, args: tuple) -> tuple:
    probe = np.empty(shape)
    if kind == "select":
        return np.take(probe, args[1], axis=args[0]).shape
    if kind == "slice":
        d, start, end, step = args
        return probe[(slice(None),) * d + (slice(start, end, step),)].shape
    return np.diagonal(probe, *args).shape


def _call(kind: str, x, src, args):
    fn = {"select": dg.select_scatter, "slice": dg.slice_scatter, "diagonal": dg.diagonal_scatter}[kind]
    return fn(x, src, *args)


@st.composite
def cases(draw):
    kind = draw(st.sampled_from(["select", "slice", "diagonal"]))
    nd = draw(st.integers(2 if kind == "diagonal" else 1, 3))
    shape = tuple(draw(st.lists(st.integers(1 if kind == "select" else 0, 4), min_size=nd, max_size=nd)))
    if kind == "select":
        d = draw(st.integers(0, nd - 1))
        args = (d, draw(st.integers(-shape[d], shape[d] - 1)) if shape[d] else 0)
    elif kind == "slice":
        bound = st.none() | st.integers(-6, 6)
        args = (draw(st.integers(0, nd - 1)), draw(bound), draw(bound), draw(st.integers(1, 3)))
    else:
        d1, d2 = draw(st.permutations(range(nd)))[:2]
        args = (draw(st.integers(-4, 4)), d1, d2)
    return kind, shape, args


@pytest.mark.cpu_only  # (drawn shapes compile one XLA program each: the jax device has its own cases)
@settings(max_examples=EXAMPLES, deadline=None)
@given(cases())
def test_view_scatter_values_and_gradients_match_elementwise_oracle(case):
    _check(*case)


@pytest.mark.parametrize("kind, shape, args", [
    ("select", (2, 3), (1, -1)), ("slice", (4, 2), (0, -3, None, 2)), ("diagonal", (2, 3, 4), (-1, 2, 0))])
def test_view_scatter_on_each_device(kind, shape, args):
    _check(kind, shape, args)


def _check(kind: str, shape: tuple, args: tuple) -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape)
    src = rng.standard_normal(_view_shape(kind, shape, args))
    slots = _slots(kind, shape, args)
    if kind == "select":  # (a negative index, as select reads it)
        slots = [(tuple(i % n for i, n in zip(at, shape, strict=True)), s) for at, s in slots]

    into = tuple(np.array([at[k] for at, _ in slots], int) for k in range(len(shape)))
    taken = tuple(np.array([s[k] for _, s in slots], int) for k in range(src.ndim))
    want, g = x.copy(), rng.standard_normal(shape)
    want[into] = src[taken]  # d sum(out * g): g off the view for x; g on it, in src's layout
    want_gx, want_gs = g.copy(), np.zeros_like(src)
    want_gx[into], want_gs[taken] = 0.0, g[into].reshape(np.shape(src[taken]))  # (0-d src)
    a, b = dg.tensor(x, requires_grad=True), dg.tensor(src, requires_grad=True)
    out = _call(kind, a, b, args)
    np.testing.assert_array_equal(out.detach().numpy(), want)
    (out * dg.tensor(g)).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), want_gx)
    np.testing.assert_array_equal(b.grad.numpy(), want_gs)


def test_view_scatter_as_methods_and_src_cast_to_input_dtype():
    x = dg.zeros(3, 4)
    out = x.select_scatter(dg.arange(4, dtype=dg.float64), 0, 1)
    assert out.dtype == dg.float32  # (PyTorch casts src, as a write into the view would)
    np.testing.assert_array_equal(out.numpy()[1], np.arange(4))
    np.testing.assert_array_equal(x.slice_scatter(dg.ones(3, 2), 1, 0, 4, 2).numpy()[:, ::2], np.ones((3, 2)))
    np.testing.assert_array_equal(x.diagonal_scatter(dg.ones(2), -1).numpy(), np.eye(3, 4, -1))
    assert not x.numpy().any()  # out of place: the input is unchanged


@pytest.mark.parametrize("call, text", [
    (lambda x: dg.select_scatter(x, dg.ones(3), 0, 0), "src size = [3], slice size = [4]"),
    (lambda x: dg.select_scatter(x, dg.ones(4), 0, 5), "index 5 out of range"),
    (lambda x: dg.select_scatter(x, dg.ones(4), 2, 0), "select"),
    (lambda x: dg.slice_scatter(x, dg.ones(3, 4), 1, 0, 2), "src size = [3, 4], slice size = [3, 2]"),
    (lambda x: dg.slice_scatter(x, dg.ones(3, 2), 1, 0, 2, 0), "slice step must be positive"),
    (lambda x: dg.diagonal_scatter(x, dg.ones(4)), "src size = [4], slice size = [3]"),
    (lambda x: dg.diagonal_scatter(x, dg.ones(3), 0, 1, -1), "diagonal dimensions cannot be identical"),
])
def test_view_scatter_errors_name_the_op_and_shapes(call, text):
    x = dg.zeros(3, 4, requires_grad=True)
    with pytest.raises(DualgradError, match=r"_scatter|select\(\)") as info:
        call(x)
    assert text in str(info.value) and "test_view_scatter.py" in str(info.value)
    assert not x.detach().numpy().any() and x.grad is None
