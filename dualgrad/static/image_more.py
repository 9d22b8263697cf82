"""TF1's tf.image rotations, random up-down flip, gamma and contrast, random brightness and
contrast, the pad of resize_image_with_pad, image gradients, Sobel edges, PSNR and SSIM, as
compositions of registry ops (gradients from their VJP rules), with TF1's rules:

    rot90                   k % 4 quarter turns counter-clockwise (k a known int)
    transpose               height and width swapped
    random_flip_up_down     each image flipped with probability 1/2, drawn per run
    grayscale_to_rgb        the one channel repeated 3 times
    adjust_gamma            gain * x ** gamma in float32 (float16/32 kept), converted back saturating
    adjust_contrast         (x - mean) * factor + mean, the mean over each image's H and W per channel
    random_brightness       adjust_brightness by one uniform delta in [-max_delta, max_delta) per run
    random_contrast         adjust_contrast by one uniform factor in [lower, upper) per run
    image_gradients         (dy, dx): forward differences, a zero last row (dy) / column (dx)
    sobel_edges             [..., C, 2]: the vertical and horizontal Sobel responses, REFLECT padded
    psnr                    20 log10(max_val) - 10 log10(mse) in float32, mse over H, W and C
    ssim                    luminance * contrast-structure from an 11x11 Gaussian (VALID), averaged
"""
from __future__ import annotations

import numpy as np

from .. import ops
from ..errors import DTypeError, DualgradNotImplementedError, DualgradValueError, ShapeError, user_line
from .api import _n, _tensor, cast
from .creation import random_uniform_like
from .graph import Tensor
from .image_augment import (
    _image,
    _ints,
    adjust_brightness,
    convert_image_dtype,
    pad_to_bounding_box,
    random_flip,
)
from .nn_conv_transpose import depthwise_conv2d
from .tf_extra import reverse
from .tf_ops import pad

__all__ = ["adjust_contrast", "adjust_gamma", "grayscale_to_rgb", "image_gradients", "psnr",
           "random_brightness", "random_contrast", "random_flip_up_down", "rot90", "sobel_edges", "ssim",
           "transpose", "transpose_image"]


def _swap(x: Tensor) -> Tensor:
    axes = (1, 0, 2) if len(x.shape) == 3 else (0, 2, 1, 3)
    return ops.transpose(x, axes=axes)


def rot90(image, k=1, name=None) -> Tensor:
    """Each image turned k quarter turns counter-clockwise (tf.image.rot90; k a known int)."""
    x = _image("rot90", image)
    k = _ints("rot90", k=k)["k"] % 4
    if k == 1:
        x = _swap(reverse(x, [-2]))
    elif k == 2:
        x = reverse(x, [-3, -2])
    elif k == 3:
        x = reverse(_swap(x), [-2])
    return _n(x, name) if name else x


def transpose(image, name=None) -> Tensor:
    """Each image with its height and width swapped (tf.image.transpose, tf.image.transpose_image)."""
    return _n(_swap(_image("transpose", image)), name)


transpose_image = transpose


def random_flip_up_down(image, seed=None) -> Tensor:
    """Each image flipped upside down with probability 1/2, drawn anew each run
    (tf.image.random_flip_up_down; a batch: one draw per image)."""
    return random_flip("random_flip_up_down", image, seed, -3)


def grayscale_to_rgb(images, name=None) -> Tensor:
    """Grayscale images [..., 1] with their one channel repeated into R, G and B [..., 3]
    (tf.image.grayscale_to_rgb)."""
    x = _tensor(images)
    if x.shape is None or len(x.shape) < 2 or x.shape[-1] not in (1, None):
        raise ShapeError(f"ds.image.grayscale_to_rgb: images must be at least two-dimensional with a last "
                         f"dimension of 1, got shape {x.shape} {user_line()}")
    return _n(ops.concatenate(x, x, x, axis=-1), name)


def _float(x: Tensor) -> Tensor:
    """TF's working copy of an image: float16/32 kept, any other dtype converted to float32."""
    return x if x.dtype.name in ("float16", "float32") else convert_image_dtype(x, "float32")


