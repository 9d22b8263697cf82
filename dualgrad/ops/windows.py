"""Where the windows of a 2-D convolution or pooling fall: their count along a dim and the flat
input index of each window element, from concrete sizes (numpy only; no registry op)."""
from __future__ import annotations

import numpy as np


def out_size(size: int, k: int, stride: int, pads: tuple, dilation: int, ceil: bool = False) -> int:
    """The number of windows along one dim: floor((size + pads - d(k-1) - 1) / stride) + 1, or
    with `ceil` (PyTorch's ceil_mode) rounded up, less the last window if it would start in
    the right padding (PyTorch's pooling_output_shape)."""
    reach = size + pads[0] + pads[1] - dilation * (k - 1) - 1
    n = (reach + (stride - 1 if ceil else 0)) // stride + 1
    return n - 1 if ceil and (n - 1) * stride >= size + pads[0] else n


def _starts(size: int, k: int, stride: int, pads: tuple, dilation: int, ceil: bool) -> np.ndarray:
    """Positions (in the unpadded input) of each window's elements along one dim: (out, k)."""
    n = out_size(size, k, stride, pads, dilation, ceil)
    return np.arange(n)[:, None] * stride - pads[0] + np.arange(k)[None, :] * dilation


def window_plan(hw: tuple, kernel: tuple, stride: tuple, pads: tuple, dilation: tuple, ceil: bool = False):
    """Flat indices into the unpadded (H*W) plane, shaped (OH*OW, KH*KW) in row-major window
    order, the mask of those that fall inside the input, and (OH, OW)."""
    rows = _starts(hw[0], kernel[0], stride[0], pads[0], dilation[0], ceil)  # (OH, KH)
    cols = _starts(hw[1], kernel[1], stride[1], pads[1], dilation[1], ceil)  # (OW, KW)
    flat = rows[:, None, :, None] * hw[1] + cols[None, :, None, :]
    inside = ((rows >= 0) & (rows < hw[0]))[:, None, :, None] & ((cols >= 0) & (cols < hw[1]))[
        None, :, None, :
    ]
    oh, ow = rows.shape[0], cols.shape[0]
    return flat.reshape(oh * ow, -1), inside.reshape(oh * ow, -1), (oh, ow)


def padded_extent(hw: tuple, kernel: tuple, stride: tuple, pads: tuple, out: tuple) -> tuple:
    """Per dim, how far each window reaches into the padded input, clipped at the padding's
    end: PyTorch's avg_pool2d divisor with count_include_pad (the kernel size, except for a
    ceil_mode window that runs past the padding). Shaped (OH*OW,)."""
    ext = [np.minimum(np.arange(out[a]) * stride[a] - pads[a][0] + kernel[a], hw[a] + pads[a][1])
           - (np.arange(out[a]) * stride[a] - pads[a][0]) for a in range(2)]
    return (ext[0][:, None] * ext[1][None, :]).reshape(-1)
