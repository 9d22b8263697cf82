"""`ds.nn.conv2d`, `ds.nn.max_pool` and `ds.nn.avg_pool` with TF1's signatures and NHWC layout,
over the composites of `ops.conv` (the eager F.conv2d / max_pool2d / avg_pool2d math): the
input is transposed to NCHW and the (kH, kW, in, out) filter to (out, in, kH, kW).

TF1's rules: 'SAME' pads d(k-1) + stride-alignment in all, the odd one at the bottom/right;
SAME avg_pool divides by the count of non-padded elements; max_pool never picks padding and
sends each window's gradient to its first maximum, as TF1's CPU MaxPoolGrad.
"""
from __future__ import annotations

from .. import ops
from ..errors import DualgradNotImplementedError, ShapeError, user_line
from ..ops import conv as conv_ops
from .api import _n, _tensor


def _four(name: str, fn: str, value, data_format: str) -> tuple[int, int]:
    """TF1's int / length-1, 2 or 4 list of strides (dilations, ksize) -> the (H, W) pair; the
    batch and channel entries of a length-4 list must be 1."""
    values = [value] if isinstance(value, int) else [int(v) for v in value]
    if len(values) == 1:
        return (values[0], values[0])
    if len(values) == 2:
        return (values[0], values[1])
    if len(values) != 4:
        raise ShapeError(f"ds.nn.{fn}: {name} must be an int or a list of 1, 2 or 4 ints, got {value!r} "
                         f"{user_line()}")
    h, w, others = (1, 2, (0, 3)) if data_format == "NHWC" else (2, 3, (0, 1))
    if any(values[i] != 1 for i in others):
        raise DualgradNotImplementedError(f"ds.nn.{fn}: {name}={values}: {name} in the batch and depth "
                                          f"dimensions must be 1 {user_line()}")
    return (values[h], values[w])


def _pads(fn: str, padding, hw: tuple, kernel: tuple, stride: tuple, dilation: tuple) -> tuple:
    """TF1's padding of each spatial dim as (before, after)."""
    if padding == "VALID":
        return ((0, 0), (0, 0))
    if padding != "SAME":
        raise ShapeError(f"ds.nn.{fn}: padding must be 'SAME' or 'VALID', got {padding!r} {user_line()}")
    pads = []
    for size, k, s, d in zip(hw, kernel, stride, dilation, strict=True):
        out = -(-size // s)
        total = max((out - 1) * s + d * (k - 1) + 1 - size, 0)
        pads.append((total // 2, total - total // 2))
    return tuple(pads)


def _nchw(fn: str, x, data_format: str):
    x = _tensor(x)
    if data_format not in ("NHWC", "NCHW"):
        raise ShapeError(f"ds.nn.{fn}: data_format must be 'NHWC' or 'NCHW', got {data_format!r} "
                         f"{user_line()}")
    if len(x.shape) != 4:
        raise ShapeError(f"ds.nn.{fn}: input must be 4-D ({data_format}), got shape {tuple(x.shape)} "
                         f"{user_line()}")
    if data_format == "NCHW":
        return x
    return ops.transpose(x, axes=(0, 3, 1, 2))


def _back(y, data_format: str):
    return y if data_format == "NCHW" else ops.transpose(y, axes=(0, 2, 3, 1))


def _spatial(fn: str, x) -> tuple[int, int]:
    hw = tuple(x.shape[2:])
    if None in hw:
        raise ShapeError(f"ds.nn.{fn}: the spatial dims must be known, got shape {tuple(x.shape)} "
                         f"{user_line()}")
    return hw


def conv2d(input, filter=None, strides=None, padding=None, use_cudnn_on_gpu=True, data_format="NHWC",
           dilations=None, name=None, filters=None):
    """2-D cross-correlation of `input` (NHWC) with `filter` (kH, kW, in, out) (tf.nn.conv2d);
    in channels a multiple of the filter's are grouped convolution, as TF."""
    filter = filters if filter is None else filter
    x = _nchw("conv2d", input, data_format)
    w = _tensor(filter, like=x)
    if len(w.shape) != 4 or None in tuple(w.shape):
        raise ShapeError(f"ds.nn.conv2d: filter must be 4-D (kH, kW, in, out) with known dims, got shape "
                         f"{tuple(w.shape)} {user_line()}")
    kh, kw, cin, cout = (int(d) for d in w.shape)
    channels = x.shape[1]
    if channels is None or channels % cin or cout % (channels // cin):
        raise ShapeError(f"ds.nn.conv2d: input depth {channels} must be a multiple of the filter's in depth "
                         f"{cin} (and out depth {cout} of the groups) {user_line()}")
    stride = _four("strides", "conv2d", 1 if strides is None else strides, data_format)
    dilation = _four("dilations", "conv2d", 1 if dilations is None else dilations, data_format)
    if dilation != (1, 1) and stride != (1, 1):
        raise ShapeError(f"ds.nn.conv2d: strides > 1 are not supported with dilations > 1 (as TF1) "
                         f"{user_line()}")
    hw = _spatial("conv2d", x)
    pads = _pads("conv2d", padding, hw, (kh, kw), stride, dilation)
    if any(hw[i] + sum(pads[i]) < dilation[i] * ((kh, kw)[i] - 1) + 1 for i in range(2)):
        raise ShapeError(f"ds.nn.conv2d: the filter ({kh}x{kw}, dilations {dilation}) is larger than the "
                         f"padded input {hw} {user_line()}")
    weight = ops.transpose(w, axes=(3, 2, 0, 1))
    y = conv_ops.conv(x, weight, stride=stride, pads=pads, dilation=dilation, groups=int(channels) // cin)
    return _n(_back(y, data_format), name)


def _pool(fn: str, value, ksize, strides, padding, data_format):
    x = _nchw(fn, value, data_format)
    kernel = _four("ksize", fn, ksize, data_format)
    stride = _four("strides", fn, strides, data_format)
    hw = _spatial(fn, x)
    pads = _pads(fn, padding, hw, kernel, stride, (1, 1))
    if any(hw[i] + sum(pads[i]) < kernel[i] for i in range(2)):
        raise ShapeError(f"ds.nn.{fn}: ksize {kernel} is larger than the input {hw} with padding {padding!r} "
                         f"{user_line()}")
    return x, kernel, stride, pads


def max_pool(value, ksize, strides, padding, data_format="NHWC", name=None, input=None):
    """The max of each window (tf.nn.max_pool); SAME padding is never picked."""
    value = input if value is None else value
    x, kernel, stride, pads = _pool("max_pool", value, ksize, strides, padding, data_format)
    return _n(_back(conv_ops.max_pool(x, kernel, stride, pads, (1, 1)), data_format), name)


def avg_pool(value, ksize, strides, padding, data_format="NHWC", name=None, input=None):
    """The mean of each window (tf.nn.avg_pool); with SAME, over the elements inside the input."""
    value = input if value is None else value
    x, kernel, stride, pads = _pool("avg_pool", value, ksize, strides, padding, data_format)
    if not x.dtype.is_floating_point:
        raise ShapeError(f"ds.nn.avg_pool: value must be floating point, got {x.dtype.name} {user_line()}")
    y = conv_ops.avg_pool(x, kernel, stride, pads, count_include_pad=False)
    return _n(_back(y, data_format), name)


__all__ = ["avg_pool", "conv2d", "max_pool"]
