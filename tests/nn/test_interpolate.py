"""F.interpolate and nn.Upsample against a numpy float64 transcription of PyTorch's documented
index math (UpSample.h: the legacy floor(dst * scale) nearest rule with its same-size and
double-size shortcuts (the 2-d kernel's even with a scale_factor), nearest-exact, the clamped
linear coordinate, Keys' cubic with A = -0.75 and clamped borders), written here as dense
per-dim interpolation matrices M (out x in): the output is the input multiplied by each dim's
M, and the gradient of sum(g * out) is g multiplied by each M transposed. Gradients also by
finite differences and by jax.grad of the same dense form in jnp; the jax device; dg.compile;
errors; torch as an extra oracle."""
from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
import dualgrad.nn.functional as F
from dualgrad import nn


def _nearest_rows(n: int, m: int, scale, exact: bool, dims: int) -> np.ndarray:
    j = np.arange(m)
    shortcut = not exact and (scale is None or dims == 2)  # torch's 2-d kernel takes them always
    if shortcut and m == n:
        return j
    if shortcut and m == 2 * n:
        return j // 2
    s = np.float32(1.0 / scale) if scale else np.float32(n) / np.float32(m)
    if exact:
        src = np.floor(np.float32((j + 0.5) * np.float64(s)))
    else:
        src = np.floor(np.float32(j) * s)
    return np.minimum(src.astype(int), n - 1)


def _coord(n: int, m: int, align: bool, scale, cubic: bool) -> np.ndarray:
    j = np.arange(m, dtype=np.float64)
    if align:
        return j * ((n - 1) / (m - 1) if m > 1 else 0.0)
    s = 1.0 / scale if scale else n / m
    x = s * (j + 0.5) - 0.5
    return x if cubic else np.maximum(x, 0.0)


def matrix(mode: str, n: int, m: int, align: bool = False, scale=None, dims: int = 1) -> np.ndarray:
    """PyTorch's (m, n) interpolation matrix of one dim, in float64."""
    M = np.zeros((m, n))
    rows = np.arange(m)
    if mode in ("nearest", "nearest-exact"):
        M[rows, _nearest_rows(n, m, scale, mode == "nearest-exact", dims)] = 1.0
        return M
    if mode == "linear" and n == m:
        return np.eye(n)
    x = _coord(n, m, align, scale, mode == "cubic")
    i0 = np.minimum(np.floor(x).astype(int), n - 1)
    t = np.clip(x - i0, 0.0, 1.0)
    if mode == "linear":
        np.add.at(M, (rows, i0), 1 - t)
        np.add.at(M, (rows, np.minimum(i0 + 1, n - 1)), t)
        return M
    a = -0.75
    w = [((a * (t + 1) - 5 * a) * (t + 1) + 8 * a) * (t + 1) - 4 * a,
         ((a + 2) * t - (a + 3)) * t * t + 1,
         ((a + 2) * (1 - t) - (a + 3)) * (1 - t) ** 2 + 1,
         ((a * (2 - t) - 5 * a) * (2 - t) + 8 * a) * (2 - t) - 4 * a]
    for k in range(4):
        np.add.at(M, (rows, np.clip(i0 - 1 + k, 0, n - 1)), w[k])
    return M


_KIND = {"nearest": "nearest", "nearest-exact": "nearest-exact", "linear": "linear", "bilinear": "linear",
         "trilinear": "linear", "bicubic": "cubic"}


def _matrices(mode, spatial, sizes, align, scales):
    return [matrix(_KIND[mode], n, m, bool(align), s, len(spatial))
            for n, m, s in zip(spatial, sizes, scales, strict=True)]


def apply(x, mats, xp=np):
    """x (N, C, *spatial) times each dim's matrix."""
    for k, M in enumerate(mats):
        x = xp.moveaxis(xp.tensordot(M, xp.moveaxis(x, 2 + k, 0), axes=(1, 0)), 0, 2 + k)
    return x


