"""Kernels of the N-d convolution ops (`ops.conv`): numpy and jax.

Layout is PyTorch's: x (N, C, *spatial), weight (O, C/groups, *kernel), out (N, O, *windows);
`pads` holds a (before, after) pair per spatial dim. numpy gathers the windows once as a
strided view (`sliding_window_view`, no copy), copies them into im2col order
(N, C, *kernel, *windows), and multiplies by the flattened filters, one batched matmul per
group: the layout that gives (N, O, *windows) with no transpose of the output. The input's
gradient scatters the column gradient back with one strided add per kernel offset (col2im).
jax calls XLA's convolution (a grouped float64 one is a contraction per kernel offset, see
`_grouped_by_offsets`) and takes the two VJPs from `jax.vjp` of it.
"""
from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..backend import matmul_precision


def _padded(x: np.ndarray, pads: tuple) -> np.ndarray:
    if any(p for pair in pads for p in pair):
        return np.pad(x, ((0, 0), (0, 0)) + tuple(tuple(p) for p in pads))
    return x


def columns(x: np.ndarray, kernel: tuple, stride: tuple, pads: tuple, dilation: tuple) -> np.ndarray:
    """im2col: the windows of x padded with zeros, copied as (N, C, *kernel, *windows)."""
    n = len(kernel)
    reach = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation, strict=True))
    view = sliding_window_view(_padded(x, pads), reach, axis=tuple(range(2, 2 + n)))
    view = view[(slice(None),) * 2 + tuple(slice(None, None, s) for s in stride)
                + tuple(slice(None, None, d) for d in dilation)]
    order = (0, 1) + tuple(range(2 + n, 2 + 2 * n)) + tuple(range(2, 2 + n))
    return np.ascontiguousarray(view.transpose(order))


def _grouped(w: np.ndarray, groups: int) -> np.ndarray:
    """weight (O, C/g, *kernel) -> (G, O/g, C/g * prod(kernel))."""
    return w.reshape(groups, w.shape[0] // groups, -1)


def conv_numpy(x, w, stride, pads, dilation, groups):
    """out[n, o, l] = sum over (c, k) of w[o, c, k] x_padded[n, group(o) c, l * stride + k * dilation]."""
    kernel = w.shape[2:]
    cols = columns(x, kernel, stride, pads, dilation)
    windows = cols.shape[2 + len(kernel):]
    cols = cols.reshape(x.shape[0], groups, -1, math.prod(windows))
    out = np.matmul(_grouped(w, groups), cols)  # (N, G, O/g, L)
    return out.reshape((x.shape[0], w.shape[0]) + windows)


def conv_transpose_numpy(g, w, size, stride, pads, dilation, groups):
    """The VJP of conv wrt x (of spatial `size`): each output gradient spread back over its
    window through the filters (col2im)."""
    n, kernel, windows = g.shape[0], w.shape[2:], g.shape[2:]
    cg = w.shape[1]
    grouped = _grouped(w, groups)  # (G, O/g, C/g * K)
    flat = g.reshape(n, groups, grouped.shape[1], -1)  # (N, G, O/g, L)
    cols = np.matmul(grouped.transpose(0, 2, 1), flat).reshape((n, groups * cg) + kernel + windows)
    padded = tuple(s + p[0] + p[1] for s, p in zip(size, pads, strict=True))
    out = np.zeros((n, groups * cg) + padded, dtype=cols.dtype)
    for k in np.ndindex(*kernel):
        at = tuple(slice(i * d, i * d + s * (m - 1) + 1, s)
                   for i, d, s, m in zip(k, dilation, stride, windows, strict=True))
        out[(slice(None),) * 2 + at] += cols[(slice(None),) * 2 + k]
    return out[(slice(None),) * 2 + tuple(slice(p[0], p[0] + s) for s, p in zip(size, pads, strict=True))]


def conv_weight_numpy(x, g, kernel, stride, pads, dilation, groups):
    """The VJP of conv wrt the weight: dw[o, c, k] = sum over (n, l) of g[n, o, l] x_padded[n, c, l s + k d]
    (one batched matmul per group, summed over the batch)."""
    n = x.shape[0]
    cols = columns(x, kernel, stride, pads, dilation).reshape(n, groups, -1, math.prod(g.shape[2:]))
    flat = g.reshape(n, groups, g.shape[1] // groups, -1)  # (N, G, O/g, L)
    dw = np.matmul(flat, cols.transpose(0, 1, 3, 2)).sum(axis=0)  # (G, O/g, C/g * K)
    return dw.reshape((g.shape[1], x.shape[1] // groups) + tuple(kernel))


# -- jax ----------------------------------------------------------------------------------------
def _xla_conv(x, w, stride, pads, dilation, groups):
    from jax import lax

    if groups > 1 and x.dtype == np.float64:
        return _grouped_by_offsets(x, w, stride, pads, dilation, groups)
    return lax.conv_general_dilated(x, w, tuple(stride), tuple(tuple(p) for p in pads),
                                    rhs_dilation=tuple(dilation), feature_group_count=groups,
                                    precision=matmul_precision())


def _grouped_by_offsets(x, w, stride, pads, dilation, groups):
    """A grouped float64 convolution as one within-group contraction per kernel offset. XLA's
    CPU float64 kernel computes a grouped (depthwise) convolution as if dense, with zero filters
    across groups, so an inf or NaN in one group's channels made inf * 0 = NaN in the outputs
    of the others (its VJPs too); here a group only ever reads its own channels."""
    import jax.numpy as jnp

    n, c, o, kernel = x.shape[0], x.shape[1], w.shape[0], tuple(w.shape[2:])
    xp = jnp.pad(x, ((0, 0), (0, 0)) + tuple(tuple(p) for p in pads))
    windows = [(xp.shape[2 + a] - d * (k - 1) - 1) // s + 1
               for a, (k, s, d) in enumerate(zip(kernel, stride, dilation, strict=True))]
    xg = xp.reshape((n, groups, c // groups) + xp.shape[2:])
    wg = w.reshape((groups, o // groups, c // groups) + kernel)
    out = None
    for k in np.ndindex(*kernel):
        reach = tuple(slice(i * d, i * d + s * (m - 1) + 1, s)
                      for i, s, d, m in zip(k, stride, dilation, windows, strict=True))
        part = jnp.einsum("ngc...,goc->ngo...", xg[(slice(None),) * 3 + reach], wg[(...,) + k],
                          precision=matmul_precision())
        out = part if out is None else out + part
    return out.reshape((n, o) + tuple(windows))


def conv_jax(xp, x, w, stride, pads, dilation, groups):
    """XLA's convolution (no flip: cross-correlation, as PyTorch)."""
    return _xla_conv(x, w, stride, pads, dilation, groups)


def conv_transpose_jax(xp, g, w, size, stride, pads, dilation, groups):
    """`jax.vjp` of XLA's convolution wrt its input (it is linear, so any input point will do)."""
    import jax

    x = xp.zeros((g.shape[0], w.shape[1] * groups) + tuple(size), dtype=g.dtype)
    _, pullback = jax.vjp(lambda x: _xla_conv(x, w, stride, pads, dilation, groups), x)
    return pullback(g)[0]


def conv_weight_jax(xp, x, g, kernel, stride, pads, dilation, groups):
    """`jax.vjp` of XLA's convolution wrt its filters."""
    import jax

    w = xp.zeros((g.shape[1], x.shape[1] // groups) + tuple(kernel), dtype=x.dtype)
    _, pullback = jax.vjp(lambda w: _xla_conv(x, w, stride, pads, dilation, groups), w)
    return pullback(g)[0]
