"""TF1's tf.image colour spaces and colour adjustments over the last dim (3 channels), as
compositions of registry ops (gradients from their VJP rules), with the formulas of TF's kernels:

    rgb_to_hsv          v = max, s = (max - min) / max (0 where max is 0), h = the hexcone angle
                        / 6 in [0, 1) (0 where max == min); r wins ties over g, g over b
    hsv_to_rgb          ((1 - s) + s * clamp(f(6 h), 0, 1)) * v per channel, f: |x - 3| - 1,
                        2 - |x - 2|, 2 - |x - 4|
    adjust_saturation   s * factor clamped to [0, 1], in float32 (float16/32 kept), converted back
    adjust_hue          h + delta wrapped into [0, 1), in float32 (float16/32 kept), converted back
    rgb_to_yiq ...      a product with TF's 3x3 matrices (float images only)
    random_saturation   adjust_saturation by one uniform factor in [lower, upper) per run
    random_hue          adjust_hue by one uniform delta in [-max_delta, max_delta) per run

The selects guard their unused branch (a safe divisor), so no NaN reaches a gradient where
max == min or max == 0.
"""
from __future__ import annotations

import numpy as np

from .. import ops
from ..errors import DTypeError, DualgradValueError, ShapeError, user_line
from .api import _n, _tensor, cast
from .graph import Tensor
from .image_augment import convert_image_dtype
from .image_more import _float, bounds, uniform

__all__ = ["adjust_hue", "adjust_saturation", "hsv_to_rgb", "random_hue", "random_saturation", "rgb_to_hsv",
           "rgb_to_yiq", "rgb_to_yuv", "yiq_to_rgb", "yuv_to_rgb"]

_RGB_TO_YIQ = [[0.299, 0.59590059, 0.2115], [0.587, -0.27455667, -0.52273617],
               [0.114, -0.32134392, 0.31119955]]
_YIQ_TO_RGB = [[1, 1, 1], [0.95598634, -0.27201283, -1.10674021], [0.6208248, -0.64720424, 1.70423049]]
_RGB_TO_YUV = [[0.299, -0.14714119, 0.61497538], [0.587, -0.28886916, -0.51496512],
               [0.114, 0.43601035, -0.10001026]]
_YUV_TO_RGB = [[1, 1, 1], [0, -0.394642334, 2.03206185], [1.13988303, -0.58062185, 0]]


def _three(fn: str, images, floating=True) -> Tensor:
    x = _tensor(images)
    if x.shape is None or not x.shape or x.shape[-1] not in (3, None):
        raise ShapeError(f"ds.image.{fn}: the last dimension must be 3 (three channels), got shape {x.shape} "
                         f"{user_line()}")
    if floating and not x.dtype.is_floating_point:
        raise DTypeError(f"ds.image.{fn}: the images must be floating point, got {x.dtype.name} "
                         f"{user_line()}")
    return x


def _channels(x: Tensor) -> tuple:
    return tuple(x[(Ellipsis, c)] for c in range(3))


def _hsv(x: Tensor) -> tuple:
    r, g, b = _channels(x)
    value = ops.maximum(r, ops.maximum(g, b))
    span = ops.subtract(value, ops.minimum(r, ops.minimum(g, b)))
    lit, coloured = ops.greater(value, 0), ops.greater(span, 0)
    saturation = ops.where(lit, ops.divide(span, ops.where(lit, value, 1)), 0)
    norm = ops.multiply(ops.reciprocal(ops.where(coloured, span, 1)), np.asarray(1 / 6, x.dtype.np))
    third, two_thirds = np.asarray(2 / 6, x.dtype.np), np.asarray(4 / 6, x.dtype.np)
    hue = ops.where(ops.equal(r, value), ops.multiply(norm, ops.subtract(g, b)),
                    ops.where(ops.equal(g, value), ops.add(ops.multiply(norm, ops.subtract(b, r)), third),
                              ops.add(ops.multiply(norm, ops.subtract(r, g)), two_thirds)))
    hue = ops.where(coloured, hue, 0)
    hue = ops.where(ops.less(hue, 0), ops.add(hue, 1), hue)
    return hue, saturation, value


