"""TF1's tf.image crops, pads, random flips and crops, dtype conversion, brightness, grayscale
and total variation, on one HWC image (3-D) or NHWC images (4-D), as compositions of registry
ops (gradients from their VJP rules), with TF1's rules:

    crop_to_bounding_box    image[oh:oh+th, ow:ow+tw]; offsets and sizes known ints
    pad_to_bounding_box     zeros around, the image at (oh, ow) of a (th, tw) canvas
    central_crop            start = int((h - h * f) / 2), size h - 2 * start (TF1's rounding)
    random_flip_left_right  each image flipped with probability 1/2, drawn per run
    random_crop             one uniform offset per cropped dim (tf.random_crop; `size` known)
    convert_image_dtype     int -> float: x / MAX(int); float -> int: x * (MAX + 0.5), cast
                            (saturating with saturate=True); int -> int: by the ratio of the
                            MAXes + 1; float -> float: a cast
    adjust_brightness       convert to float32 (float16/32 kept), + delta, convert back saturating
    rgb_to_grayscale        0.2989 R + 0.5870 G + 0.1140 B in float, converted back: shape [..., 1]
    total_variation         sum |x[i+1, j] - x[i, j]| + sum |x[i, j+1] - x[i, j]| per image
"""
from __future__ import annotations

import numpy as np

from .. import ops
from ..errors import DTypeError, DualgradNotImplementedError, DualgradValueError, ShapeError, user_line
from .api import _n, _tensor, cast
from .creation import as_dtype, random_uniform_like
from .graph import Tensor
from .tf_extra import reverse
from .tf_ops import pad
from .tf_value_ops import saturate_cast

__all__ = ["adjust_brightness", "central_crop", "convert_image_dtype", "crop_to_bounding_box",
           "pad_to_bounding_box", "random_crop", "random_flip_left_right", "rgb_to_grayscale",
           "total_variation"]


def _image(fn: str, image) -> Tensor:
    x = _tensor(image)
    if x.shape is None or len(x.shape) not in (3, 4):
        raise ShapeError(f"ds.image.{fn}: 'image' must be either 3 or 4-dimensional, got shape {x.shape} "
                         f"{user_line()}")
    if any(d is None for d in x.shape[-3:-1]):
        raise ShapeError(f"ds.image.{fn}: the image height and width must be known, got shape {x.shape} "
                         f"{user_line()}")
    return x


def _ints(fn: str, **values) -> dict:
    for key, v in values.items():
        if isinstance(v, Tensor):
            raise DualgradNotImplementedError(f"ds.image.{fn}: {key} must be known when the graph is built "
                                              f"(an int), got the tensor {v.name} {user_line()}")
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise DTypeError(f"ds.image.{fn}: {key} must be an int, got {v!r} {user_line()}")
    return {k: int(v) for k, v in values.items()}


def crop_to_bounding_box(image, offset_height, offset_width, target_height, target_width) -> Tensor:
    """The (target_height, target_width) window at (offset_height, offset_width) of each image
    (tf.image.crop_to_bounding_box)."""
    x = _image("crop_to_bounding_box", image)
    v = _ints("crop_to_bounding_box", offset_height=offset_height, offset_width=offset_width,
              target_height=target_height, target_width=target_width)
    h, w = (int(d) for d in x.shape[-3:-1])
    for side, n in (("height", h), ("width", w)):
        offset, target = v[f"offset_{side}"], v[f"target_{side}"]
        if offset < 0 or target <= 0 or n < target + offset:
            raise DualgradValueError(f"ds.image.crop_to_bounding_box: offset_{side} must be >= 0, "
                                     f"target_{side} > 0 and {side} >= target + offset, got {side} {n}, "
                                     f"offset {offset}, target {target} {user_line()}")
    rows = slice(v["offset_height"], v["offset_height"] + v["target_height"])
    cols = slice(v["offset_width"], v["offset_width"] + v["target_width"])
    return x[(Ellipsis, rows, cols, slice(None))]