def adjust_gamma(image, gamma=1, gain=1) -> Tensor:
    """gain * image ** gamma in float, returned in image's dtype (saturating) (tf.image.adjust_gamma)."""
    x = _tensor(image)
    if not isinstance(gamma, Tensor) and float(gamma) < 0:
        raise DualgradValueError(f"ds.image.adjust_gamma: Gamma should be a non-negative real number, got "
                                 f"{gamma!r} {user_line()}")
    flt = _float(x)
    adjusted = ops.multiply(cast(_tensor(gain), flt.dtype), ops.power(flt, cast(_tensor(gamma), flt.dtype)))
    return convert_image_dtype(adjusted, x.dtype, saturate=True)


def adjust_contrast(images, contrast_factor) -> Tensor:
    """(x - mean) * contrast_factor + mean, the mean over each image's height and width per
    channel, in float, returned in images' dtype (saturating) (tf.image.adjust_contrast)."""
    x = _tensor(images)
    if x.shape is None or len(x.shape) < 3:
        raise ShapeError(f"ds.image.adjust_contrast: images must be at least 3-D [..., height, width, "
                         f"channels], got shape {x.shape} {user_line()}")
    flt = _float(x)
    mean = ops.mean(flt, axis=(-3, -2), keepdims=True)
    factor = cast(_tensor(contrast_factor), flt.dtype)
    adjusted = ops.add(ops.multiply(ops.subtract(flt, mean), factor), mean)
    return convert_image_dtype(adjusted, x.dtype, saturate=True)


def uniform(fn: str, lower, upper, seed) -> Tensor:
    """One float32 scalar, uniform in [lower, upper), drawn anew each run (TF's random_uniform([],
    lower, upper, seed) of the random_* image adjustments)."""
    if isinstance(lower, Tensor) or isinstance(upper, Tensor):
        raise DualgradNotImplementedError(f"ds.image.{fn}: the bounds must be known numbers when the graph "
                                          f"is built {user_line()}")
    u = random_uniform_like(_tensor(np.zeros((), np.float32)), seed=seed)
    return ops.add(ops.multiply(u, np.float32(upper) - np.float32(lower)), np.float32(lower))


def random_brightness(image, max_delta, seed=None) -> Tensor:
    """adjust_brightness by one delta uniform in [-max_delta, max_delta), drawn anew each run
    (tf.image.random_brightness; one draw for a whole batch)."""
    if max_delta < 0:
        raise DualgradValueError(f"ds.image.random_brightness: max_delta must be non-negative, got "
                                 f"{max_delta!r} {user_line()}")
    return adjust_brightness(image, uniform("random_brightness", -max_delta, max_delta, seed))


def random_contrast(image, lower, upper, seed=None) -> Tensor:
    """adjust_contrast by one factor uniform in [lower, upper), drawn anew each run
    (tf.image.random_contrast; one draw for a whole batch)."""
    bounds("random_contrast", lower, upper)
    return adjust_contrast(image, uniform("random_contrast", lower, upper, seed))


def bounds(fn: str, lower, upper) -> None:
    """TF1's checks of a random factor's [lower, upper)."""
    if upper <= lower:
        raise DualgradValueError(f"ds.image.{fn}: upper must be > lower, got lower {lower!r}, upper "
                                 f"{upper!r} {user_line()}")
    if lower < 0:
        raise DualgradValueError(f"ds.image.{fn}: lower must be non-negative, got {lower!r} {user_line()}")


def fit_and_pad(fn: str, image, target_height, target_width, resize) -> Tensor:
    """TF1's resize-then-pad of resize_image_with_pad: the aspect ratio kept, the image resized by
    `resize(images, [h, w])` to fit the target and centred on a zero canvas (float32 ratios)."""
    x = _image(fn, image)
    t = _ints(fn, target_height=target_height, target_width=target_width)
    th, tw = t["target_height"], t["target_width"]
    if min(th, tw) <= 0:
        raise DualgradValueError(f"ds.image.{fn}: target_height and target_width must be > 0, got "
                                 f"{(th, tw)} {user_line()}")
    f32 = np.float32
    h, w = (f32(int(d)) for d in x.shape[-3:-1])
    ratio = max(w / f32(tw), h / f32(th))
    rh, rw = h / ratio, w / ratio
    top, left = (max(0, int(np.floor((f32(t) - r) / f32(2)))) for t, r in ((th, rh), (tw, rw)))
    squeeze = len(x.shape) == 3
    batch = ops.expand_dims(x, axis=0) if squeeze else x
    padded = pad_to_bounding_box(resize(batch, [int(np.floor(rh)), int(np.floor(rw))]), top, left, th, tw)
    return ops.squeeze(padded, axis=(0,)) if squeeze else padded


