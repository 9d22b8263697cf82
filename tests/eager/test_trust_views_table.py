"""Every function PyTorch documents as returning a view (docs: "Tensor Views") that dualgrad
has, in one table: a write through the result reaches its base, a write to the base shows in
the result, with a plain tensor, a leaf that requires grad (under no_grad) and a tensor in the
graph, whose gradients are checked too. `unfold` was a copy (a write into its windows changed
nothing, silently); windows that overlap refuse writes, as numpy's sliding windows.

Oracle: numpy float64, whose views share memory as PyTorch's do (and whose `reshape` of a
transposed array copies where PyTorch's does), applied to the same array; gradients from the
same numpy views of an index array (which base element each result element reads). The
multi-output views (`split`, `chunk`, `unbind`) accept writes in the graph where PyTorch
raises; their gradients are those of the same `narrow`/`select` (docs/eager.md)."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
from dualgrad.errors import DualgradError

SCALE, SHIFT = -2.0, 0.5


def _dims(draw, shape, k=1):
    return draw(st.lists(st.integers(0, len(shape) - 1), min_size=k, max_size=k, unique=True))


def _basic_key(draw, shape):
    key = []
    for n in shape:
        if draw(st.booleans()):
            key.append(draw(st.integers(-n, n - 1)))
        else:
            a, b = sorted(draw(st.lists(st.integers(0, n), min_size=2, max_size=2)))
            key.append(slice(a, b, draw(st.integers(1, 2))))
    if draw(st.booleans()):
        key.insert(draw(st.integers(0, len(key))), None)
    return tuple(key)


def _unfold_np(a, d, size, step):
    windows = np.lib.stride_tricks.sliding_window_view(a, size, axis=d, writeable=True)
    return windows[(slice(None),) * d + (slice(None, None, step),)]


def _pieces(a, d, sizes):
    bounds = np.cumsum([0] + list(sizes))
    return [a[(slice(None),) * d + (slice(int(lo), int(hi)),)]
            for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)]


def _chunk_sizes(n, chunks):
    size = max(-(-n // chunks), 1)
    return [size] * (n // size) + ([n % size] if n % size else [])


def _divisors(n):
    return [k for k in range(1, n + 1) if n % k == 0]


def _factors(draw, n):
    """`n` as sizes for unflatten: two factors, one of them maybe -1, or n between ones."""
    k = draw(st.sampled_from(_divisors(n)))
    return draw(st.sampled_from([(k, n // k), (k, -1), (-1, n // k), (1, n, 1), (n,)]))


def _diag_np(a, offset, d1, d2):
    moved = np.moveaxis(a, (d1, d2), (-2, -1))
    start = moved[..., max(0, -offset):, max(0, offset):]
    n = max(0, min(start.shape[-2], start.shape[-1]))
    return np.lib.stride_tricks.as_strided(start, moved.shape[:-2] + (n,),
                                           moved.strides[:-2] + (sum(moved.strides[-2:]),))


# name: (draw(shape) -> params, dualgrad view, numpy view); shapes are drawn for every entry
VIEWS = {
    "index": (_basic_key, lambda t, k: t[k], lambda a, k: a[k + (...,)]),  # (`...`: a 0-d view, not a copy)
    "detach": (lambda draw, s: None, lambda t, p: t.detach(), lambda a, p: a[...]),
    "diagonal": (lambda draw, s: (draw(st.integers(-2, 2)), *_dims(draw, s, 2)),
                 lambda t, p: t.diagonal(*p), lambda a, p: _diag_np(a, *p)),
    "expand": (lambda draw, s: draw(st.integers(2, 3)),
               lambda t, k: t[None].expand(k, *t.shape), lambda a, k: np.broadcast_to(a, (k, *a.shape))),
    "expand_as": (lambda draw, s: draw(st.integers(2, 3)),
                  lambda t, k: t.unsqueeze(0).expand_as(dg.zeros(k, *t.shape)),
                  lambda a, k: np.broadcast_to(a, (k, *a.shape))),
    "movedim": (lambda draw, s: tuple(_dims(draw, s, 2)), lambda t, p: t.movedim(*p),
                lambda a, p: np.moveaxis(a, *p)),
    "moveaxis": (lambda draw, s: tuple(_dims(draw, s, 2)), lambda t, p: t.moveaxis(*p),
                 lambda a, p: np.moveaxis(a, *p)),
    "narrow": (lambda draw, s: (d := _dims(draw, s)[0], st_ := draw(st.integers(0, s[d])),
                                draw(st.integers(0, s[d] - st_))),
               lambda t, p: t.narrow(*p),
               lambda a, p: a[(slice(None),) * p[0] + (slice(p[1], p[1] + p[2]),)]),
    "permute": (lambda draw, s: tuple(draw(st.permutations(range(len(s))))), lambda t, p: t.permute(*p),
                lambda a, p: a.transpose(p)),
    "select": (lambda draw, s: (d := _dims(draw, s)[0], draw(st.integers(-s[d], s[d] - 1))),
               lambda t, p: t.select(*p), lambda a, p: a[(slice(None),) * p[0] + (p[1], ...)]),
    "squeeze": (lambda draw, s: _dims(draw, s)[0], lambda t, d: t.unsqueeze(d).squeeze(d),
                lambda a, d: np.squeeze(np.expand_dims(a, d), d)),
    "squeeze_all": (lambda draw, s: None, lambda t, p: t.squeeze(), lambda a, p: np.squeeze(a)),
    "transpose": (lambda draw, s: tuple(_dims(draw, s, 2)), lambda t, p: t.transpose(*p),
                  lambda a, p: np.swapaxes(a, *p)),
    "swapaxes": (lambda draw, s: tuple(_dims(draw, s, 2)), lambda t, p: t.swapaxes(*p),
                 lambda a, p: np.swapaxes(a, *p)),
    "t": (lambda draw, s: None, lambda t, p: t.flatten(1).t(), lambda a, p: a.reshape(a.shape[0], -1).T),
    "T": (lambda draw, s: None, lambda t, p: t.flatten(1).T, lambda a, p: a.reshape(a.shape[0], -1).T),
    "mT": (lambda draw, s: None, lambda t, p: t.mT, lambda a, p: np.swapaxes(a, -1, -2)),
    "unfold": (lambda draw, s: (d := _dims(draw, s)[0], draw(st.integers(0, s[d])), draw(st.integers(1, 3))),
               lambda t, p: t.unfold(*p), lambda a, p: _unfold_np(a, *p)),
    "unfold_of_t": (lambda draw, s: (draw(st.integers(1, s[-1])), draw(st.integers(1, 2))),
                    lambda t, p: t.transpose(0, -1).unfold(0, *p),
                    lambda a, p: _unfold_np(np.swapaxes(a, 0, -1), 0, *p)),
    "unfold_contiguous": (lambda draw, s: (d := _dims(draw, s)[0], draw(st.integers(0, s[d])),
                                           draw(st.integers(1, 3))),
                          lambda t, p: t.unfold(*p).contiguous(),  # (a copy unless row-major)
                          lambda a, p: np.ascontiguousarray(_unfold_np(a, *p))),
    "unfold_reshape": (lambda draw, s: (d := _dims(draw, s)[0], draw(st.integers(0, s[d])),
                                        draw(st.integers(1, 3))),
                       lambda t, p: t.unfold(*p).reshape(-1), lambda a, p: _unfold_np(a, *p).reshape(-1)),
    "diagonal_contiguous": (lambda draw, s: (draw(st.integers(-2, 2)), *_dims(draw, s, 2)),
                            lambda t, p: t.diagonal(*p).contiguous(),
                            lambda a, p: np.ascontiguousarray(_diag_np(a, *p))),
    "unsqueeze": (lambda draw, s: draw(st.integers(-len(s) - 1, len(s))), lambda t, d: t.unsqueeze(d),
                  lambda a, d: np.expand_dims(a, d)),
    "view": (lambda draw, s: draw(st.sampled_from([(-1,), tuple(reversed(s)), (s[0], -1)])),
             lambda t, p: t.view(*p), lambda a, p: a.reshape(p)),
    "view_as": (lambda draw, s: None, lambda t, p: t.view_as(dg.zeros(*reversed(t.shape))),
                lambda a, p: a.reshape(tuple(reversed(a.shape)))),
    "reshape": (lambda draw, s: draw(st.sampled_from([(-1,), tuple(reversed(s))])),
                lambda t, p: t.reshape(*p), lambda a, p: a.reshape(p)),
    "reshape_of_t": (lambda draw, s: None, lambda t, p: t.transpose(0, -1).reshape(-1),  # (a copy in both)
                     lambda a, p: np.swapaxes(a, 0, -1).reshape(-1)),
    "flatten": (lambda draw, s: sorted(draw(st.lists(st.integers(0, len(s) - 1), min_size=2, max_size=2))),
                lambda t, p: t.flatten(*p),
                lambda a, p: a.reshape(a.shape[:p[0]] + (-1,) + a.shape[p[1] + 1:])),
    "contiguous": (lambda draw, s: None, lambda t, p: t.contiguous(), lambda a, p: np.ascontiguousarray(a)),
    "contiguous_of_t": (lambda draw, s: None, lambda t, p: t.transpose(0, -1).contiguous(),
                        lambda a, p: np.ascontiguousarray(np.swapaxes(a, 0, -1))),
    "unbind": (lambda draw, s: (d := _dims(draw, s)[0], draw(st.integers(0, s[d] - 1))),
               lambda t, p: t.unbind(p[0])[p[1]], lambda a, p: a[(slice(None),) * p[0] + (p[1], ...)]),
    "split": (lambda draw, s: (d := _dims(draw, s)[0], n := draw(st.integers(1, s[d])),
                               draw(st.integers(0, -(-s[d] // n) - 1))),
              lambda t, p: t.split(p[1], p[0])[p[2]],
              lambda a, p: _pieces(a, p[0], [p[1]] * (a.shape[p[0]] // p[1])
                                   + ([a.shape[p[0]] % p[1]] if a.shape[p[0]] % p[1] else []))[p[2]]),
    "split_sizes": (lambda draw, s: (d := _dims(draw, s)[0], (a := draw(st.integers(0, s[d])), s[d] - a),
                                     draw(st.integers(0, 1))),
                    lambda t, p: t.split(list(p[1]), p[0])[p[2]], lambda a, p: _pieces(a, p[0], p[1])[p[2]]),
    "chunk": (lambda draw, s: (d := _dims(draw, s)[0], c := draw(st.integers(1, 3)),
                               draw(st.integers(0, len(_chunk_sizes(s[d], c)) - 1))),
              lambda t, p: t.chunk(p[1], p[0])[p[2]],
              lambda a, p: _pieces(a, p[0], _chunk_sizes(a.shape[p[0]], p[1]))[p[2]]),
    # the views of eager/methods_views.py (PyTorch's other spellings; ravel_of_t and narrow_copy copy)
    "swapdims": (lambda draw, s: tuple(_dims(draw, s, 2)), lambda t, p: t.swapdims(*p),
                 lambda a, p: np.swapaxes(a, *p)),
    "adjoint": (lambda draw, s: None, lambda t, p: t.adjoint(), lambda a, p: np.swapaxes(a, -1, -2)),
    "mH": (lambda draw, s: None, lambda t, p: t.mH, lambda a, p: np.swapaxes(a, -1, -2)),
    "H": (lambda draw, s: None, lambda t, p: t.flatten(1).H, lambda a, p: a.reshape(a.shape[0], -1).T),
    "unflatten": (lambda draw, s: (d := _dims(draw, s)[0], _factors(draw, s[d])),
                  lambda t, p: t.unflatten(*p),
                  lambda a, p: a.reshape(a.shape[:p[0]] + p[1] + a.shape[p[0] + 1:])),
    "ravel": (lambda draw, s: None, lambda t, p: t.ravel(), lambda a, p: np.ravel(a)),
    "ravel_of_t": (lambda draw, s: None, lambda t, p: t.transpose(0, -1).ravel(),  # (a copy unless 1-d)
                   lambda a, p: np.ravel(np.swapaxes(a, 0, -1))),
    "narrow_copy": (lambda draw, s: (d := _dims(draw, s)[0], st_ := draw(st.integers(0, s[d])),
                                     draw(st.integers(0, s[d] - st_))),
                    lambda t, p: t.narrow_copy(*p),
                    lambda a, p: a[(slice(None),) * p[0] + (slice(p[1], p[1] + p[2]),)].copy()),
    "tensor_split": (lambda draw, s: (_dims(draw, s)[0], n := draw(st.integers(1, 4)),
                                      draw(st.integers(0, n - 1))),
                     lambda t, p: t.tensor_split(p[1], p[0])[p[2]],
                     lambda a, p: np.array_split(a, p[1], axis=p[0])[p[2]]),
    "tensor_split_indices": (lambda draw, s: (d := _dims(draw, s)[0],
                                              i := draw(st.lists(st.integers(-s[d] - 1, s[d] + 1),
                                                                 max_size=3)),
                                              draw(st.integers(0, len(i)))),
                             lambda t, p: dg.tensor_split(t, p[1], dim=p[0])[p[2]],
                             lambda a, p: np.array_split(a, p[1], axis=p[0])[p[2]]),
    "hsplit": (lambda draw, s: (k := draw(st.sampled_from(_divisors(s[len(s) > 1]))),
                                draw(st.integers(0, k - 1))),
               lambda t, p: t.hsplit(p[0])[p[1]], lambda a, p: np.hsplit(a, p[0])[p[1]]),
    "vsplit": (lambda draw, s: (k := draw(st.sampled_from(_divisors(s[0]))), draw(st.integers(0, k - 1))),
               lambda t, p: dg.vsplit(t, p[0])[p[1]], lambda a, p: np.vsplit(a, p[0])[p[1]]),
    "dsplit": (lambda draw, s: ([draw(st.integers(0, math.prod(s[1:])))], draw(st.integers(0, 1))),
               lambda t, p: t.reshape(t.shape[0], 1, -1).dsplit(p[0])[p[1]],
               lambda a, p: np.dsplit(a.reshape(a.shape[0], 1, -1), p[0])[p[1]]),
    "split_with_sizes": (lambda draw, s: (d := _dims(draw, s)[0], (a := draw(st.integers(0, s[d])), s[d] - a),
                                          draw(st.integers(0, 1))),
                         lambda t, p: t.split_with_sizes(list(p[1]), p[0])[p[2]],
                         lambda a, p: _pieces(a, p[0], p[1])[p[2]]),
    "atleast_1d": (lambda draw, s: None, lambda t, p: dg.atleast_1d(t[0]),
                   lambda a, p: np.atleast_1d(a[0, ...])),
    "atleast_2d": (lambda draw, s: None, lambda t, p: dg.atleast_2d([t[0]])[0],
                   lambda a, p: np.atleast_2d(a[0, ...])),
    "atleast_3d": (lambda draw, s: None, lambda t, p: dg.atleast_3d(t[0]),
                   lambda a, p: np.atleast_3d(a[0, ...])),
    "broadcast_tensors": (lambda draw, s: draw(st.integers(2, 3)),
                          lambda t, k: dg.broadcast_tensors(t, dg.zeros(k, *t.shape))[0],
                          lambda a, k: np.broadcast_to(a, (k, *a.shape))),
}
SHAPES = [(3,), (2, 3), (3, 4), (4, 2), (2, 1, 3), (2, 3, 4)]
NEEDS_2D = {"diagonal", "diagonal_contiguous", "transpose", "swapaxes", "movedim", "moveaxis", "mT", "t", "T",
            "flatten", "swapdims", "adjoint", "mH", "H", "vsplit"}


def _check(name, shape, params, mode):
    """Write through the view, then write to the base; compare with numpy (and gradients)."""
    _, dg_view, np_view = VIEWS[name]
    rng = np.random.default_rng(len(shape) * 7 + sum(shape))
    a = rng.normal(size=shape)
    want = a.copy()
    want_v = np_view(want, params)
    index = np.arange(a.size, dtype=np.float64).reshape(shape)
    reads = np_view(index, params).astype(np.intp)  # which base element each view element reads
    aliased = np.shares_memory(np_view(index, params), index)
    # (writes into a broadcast or into overlapping windows are refused; into a copy of them not)
    wrote = not aliased or np.unique(reads).size == reads.size
    x = dg.tensor(a, dtype=dg.float64, requires_grad=mode != "plain")
    with dg.no_grad() if mode == "leaf" else dg.enable_grad():
        base = x * 1.0 if mode == "graph" else x
        view = dg_view(base, params)
        assert tuple(view.shape) == want_v.shape
        np.testing.assert_array_equal(view.detach().numpy(), want_v)
        if wrote:
            view.mul_(SCALE)
            want_v *= SCALE
        else:
            with pytest.raises(DualgradError, match="more than one element of the written-to tensor"):
                view.mul_(SCALE)
        np.testing.assert_array_equal(base.detach().numpy(), want)  # the view's write reached the base
        base.add_(SHIFT)
        want += SHIFT
        np.testing.assert_array_equal(view.detach().numpy(), want_v)  # the base's write reached the view
    if mode != "graph":
        return
    w1, w2 = rng.normal(size=want_v.shape), rng.normal(size=shape)
    ((view * dg.tensor(w1)).sum() + (base * dg.tensor(w2)).sum()).backward()
    through_view = np.zeros(a.size)
    np.add.at(through_view, reads.ravel(), np.broadcast_to(w1, reads.shape).ravel())
    scaled = np.ones(a.size)
    if wrote:
        scaled[reads.ravel()] = SCALE
    if name == "detach":  # (a write through a detached alias changes values, not history)
        want_g = w2.ravel()
    elif aliased:  # base = x scaled where the view wrote, plus SHIFT; the view reads the base
        want_g = (w2.ravel() + through_view) * scaled
    else:  # a copy: the view is SCALE * its own x's, the base x + SHIFT
        want_g = w2.ravel() + SCALE * through_view
    np.testing.assert_allclose(x.grad.numpy().ravel(), want_g, rtol=1e-13)


@pytest.mark.cpu_only
@pytest.mark.parametrize("name", sorted(VIEWS))
@settings(max_examples=8, deadline=None)
@given(data=st.data())
def test_writes_reach_both_ways_and_gradients_follow(name, data):
    shapes = [s for s in SHAPES if len(s) >= 2] if name in NEEDS_2D else SHAPES
    shape = data.draw(st.sampled_from(shapes))
    params = VIEWS[name][0](data.draw, shape)
    _check(name, shape, params, data.draw(st.sampled_from(["plain", "leaf", "graph"])))


_FIRST = {"index": (1, slice(0, 2, 1)), "diagonal": (1, 0, 1), "expand": 2, "expand_as": 2, "movedim": (0, 1),
          "moveaxis": (1, 0), "narrow": (1, 1, 2), "permute": (1, 0), "select": (1, -1), "squeeze": 1,
          "transpose": (0, 1), "swapaxes": (1, 0), "unfold": (1, 2, 1), "unfold_of_t": (2, 2),
          "unfold_contiguous": (1, 2, 1), "unfold_reshape": (1, 1, 2), "diagonal_contiguous": (1, 0, 1),
          "unsqueeze": -1, "view": (-1,), "reshape": (4, 3), "flatten": [0, 1], "unbind": (1, 2),
          "split": (0, 2, 1), "split_sizes": (1, (1, 3), 1), "chunk": (1, 3, 1), "swapdims": (1, 0),
          "unflatten": (1, (2, -1)), "narrow_copy": (1, 1, 2), "tensor_split": (1, 3, 2),
          "tensor_split_indices": (1, [1, 3], 1), "hsplit": (2, 1), "vsplit": (3, 1), "dsplit": ([1], 1),
          "split_with_sizes": (1, (1, 3), 1), "broadcast_tensors": 2}


# on the jax device (a few compiles each): the strided views, their copies, a broadcast and a
# piece (indexing, reshapes and aliases there: test_view_writes.py, test_jax_aliases.py)
JAX_NAMES = ("unfold", "unfold_of_t", "unfold_contiguous", "unfold_reshape", "diagonal", "expand", "split",
             "tensor_split_indices", "ravel_of_t")


def test_every_view_on_both_devices(eager_device):
    """One fixed example of each (a few jax compiles each), in the graph and under no_grad."""
    for name in VIEWS if eager_device == "cpu" else JAX_NAMES:
        for mode in ("graph", "leaf"):
            _check(name, (3, 4), _FIRST.get(name), mode)


def test_unfold_writes_reach_the_input():
    y = dg.arange(6.0)
    y.unfold(0, 2, 2).mul_(10)  # (it printed y unchanged)
    np.testing.assert_array_equal(y.numpy(), [0.0, 10.0, 20.0, 30.0, 40.0, 50.0])
    windows = y.unfold(0, 3, 1)
    with pytest.raises(DualgradError, match="more than one element"):
        windows.mul_(10)
    with pytest.raises(DualgradError, match="more than one element"):
        windows[0, 1] = 5.0  # (on the CPU it was numpy's 'assignment destination is read-only')
    np.testing.assert_array_equal(y.numpy(), [0.0, 10.0, 20.0, 30.0, 40.0, 50.0])


@pytest.mark.cpu_only
def test_split_in_the_graph_gives_narrows_gradients_where_torch_raises(torch):
    grads = []
    for lib, spelled in ((torch, "narrow"), (dg, "split"), (dg, "narrow")):
        x = lib.tensor(np.arange(1.0, 9.0).reshape(4, 2), requires_grad=True)
        b = x * 1
        p, q = b.split(2) if spelled == "split" else (b.narrow(0, 0, 2), b.narrow(0, 2, 2))
        q.mul_(x[0, 0])
        p.add_(q * 2)
        ((p * p).sum() + (q ** 3).sum() + (b * b.exp()).sum()).backward()
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-13)
    np.testing.assert_allclose(grads[2], grads[0], rtol=1e-13)
