"""F.grid_sample and F.affine_grid against tests/nn/grid_sample_reference.py, a transcription of
ATen's GridSampler.h in numpy float64 (values) and jax.numpy (jax.grad): every mode x
padding_mode x align_corners for 2-d and 3-d input, on lattice grids that hit the borders, the
pixel centres and the rounding ties exactly, and on hypothesis-drawn sizes and grids reaching
past [-1, 1]; gradients w.r.t. input and grid against directional derivatives of the reference
(every case), jax.grad of it (two cases: compiling is slow) and dualgrad's finite differences
(gradcheck); the static graph on both backends and dg.compile; errors; torch as an extra
oracle."""
from __future__ import annotations

import itertools
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
import dualgrad.nn.functional as F
import dualgrad.static as ds
from dualgrad import errors
from dualgrad.ops import grid_sample as gs

from . import grid_sample_reference as ref

MODES, PADDINGS = ("bilinear", "nearest", "bicubic"), ("zeros", "border", "reflection")
CASES = [(m, p, a, k) for m, p, a, k in itertools.product(MODES, PADDINGS, (False, True), (2, 3))
         if not (m == "bicubic" and k == 3)]
RNG = np.random.default_rng(7)


def _lattice(n: int, out: tuple, k: int) -> np.ndarray:
    """Grid values on a quarter lattice in [-2.5, 2.5] (borders, centres and ties hit exactly)
    and off it."""
    g = RNG.integers(-10, 11, size=(n,) + out + (k,)) / 4.0
    off = RNG.random(g.shape) < 0.5
    return np.where(off, RNG.uniform(-2.5, 2.5, g.shape), g)


def _sample(x, g, mode, padding, align, **kw):
    return F.grid_sample(dg.tensor(x, **kw), dg.tensor(g, **kw), mode=mode, padding_mode=padding,
                         align_corners=align)


@pytest.mark.parametrize(("mode", "padding", "align", "k"), CASES)
def test_every_mode_padding_and_alignment_against_the_reference(mode, padding, align, k):
    x = RNG.standard_normal((2, 3) + tuple(RNG.integers(1, 5, size=k)))
    g = _lattice(2, (3,) * k, k)
    want = ref.grid_sample(np, x, g, mode, padding, align)
    np.testing.assert_allclose(_sample(x, g, mode, padding, align).numpy(), want, rtol=1e-12, atol=1e-12)
    got32 = _sample(x.astype(np.float32), g.astype(np.float32), mode, padding, align)
    assert got32.dtype == dg.float32
    np.testing.assert_allclose(got32.numpy(), want, rtol=1e-4, atol=1e-4)


@settings(max_examples=40, deadline=None)
@given(case=st.sampled_from(CASES), n=st.integers(1, 2), c=st.integers(1, 2),
       sizes=st.lists(st.integers(1, 6), min_size=3, max_size=3),
       out=st.lists(st.integers(1, 4), min_size=3, max_size=3), data=st.data())
def test_hypothesis_sizes_and_grids(case, n, c, sizes, out, data):
    mode, padding, align, k = case
    shape = (n,) + tuple(out[:k]) + (k,)
    values = st.floats(-3.0, 3.0, allow_nan=False) | st.sampled_from([-1.0, 1.0, 0.0, -1.5, 1.25])
    g = np.array(data.draw(st.lists(values, min_size=int(np.prod(shape)), max_size=int(np.prod(shape)))))
    g = g.reshape(shape)
    x = RNG.standard_normal((n, c) + tuple(sizes[:k]))
    np.testing.assert_allclose(_sample(x, g, mode, padding, align).numpy(),
                               ref.grid_sample(np, x, g, mode, padding, align), rtol=1e-12, atol=1e-12)


def _grads(x, g, w, mode, padding, align):
    tx, tg = dg.tensor(x, requires_grad=True), dg.tensor(g, requires_grad=True)
    (F.grid_sample(tx, tg, mode, padding, align) * dg.tensor(w)).sum().backward()
    return tx.grad.numpy(), tg.grad.numpy()


def _draw(k: int):
    """input, grid off the lattice (no kink within finite differences' reach), weights."""
    x = RNG.standard_normal((2, 2) + (3, 4, 5)[3 - k:])
    return x, RNG.uniform(-1.6, 1.6, (2,) + (3,) * k + (k,)), RNG.standard_normal((2, 2) + (3,) * k)