def _rgb(hue: Tensor, saturation: Tensor, value: Tensor) -> Tensor:
    six = ops.multiply(hue, 6)
    dr = ops.subtract(ops.abs(ops.subtract(six, 3)), 1)
    dg = ops.subtract(2, ops.abs(ops.subtract(six, 2)))
    db = ops.subtract(2, ops.abs(ops.subtract(six, 4)))
    grey = ops.subtract(1, saturation)
    return ops.stack(*(ops.multiply(ops.add(grey, ops.multiply(saturation, ops.clip(d, min=0, max=1))), value)
                       for d in (dr, dg, db)), axis=-1)


def rgb_to_hsv(images, name=None) -> Tensor:
    """RGB images in [0, 1] as hue, saturation and value, each in [0, 1] (tf.image.rgb_to_hsv)."""
    return _n(ops.stack(*_hsv(_three("rgb_to_hsv", images)), axis=-1), name)


def hsv_to_rgb(images, name=None) -> Tensor:
    """HSV images (hue, saturation, value in [0, 1]) as RGB (tf.image.hsv_to_rgb)."""
    return _n(_rgb(*_channels(_three("hsv_to_rgb", images))), name)


def adjust_saturation(image, saturation_factor, name=None) -> Tensor:
    """Each pixel's HSV saturation times saturation_factor, clamped to [0, 1], in float, returned in
    image's dtype (tf.image.adjust_saturation)."""
    x = _three("adjust_saturation", image, floating=False)
    flt = _float(x)
    hue, saturation, value = _hsv(flt)
    saturation = ops.clip(ops.multiply(saturation, cast(_tensor(saturation_factor), flt.dtype)), min=0, max=1)
    return _n(convert_image_dtype(_rgb(hue, saturation, value), x.dtype), name)


def adjust_hue(image, delta, name=None) -> Tensor:
    """Each pixel's HSV hue plus delta, wrapped into [0, 1), in float, returned in image's dtype
    (tf.image.adjust_hue; delta in [-1, 1])."""
    x = _three("adjust_hue", image, floating=False)
    if not isinstance(delta, Tensor) and not -1 <= float(delta) <= 1:
        raise DualgradValueError(f"ds.image.adjust_hue: delta must be in the interval [-1, 1], got {delta!r} "
                                 f"{user_line()}")
    flt = _float(x)
    hue, saturation, value = _hsv(flt)
    hue = ops.add(hue, cast(_tensor(delta), flt.dtype))
    hue = ops.subtract(hue, ops.floor(hue))
    return _n(convert_image_dtype(_rgb(hue, saturation, value), x.dtype), name)


def random_saturation(image, lower, upper, seed=None) -> Tensor:
    """adjust_saturation by one factor uniform in [lower, upper), drawn anew each run
    (tf.image.random_saturation; one draw for a whole batch)."""
    bounds("random_saturation", lower, upper)
    return adjust_saturation(image, uniform("random_saturation", lower, upper, seed))


def random_hue(image, max_delta, seed=None) -> Tensor:
    """adjust_hue by one delta uniform in [-max_delta, max_delta), drawn anew each run
    (tf.image.random_hue; one draw for a whole batch; max_delta in [0, 0.5])."""
    if not 0 <= max_delta <= 0.5:
        raise DualgradValueError(f"ds.image.random_hue: max_delta must be in [0, 0.5], got {max_delta!r} "
                                 f"{user_line()}")
    return adjust_hue(image, uniform("random_hue", -max_delta, max_delta, seed))


def _mix(fn: str, images, kernel) -> Tensor:
    x = _three(fn, images)
    return ops.matmul(x, np.asarray(kernel, x.dtype.np))


def rgb_to_yiq(images) -> Tensor:
    """RGB images as YIQ: luma Y and chroma I, Q (tf.image.rgb_to_yiq)."""
    return _mix("rgb_to_yiq", images, _RGB_TO_YIQ)


def yiq_to_rgb(images) -> Tensor:
    """YIQ images as RGB (tf.image.yiq_to_rgb)."""
    return _mix("yiq_to_rgb", images, _YIQ_TO_RGB)


def rgb_to_yuv(images) -> Tensor:
    """RGB images as YUV: luma Y and chroma U, V (tf.image.rgb_to_yuv)."""
    return _mix("rgb_to_yuv", images, _RGB_TO_YUV)


def yuv_to_rgb(images) -> Tensor:
    """YUV images as RGB (tf.image.yuv_to_rgb)."""
    return _mix("yuv_to_rgb", images, _YUV_TO_RGB)
