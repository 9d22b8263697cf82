"""TF1's `tf.image.resize_bicubic` and `resize_area` (also `resize_images`' BICUBIC and AREA),
with the index and weight math of TF's kernels (core/kernels/image/resize_bicubic_op.cc,
resize_area_op.cc), as gathers with constant indices times constant float32 weights along W,
then H (`ops.resize.resample`'s form), so both have gradients.

Bicubic: s = in/out ((in-1)/(out-1) with align_corners); the source coordinate is dst * s
(legacy) or (dst + 0.5) * s - 0.5 (half_pixel_centers), f = floor of it; its fraction is
rounded to TF's 1/1024 table (lrintf(frac * 1024)), whose float32 entries are Keys' cubic with
A = -0.75 (legacy) or -0.5 (half pixel); the four taps f-1 .. f+2 are clamped to the image
(legacy: an edge pixel repeats), or, with half_pixel_centers, taps outside take weight 0 and
the others are renormalized to sum 1.

Area: each output cell covers [dst * s, (dst + 1) * s) of the input; every input cell it
touches counts with the length of the overlap (1 inside), the taps clamped to the image, and
the sum is scaled by 1 / (s_h * s_w); with align_corners an axis of one pixel (s = 0) is
copied, as TF's kernel does. A tap is only ever a real overlap: cells that need fewer
taps than the widest one are padded with a `where`, so an inf pixel reaches only the output
cells that cover it, as in TF.
"""
from __future__ import annotations

import math

import numpy as np

from .. import ops
from ..ops import resize as _resize
from ..ops.gathering import take
from .api import _n, cast
from .graph import Tensor
from .image_checks import _flags, _images, _size

__all__ = ["resize_bicubic", "resize_area"]

_TABLE = 1024


def _table(a: np.float32) -> np.ndarray:
    """TF's coefficient table: [i, 0] the weight of the near taps at fraction i / 1024, [i, 1]
    of the far ones, computed in float32 as the kernel does."""
    x = (np.arange(_TABLE + 1) / _TABLE).astype(np.float32)
    near = ((a + np.float32(2)) * x - (a + np.float32(3))) * x * x + np.float32(1)
    x = x + np.float32(1)
    far = ((a * x - np.float32(5) * a) * x + np.float32(8) * a) * x - np.float32(4) * a
    return np.stack([near, far], axis=1).astype(np.float32)


def bicubic_plan(in_size: int, out_size: int, align_corners: bool, half_pixel_centers: bool) -> list:
    """[(index, weight)] for the four taps of each output element, as TF's GetWeightsAndIndices."""
    s = _resize._tf_scale(in_size, out_size, align_corners)
    dst = np.arange(out_size).astype(np.float32)
    real = (dst + np.float32(0.5)) * s - np.float32(0.5) if half_pixel_centers else dst * s
    base = np.floor(real)
    offset = np.rint((real - base) * np.float32(_TABLE)).astype(np.int64)  # lrintf: half to even
    table = _table(np.float32(-0.5 if half_pixel_centers else -0.75))
    weights = [table[offset, 1], table[offset, 0], table[_TABLE - offset, 0], table[_TABLE - offset, 1]]
    raw = [base.astype(np.int64) - 1 + k for k in range(4)]
    index = [np.clip(i, 0, in_size - 1) for i in raw]
    if half_pixel_centers:  # taps outside the image weigh 0, the rest renormalized
        weights = [np.where(i == r, w, np.float32(0)) for i, r, w in zip(index, raw, weights, strict=True)]
        total = weights[0] + weights[1] + weights[2] + weights[3]
        usable = np.abs(total) >= np.float32(1000) * np.finfo(np.float32).tiny
        inverse = np.where(usable, np.float32(1) / np.where(usable, total, 1), 1).astype(np.float32)
        weights = [np.where(usable, w * inverse, w) for w in weights]
    return [(i, np.asarray(w, np.float32)) for i, w in zip(index, weights, strict=True)]