@pytest.mark.parametrize(("mode", "padding", "align", "k"), CASES)
def test_gradients_against_the_references_directional_derivatives(mode, padding, align, k):
    """<grad, v> of sum(w * out) against central differences of the float64 reference along
    random directions v, for input and grid."""
    x, g, w = _draw(k)
    gx, gg = _grads(x, g, w, mode, padding, align)

    def loss(a, b):
        return float(np.sum(ref.grid_sample(np, a, b, mode, padding, align) * w))

    eps = 1e-6
    for _ in range(2):
        vx, vg = RNG.standard_normal(x.shape), RNG.standard_normal(g.shape)
        fd_x = (loss(x + eps * vx, g) - loss(x - eps * vx, g)) / (2 * eps)
        fd_g = (loss(x, g + eps * vg) - loss(x, g - eps * vg)) / (2 * eps)
        np.testing.assert_allclose(np.sum(gx * vx), fd_x, rtol=1e-7, atol=1e-8)
        np.testing.assert_allclose(np.sum(gg * vg), fd_g, rtol=1e-6, atol=1e-7)
    if mode == "nearest":  # PyTorch's zeros, not None
        assert not np.any(gg)


@pytest.mark.parametrize(("mode", "padding", "align", "k"), [
    ("bilinear", "reflection", False, 2), ("bilinear", "border", True, 3)])
