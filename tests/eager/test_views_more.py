"""PyTorch's other view spellings and joining helpers (eager/methods_views.py) against numpy
float64 on hypothesis shapes, on both devices: values, and gradients by central differences
of the numpy function (each is linear in its input, so the differences are exact up to
rounding). Their writes through views: test_trust_views_table.py. Errors: PyTorch's cases,
each naming the function, the shape and this file's line."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dualgrad as dg
from dualgrad.errors import DualgradError


def _divisors(n):
    return [k for k in range(1, n + 1) if n % k == 0]


def _sum_to(a, size):
    """numpy: `a` summed over the dims that `size` (right-aligned) lacks or has as 1."""
    lead = a.ndim - len(size)
    axes = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(size) if s == 1)
    return np.sum(a, axis=axes, keepdims=True).reshape(size)


def _size_under(draw, shape):
    keep = draw(st.integers(0, len(shape)))
    return tuple(1 if draw(st.booleans()) else n for n in shape[len(shape) - keep:])


def _factors(draw, n):
    k = draw(st.sampled_from(_divisors(n)))
    return draw(st.sampled_from([(k, n // k), (k, -1), (-1, n // k), (1, n, 1)]))


def _indices(draw, n):
    return draw(st.lists(st.integers(-n - 1, n + 1), max_size=3))


def _dim(draw, shape):
    return draw(st.integers(-len(shape), len(shape) - 1))


INDEX_SHAPES = hnp.array_shapes(min_dims=0, max_dims=2, max_side=3)

# name: (least ndim, draw(shape) -> params, dualgrad f(t, p) (a tensor or a tuple), numpy f(a, p))
CASES = {
    "swapdims": (2, lambda draw, s: (_dim(draw, s), _dim(draw, s)),
                 lambda t, p: dg.swapdims(t, *p), lambda a, p: np.swapaxes(a, *p)),
    "adjoint": (2, None, lambda t, p: t.adjoint(), lambda a, p: np.swapaxes(a, -1, -2)),
    "mH": (2, None, lambda t, p: t.mH, lambda a, p: np.swapaxes(a, -1, -2)),
    "H": (2, None, lambda t, p: t.flatten(1).H, lambda a, p: a.reshape(a.shape[0], -1).T),
    "unflatten": (1, lambda draw, s: (d := _dim(draw, s), _factors(draw, s[d])),
                  lambda t, p: dg.unflatten(t, *p),
                  lambda a, p: a.reshape(a.shape[:p[0] % a.ndim] + tuple(p[1])
                                         + a.shape[p[0] % a.ndim + 1:])),
    "ravel": (0, None, lambda t, p: dg.ravel(t), lambda a, p: np.ravel(a)),
    "ravel_of_mT": (2, None, lambda t, p: t.mT.ravel(), lambda a, p: np.ravel(np.swapaxes(a, -1, -2))),
    "narrow_copy": (1, lambda draw, s: (d := _dim(draw, s), start := draw(st.integers(-s[d], s[d])),
                                        draw(st.integers(0, s[d] - (start + s[d] if start < 0 else start)))),
                    lambda t, p: t.narrow_copy(*p),
                    lambda a, p: np.take(a, np.arange(a.shape[p[0]])[p[1]:][:p[2]], axis=p[0])),
    "tensor_split": (1, lambda draw, s: (draw(st.integers(1, 5)), _dim(draw, s)),
                     lambda t, p: t.tensor_split(*p), lambda a, p: np.array_split(a, p[0], axis=p[1])),
    "tensor_split_indices": (1, lambda draw, s: (d := _dim(draw, s), _indices(draw, s[d]),
                                                 draw(st.booleans())),
                             lambda t, p: dg.tensor_split(t, dg.tensor(p[1], dtype=dg.int64) if p[2]
                                                          else p[1], dim=p[0]),
                             lambda a, p: np.array_split(a, p[1], axis=p[0])),
    "tensor_split_sections_tensor": (1, lambda draw, s: draw(st.integers(1, 4)),
                                     lambda t, p: t.tensor_split(dg.tensor(p)),
                                     lambda a, p: np.array_split(a, p)),
    "hsplit": (1, lambda draw, s: draw(st.sampled_from(_divisors(s[len(s) > 1]))),
               lambda t, p: t.hsplit(p), lambda a, p: np.hsplit(a, p)),
    "hsplit_indices": (1, lambda draw, s: _indices(draw, s[len(s) > 1]),
                       lambda t, p: dg.hsplit(t, p), lambda a, p: np.hsplit(a, p)),
    "vsplit": (2, lambda draw, s: draw(st.sampled_from(_divisors(s[0]))),
               lambda t, p: dg.vsplit(t, p), lambda a, p: np.vsplit(a, p)),
    "dsplit": (3, lambda draw, s: draw(st.sampled_from(_divisors(s[2]))) if draw(st.booleans())
               else _indices(draw, s[2]),
               lambda t, p: t.dsplit(p), lambda a, p: np.dsplit(a, p)),
    "split_with_sizes": (1, lambda draw, s: (d := _dim(draw, s), (k := draw(st.integers(0, s[d])), s[d] - k)),
                         lambda t, p: t.split_with_sizes(list(p[1]), dim=p[0]),
                         lambda a, p: np.split(a, [p[1][0]], axis=p[0])),
    "vstack": (0, None, lambda t, p: dg.vstack([t, t * 2.0]), lambda a, p: np.vstack([a, a * 2.0])),
    "row_stack": (2, None, lambda t, p: dg.row_stack((t[:1], t)), lambda a, p: np.vstack((a[:1], a))),
    "hstack": (0, None, lambda t, p: dg.hstack([t, t[:, :1] if t.ndim > 1 else t[:1]] if t.ndim else [t, t]),
               lambda a, p: np.hstack([a, a[:, :1] if a.ndim > 1 else a[:1]] if a.ndim else [a, a])),
    "dstack": (0, None, lambda t, p: dg.dstack((t, t * 3.0)), lambda a, p: np.dstack((a, a * 3.0))),
    "column_stack": (0, None, lambda t, p: dg.column_stack([t, t]) if t.ndim < 3 else t,
                     lambda a, p: np.column_stack([a, a]) if a.ndim < 3 else a),
    "atleast_1d": (0, None, lambda t, p: dg.atleast_1d(t), lambda a, p: np.atleast_1d(a)),
    "atleast_2d": (0, None, lambda t, p: dg.atleast_2d(t, t * 2.0), lambda a, p: np.atleast_2d(a, a * 2.0)),
    "atleast_3d": (0, None, lambda t, p: dg.atleast_3d([t]), lambda a, p: np.atleast_3d(a)),
    "broadcast_tensors": (1, None, lambda t, p: dg.broadcast_tensors(t[:1], t.unsqueeze(0)),
                          lambda a, p: np.broadcast_arrays(a[:1], a[None])),
    "fliplr": (2, None, lambda t, p: t.fliplr(), lambda a, p: np.fliplr(a)),
    "flipud": (1, None, lambda t, p: dg.flipud(t), lambda a, p: np.flipud(a)),
    "take": (0, lambda draw, s: draw(hnp.arrays(np.int64, INDEX_SHAPES,
                                                elements=st.integers(-math.prod(s), math.prod(s) - 1))),
             lambda t, p: t.take(dg.tensor(p)), lambda a, p: np.take(a, p)),
    "tile": (0, lambda draw, s: tuple(draw(st.lists(st.integers(0, 3), max_size=4))),
             lambda t, p: dg.tile(t, p), lambda a, p: np.tile(a, p)),
    "tile_method": (1, lambda draw, s: tuple(draw(st.lists(st.integers(1, 2), min_size=1, max_size=3))),
                    lambda t, p: t.tile(*p), lambda a, p: np.tile(a, p)),
    "diagflat": (0, lambda draw, s: draw(st.integers(-2, 2)),
                 lambda t, p: t.diagflat(p), lambda a, p: np.diagflat(a, p)),
    "sum_to_size": (0, _size_under, lambda t, p: t.sum_to_size(p), _sum_to),
}


def _outputs(out) -> list:
    return list(out) if isinstance(out, (tuple, list)) else [out]


def _check(central_differences, name, shape, p):
    _, _, fn, ref = CASES[name]
    rng = np.random.default_rng(7)
    a = rng.normal(size=shape)
    x = dg.tensor(a, dtype=dg.float64, requires_grad=True)
    got, want = _outputs(fn(x, p)), [np.asarray(w) for w in _outputs(ref(a, p))]
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert tuple(g.shape) == w.shape, name
        np.testing.assert_allclose(g.detach().numpy(), w, rtol=1e-13, atol=1e-13)
    weights = [rng.normal(size=w.shape) for w in want]
    loss = sum((g * dg.tensor(w)).sum() for g, w in zip(got, weights, strict=True))
    if not getattr(loss, "requires_grad", False):  # (every output empty)
        return
    loss.backward()

    def flat(arr):
        return np.concatenate([np.ravel(o) for o in _outputs(ref(arr, p))])

    (want_grad,) = central_differences(flat, [a], np.concatenate([w.ravel() for w in weights]))
    np.testing.assert_allclose(x.grad.numpy(), want_grad, rtol=1e-7, atol=1e-8)


@pytest.mark.cpu_only  # (each new shape compiles on the jax device: a few fixed cases below)
@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_values_and_gradients_match_numpy(central_differences, data):
    name = data.draw(st.sampled_from(sorted(CASES)), label="function")
    least, params, _, _ = CASES[name]
    shape = data.draw(hnp.array_shapes(min_dims=least, max_dims=3, min_side=1, max_side=4), label="shape")
    _check(central_differences, name, shape, params(data.draw, shape) if params else None)


# on both devices: index arrays (take), pieces by Python's slice rules, tile's broadcast
FIXED = [("take", np.array([[0, -1], [5, 23]])), ("tensor_split_indices", (0, [1, -1, 5], True)),
         ("tile", (2, 1, 1, 2))]


@pytest.mark.parametrize(("name", "p"), FIXED, ids=[name for name, _ in FIXED])
def test_fixed_cases_on_both_devices(central_differences, name, p):
    _check(central_differences, name, (2, 3, 4), p)


@pytest.mark.cpu_only
@settings(max_examples=40, deadline=None)
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3),
       bad=hnp.array_shapes(min_dims=1, max_dims=3, max_side=5))
def test_broadcast_shapes_is_numpys(shapes, bad):
    assert dg.broadcast_shapes(*shapes.input_shapes) == shapes.result_shape
    assert isinstance(dg.broadcast_shapes(2, (3, 1)), dg.Size)
    everything = (*shapes.input_shapes, bad)
    try:
        want = np.broadcast_shapes(*everything)
    except ValueError:
        with pytest.raises(DualgradError, match="broadcast_shapes: shape mismatch"):
            dg.broadcast_shapes(*everything)
    else:
        assert dg.broadcast_shapes(*everything) == want


@pytest.mark.cpu_only  # (about identities and shapes)
def test_returns_itself_where_pytorch_does():
    x = dg.ones(2, 3)
    s = dg.tensor(3.0)
    assert dg.atleast_1d(x) is x and dg.atleast_2d(x) is x and x.sum_to_size(2, 3) is x and s.H is s
    assert isinstance(dg.atleast_1d(s, x), tuple) and isinstance(dg.atleast_3d([x]), tuple)
    assert type(dg.atleast_3d(s)) is dg.Tensor and tuple(dg.atleast_3d(s).shape) == (1, 1, 1)
    assert tuple(dg.swapaxes(x, 0, 1).shape) == (3, 2) and tuple(s.swapdims(0, -1).shape) == ()
    assert x.swapdims(0, 1).requires_grad is False


def test_ravel_is_a_view_only_of_a_contiguous_tensor():
    x = dg.arange(6.0).reshape(2, 3)
    x.ravel()[0] = 10.0  # (a view: reaches x)
    x.mT.ravel()[1] = 20.0  # (a copy: x keeps its 3)
    x[:, 0].ravel()[1] = 30.0  # (a column: a copy too, as PyTorch's; numpy's reshape would view it)
    np.testing.assert_array_equal(x.numpy(), [[10.0, 1.0, 2.0], [3.0, 4.0, 5.0]])


@pytest.mark.cpu_only  # (on the jax device every result is a copy unless tracked as a view)
def test_the_copies_are_copies():
    y = dg.arange(6.0)
    y.narrow_copy(0, 1, 2).mul_(0)
    y.flipud().mul_(0)  # (copies: y unchanged)
    y.take(dg.tensor([0, 1])).mul_(0)
    y.tile(2).mul_(0)
    np.testing.assert_array_equal(y.numpy(), np.arange(6.0))


# (call, error class, words the message holds besides the function's name)
ERRORS = [
    (lambda x: x.swapdims(0, 3), IndexError, "swapdims: dimension 3 is out of range"),
    (lambda x: x[0, 0].adjoint(), RuntimeError, r"tensor.adjoint\(\) is only supported on matrices"),
    (lambda x: x[0, 0].mH, RuntimeError, "tensor.mH is only supported on matrices"),
    (lambda x: x.H, RuntimeError, "consider using tensor.mH"),
    (lambda x: x.unflatten(2, (3, -1)), RuntimeError, r"unflatten: sizes \[3, -1\] cannot unflatten dim 2"),
    (lambda x: x.unflatten(2, (2, 3)), RuntimeError, "don't multiply up to the size of dim 2"),
    (lambda x: x.unflatten(2, ()), RuntimeError, "unflatten: sizes must be non-empty"),
    (lambda x: x.unflatten(2, (-1, -1)), RuntimeError, "only one dimension can be inferred"),
    (lambda x: x.tensor_split(0, 2), RuntimeError, "number of sections must be larger than 0"),
    (lambda x: x[0, 0, 0].tensor_split(2), RuntimeError, "at least a 1-dimensional tensor"),
    (lambda x: x.tensor_split(dg.tensor([1.5])), IndexError, "tensor_split: index must be an integer tensor"),
    (lambda x: x.hsplit(2), RuntimeError, "hsplit attempted to split along dimension 1, but the size of the "
                                          "dimension 3 is not divisible by the split_size 2"),
    (lambda x: x[0].vsplit(2), RuntimeError, "vsplit attempted to split along dimension 0"),
    (lambda x: x[0].dsplit(2), RuntimeError, "dsplit requires a tensor with at least 3 dimension"),
    (lambda x: x.split_with_sizes([5, -1], 2), ValueError, "split_sizes to be non-negative"),
    (lambda x: x.split([5, -1], 2), ValueError, r"split_sizes=\[5, -1\]"),
    (lambda x: x.narrow_copy(2, 3, 2), RuntimeError, r"narrow_copy: start \(3\) \+ length \(2\) exceeds"),
    (lambda x: dg.vstack([]), RuntimeError, "vstack expects a non-empty TensorList"),
    (lambda x: dg.hstack(x), TypeError, "hstack"),
    (lambda x: dg.column_stack([x[0], x[0, 0]]), RuntimeError, r"column_stack: .*\(3, 4\), \(4, 1\)"),
    (lambda x: dg.atleast_2d(2.0), TypeError, "atleast_2d: expected a Tensor"),
    (lambda x: dg.broadcast_tensors(x, x[0, :2]), RuntimeError, r"broadcast_tensors: .*\(2, 3, 4\)"),
    (lambda x: dg.broadcast_shapes((-1,)), RuntimeError, "negative dimension"),
    (lambda x: x[0, 0].fliplr(), RuntimeError, r"fliplr: Input must be >= 2-d"),
    (lambda x: x[0, 0, 0].flipud(), RuntimeError, r"flipud: Input must be >= 1-d"),
    (lambda x: x.take(dg.tensor([24])), IndexError, "take: out of range: .*index 24 on a tensor of 24"),
    (lambda x: dg.take(x, dg.tensor([-25])), IndexError, "index -25"),
    (lambda x: x.tile(-1), RuntimeError, "tile: Trying to create tensor with negative dimension"),
    (lambda x: x.sum_to_size(3, 3), RuntimeError, r"sum_to_size: size \[3, 3\] is not expandable"),
    (lambda x: x.sum_to_size(1, 2, 3, 4), RuntimeError, "is not expandable"),
]


@pytest.mark.cpu_only  # (the checks read shapes; take's bounds on the jax device: below)
@pytest.mark.parametrize("k", range(len(ERRORS)))
def test_bad_arguments_raise_naming_the_function_and_the_line(k):
    call, kind, words = ERRORS[k]
    x = dg.arange(24.0).reshape(2, 3, 4).requires_grad_()
    with pytest.raises(DualgradError, match=words) as info:
        call(x)
    assert isinstance(info.value, kind)
    assert "test_views_more.py:" in str(info.value)
    assert x.grad is None and x._version[0] == 0


def test_take_out_of_range_raises_on_both_devices():
    """(jax's gather clamps an index out of range: x.take([24]) would read x's last element)"""
    x = dg.arange(24.0)
    with pytest.raises(IndexError, match="take: out of range"):
        x.take(dg.tensor([3, 24]))