def _nhwc(fn: str, image) -> Tensor:
    x = _tensor(image)
    if x.shape is None or len(x.shape) != 4:
        raise ShapeError(f"ds.image.{fn}: expects a 4-D tensor [batch_size, h, w, d], got shape {x.shape} "
                         f"{user_line()}")
    return x


def image_gradients(image) -> tuple:
    """(dy, dx), each shaped like `image` (NHWC): image[i + 1, j] - image[i, j] and image[i, j + 1]
    - image[i, j], zero on the last row (dy) and column (dx) (tf.image.image_gradients)."""
    x = _nhwc("image_gradients", image)
    full = slice(None)
    dy = ops.subtract(x[(full, slice(1, None))], x[(full, slice(None, -1))])
    dx = ops.subtract(x[(full, full, slice(1, None))], x[(full, full, slice(None, -1))])
    return pad(dy, [[0, 0], [0, 1], [0, 0], [0, 0]]), pad(dx, [[0, 0], [0, 0], [0, 1], [0, 0]])


def _depthwise(fn: str, x: Tensor, kernel: np.ndarray) -> Tensor:
    """Each channel of NHWC `x` convolved (VALID) with each (kH, kW) slice of kernel (kH, kW, K):
    (N, H', W', C * K), channel c * K + k."""
    depth = x.shape[-1]
    if depth is None:
        raise ShapeError(f"ds.image.{fn}: the number of channels must be known, got shape {x.shape} "
                         f"{user_line()}")
    taps = np.repeat(kernel[:, :, None, :], int(depth), axis=2).astype(x.dtype.np)
    return depthwise_conv2d(x, taps, [1, 1, 1, 1], "VALID")


def _floating(fn: str, x: Tensor) -> Tensor:
    if not x.dtype.is_floating_point:
        raise DTypeError(f"ds.image.{fn}: the image must be floating point, got {x.dtype.name} {user_line()}")
    return x


def sobel_edges(image) -> Tensor:
    """[batch, h, w, d, 2]: each channel's vertical (dy) and horizontal (dx) 3x3 Sobel response,
    the image REFLECT padded by one pixel (tf.image.sobel_edges)."""
    x = _floating("sobel_edges", _nhwc("sobel_edges", image))
    if any(d is None or int(d) < 2 for d in x.shape[1:3]):
        raise ShapeError(f"ds.image.sobel_edges: the height and width must be known and at least 2 (REFLECT "
                         f"padding), got shape {x.shape} {user_line()}")
    kernels = np.array([[[-1, -2, -1], [0, 0, 0], [1, 2, 1]], [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]])
    padded = pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]], mode="REFLECT")
    out = _depthwise("sobel_edges", padded, np.transpose(kernels, (1, 2, 0)))
    return ops.reshape(out, shape=(-1,) + tuple(int(d) for d in x.shape[1:]) + (2,))


def _pair(fn: str, a, b) -> tuple:
    """TF's checks of two images compared: rank >= 3, the same (known) height, width and depth."""
    x, y = _tensor(a), _tensor(b)
    if (x.shape is None or y.shape is None or min(len(x.shape), len(y.shape)) < 3
            or any(p is not None and q is not None and p != q
                   for p, q in zip(x.shape[-3:], y.shape[-3:], strict=True))):
        raise ShapeError(f"ds.image.{fn}: the images must be at least 3-D with the same height, width and "
                         f"channels, got shapes {x.shape} and {y.shape} {user_line()}")
    return x, y


def _scale(x: Tensor, max_val) -> tuple:
    """max_val in the image's dtype, then both converted to float32 (TF's psnr/ssim scaling)."""
    top = convert_image_dtype(cast(_tensor(max_val), x.dtype), "float32")
    return top, convert_image_dtype(x, "float32")