def expected(x: np.ndarray, mode: str, size=None, scale_factor=None, align_corners=None, recompute=False):
    spatial = x.shape[2:]
    d = len(spatial)
    if size is not None:
        sizes = [size] * d if isinstance(size, int) else list(size)
        scales = [None] * d
    else:
        scales = [scale_factor] * d if not isinstance(scale_factor, tuple) else list(scale_factor)
        sizes = [math.floor(n * s) for n, s in zip(spatial, scales, strict=True)]
        scales = [None] * d if recompute else scales
    return apply(x.astype(np.float64), _matrices(mode, spatial, sizes, align_corners, scales))


RNG = np.random.default_rng(0)
X4 = RNG.standard_normal((2, 3, 5, 6))

CASES = [
    ("nearest", None, {"size": (7, 4)}), ("nearest", None, {"scale_factor": 2}),
    ("nearest", None, {"scale_factor": (2.1, 0.7)}), ("nearest", None, {"size": (10, 12)}),
    ("nearest-exact", None, {"size": (8, 3)}), ("nearest-exact", None, {"scale_factor": 1.6}),
    ("bilinear", False, {"size": (9, 4)}), ("bilinear", True, {"size": (9, 4)}),
    ("bilinear", False, {"scale_factor": (1.7, 0.6)}), ("bilinear", True, {"scale_factor": 2}),
    ("bilinear", False, {"scale_factor": 1.3, "recompute_scale_factor": True}),
    ("bilinear", False, {"size": (5, 6)}),
    ("bicubic", False, {"size": (9, 4)}), ("bicubic", True, {"size": (3, 11)}),
    ("bicubic", False, {"scale_factor": 1.5}),
]


@pytest.mark.parametrize("mode,align,kw", CASES)
def test_values_match_pytorchs_index_math(mode, align, kw):
    recompute = kw.get("recompute_scale_factor", False)
    want = expected(X4, mode, kw.get("size"), kw.get("scale_factor"), align, recompute)
    got64 = F.interpolate(dg.tensor(X4), mode=mode, align_corners=align, **kw)
    assert got64.dtype == dg.float64 and tuple(got64.shape) == want.shape
    np.testing.assert_allclose(got64.numpy(), want, rtol=1e-12, atol=1e-12)
    got32 = F.interpolate(dg.tensor(X4.astype(np.float32)), mode=mode, align_corners=align, **kw)
    assert got32.dtype == dg.float32
    np.testing.assert_allclose(got32.numpy(), want, rtol=1e-5, atol=1e-5)


def test_a_same_size_result_is_a_new_tensor():
    x = dg.tensor(X4)
    y = F.interpolate(x, size=(5, 6))
    y.add_(1.0)
    np.testing.assert_array_equal(x.numpy(), X4)
    np.testing.assert_array_equal(y.numpy(), X4 + 1.0)


def test_half_precision_computes_in_float32_as_pytorch():
    """float16 input is resampled in float32 and rounded once, as PyTorch's opmath: the float64
    result rounded to float16 (within one float16 step for a double rounding)."""
    x = X4.astype(np.float16)
    got = F.interpolate(dg.tensor(x), size=(9, 4), mode="bilinear")
    assert got.dtype == dg.float16
    want = expected(x, "bilinear", size=(9, 4)).astype(np.float16)
    np.testing.assert_allclose(got.numpy().astype(np.float64), want.astype(np.float64), rtol=1e-3, atol=1e-3)


