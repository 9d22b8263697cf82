"""2-D convolution and pooling as composites of registry ops, so their gradients, jax kernels,
static graphs and closed forms are those of `pad`, `take`, `reshape`, `matmul` and the
reductions.

Each window is gathered by `take` along the flattened spatial axis with a constant index
array built here from the (concrete) sizes: an im2col whose VJP is `take_add`, the scatter-add
of the window gradients. Layout is PyTorch's (..., C, H, W); `pads` is ((top, bottom),
(left, right)), so TF1's asymmetric SAME padding is the same call.
"""

from __future__ import annotations

import numpy as np

from . import elementwise as ew
from . import linalg as la
from . import movement as mv
from . import reductions as rd
from .gathering import pad, take
from .selection import isnan
from .windows import padded_extent, window_plan


def _windows(x, index: np.ndarray):
    """x (..., H, W) -> (..., K, L): element k of window l is x.flat_plane[index[l, k]]. The
    window slot leads, so reductions over it run along long contiguous rows (numpy is several
    times slower reducing a trailing axis of 4 or 9)."""
    plane = mv.reshape(x, shape=_lead(x) + (int(x.shape[-2]) * int(x.shape[-1]),))
    return take(plane, np.ascontiguousarray(index.T), axis=len(x.shape) - 2)


def _padded_windows(x, kernel, stride, pads, dilation):
    """The windows of x padded with zeros (the gradient of the pad is dropped by `pad`'s VJP)."""
    if any(pads[0]) or any(pads[1]):
        x = pad(x, paddings=((0, 0),) * (len(x.shape) - 2) + tuple(pads), constant_values=0)
        pads = ((0, 0), (0, 0))
    hw = (int(x.shape[-2]), int(x.shape[-1]))
    index, _, out = window_plan(hw, kernel, stride, pads, dilation)
    return _windows(x, index), out


def conv2d(x, weight, bias=None, stride=(1, 1), pads=((0, 0), (0, 0)), dilation=(1, 1), groups=1):
    """Cross-correlation of x (N, C, H, W) with weight (O, C/groups, KH, KW), plus bias (O,),
    as PyTorch's conv2d: im2col windows times the flattened filters, one matmul per group."""
    n = -1 if x.shape[0] is None else int(x.shape[0])  # (a static batch may be unknown)
    o, cg, kh, kw = (int(d) for d in weight.shape)
    cols, (oh, ow) = _padded_windows(x, (kh, kw), stride, pads, dilation)  # (N, C, K, L)
    cols = mv.reshape(cols, shape=(n, groups, cg * kh * kw, oh * ow))  # (channel, slot) rows per group
    filters = mv.reshape(weight, shape=(groups, o // groups, cg * kh * kw))
    out = mv.reshape(la.matmul(filters, cols), shape=(n, o, oh, ow))  # (N, G, O/G, L) -> (N, O, OH, OW)
    return out if bias is None else ew.add(out, mv.reshape(bias, shape=(o, 1, 1)))


def max_pool2d(x, kernel=(2, 2), stride=(2, 2), pads=((0, 0), (0, 0)), dilation=(1, 1), ceil_mode=False):
    """The max of each window of x (..., H, W), padding never chosen, with PyTorch's gradient
    rule: all of it to one element, the first maximum in row-major window order, or the last
    NaN where the window has NaNs (PyTorch's CPU kernel takes every NaN it meets). A padded
    slot repeats the window's first element inside the input, so it neither changes the max
    nor takes the gradient from a real element. `ceil_mode` adds PyTorch's partial windows."""
    hw = (int(x.shape[-2]), int(x.shape[-1]))
    index, inside, (oh, ow) = window_plan(hw, kernel, stride, pads, dilation, ceil_mode)
    first = np.take_along_axis(index, np.argmax(inside, axis=1)[:, None], axis=1)
    cols = _windows(x, np.where(inside, index, first))  # (..., K, L)
    nan = isnan(cols)
    # the last NaN among the slots inside the input (a padded slot repeats the first one)
    order = np.ascontiguousarray(np.where(inside, np.arange(index.shape[1]), -1).T)
    score = ew.where(nan, order, -1)  # a window holds a NaN where its best score is >= 0
    has_nan = ew.greater_equal(rd.amax(score, axis=-2, keepdims=True), 0)
    pick = ew.where(has_nan, rd.first_max_mask(score, axis=-2), rd.first_max_mask(cols, axis=-2))
    out = rd.sum(ew.where(pick, cols, 0), axis=-2)
    return mv.reshape(out, shape=_lead(x) + (oh, ow))


def avg_pool2d(x, kernel=(2, 2), stride=(2, 2), pads=((0, 0), (0, 0)), count_include_pad=True, divisor=None,
               ceil_mode=False):
    """The mean of each window of x (..., H, W) padded with zeros: divided by `divisor` when
    given, else by the window size (`count_include_pad`; a ceil_mode window that runs past the
    padding counts up to its end, as PyTorch) or by its elements inside the input (PyTorch's
    count_include_pad=False, TF1's SAME)."""
    hw = (int(x.shape[-2]), int(x.shape[-1]))
    _, inside, out = window_plan(hw, kernel, stride, pads, (1, 1), ceil_mode)
    # zeros past the padding's end for ceil_mode's last windows, so each is gathered whole (the
    # padded input then holds exactly `out` windows)
    ends = [(p[0], max(p[1], (n - 1) * s + k - size - p[0])) for p, n, s, k, size in
            zip(pads, out, stride, kernel, hw, strict=True)]
    cols, _ = _padded_windows(x, kernel, stride, tuple(ends), (1, 1))
    total = rd.sum(cols, axis=-2)
    if divisor is None and count_include_pad:
        divisor = padded_extent(hw, kernel, stride, pads, out)
    elif divisor is None:
        divisor = inside.sum(axis=1).astype(np.int64)
    result = ew.divide(total, divisor)
    return mv.reshape(result, shape=_lead(x) + out)


def _lead(x) -> tuple:
    return tuple(-1 if d is None else int(d) for d in x.shape[:-2])
