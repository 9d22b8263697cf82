"""numpy float64 convolutions written from their definitions: the oracles of the eager and
static convolution tests (independent of dualgrad's im2col / col2im kernels)."""
from __future__ import annotations

import itertools

import numpy as np


def np_conv(x, w, stride, pads, dilation, groups):
    """out[n, o, l] = sum over c, k of w[o, c, k] x_padded[n, group(o) c, l s + k d]; x batched."""
    n = w.ndim - 2
    xp = np.pad(x, ((0, 0), (0, 0)) + tuple(pads))
    kernel = w.shape[2:]
    out = [(xp.shape[2 + a] - dilation[a] * (kernel[a] - 1) - 1) // stride[a] + 1 for a in range(n)]
    cg, og = w.shape[1], w.shape[0] // groups
    y = np.zeros((x.shape[0], w.shape[0]) + tuple(out))
    for k in itertools.product(*(range(d) for d in kernel)):
        part = xp[
            (slice(None), slice(None))
            + tuple(
                slice(k[a] * dilation[a], k[a] * dilation[a] + stride[a] * (out[a] - 1) + 1, stride[a])
                for a in range(n)
            )
        ]
        for g in range(groups):
            y[:, g * og : (g + 1) * og] += np.einsum(
                "oc,nc...->no...",
                w[(slice(g * og, (g + 1) * og), slice(None)) + k],
                part[:, g * cg : (g + 1) * cg],
            )
    return y


def np_conv_transpose(x, w, stride, padding, output_padding, dilation, groups):
    """The textbook transposed convolution: zeros between the input's values (stride - 1 of
    them), then a stride-1 convolution with the flipped filters, in/out swapped per group,
    padded d(k-1) - p (a negative amount crops)."""
    n, kernel = w.ndim - 2, w.shape[2:]
    dilated = np.zeros(x.shape[:2] + tuple((m - 1) * s + 1 for m, s in zip(x.shape[2:], stride, strict=True)))
    dilated[(slice(None), slice(None)) + tuple(slice(None, None, s) for s in stride)] = x
    cin, per = w.shape[:2]
    swapped = (
        w.reshape((groups, cin // groups, per) + kernel)
        .swapaxes(1, 2)
        .reshape((groups * per, cin // groups) + kernel)
    )
    flipped = swapped[(slice(None), slice(None)) + (slice(None, None, -1),) * n]
    pads = [
        (d * (k - 1) - p, d * (k - 1) - p + o)
        for k, p, o, d in zip(kernel, padding, output_padding, dilation, strict=True)
    ]
    crop = tuple(
        slice(max(-a, 0), dilated.shape[2 + i] + (b if b < 0 else 0)) for i, (a, b) in enumerate(pads)
    )
    dilated = dilated[(slice(None), slice(None)) + crop]
    return np_conv(dilated, flipped, (1,) * n, [(max(a, 0), max(b, 0)) for a, b in pads], dilation, groups)
