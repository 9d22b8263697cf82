"""Resampling along one axis as a composition of registry ops, shared by PyTorch's
`F.interpolate` and TF1's `tf.image.resize_*`: every output element is a fixed weighted sum
of a few input elements along the axis, so a resize is `take` with constant index arrays and
products with constant weight arrays, and its VJP (`take_add`), jax kernel, static graph and
sympy form all come from the registry. The plans (indices and weights) are worked out here
once per shape with numpy, in the float width each library computes them in, so the
positions and weights are those libraries' own (PyTorch's floorf of a float32 product, TF's
float32 scalers). Each plan is a list of taps (index, weight or None)."""
from __future__ import annotations

import numpy as np

from . import elementwise as ew
from .gathering import take


# -- PyTorch (aten/src/ATen/native/UpSample.h, cpu/UpSampleKernel.cpp) ----------------------------
def _torch_scale(ft, in_size: int, out_size: int, align_corners: bool, scale: float | None):
    """area_pixel_compute_scale: (in-1)/(out-1) with align_corners, else 1/scale_factor when
    one is given (and not recomputed), else in/out, in the kernel's float width `ft`."""
    if align_corners:
        return ft(in_size - 1) / ft(out_size - 1) if out_size > 1 else ft(0)
    if scale is not None and scale > 0:
        return ft(1.0 / scale)
    return ft(in_size) / ft(out_size)


def _half_pixel(s, dst: np.ndarray, ft) -> np.ndarray:
    """s * (dst + 0.5) - 0.5 rounded once to `ft`, as the fused multiply-add PyTorch's CPU
    build makes of it (the product is exact in float64 for float32 operands)."""
    if ft is np.float64:
        return s * (dst + 0.5) - 0.5
    return (np.float64(s) * (dst + 0.5) - 0.5).astype(np.float32)


def torch_nearest_plan(in_size: int, out_size: int, scale: float | None, exact: bool, dims: int = 1) -> list:
    """upsample_nearest's source index: dst when out == in and dst >> 1 when out == 2 in
    (nearest_idx's shortcuts, taken by the 1-d and 3-d kernels only without a scale_factor,
    by the 2-d kernel always, as torch 2.13's CPU build does); else min(floorf(dst * s), in - 1)
    in float32 (the legacy rule), or min(floorf((dst + 0.5) * s), in - 1) for 'nearest-exact'
    (the product in double, rounded to float32 before floorf, as the C++ does); s = in/out or
    1/scale_factor."""
    dst = np.arange(out_size)
    if not exact and (scale is None or dims == 2) and out_size in (in_size, 2 * in_size):
        return [(dst if out_size == in_size else dst >> 1, None)]
    s = _torch_scale(np.float32, in_size, out_size, False, scale)
    if exact:
        src = np.floor(((dst + 0.5) * np.float64(s)).astype(np.float32))
    else:
        src = np.floor(dst.astype(np.float32) * s)
    return [(np.minimum(src.astype(np.int64), in_size - 1), None)]


def torch_linear_plan(in_size: int, out_size: int, align_corners: bool, scale: float | None,
                      ft=np.float32) -> list:
    """compute_source_index_and_lambda: the same size copies (both taps the element itself,
    weights 1 and 0); otherwise the source coordinate (clamped at 0 unless align_corners), its
    floor and the next element (itself at the last), lambda clamped to [0, 1]."""
    dst = np.arange(out_size)
    if in_size == out_size:
        return [(dst, np.ones(out_size, ft)), (dst, np.zeros(out_size, ft))]
    s = _torch_scale(ft, in_size, out_size, align_corners, scale)
    real = s * dst.astype(ft) if align_corners else np.maximum(_half_pixel(s, dst, ft), ft(0))
    i0 = np.minimum(np.floor(real).astype(np.int64), in_size - 1)
    lam = np.clip(real - i0.astype(ft), ft(0), ft(1)).astype(ft)
    i1 = i0 + (i0 < in_size - 1)
    return [(i0, (ft(1) - lam).astype(ft)), (i1, lam)]