def test_gradients_against_jax_grad_of_the_reference(jax_float64, mode, padding, align, k):
    """The fold's sign and the clip's zeros in the grid's gradient, in 2-d and 3-d."""
    x, g, w = _draw(k)

    def loss(a, b):
        return jnp.sum(ref.grid_sample(jnp, a, b, mode, padding, align) * w)

    a, b = jnp.asarray(x), jnp.asarray(g)
    grad = jax.jit(jax.grad(loss, argnums=(0, 1))).lower(a, b)  # compiled fast: XLA's optimisations off
    want_x, want_g = grad.compile(compiler_options={"xla_backend_optimization_level": 0})(a, b)
    gx, gg = _grads(x, g, w, mode, padding, align)
    np.testing.assert_allclose(gx, np.asarray(want_x), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gg, np.asarray(want_g), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(("mode", "padding", "align", "k"), [
    ("bilinear", "zeros", False, 2), ("bilinear", "border", True, 2), ("bilinear", "reflection", False, 2),
    ("bicubic", "reflection", True, 2), ("bicubic", "zeros", False, 2), ("bilinear", "reflection", True, 3)])
def test_gradcheck_by_finite_differences(mode, padding, align, k):
    x = RNG.standard_normal((1, 2) + (3, 3, 4)[3 - k:])
    g = RNG.uniform(-1.4, 1.4, (1,) + (2,) * k + (k,))
    assert dg.autograd.gradcheck(lambda a, b: F.grid_sample(a, b, mode, padding, align),
                                 (dg.tensor(x, requires_grad=True), dg.tensor(g, requires_grad=True)))


def test_borders_take_pytorchs_gradient():
    """The identity grid with align_corners=True puts -1 and 1 on the corner pixels: the clip of
    'border' and 'reflection' has gradient 0 there (PyTorch counts the borders as outside);
    'zeros' does not clip, and its corner past the edge reads 0 (torch 2.13's numbers)."""
    x = np.arange(6.0).reshape(1, 1, 2, 3)
    g = np.array([[[[-1.0, -1.0], [1.0, 1.0], [0.0, 0.0]]]])
    clipped = [[0.0, 0.0], [0.0, 0.0], [1.0, 1.5]]
    zeros = [[1.0, 1.5], [-5.0, -2.5], [1.0, 1.5]]
    for padding, want in (("border", clipped), ("reflection", clipped), ("zeros", zeros)):
        tg = dg.tensor(g, requires_grad=True)
        out = F.grid_sample(dg.tensor(x), tg, padding_mode=padding, align_corners=True)
        np.testing.assert_allclose(out.detach().numpy().ravel(), [0.0, 5.0, 2.5])
        out.sum().backward()
        np.testing.assert_allclose(tg.grad.numpy()[0, 0], want)


def test_affine_grid_against_the_formula_and_its_gradient():
    for size, align in itertools.product(([2, 3, 4, 5], [2, 1, 1, 3], [2, 3, 2, 1, 4], [2, 1, 3, 4, 2]),
                                         (False, True)):
        k = len(size) - 2
        theta = RNG.standard_normal((2, k, k + 1))
        w = RNG.standard_normal(tuple(size[:1] + size[2:]) + (k,))
        t = dg.tensor(theta, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the unit-size warning
            grid = F.affine_grid(t, size, align_corners=align)
        want = ref.affine_grid(np, theta, size, align)
        np.testing.assert_allclose(grid.detach().numpy(), want, rtol=1e-12, atol=1e-14)
        (grid * dg.tensor(w)).sum().backward()
        base = ref.affine_grid(np, np.eye(k, k + 1)[None].repeat(2, 0), size, align)  # x, y[, z]
        base = np.concatenate([base, np.ones(base.shape[:-1] + (1,))], axis=-1)
        want = np.einsum("npi,npj->nij", w.reshape(2, -1, k), base.reshape(2, -1, k + 1))  # linear in theta
        np.testing.assert_allclose(t.grad.numpy(), want, rtol=1e-12, atol=1e-12)
    # the first float32 grid points are the float64 ones rounded once
    eye = dg.tensor(np.eye(2, 3, dtype=np.float32)[None])
    line = F.affine_grid(eye, [1, 1, 1, 7], align_corners=False).numpy()[0, 0, :, 0]
    np.testing.assert_array_equal(line, (np.linspace(-1, 1, 7) * 6 / 7).astype(np.float32))


def test_default_align_corners_warns_as_pytorch():
    x, theta = dg.zeros(1, 1, 2, 2), dg.tensor(np.eye(2, 3)[None])
    with pytest.warns(UserWarning, match="Default grid_sample and affine_grid behavior has changed") as rec:
        grid = F.affine_grid(theta, [1, 1, 2, 2])
    assert rec[0].filename == __file__
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        F.grid_sample(x, grid.float())
    with pytest.warns(UserWarning, match="unit-size grids when align_corners=True"):
        F.affine_grid(theta, [1, 1, 1, 2], align_corners=True)


def test_the_static_graph_on_both_backends_and_compile():
    """The composite on graph tensors (numpy and jax Sessions, gradients by ds.gradients) and
    a dg.compile'd step through affine_grid and grid_sample."""
    x = RNG.standard_normal((2, 2, 4, 5)).astype(np.float32)
    g = RNG.uniform(-1.3, 1.3, (2, 3, 2, 2)).astype(np.float32)
    want = ref.grid_sample(np, x, g, "bilinear", "reflection", False)
    tx, tg = dg.tensor(x, requires_grad=True), dg.tensor(g, requires_grad=True)
    F.grid_sample(tx, tg, padding_mode="reflection", align_corners=False).sum().backward()
    for backend in ("numpy", "jax"):
        ds.reset_default_graph()
        px, pg = ds.placeholder(ds.float32, shape=x.shape), ds.placeholder(ds.float32, shape=g.shape)
        out = gs.grid_sample(px, pg, "bilinear", "reflection", False)
        grads = ds.gradients(ds.reduce_sum(out), [px, pg])
        with ds.Session(backend=backend) as sess:
            got, gx, gg = sess.run([out, *grads], {px: x, pg: g})
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(gx, tx.grad.numpy(), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(gg, tg.grad.numpy(), rtol=1e-5, atol=1e-5)
    ds.reset_default_graph()

    theta = dg.tensor(np.array([[[0.9, 0.2, 0.1], [-0.1, 1.1, 0.0]]], np.float32), requires_grad=True)
    image = dg.tensor(x[:1])

    def step():
        theta.grad = None
        grid = F.affine_grid(theta, [1, 2, 3, 3], align_corners=False)
        loss = (F.grid_sample(image, grid, align_corners=False) ** 2).sum()
        loss.backward()
        return loss, theta.grad

    compiled = dg.compile(step, backend="numpy")
    runs = [compiled(), compiled()], [step(), step()]
    for (loss, grad), (eager_loss, eager_grad) in zip(*runs, strict=True):
        np.testing.assert_allclose(float(loss), float(eager_loss), rtol=1e-6)
        np.testing.assert_allclose(grad.numpy(), eager_grad.numpy(), rtol=1e-5, atol=1e-6)


ERRORS = [
    (lambda: _sample(np.zeros((2, 1, 3, 3)), np.zeros((3, 2, 2, 2)), "bilinear", "zeros", False),
     errors.EagerShapeError, r"same batch size, but got input with sizes \[2, 1, 3, 3\] and grid with sizes"),
    (lambda: _sample(np.zeros((1, 1, 3, 3)), np.zeros((1, 2, 2, 3)), "bilinear", "zeros", False),
     errors.EagerShapeError, "expected grid to have size 2 in last dimension"),
    (lambda: _sample(np.zeros((1, 1, 4)), np.zeros((1, 2, 1)), "bilinear", "zeros", False),
     errors.EagerShapeError, "expected 4D or 5D input and grid with same number of dimensions"),
    (lambda: _sample(np.zeros((1, 1, 0, 3)), np.zeros((1, 2, 2, 2)), "bilinear", "zeros", False),
     errors.EagerShapeError, "with dimension 2 being empty"),
    (lambda: _sample(np.zeros((1, 1, 2, 2, 2)), np.zeros((1, 1, 1, 1, 3)), "bicubic", "zeros", False),
     NotImplementedError, "bicubic interpolation only supports 4D input"),
    (lambda: _sample(np.zeros((1, 1, 2, 2)), np.zeros((1, 1, 1, 2)), "area", "zeros", False),
     ValueError, "expected mode to be 'bilinear', 'nearest' or 'bicubic', but got: 'area'"),
    (lambda: _sample(np.zeros((1, 1, 2, 2)), np.zeros((1, 1, 1, 2)), "bilinear", "wrap", False),
     ValueError, "expected padding_mode to be 'zeros', 'border', or 'reflection', but got: 'wrap'"),
    (lambda: F.grid_sample(dg.zeros(1, 1, 2, 2), dg.zeros(1, 1, 1, 2, dtype=dg.float64), align_corners=False),
     RuntimeError, "expected input and grid to have same dtype"),
    (lambda: F.grid_sample(dg.zeros(1, 1, 2, 2, device="jax"), dg.zeros(1, 1, 1, 2), align_corners=False),
     RuntimeError, "expected input and grid to be on same device, but input is on jax and grid is on cpu"),
    (lambda: F.grid_sample(dg.zeros(1, 1, 2, 2, dtype=dg.int64), dg.zeros(1, 1, 1, 2, dtype=dg.int64),
                           align_corners=False), NotImplementedError, "floating point"),
    (lambda: F.affine_grid(dg.zeros(2, 2, 3), [2, 3, 4], align_corners=False), NotImplementedError,
     r"affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, respectively. "
     r"Got size \[2, 3, 4\]"),
    (lambda: F.affine_grid(dg.zeros(2, 3, 3), [2, 3, 4, 4], align_corners=False), ValueError,
     r"Expected a batch of 2D affine matrices of shape Nx2x3 for size \[2, 3, 4, 4\]. Got \[2, 3, 3\]"),
    (lambda: F.affine_grid(dg.zeros(2, 2, 3, dtype=dg.int64), [2, 3, 4, 4], align_corners=False), ValueError,
     "Expected theta to have floating point type"),
    (lambda: F.affine_grid(dg.zeros(2, 2, 3), [2, 3, 0, 4], align_corners=False), ValueError,
     r"Expected non-zero, positive output size. Got \[2, 3, 0, 4\]"),
    (lambda: F.affine_grid(dg.zeros(2, 2, 3), [3, 3, 4, 4], align_corners=False), RuntimeError,
     "theta holds 2 matrices for a batch of 3"),
]


@pytest.mark.parametrize(("call", "kind", "match"), ERRORS)
def test_errors_name_the_op_and_the_users_line(call, kind, match):
    with pytest.raises(kind, match=match) as info:
        call()
    assert isinstance(info.value, errors.DualgradError)
    assert "test_grid_sample.py:" in str(info.value)


def test_against_torch(torch):
    """Every case, values and both gradients, on one lattice draw (torch's CPU kernels)."""
    for mode, padding, align, k in CASES:
        x = RNG.standard_normal((2, 2) + tuple(RNG.integers(1, 5, size=k)))
        g = _lattice(2, (3,) * k, k)
        tx, tg = torch.tensor(x, requires_grad=True), torch.tensor(g, requires_grad=True)
        want = torch.nn.functional.grid_sample(tx, tg, mode=mode, padding_mode=padding, align_corners=align)
        w = RNG.standard_normal(want.shape)
        (want * torch.tensor(w)).sum().backward()
        dx, dgrid = dg.tensor(x, requires_grad=True), dg.tensor(g, requires_grad=True)
        got = F.grid_sample(dx, dgrid, mode, padding, align)
        (got * dg.tensor(w)).sum().backward()
        np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(dx.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(dgrid.grad.numpy(), tg.grad.numpy(), rtol=1e-10, atol=1e-12)
