"""The argument checks of TF1's tf.image resizes, shared by image.py and image_resize_more.py:
the output size (known ints, positive), the images (4-D, or also 3-D where asked, with known
height and width) and the align_corners / half_pixel_centers pair. Each raises naming the
function and the user's line."""
from __future__ import annotations

import numpy as np

from ..errors import DualgradNotImplementedError, DualgradValueError, ShapeError, user_line
from .api import _tensor
from .graph import Tensor
from .tensor_shape import known


def _size(fn: str, size) -> tuple:
    if isinstance(size, Tensor):
        raise DualgradNotImplementedError(
            f"ds.image.{fn}: size must be known when the graph is built (a list of 2 ints), got the "
            f"tensor {size.name} {user_line()}")
    s = np.asarray(known(size, f"ds.image.{fn}: size"))  # (TF1's Dimension and TensorShape: their ints)
    if s.shape != (2,) or s.dtype.kind not in "iu":
        raise DualgradValueError(f"ds.image.{fn}: 'size' must be a 1-D int32 Tensor of 2 elements: "
                                 f"new_height, new_width, got {size!r} {user_line()}")
    if (s <= 0).any():
        raise DualgradValueError(
            f"ds.image.{fn}: output dimensions must be positive, got {s.tolist()} {user_line()}")
    return int(s[0]), int(s[1])


def _images(fn: str, images, ranks=(4,)) -> Tensor:
    x = _tensor(images)
    if len(x.shape) not in ranks:
        want = " or ".join(f"{r}-dimensional" for r in ranks)
        raise ShapeError(f"ds.image.{fn}: input must be {want}, got shape {x.shape} {user_line()}")
    if any(d is None or int(d) <= 0 for d in x.shape[-3:-1]):
        raise ShapeError(f"ds.image.{fn}: the image height and width must be known and positive, got shape "
                         f"{x.shape} {user_line()}")
    return x


def _flags(fn: str, align_corners: bool, half_pixel_centers: bool) -> None:
    if align_corners and half_pixel_centers:
        raise DualgradValueError(
            f"ds.image.{fn}: If half_pixel_centers is True, align_corners must be False. {user_line()}")