def torch_cubic_plan(in_size: int, out_size: int, align_corners: bool, scale: float | None,
                     ft=np.float32) -> list:
    """upsample_bicubic2d: Keys' cubic convolution with A = -0.75 over the four elements
    floor(x) - 1 .. floor(x) + 2, indices clamped to the borders (an edge element repeats);
    the source coordinate is not clamped at 0 (cubic=True)."""
    a = ft(-0.75)
    dst = np.arange(out_size)
    s = _torch_scale(ft, in_size, out_size, align_corners, scale)
    real = s * dst.astype(ft) if align_corners else _half_pixel(s, dst, ft)
    i0 = np.minimum(np.floor(real).astype(np.int64), in_size - 1)
    t = np.clip(real - i0.astype(ft), ft(0), ft(1)).astype(ft)

    def conv1(x):
        return ((a + ft(2)) * x - (a + ft(3))) * x * x + ft(1)

    def conv2(x):
        return ((a * x - ft(5) * a) * x + ft(8) * a) * x - ft(4) * a

    t2 = ft(1) - t
    coeffs = (conv2(t + ft(1)), conv1(t), conv1(t2), conv2(t2 + ft(1)))
    return [(np.clip(i0 - 1 + j, 0, in_size - 1), c.astype(ft)) for j, c in enumerate(coeffs)]


# -- TensorFlow 1 (core/kernels/image/resize_*_op.cc, image_resizer_state.h) ----------------------
def _tf_scale(in_size: int, out_size: int, align_corners: bool):
    """CalculateResizeScale: (in-1)/(out-1) with align_corners (out > 1), else in/out, float."""
    if align_corners and out_size > 1:
        return np.float32(in_size - 1) / np.float32(out_size - 1)
    return np.float32(in_size) / np.float32(out_size)


def tf_bilinear_plan(in_size: int, out_size: int, align_corners: bool, half_pixel_centers: bool) -> tuple:
    """compute_interpolation_weights: in = (dst + 0.5) * s - 0.5 (half pixel) or dst * s
    (legacy) in float32; lower = max(floor(in), 0), upper = min(ceil(in), in - 1),
    lerp = in - floor(in). Returns (lower, upper, lerp) for `tf_lerp`."""
    s = _tf_scale(in_size, out_size, align_corners)
    dst = np.arange(out_size).astype(np.float32)
    real = (dst + np.float32(0.5)) * s - np.float32(0.5) if half_pixel_centers else dst * s
    low = np.floor(real)
    lower = np.maximum(low.astype(np.int64), 0)
    upper = np.minimum(np.ceil(real).astype(np.int64), in_size - 1)
    return lower, upper, (real - low).astype(np.float32)


def tf_nearest_plan(in_size: int, out_size: int, align_corners: bool, half_pixel_centers: bool) -> list:
    """ResizeNearestNeighbor: roundf(dst * s) (half away from zero) with align_corners,
    floorf((dst + 0.5) * s) with half_pixel_centers (no - 0.5, clamped at 0), floorf(dst * s)
    otherwise, then min(., in - 1); float32 throughout."""
    s = _tf_scale(in_size, out_size, align_corners)
    dst = np.arange(out_size).astype(np.float32)
    real = (dst + np.float32(0.5)) * s if half_pixel_centers else dst * s
    src = np.floor(real)
    if align_corners:  # roundf of real >= 0: up from a fraction of one half
        src = src + (real - src >= np.float32(0.5))
    return [(np.maximum(np.minimum(src.astype(np.int64), in_size - 1), 0), None)]


# -- the compositions -----------------------------------------------------------------------------
def _along(w: np.ndarray, axis: int, rank: int, dtype) -> np.ndarray:
    """w shaped to broadcast along `axis` of a rank-`rank` operand, in its dtype."""
    return np.asarray(w).astype(dtype).reshape((-1,) + (1,) * (rank - 1 - axis))


def resample(x, axis: int, taps: list):
    """sum_k take(x, index_k, axis) * weight_k: the output's element j along `axis` is the
    weighted sum of the input's elements index_k[j]; a tap without weight is a plain gather
    (nearest). Each product is formed even where its
    weight is 0, so a non-finite element spreads as in PyTorch's kernels."""
    rank = len(x.shape)
    axis = axis % rank
    if len(taps) == 1 and taps[0][1] is None:  # always a new array, also for the identity
        return take(x, taps[0][0], axis=axis)  # (an eager result must not alias its input)
    out = None
    for index, weight in taps:
        term = ew.multiply(take(x, index, axis=axis), _along(weight, axis, rank, x.dtype.np))
        out = term if out is None else ew.add(out, term)
    return out


def tf_lerp(x, axis: int, lower: np.ndarray, upper: np.ndarray, lerp: np.ndarray):
    """TF's interpolation form a + (b - a) * lerp along `axis` (a, b the lower and upper
    elements), as its resize_bilinear kernel writes it."""
    rank = len(x.shape)
    axis = axis % rank
    a = take(x, lower, axis=axis)
    b = take(x, upper, axis=axis)
    return ew.add(a, ew.multiply(ew.subtract(b, a), _along(lerp, axis, rank, x.dtype.np)))
