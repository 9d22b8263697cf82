"""TF1's `tf.image.extract_image_patches` (also `tf.extract_image_patches`) and its later
spelling `tf.image.extract_patches`: each window of NHWC images laid out as one depth vector,
(rows, cols, depth) with depth fastest, as TF1's. The windows are `ops.conv.unfold`'s (the
gather behind F.unfold), so the gradient adds up over overlapping windows; SAME pads zeros
with TF1's rule (`nn_conv.tf_pads`)."""
from __future__ import annotations

import math

from .. import ops
from ..errors import ShapeError, user_line
from ..ops import conv as conv_ops
from .api import _n
from .creation import zeros
from .graph import Tensor
from .nn_conv import channels_first, spatial, spatial_values, tf_pads


def extract_image_patches(images, ksizes=None, strides=None, rates=None, padding=None, name=None,
                          sizes=None) -> Tensor:
    """[batch, out_rows, out_cols, ksize_rows * ksize_cols * depth]: the ksizes windows of
    `images` every `strides`, their taps `rates` apart (tf.image.extract_image_patches; `sizes`
    is TF1's other name for ksizes)."""
    return _patches("extract_image_patches", images, sizes if ksizes is None else ksizes, strides, rates,
                    padding, name)


def extract_patches(images, sizes, strides, rates, padding, name=None) -> Tensor:
    """`extract_image_patches` under its later name and arguments (tf.image.extract_patches)."""
    return _patches("extract_patches", images, sizes, strides, rates, padding, name)


def _patches(fn: str, images, ksizes, strides, rates, padding, name) -> Tensor:
    x = channels_first(fn, images, "NHWC", 2)  # (N, C, H, W)
    kernel = spatial_values("ksizes", fn, ksizes, "NHWC", 2)
    stride = spatial_values("strides", fn, strides, "NHWC", 2)
    rate = spatial_values("rates", fn, rates, "NHWC", 2)
    sizes = spatial(fn, x)
    pads = tf_pads(fn, padding, sizes, kernel, stride, rate)
    rows, cols = (_count(*args) for args in zip(sizes, kernel, stride, pads, rate, strict=True))
    if min(rows, cols) < 0:
        raise ShapeError(f"ds.image.{fn}: Computed output size would be negative: the windows {kernel} "
                         f"(rates {rate}) reach past the input {sizes} {user_line()}")
    depth = int(x.shape[1]) * math.prod(kernel)
    if rows * cols == 0:  # windows wider than the input (VALID): no patches, as TF1 (one element
        # per image broadcast to the empty shape, since a reshape cannot infer the batch of none)
        corner = ops.getitem(x, key=(slice(None), slice(0, 1), slice(0, 1), slice(0, 1)))
        return _n(ops.add(ops.multiply(corner, 0), zeros([rows, cols, depth], dtype=x.dtype)), name)
    windows = conv_ops.unfold(x, kernel, stride, pads, rate)  # (N, C, K, L)
    taps = ops.transpose(windows, axes=(0, 3, 2, 1))  # (N, L, K, C): depth fastest
    return _n(ops.reshape(taps, shape=(-1, rows, cols, depth)), name)


def _count(size: int, k: int, stride: int, pads: tuple, rate: int) -> int:
    """TF1's window count, (size + pads - reach + stride) / stride in C++'s division, which
    truncates: 0 (no patches) where a floor would give -1; below 0 TF1 refuses the graph."""
    q = size + sum(pads) - rate * (k - 1) - 1 + stride
    return q // stride if q >= 0 else -(-q // stride)


__all__ = ["extract_image_patches", "extract_patches"]