def area_plan(in_size: int, out_size: int, align_corners: bool) -> tuple[list, np.float32]:
    """([(index, weight, used)] per tap, s) for TF's ResizeArea along one axis: output j covers
    [j s, (j + 1) s); tap k is input cell floor(j s) + k with its overlap as weight (`used`
    False past the cell's last tap)."""
    s = _resize._tf_scale(in_size, out_size, align_corners)
    if s == 0:  # align_corners from one pixel: TF copies it (a weight of 1, no 1 / s)
        return [(np.zeros(out_size, np.int64), np.ones(out_size, np.float32), np.ones(out_size, bool))], 1
    lo = [np.float32(j) * s for j in range(out_size)]
    hi = [np.float32(j + 1) * s for j in range(out_size)]
    starts = [math.floor(a) for a in lo]
    ends = [math.ceil(b) for b in hi]
    taps = max(e - b for b, e in zip(starts, ends, strict=True))
    plan = []
    for k in range(taps):
        index, weight, used = [], [], []
        for a, b, start, end in zip(lo, hi, starts, ends, strict=True):
            i = start + k
            if i < a:
                w = s if i + 1 > b else np.float32(i + 1) - a
            else:
                w = b - np.float32(i) if i + 1 > b else np.float32(1)
            index.append(min(max(i, 0), in_size - 1))
            weight.append(np.float32(w) if i < end else np.float32(0))
            used.append(i < end)
        plan.append((np.array(index), np.array(weight, np.float32), np.array(used)))
    return plan, s


def _area_along(x: Tensor, axis: int, plan: list) -> Tensor:
    """sum over the taps of take(x, index) * weight, where a tap is used (TF's patch sum, in
    order: the first tap, then the next ones added)."""
    rank = len(x.shape)
    axis %= rank
    out = None
    for index, weight, used in plan:
        term = ops.multiply(take(x, index, axis=axis), _resize._along(weight, axis, rank, np.float32))
        if not used.all():
            term = ops.where(_resize._along(used, axis, rank, bool), term, 0)
        out = term if out is None else ops.add(out, term)
    return out


def resize_bicubic(images, size, align_corners=False, name=None, half_pixel_centers=False) -> Tensor:
    """TF1's tf.image.resize_bicubic of NHWC images to `size` (height, width), in float32 with
    TF's tap and weight rules (module docstring)."""
    _flags("resize_bicubic", align_corners, half_pixel_centers)
    x = _images("resize_bicubic", images)
    size = _size("resize_bicubic", size)
    return _n(_bicubic(x, size, align_corners, half_pixel_centers), name)


def _bicubic(x: Tensor, size: tuple, align_corners: bool, half_pixel_centers: bool) -> Tensor:
    if x.dtype.name != "float32":
        x = cast(x, "float32")
    for axis in (-2, -3):  # along W, then H, as TF's kernel
        x = _resize.resample(x, axis, bicubic_plan(int(x.shape[axis]), size[axis + 3], align_corners,
                                                   half_pixel_centers))
    return x


def resize_area(images, size, align_corners=False, name=None) -> Tensor:
    """TF1's tf.image.resize_area of NHWC images to `size`: each output pixel the area-weighted
    mean of the input pixels its cell covers, in float32 (module docstring)."""
    x = _images("resize_area", images)
    return _n(_area(x, _size("resize_area", size), align_corners), name)


def _area(x: Tensor, size: tuple, align_corners: bool) -> Tensor:
    if x.dtype.name != "float32":
        x = cast(x, "float32")
    plan_w, s_w = area_plan(int(x.shape[-2]), size[1], align_corners)
    plan_h, s_h = area_plan(int(x.shape[-3]), size[0], align_corners)
    x = _area_along(_area_along(x, -2, plan_w), -3, plan_h)
    return ops.multiply(x, np.float32(1.0 / (s_h * s_w)))