def test_linear_and_trilinear_and_area():
    x3 = RNG.standard_normal((2, 2, 7))
    for align in (False, True):
        got = F.interpolate(dg.tensor(x3), size=12, mode="linear", align_corners=align).numpy()
        np.testing.assert_allclose(got, expected(x3, "linear", size=12, align_corners=align), rtol=1e-12)
    x5 = RNG.standard_normal((1, 2, 3, 4, 5))
    got = F.interpolate(dg.tensor(x5), scale_factor=(2, 1.5, 0.5), mode="trilinear").numpy()
    np.testing.assert_allclose(got, expected(x5, "trilinear", scale_factor=(2, 1.5, 0.5)), rtol=1e-12)
    got = F.interpolate(dg.tensor(x5), size=(6, 4, 2), mode="nearest").numpy()
    np.testing.assert_allclose(got, expected(x5, "nearest", size=(6, 4, 2)))
    # 'area' is adaptive average pooling: windows [floor(i n / out), ceil((i + 1) n / out))
    area = F.interpolate(dg.tensor(x3), size=3, mode="area").numpy()
    want = np.stack([x3[..., 0:3].mean(-1), x3[..., 2:5].mean(-1), x3[..., 4:7].mean(-1)], -1)
    np.testing.assert_allclose(area, want, rtol=1e-12)


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_nonfinite_values_spread_as_pytorchs_kernels():
    """Each tap is a product even where its weight is 0: 0 * inf is NaN, as in PyTorch, whose
    same-size linear copy reads the element twice (weights 1 and 0)."""
    x = dg.tensor([[[1.0, np.inf, 3.0]]])
    np.testing.assert_array_equal(F.interpolate(x, size=3, mode="linear").numpy()[0, 0], [1.0, np.nan, 3.0])
    up = F.interpolate(x, size=6, mode="linear").numpy()[0, 0]
    assert np.isnan(up[0]) and np.isinf(up[1:5]).all() and up[5] == 3.0
    near = F.interpolate(x, scale_factor=2).numpy()[0, 0]
    np.testing.assert_array_equal(near, [1.0, 1.0, np.inf, np.inf, 3.0, 3.0])


GRAD_CASES = [("bilinear", False, {"size": (7, 3)}), ("bicubic", True, {"size": (4, 8)}),
              ("nearest", None, {"scale_factor": 1.5}), ("nearest-exact", None, {"size": (3, 7)})]


def test_gradient_is_the_transposed_matrices_and_matches_finite_differences_and_jax(jax_float64):
    x = RNG.standard_normal((1, 2, 4, 5))
    terms, grads = [], []
    for mode, align, kw in GRAD_CASES:
        sizes = kw.get("size") or [math.floor(n * kw["scale_factor"]) for n in x.shape[2:]]
        mats = _matrices(mode, x.shape[2:], sizes, align, [kw.get("scale_factor")] * 2)
        g = RNG.standard_normal(apply(x, mats).shape)
        t = dg.tensor(x, requires_grad=True)
        (F.interpolate(t, mode=mode, align_corners=align, **kw) * dg.tensor(g)).sum().backward()
        np.testing.assert_allclose(t.grad.numpy(), apply(g, [M.T for M in mats]), rtol=1e-12, atol=1e-12)
        terms.append(([jnp.asarray(M) for M in mats], g))
        grads.append(t.grad.numpy())
        assert dg.autograd.gradcheck(lambda a, mode=mode, align=align, kw=kw: F.interpolate(
            a, mode=mode, align_corners=align, **kw), (dg.tensor(x[:, :1, :3, :4], requires_grad=True),))
    # jax.grad of the dense form, one call for all modes: sum_k <apply(a, M_k), g_k>
    total = jax.jit(jax.grad(lambda a: sum(jnp.sum(apply(a, m, jnp) * g) for m, g in terms)))(jnp.asarray(x))
    np.testing.assert_allclose(sum(grads), np.asarray(total), rtol=1e-10, atol=1e-12)


@settings(max_examples=15, deadline=None)
@given(n=st.integers(1, 6), m=st.integers(1, 9), scale=st.sampled_from([None, 0.5, 1.3, 2.0, 2.5, 3.0]),
       mode=st.sampled_from(["nearest", "nearest-exact", "linear"]), align=st.booleans())
def test_hypothesis_sizes_and_scale_factors(n, m, scale, mode, align):
    x = RNG.standard_normal((1, 2, n))
    align = align if mode == "linear" else None
    if scale is not None and math.floor(n * scale) < 1:
        return
    kw = {"size": m} if scale is None else {"scale_factor": scale}
    got = F.interpolate(dg.tensor(x), mode=mode, align_corners=align, **kw).numpy()
    np.testing.assert_allclose(got, expected(x, mode, kw.get("size"), scale, align), rtol=1e-12, atol=1e-12)


