"""PyTorch's grid sampler and affine grid written out from ATen's GridSampler.h (the generic
kernels: grid_sampler_unnormalize (in the CPU kernel's rounding), clip_coordinates,
reflect_coordinates with its flips, within_bounds, the nw/ne/sw/se bilinear and trilinear
corner weights, nearbyint, and get_cubic_upsample_coefficients with A = -0.75), for an array
namespace `xp` (numpy float64 for forward values, jax.numpy for jax.grad). It shares no code
with dualgrad."""
from __future__ import annotations

import itertools

import numpy as np


def unnormalize(c, size: int, align: bool):
    """grid_sampler_unnormalize, rounded as the CPU kernel's ComputeLocationBase: (c + 1) times
    (size - 1) / 2, or times size / 2 minus 1/2 (float32 pixel centres fall where torch's do)."""
    return (c + 1) * ((size - 1) / 2) if align else (c + 1) * (size / 2) - 0.5


def clip(xp, x, size: int):
    """clip_coordinates, with clip_coordinates_set_grad's derivative (0 on the borders too)."""
    inside = (x > 0) & (x < size - 1)
    return xp.where(inside, x, xp.where(x > 0, float(size - 1), 0.0))


def reflect(xp, x, twice_low: int, twice_high: int):
    """reflect_coordinates: fold x into [twice_low / 2, twice_high / 2]."""
    if twice_low == twice_high:
        return x * 0.0
    low, span = twice_low / 2, (twice_high - twice_low) / 2
    x = x - low
    sign = xp.where(x < 0, -1.0, 1.0)
    x = x * sign
    extra = xp.fmod(x, span)
    flips = xp.floor(x / span)
    return xp.where(xp.fmod(flips, 2) == 0, extra + low, span - extra + low)


def pad(xp, x, size: int, padding: str, align: bool):
    """compute_coordinates."""
    if padding == "border":
        return clip(xp, x, size)
    if padding == "reflection":
        x = reflect(xp, x, 0, 2 * (size - 1)) if align else reflect(xp, x, -1, 2 * size - 1)
        return clip(xp, x, size)
    return x


def cubic(t) -> list:
    """get_cubic_upsample_coefficients."""
    a = -0.75

    def c1(x):
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def c2(x):
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    return [c2(t + 1), c1(t), c1(1 - t), c2(2 - t)]


def grid_sample(xp, inp, grid, mode: str, padding: str, align: bool):
    """F.grid_sample of inp (N, C, *S) at grid (N, *O, k), by PyTorch's per-dim formulas."""
    n, k = inp.shape[0], inp.ndim - 2
    sizes = inp.shape[2:]
    coords = [unnormalize(grid[..., k - 1 - d], sizes[d], align) for d in range(k)]  # d-th spatial dim
    taps = []  # per dim: [(integer position, weight)]
    for c, size in zip(coords, sizes, strict=True):
        if mode == "bicubic":
            f = xp.floor(c)
            taps.append([(pad(xp, f + j - 1, size, padding, align), w) for j, w in enumerate(cubic(c - f))])
            continue
        c = pad(xp, c, size, padding, align)
        if mode == "nearest":
            taps.append([(xp.round(c), c * 0.0 + 1.0)])
        else:
            f = xp.floor(c)
            taps.append([(f, f + 1 - c), (f + 1, c - f)])
    batch = xp.arange(n).reshape((n,) + (1,) * (grid.ndim - 2))
    out = 0.0
    for combo in itertools.product(*taps):
        ok = np.bool_(True)
        at = [batch, slice(None)]
        weight = 1.0
        for (p, w), size in zip(combo, sizes, strict=True):
            inside = (p >= 0) & (p <= size - 1)
            ok = ok & inside
            at.append(xp.where(inside, p, 0).astype(int))
            weight = weight * w
        value = inp[tuple(at)]  # (N, *O, C): the advanced indices, split by the slice, lead
        value = xp.moveaxis(value, -1, 1)
        out = out + xp.where(ok[:, None], value, 0.0) * weight[:, None]
    return out


def affine_grid(xp, theta, size: list, align: bool):
    """affine_grid_generator: the base grid (x, y[, z], 1) over `size`, times theta^T."""
    spatial = size[2:]

    def line(m):  # in float64, rounded once to theta's dtype
        if m <= 1:
            return np.zeros(m)
        r = np.linspace(-1.0, 1.0, m)
        return r if align else r * (m - 1) / m

    mesh = np.meshgrid(*[line(m) for m in spatial], indexing="ij")[::-1]
    base = np.stack(list(mesh) + [np.ones(tuple(spatial))], axis=-1).astype(theta.dtype)
    return xp.einsum("...j,nij->n...i", xp.asarray(base), theta)
