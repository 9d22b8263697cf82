"""`ds.image`: TF1's tf.image resize, flip, crop-or-pad and standardization names over registry
ops, on NHWC images (4-D) or one HWC image (3-D). Resizes are `ops.resize` compositions (gathers
with constant indices and products with constant weights) with TF1's own index math, which
differs from PyTorch's: the legacy rule reads dst * in/out (no half-pixel offset, no clamp),
`align_corners` uses (in-1)/(out-1), `half_pixel_centers` the (dst + 0.5) * scale - 0.5
coordinate for bilinear but floor((dst + 0.5) * scale) for nearest; TF's interpolation
a + (b - a) * lerp, all in float32. The output size must be known when the graph is built."""
from __future__ import annotations

import enum

import numpy as np

from .. import ops
from ..errors import DualgradNotImplementedError, DualgradValueError, user_line
from ..ops import resize as _resize
from .api import _n, cast
from .graph import Tensor
from .image_checks import _flags, _images, _size
from .tf_extra import reverse
from .tf_ops import pad


class ResizeMethod(enum.IntEnum):
    """TF1's tf.image.ResizeMethod (BICUBIC and AREA: image_resize_more.py)."""

    BILINEAR = 0
    NEAREST_NEIGHBOR = 1
    BICUBIC = 2
    AREA = 3


def _bilinear(x: Tensor, size: tuple, align_corners: bool, half_pixel_centers: bool) -> Tensor:
    """Along W, then H (as TF's kernel forms top and bottom rows first), in float32."""
    if x.dtype.name != "float32":
        x = cast(x, "float32")
    for axis in (-2, -3):
        n = int(x.shape[axis])
        plan = _resize.tf_bilinear_plan(n, size[axis + 3], align_corners, half_pixel_centers)
        x = _resize.tf_lerp(x, axis, *plan)
    return x


def _nearest(x: Tensor, size: tuple, align_corners: bool, half_pixel_centers: bool) -> Tensor:
    for axis in (-2, -3):
        n = int(x.shape[axis])
        plan = _resize.tf_nearest_plan(n, size[axis + 3], align_corners, half_pixel_centers)
        x = _resize.resample(x, axis, plan)
    return x


def resize_bilinear(images, size, align_corners=False, name=None, half_pixel_centers=False) -> Tensor:
    """TF1's tf.image.resize_bilinear of NHWC images to `size` (height, width): the float32
    interpolation of the two nearest rows and columns by TF's coordinate rule."""
    _flags("resize_bilinear", align_corners, half_pixel_centers)
    x = _images("resize_bilinear", images)
    return _n(_bilinear(x, _size("resize_bilinear", size), align_corners, half_pixel_centers), name)


def resize_nearest_neighbor(images, size, align_corners=False, name=None, half_pixel_centers=False) -> Tensor:
    """TF1's tf.image.resize_nearest_neighbor of NHWC images: each output pixel copies the input
    pixel TF's rule picks (floor, or round with align_corners); the dtype is kept."""
    _flags("resize_nearest_neighbor", align_corners, half_pixel_centers)
    x = _images("resize_nearest_neighbor", images)
    return _n(_nearest(x, _size("resize_nearest_neighbor", size), align_corners, half_pixel_centers), name)


def resize_images(images, size, method=ResizeMethod.BILINEAR, align_corners=False,
                  preserve_aspect_ratio=False, name=None) -> Tensor:
    """TF1's tf.image.resize_images of NHWC images or one HWC image (legacy pixel rule): the
    images themselves when their size already is `size`, else bilinear, bicubic or area (float32)
    or nearest (dtype kept). preserve_aspect_ratio is refused."""
    x = _images("resize_images", images, (3, 4))
    if preserve_aspect_ratio:
        raise DualgradNotImplementedError(
            f"ds.image.resize_images: preserve_aspect_ratio=True is not supported by dualgrad {user_line()}")
    try:
        method = ResizeMethod(int(method))
    except ValueError:
        raise DualgradValueError(f"ds.image.resize_images: Resize method is not implemented: {method!r} "
                                 f"{user_line()}") from None
    size = _size("resize_images", size)
    if tuple(int(d) for d in x.shape[-3:-1]) == size:
        return _n(x, name) if name else x
    squeeze = len(x.shape) == 3
    if squeeze:
        x = ops.expand_dims(x, axis=0)
    if method == ResizeMethod.AREA:
        out = _area(x, size, align_corners)
    else:
        resizer = {ResizeMethod.BILINEAR: _bilinear, ResizeMethod.NEAREST_NEIGHBOR: _nearest,
                   ResizeMethod.BICUBIC: _bicubic}[method]
        out = resizer(x, size, align_corners, False)
    return _n(ops.squeeze(out, axis=(0,)) if squeeze else out, name)


def flip_left_right(image) -> Tensor:
    """TF1's tf.image.flip_left_right: the width axis reversed, of one HWC image or NHWC images."""
    return reverse(_images("flip_left_right", image, (3, 4)), [-2])


def flip_up_down(image) -> Tensor:
    """TF1's tf.image.flip_up_down: the height axis reversed, of one HWC image or NHWC images."""
    return reverse(_images("flip_up_down", image, (3, 4)), [-3])