def test_on_the_jax_device_and_under_compile():
    x = X4.astype(np.float32)
    want = expected(x, "bilinear", size=(8, 9))
    t = dg.tensor(x, device="jax", requires_grad=True)
    out = F.interpolate(t, size=(8, 9), mode="bilinear")
    assert out.device.type == "jax"
    np.testing.assert_allclose(out.detach().cpu().numpy(), want, rtol=1e-5, atol=1e-5)
    out.sum().backward()
    ones = np.ones(want.shape)
    grad_want = apply(ones, [M.T for M in _matrices("bilinear", (5, 6), (8, 9), False, (None, None))])
    np.testing.assert_allclose(t.grad.cpu().numpy(), grad_want, rtol=1e-5)

    model = nn.Sequential(nn.Conv2d(3, 2, 1), nn.Upsample(scale_factor=2, mode="bilinear"))
    w0 = [p.detach().numpy().copy() for p in model.parameters()]
    target = dg.tensor(RNG.standard_normal((2, 2, 10, 12)).astype(np.float32))
    opt = dg.optim.SGD(model.parameters(), lr=0.1)

    def step():
        opt.zero_grad()
        loss = F.mse_loss(model(dg.tensor(x)), target)
        loss.backward()
        opt.step()
        return loss

    compiled = dg.compile(step, backend="numpy")
    losses = [float(compiled()) for _ in range(3)]
    with dg.no_grad():
        for p, v in zip(model.parameters(), w0, strict=True):
            p.copy_(dg.tensor(v))
    eager = [float(step()) for _ in range(3)]
    np.testing.assert_allclose(losses, eager, rtol=1e-6)
    assert losses[-1] < losses[0]


def test_modules():
    x = dg.tensor(X4)
    up = nn.Upsample(scale_factor=2, mode="bilinear")
    assert repr(up) == "Upsample(scale_factor=2.0, mode='bilinear')"
    assert repr(nn.Upsample(size=(3, 4))) == "Upsample(size=(3, 4), mode='nearest')"
    np.testing.assert_allclose(up(x).numpy(), expected(X4, "bilinear", scale_factor=2.0, align_corners=False))
    np.testing.assert_allclose(nn.UpsamplingBilinear2d(size=(7, 7))(x).numpy(),
                               expected(X4, "bilinear", size=(7, 7), align_corners=True), rtol=1e-12)
    np.testing.assert_allclose(nn.UpsamplingNearest2d(scale_factor=3)(x).numpy(),
                               expected(X4, "nearest", scale_factor=3.0))
    np.testing.assert_allclose(F.upsample_bilinear(x, size=(7, 7)).numpy(),
                               expected(X4, "bilinear", size=(7, 7), align_corners=True), rtol=1e-12)


def test_errors_name_the_function_the_shapes_and_the_line():
    x = dg.tensor(X4)
    cases = [
        (ValueError, "only one of size or scale_factor", {"size": 3, "scale_factor": 2}),
        (ValueError, "either size or scale_factor", {}),
        (ValueError, r"spatial dimensions of \[5, 6\] and output size \(1, 2, 3\)", {"size": (1, 2, 3)}),
        (ValueError, "align_corners option can only be set", {"size": 3, "align_corners": True}),
        (NotImplementedError, r"Got 4D input, but linear mode needs 3D input \(input shape \[2, 3, 5, 6\]\)",
         {"size": 3, "mode": "linear"}),
        (NotImplementedError, "got bogus", {"size": 3, "mode": "bogus"}),
        (ValueError, "recompute_scale_factor is not meaningful", {"size": 3, "recompute_scale_factor": True}),
        (ValueError, "sizes should be greater than 0", {"scale_factor": 0.1}),
        (NotImplementedError, "antialias", {"size": 3, "mode": "bilinear", "antialias": True}),
        (TypeError, "expected size to be one of int", {"size": (2.5, 3)}),
    ]
    for kind, message, kw in cases:
        with pytest.raises(kind, match=message) as info:
            F.interpolate(x, **kw)
        assert "interpolate" in str(info.value) and "test_interpolate.py" in str(info.value)


def test_against_torch(torch):
    x = RNG.standard_normal((2, 3, 5, 7)).astype(np.float32)
    for mode, align, kw in CASES:
        got = F.interpolate(dg.tensor(x), mode=mode, align_corners=align, **kw).numpy()
        want = torch.nn.functional.interpolate(torch.tensor(x), mode=mode, align_corners=align, **kw).numpy()
        np.testing.assert_allclose(got, want, rtol=2e-6, atol=2e-6)