def psnr(a, b, max_val, name=None) -> Tensor:
    """Peak signal-to-noise ratio of each image pair in dB, float32, over the last 3 dims:
    20 log10(max_val) - 10 log10(mean squared difference) (tf.image.psnr)."""
    x, y = _pair("psnr", a, b)
    top, x = _scale(x, max_val)
    y = convert_image_dtype(y, "float32")
    mse = ops.mean(ops.square(ops.subtract(x, y)), axis=(-3, -2, -1))
    ten = np.float32(np.log(10.0))
    first = ops.divide(ops.multiply(ops.log(top), np.float32(20)), ten)
    return _n(ops.subtract(first, ops.multiply(ops.log(mse), np.float32(10 / np.log(10)))), name)


def gaussian(size: int, sigma: float) -> np.ndarray:
    """TF's _fspecial_gauss: exp(-(i^2 + j^2) / (2 sigma^2)) over centred coordinates, summing to 1."""
    coords = np.arange(size, dtype=np.float64) - (size - 1) / 2.0
    g = -0.5 * coords ** 2 / float(sigma) ** 2
    g = np.exp(g[None, :] + g[:, None])
    return g / g.sum()


def ssim(img1, img2, max_val, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03) -> Tensor:
    """The structural similarity of each image pair, float32, averaged over height, width and
    channels: luminance * contrast-structure from Gaussian-weighted (VALID) local means
    (tf.image.ssim; filter_size and filter_sigma known numbers)."""
    x, y = _pair("ssim", img1, img2)
    size = _ints("ssim", filter_size=filter_size)["filter_size"]
    hw = [d for d in x.shape[-3:-1]] + [d for d in y.shape[-3:-1]]
    if size <= 0 or any(d is None or int(d) < size for d in hw):
        raise ShapeError(f"ds.image.ssim: the height and width must be known and >= filter_size {size}, got "
                         f"shapes {x.shape} and {y.shape} {user_line()}")
    if x.shape[-1] is None and y.shape[-1] is None:
        raise ShapeError(f"ds.image.ssim: the number of channels must be known, got shapes {x.shape} and "
                         f"{y.shape} {user_line()}")
    top, x = _scale(x, max_val)
    y = convert_image_dtype(y, "float32")
    kernel = gaussian(size, float(filter_sigma))[:, :, None]
    inner = tuple(int(d) for d in (x.shape[-3:] if None not in x.shape[-3:] else y.shape[-3:]))
    if any(d is None for d in tuple(x.shape[1:-3]) + tuple(y.shape[1:-3])):
        raise ShapeError(f"ds.image.ssim: the dims between the first and the height must be known, got "
                         f"shapes {x.shape} and {y.shape} {user_line()}")

    def reducer(v: Tensor) -> Tensor:
        lead = v.shape[:-3]
        out = _depthwise("ssim", ops.reshape(v, shape=(-1,) + inner), kernel)
        if len(lead) == 1:
            return out
        if not lead:
            return ops.squeeze(out, axis=(0,))
        return ops.reshape(out, shape=(-1,) + tuple(int(d) for d in lead[1:]) + tuple(out.shape[1:]))

    c1 = ops.square(ops.multiply(top, np.float32(k1)))
    c2 = ops.square(ops.multiply(top, np.float32(k2)))
    mean0, mean1 = reducer(x), reducer(y)
    num0 = ops.multiply(ops.multiply(mean0, mean1), np.float32(2))
    den0 = ops.add(ops.square(mean0), ops.square(mean1))
    luminance = ops.divide(ops.add(num0, c1), ops.add(den0, c1))
    num1 = ops.multiply(reducer(ops.multiply(x, y)), np.float32(2))
    den1 = reducer(ops.add(ops.square(x), ops.square(y)))
    cs = ops.divide(ops.add(ops.subtract(num1, num0), c2), ops.add(ops.subtract(den1, den0), c2))
    per_channel = ops.mean(ops.multiply(luminance, cs), axis=(-3, -2))
    return ops.mean(per_channel, axis=(-1,))
