"""Where the windows of an N-d convolution or pooling fall: their count along a dim and the flat
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


def window_plan(sizes: tuple, kernel: tuple, stride: tuple, pads: tuple, dilation: tuple, ceil: bool = False):
    """Flat indices into the unpadded (prod(sizes),) input, shaped (windows, prod(kernel)) in
    row-major window order, the mask of those that fall inside the input, and the window
    count along each dim."""
    per_dim = []
    for size, k, s, p, d in zip(sizes, kernel, stride, pads, dilation, strict=True):
        pos = _starts(size, k, s, p, d, ceil)  # (windows along this dim, k)
        per_dim.append((size, pos, (pos >= 0) & (pos < size)))
    return _product(per_dim)


def adaptive_windows(size: int, out: int) -> tuple:
    """PyTorch's adaptive windows [floor(i size / out), ceil((i + 1) size / out)) along one dim:
    the (K, out) indices of their elements (K the longest window; a shorter window's spare
    slots repeat its first element), the mask of the real ones, and each window's length."""
    lo = np.arange(out) * size // out
    length = -(-(np.arange(out) + 1) * size // out) - lo
    slots = np.arange(max(int(length.max(initial=1)), 1))[:, None]
    inside = slots < length[None, :]
    return np.where(inside, lo[None, :] + slots, lo[None, :]), inside, length


def adaptive_plan(sizes: tuple, output_size: tuple):
    """`window_plan` for adaptive pooling: each window a product of `adaptive_windows`, one
    per dim, overlapping where the output size does not divide the input's."""
    per_dim = []
    for size, out in zip(sizes, output_size, strict=True):
        index, inside, _ = adaptive_windows(size, out)
        per_dim.append((size, index.T, inside.T))
    return _product(per_dim)


def _product(per_dim: list):
    """The windows of several dims combined (row-major) from each dim's (size, (windows, k)
    positions, mask): flat indices (windows, prod(k)), their mask, the window counts."""
    flat, inside = np.zeros((1, 1), np.int64), np.ones((1, 1), bool)
    for size, pos, ok in per_dim:
        flat = flat[:, None, :, None] * size + pos[None, :, None, :]
        flat = flat.reshape(flat.shape[0] * flat.shape[1], flat.shape[2] * flat.shape[3])
        inside = (inside[:, None, :, None] & ok[None, :, None, :]).reshape(flat.shape)
    return flat, inside, tuple(pos.shape[0] for _, pos, _ in per_dim)


def padded_extent(sizes: tuple, kernel: tuple, stride: tuple, pads: tuple, out: tuple) -> np.ndarray:
    """Per dim, how far each window reaches into the padded input, clipped at the padding's
    end: PyTorch's avg_pool divisor with count_include_pad (the kernel size, except for a
    ceil_mode window that runs past the padding). Shaped (windows,)."""
    total = np.ones(1, np.int64)
    for a in range(len(sizes)):
        start = np.arange(out[a]) * stride[a] - pads[a][0]
        ext = np.minimum(start + kernel[a], sizes[a] + pads[a][1]) - start
        total = (total[:, None] * ext[None, :]).reshape(-1)
    return total
