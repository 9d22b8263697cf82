"""Independent jax references of the window ops (ops.conv): convolution and its two VJP
ops, the pools, unfold/fold; written from PyTorch's definitions by strided slices of the
padded input, one per kernel offset. Part of `reference.REFERENCE`."""
from __future__ import annotations

import itertools
import math

import jax
import jax.numpy as jnp


def _window_args(x, kernel, stride, pads):
    lead = (1,) * (x.ndim - len(kernel))
    return dict(window_dimensions=lead + tuple(kernel), window_strides=lead + tuple(stride),
                padding=((0, 0),) * len(lead) + tuple(tuple(p) for p in pads))


def _conv(x, w, stride=(1, 1), pads=((0, 0), (0, 0)), dilation=(1, 1), groups=1):
    return jax.lax.conv_general_dilated(x, w, stride, pads, rhs_dilation=dilation, feature_group_count=groups)


def _window_slice(k, stride, dilation, windows):
    """The input positions kernel offset k reads across all windows: k d + l s, l < windows."""
    return tuple(slice(i * d, i * d + s * (m - 1) + 1, s)
                 for i, s, d, m in zip(k, stride, dilation, windows, strict=True))


def _grouped_filters(w, groups):
    return w.reshape((groups, w.shape[0] // groups) + w.shape[1:])  # (G, O/g, C/g, *kernel)


def _conv_transpose(g, w, size=(), stride=(1, 1), pads=((0, 0), (0, 0)), dilation=(1, 1), groups=1):
    """The transposed convolution by its definition: every gradient value g[n, o, l] adds
    w[o, c, k] g[n, o, l] at input position l s + k d - pad (a scatter per kernel offset)."""
    n, windows, kernel = g.shape[0], g.shape[2:], w.shape[2:]
    wg = _grouped_filters(w, groups)
    gg = g.reshape((n, groups, wg.shape[1]) + windows)
    padded = tuple(s + p[0] + p[1] for s, p in zip(size, pads, strict=True))
    out = jnp.zeros((n, groups, w.shape[1]) + padded, g.dtype)
    for k in itertools.product(*(range(d) for d in kernel)):
        part = jnp.einsum("ngo...,goc->ngc...", gg, wg[(...,) + k])
        out = out.at[(slice(None),) * 3 + _window_slice(k, stride, dilation, windows)].add(part)
    out = out[(slice(None),) * 3 + tuple(slice(p[0], p[0] + s) for s, p in zip(size, pads, strict=True))]
    return out.reshape((n, groups * w.shape[1]) + tuple(size))


def _conv_weight_grad(x, g, kernel=(), stride=(1, 1), pads=((0, 0), (0, 0)), dilation=(1, 1), groups=1):
    """dw[o, c, k] = sum over n and windows l of g[n, o, l] x_padded[n, c, l s + k d]."""
    n, windows = x.shape[0], g.shape[2:]
    xp = jnp.pad(x, ((0, 0), (0, 0)) + tuple(tuple(p) for p in pads))
    xg = xp.reshape((n, groups, x.shape[1] // groups) + xp.shape[2:])
    gg = g.reshape((n, groups, g.shape[1] // groups) + windows)
    taps = [jnp.einsum("ngo...,ngc...->goc", gg, xg[(slice(None),) * 3 + _window_slice(k, stride, dilation,
                                                                                        windows)])
            for k in itertools.product(*(range(d) for d in kernel))]
    return jnp.stack(taps, axis=-1).reshape((g.shape[1], x.shape[1] // groups) + tuple(kernel))


def _max_pool(x, kernel=(2, 2), stride=(2, 2), pads=((0, 0), (0, 0)), dilation=(1, 1)):
    """The max over strided slices of x padded with -inf, one per window element (jax has no
    VJP of a dilated reduce_window max)."""
    n = len(kernel)
    xp = jnp.pad(x, ((0, 0),) * (x.ndim - n) + tuple(tuple(p) for p in pads), constant_values=-jnp.inf)
    out = [(xp.shape[x.ndim - n + a] - dilation[a] * (kernel[a] - 1) - 1) // stride[a] + 1 for a in range(n)]
    parts = [xp[(...,) + _window_slice(k, stride, dilation, out)]
             for k in itertools.product(*(range(d) for d in kernel))]
    return jnp.max(jnp.stack(parts), axis=0)


def _max_pool_indices(x, kernel=(2, 2), stride=(2, 2), pads=((0, 0), (0, 0)), dilation=(1, 1)):
    """The flat position (in x's trailing dims) of the first maximum of each window, the window's
    slots in row-major order, padding never chosen (it reads -inf)."""
    n = len(kernel)
    sizes = x.shape[x.ndim - n:]
    spatial = ((0, 0),) * (x.ndim - n) + tuple(tuple(p) for p in pads)
    xp = jnp.pad(x, spatial, constant_values=-jnp.inf)
    where = jnp.pad(jnp.broadcast_to(jnp.arange(math.prod(sizes)).reshape(sizes), x.shape), spatial,
                    constant_values=-1)
    out = [(xp.shape[x.ndim - n + a] - dilation[a] * (kernel[a] - 1) - 1) // stride[a] + 1 for a in range(n)]
    slots = list(itertools.product(*(range(d) for d in kernel)))
    values = jnp.stack([xp[(...,) + _window_slice(k, stride, dilation, out)] for k in slots])
    positions = jnp.stack([where[(...,) + _window_slice(k, stride, dilation, out)] for k in slots])
    return jnp.take_along_axis(positions, jnp.argmax(values, axis=0)[None], axis=0)[0]


def _avg_pool(x, kernel=(2, 2), stride=(2, 2), pads=((0, 0), (0, 0)), count_include_pad=True, divisor=None):
    window = _window_args(x, kernel, stride, pads)
    total = jax.lax.reduce_window(x, 0.0, jax.lax.add, **window)
    if divisor is None and not count_include_pad:
        divisor = jax.lax.reduce_window(jnp.ones_like(x), 0.0, jax.lax.add, **window)
    return total / (math.prod(kernel) if divisor is None else divisor)


def _adaptive_avg_pool(x, output_size=(1, 1)):
    """PyTorch's adaptive windows [floor(i n / out), ceil((i + 1) n / out)), each averaged."""
    n = len(output_size)
    sizes = x.shape[x.ndim - n:]
    bounds = [[(i * s // o, -(-(i + 1) * s // o)) for i in range(o)]
              for s, o in zip(sizes, output_size, strict=True)]
    cells = [jnp.mean(x[(...,) + tuple(slice(lo, hi) for lo, hi in cell)], axis=tuple(range(-n, 0)))
             for cell in itertools.product(*bounds)]
    return jnp.stack(cells, axis=-1).reshape(x.shape[:x.ndim - n] + tuple(output_size))


def _adaptive_cells(x, output_size):
    """Each of PyTorch's adaptive windows as a (..., cell size) slice, and its flat positions."""
    n = len(output_size)
    sizes = x.shape[x.ndim - n:]
    bounds = [[(i * s // o, -(-(i + 1) * s // o)) for i in range(o)]
              for s, o in zip(sizes, output_size, strict=True)]
    where = jnp.arange(math.prod(sizes)).reshape(sizes)
    for cell in itertools.product(*bounds):
        box = tuple(slice(lo, hi) for lo, hi in cell)
        yield x[(...,) + box].reshape(x.shape[:x.ndim - n] + (-1,)), where[box].reshape(-1)


def _adaptive_max_pool(x, output_size=(1, 1)):
    """Each adaptive window's max (the samples have no ties)."""
    cells = [jnp.max(values, axis=-1) for values, _ in _adaptive_cells(x, output_size)]
    return jnp.stack(cells, axis=-1).reshape(x.shape[:x.ndim - len(output_size)] + tuple(output_size))


def _adaptive_max_pool_indices(x, output_size=(1, 1)):
    """The flat position of each adaptive window's first maximum."""
    cells = [where[jnp.argmax(values, axis=-1)] for values, where in _adaptive_cells(x, output_size)]
    return jnp.stack(cells, axis=-1).reshape(x.shape[:x.ndim - len(output_size)] + tuple(output_size))


def _unfold(x, kernel=(2, 2), stride=(1, 1), pads=((0, 0), (0, 0)), dilation=(1, 1)):
    """im2col by strided slices of the zero-padded x, one per kernel offset: (..., K, L)."""
    n = len(kernel)
    xp = jnp.pad(x, ((0, 0),) * (x.ndim - n) + tuple(tuple(p) for p in pads))
    windows = [(xp.shape[x.ndim - n + a] - dilation[a] * (kernel[a] - 1) - 1) // stride[a] + 1
               for a in range(n)]
    parts = [xp[(...,) + _window_slice(k, stride, dilation, windows)].reshape(x.shape[:x.ndim - n] + (-1,))
             for k in itertools.product(*(range(d) for d in kernel))]
    return jnp.stack(parts, axis=-2)


def _fold(x, size=(2, 2), kernel=(2, 2), stride=(1, 1), pads=((0, 0), (0, 0)), dilation=(1, 1)):
    """col2im as the adjoint (jax.vjp) of the im2col above."""
    plane = jnp.zeros(x.shape[:-2] + tuple(size), x.dtype)
    return jax.vjp(lambda p: _unfold(p, kernel, stride, pads, dilation), plane)[1](x)[0]


WINDOWS = {
    "conv": _conv,
    "conv_transpose": _conv_transpose,
    "conv_weight_grad": _conv_weight_grad,
    "max_pool": _max_pool,
    "max_pool_indices": _max_pool_indices,
    "avg_pool": _avg_pool,
    "adaptive_avg_pool": _adaptive_avg_pool,
    "adaptive_max_pool": _adaptive_max_pool,
    "adaptive_max_pool_indices": _adaptive_max_pool_indices,
    "unfold": _unfold,
    "fold": _fold,
}