def pad_to_bounding_box(image, offset_height, offset_width, target_height, target_width) -> Tensor:
    """Each image placed at (offset_height, offset_width) of a zero (target_height,
    target_width) canvas (tf.image.pad_to_bounding_box)."""
    x = _image("pad_to_bounding_box", image)
    v = _ints("pad_to_bounding_box", offset_height=offset_height, offset_width=offset_width,
              target_height=target_height, target_width=target_width)
    h, w = (int(d) for d in x.shape[-3:-1])
    paddings = [[0, 0]] * (len(x.shape) - 3)
    for side, n in (("height", h), ("width", w)):
        offset, target = v[f"offset_{side}"], v[f"target_{side}"]
        if offset < 0 or target - offset - n < 0:
            raise DualgradValueError(f"ds.image.pad_to_bounding_box: offset_{side} must be >= 0 and {side} "
                                     f"must be <= target - offset, got {side} {n}, offset {offset}, "
                                     f"target {target} {user_line()}")
        paddings.append([offset, target - offset - n])
    return pad(x, paddings + [[0, 0]])


def central_crop(image, central_fraction) -> Tensor:
    """The central `central_fraction` of each image's height and width (tf.image.central_crop)."""
    x = _image("central_crop", image)
    if not 0.0 < float(central_fraction) <= 1.0:
        raise DualgradValueError(f"ds.image.central_crop: central_fraction must be within (0, 1], got "
                                 f"{central_fraction!r} {user_line()}")
    if float(central_fraction) == 1.0:
        return x
    h, w = (int(d) for d in x.shape[-3:-1])
    top, left = (int((n - n * float(central_fraction)) / 2) for n in (h, w))
    return crop_to_bounding_box(x, top, left, h - 2 * top, w - 2 * left)


def random_flip_left_right(image, seed=None) -> Tensor:
    """Each image flipped left-right with probability 1/2, drawn anew each run
    (tf.image.random_flip_left_right; a batch: one draw per image)."""
    return random_flip("random_flip_left_right", image, seed, -2)


def random_flip(fn: str, image, seed, axis: int) -> Tensor:
    """Each image reversed along `axis` with probability 1/2, one uniform draw per image per run."""
    x = _image(fn, image)
    corner = x[(Ellipsis, slice(0, 1), slice(0, 1), slice(0, 1))]  # (N, 1, 1, 1) or (1, 1, 1)
    u = random_uniform_like(corner if corner.dtype.is_floating_point else cast(corner, "float32"), seed=seed)
    return ops.where(ops.less(u, 0.5), reverse(x, [axis]), x)


def random_crop(value, size, seed=None, name=None) -> Tensor:
    """A `size` window of `value` at a uniform random offset, drawn anew each run
    (tf.random_crop / tf.image.random_crop); value's shape and size must be known."""
    x = _tensor(value)
    if isinstance(size, Tensor):
        raise DualgradNotImplementedError(f"ds.random_crop: size must be known when the graph is built, got "
                                          f"the tensor {size.name} {user_line()}")
    size = [int(s) for s in np.asarray(size).reshape(-1)]
    if x.shape is None or None in x.shape or len(size) != len(x.shape):
        raise ShapeError(f"ds.random_crop: size {size} must have one entry per dim of value, whose shape "
                         f"must be known, got {x.shape} {user_line()}")
    if any(s < 0 or s > int(n) for s, n in zip(size, x.shape, strict=True)):
        raise DualgradValueError(f"ds.random_crop: Need value.shape >= size, got {x.shape} and {size} "
                                 f"{user_line()}")
    spans = [int(n) - s + 1 for s, n in zip(size, x.shape, strict=True)]
    if any(span > 1 for span in spans):
        u = random_uniform_like(_tensor(np.zeros(len(size), np.float32)), seed=seed)
        offsets = ops.cast(ops.floor(ops.multiply(u, np.asarray(spans, np.float32))), dtype=as_dtype("int32"))
        for axis, (s, span) in enumerate(zip(size, spans, strict=True)):
            if span > 1:
                x = ops.take(x, ops.add(offsets[axis], np.arange(s, dtype=np.int32)), axis=axis)
    return _n(x, name)