def resize_image_with_crop_or_pad(image, target_height, target_width) -> Tensor:
    """TF1's tf.image.resize_image_with_crop_or_pad: centrally cropped where the image is
    larger, padded with zeros around it where smaller (the odd pixel at the end), per dim."""
    x = _images("resize_image_with_crop_or_pad", image, (3, 4))
    target = (int(target_height), int(target_width))
    if min(target) <= 0:
        raise DualgradValueError(f"ds.image.resize_image_with_crop_or_pad: target_height and target_width "
                                 f"must be > 0, got {target} {user_line()}")
    rank = len(x.shape)
    key, paddings = [slice(None)] * rank, [[0, 0]] * rank
    for k, t in enumerate(target):
        axis = rank - 3 + k
        n = int(x.shape[axis])
        crop = max((n - t) // 2, 0)
        key[axis] = slice(crop, crop + min(t, n))
        before = max((t - n) // 2, 0)
        paddings[axis] = [before, max(t - n, 0) - before]
    cropped = x[tuple(key)]
    return pad(cropped, paddings) if any(p[0] or p[1] for p in paddings) else cropped


def per_image_standardization(image) -> Tensor:
    """TF1's tf.image.per_image_standardization: (x - mean) / max(stddev, 1/sqrt(N)) over each
    image's H, W and C (N of them), in float32 whatever the input's dtype, as TF."""
    x = _images("per_image_standardization", image, (3, 4))
    if x.dtype.name != "float32":
        x = cast(x, "float32")
    axes = (-3, -2, -1)
    count = int(np.prod([int(d) for d in x.shape[-3:]]))
    mean = ops.mean(x, axis=axes, keepdims=True)
    std = ops.sqrt(ops.mean(ops.square(ops.subtract(x, mean)), axis=axes, keepdims=True))
    floor = np.asarray(1.0 / np.sqrt(count), dtype=x.dtype.np)
    return ops.divide(ops.subtract(x, mean), ops.maximum(std, floor))


__all__ = ["ResizeMethod", "flip_left_right", "flip_up_down", "per_image_standardization", "resize_bilinear",
           "resize_image_with_crop_or_pad", "resize_images", "resize_nearest_neighbor"]

# TF1's crops, pads, random flips and crops, dtype conversion, brightness, grayscale and total
# variation (static/image_augment.py); tf.image.resize is v1's resize_images
from .image_augment import (  # noqa: E402
    adjust_brightness,
    central_crop,
    convert_image_dtype,
    crop_to_bounding_box,
    pad_to_bounding_box,
    random_crop,
    random_flip_left_right,
    rgb_to_grayscale,
    total_variation,
)

# TF1's rotations, contrast, gamma, random adjustments, gradients, PSNR/SSIM (static/image_more.py)
# and colour spaces (static/image_colour.py)
from .image_colour import (  # noqa: E402
    adjust_hue,
    adjust_saturation,
    hsv_to_rgb,
    random_hue,
    random_saturation,
    rgb_to_hsv,
    rgb_to_yiq,
    rgb_to_yuv,
    yiq_to_rgb,
    yuv_to_rgb,
)
from .image_more import (  # noqa: E402
    adjust_contrast,
    adjust_gamma,
    grayscale_to_rgb,
    image_gradients,
    psnr,
    random_brightness,
    random_contrast,
    random_flip_up_down,
    rot90,
    sobel_edges,
    ssim,
    transpose,
    transpose_image,
)
from .image_more import fit_and_pad as _fit_and_pad  # noqa: E402  (resize_image_with_pad's pad)
from .image_patches import extract_image_patches, extract_patches  # noqa: E402  (TF1's patch extraction)

# TF1's bicubic and area resizes (static/image_resize_more.py)
from .image_resize_more import _area, _bicubic, resize_area, resize_bicubic  # noqa: E402


def resize_image_with_pad(image, target_height, target_width, method=ResizeMethod.BILINEAR,
                          align_corners=False) -> Tensor:
    """Each image resized by resize_images to fit (target_height, target_width), its aspect ratio
    kept, and centred on a zero canvas (tf.image.resize_image_with_pad)."""
    return _fit_and_pad("resize_image_with_pad", image, target_height, target_width,
                        lambda im, size: resize_images(im, size, method, align_corners=align_corners))


resize_with_crop_or_pad = resize_image_with_crop_or_pad
resize = resize_images
__all__ += ["extract_image_patches", "extract_patches", "resize_area", "resize_bicubic",
            "adjust_contrast", "adjust_gamma", "adjust_hue", "adjust_saturation", "grayscale_to_rgb",
            "hsv_to_rgb", "image_gradients", "psnr", "random_brightness", "random_contrast",
            "random_flip_up_down", "random_hue", "random_saturation", "resize_image_with_pad",
            "resize_with_crop_or_pad", "rgb_to_hsv", "rgb_to_yiq", "rgb_to_yuv", "rot90", "sobel_edges",
            "ssim", "transpose", "transpose_image", "yiq_to_rgb", "yuv_to_rgb",
            "adjust_brightness", "central_crop", "convert_image_dtype", "crop_to_bounding_box",
            "pad_to_bounding_box", "random_crop", "random_flip_left_right", "resize", "rgb_to_grayscale",
            "total_variation"]