def _max(d) -> int:
    return int(np.iinfo(d.np).max)


def convert_image_dtype(image, dtype, saturate=False, name=None) -> Tensor:
    """An image in another dtype, with its values rescaled: floats span [0, 1], integers [0,
    MAX] (tf.image.convert_image_dtype)."""
    x, d = _tensor(image), as_dtype(dtype)
    if x.dtype.is_bool or d.is_bool:
        raise DTypeError(f"ds.image.convert_image_dtype: image and dtype must be numeric, got {x.dtype.name} "
                         f"-> {d.name} {user_line()}")
    to = saturate_cast if saturate else cast
    if x.dtype is d:
        out = x
    elif x.dtype.is_integer and d.is_integer:
        scale_in, scale_out = _max(x.dtype), _max(d)
        if scale_in > scale_out:
            out = to(ops.floor_divide(x, (scale_in + 1) // (scale_out + 1)), d)
        else:
            out = ops.multiply(to(x, d), (scale_out + 1) // (scale_in + 1))
    elif x.dtype.is_floating_point and d.is_floating_point:
        out = cast(x, d)
    elif x.dtype.is_integer:
        out = ops.multiply(cast(x, d), np.asarray(1.0 / _max(x.dtype), d.np))
    else:
        out = to(ops.multiply(x, np.asarray(_max(d) + 0.5, x.dtype.np)), d)
    return _n(out, name)


def adjust_brightness(image, delta) -> Tensor:
    """image + delta in float, returned in image's dtype (saturating) (tf.image.adjust_brightness)."""
    x = _tensor(image)
    flt = x if x.dtype.name in ("float16", "float32") else convert_image_dtype(x, "float32")
    adjusted = ops.add(flt, cast(_tensor(delta), flt.dtype))
    return convert_image_dtype(adjusted, x.dtype, saturate=True)


def rgb_to_grayscale(images, name=None) -> Tensor:
    """Luma 0.2989 R + 0.5870 G + 0.1140 B of RGB images in the last dim, shape [..., 1], in the
    images' dtype (tf.image.rgb_to_grayscale)."""
    x = _tensor(images)
    if x.shape is None or not x.shape or x.shape[-1] not in (3, None):
        raise ShapeError(f"ds.image.rgb_to_grayscale: the last dimension must be 3 (RGB), got shape "
                         f"{x.shape} {user_line()}")
    flt = convert_image_dtype(x, "float32")
    weights = np.asarray([0.2989, 0.5870, 0.1140], flt.dtype.np)
    gray = ops.sum(ops.multiply(flt, weights), axis=-1, keepdims=True)
    return _n(convert_image_dtype(gray, x.dtype), name)


def total_variation(images, name=None) -> Tensor:
    """The sum of absolute differences of neighbouring pixels, down and across, per image: a
    scalar for one HWC image, (N,) for NHWC images (tf.image.total_variation)."""
    x = _image("total_variation", images)
    down = ops.abs(ops.subtract(x[(Ellipsis, slice(1, None), slice(None), slice(None))],
                                x[(Ellipsis, slice(None, -1), slice(None), slice(None))]))
    across = ops.abs(ops.subtract(x[(Ellipsis, slice(1, None), slice(None))],
                                  x[(Ellipsis, slice(None, -1), slice(None))]))
    axes = None if len(x.shape) == 3 else (1, 2, 3)
    return _n(ops.add(ops.sum(down, axis=axes), ops.sum(across, axis=axes)), name)
