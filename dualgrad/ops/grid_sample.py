"""PyTorch's `affine_grid` and `grid_sample` as compositions of registry ops, for any number of
spatial dims (PyTorch has 2 and 3). A sample is a weighted sum of a few input elements (taps)
whose positions depend on the grid: each tap's position is floored or rounded (no gradient),
turned into a flat index read by `take` (whose VJP `take_add` gives the input's gradient) and
weighted by a function of the grid coordinate (whose VJP gives the grid's), so eager, static,
symbolic and compiled front ends get both gradients from the registry.

The coordinate rules are PyTorch's (aten/src/ATen/native/GridSampler.h): unnormalisation
(align_corners sends -1 and 1 to the corner pixels' centres, else to the image's edges), the
padding modes applied to the continuous coordinate for 'bilinear' and 'nearest' (border clips,
reflection folds about the edges and then clips) with PyTorch's gradients there (0 where the
clip acts, borders included; the fold's sign), 'nearest' rounding half to even (nearbyint),
and 'bicubic' (Keys, A = -0.75) padding each of its 4 x 4 integer taps. A tap outside the
input reads 0 (zeros padding), and its product is not formed, as PyTorch's masked gathers."""
from __future__ import annotations

import itertools
import math

import numpy as np

from .. import dtypes
from . import elementwise as ew
from . import movement as mv
from . import reductions as rd
from .gathering import floor, take
from .gathering import round as round_half_even
from .indexing import getitem
from .linalg import matmul
from .modulo import fmod
from .selection import logical_and

MODES = ("bilinear", "nearest", "bicubic")
PADDINGS = ("zeros", "border", "reflection")
_A = -0.75  # the cubic convolution constant of PyTorch's bicubic modes


# -- coordinates ----------------------------------------------------------------------------------
def _unnormalize(coord, size: int, align_corners: bool):
    """[-1, 1] to pixel units: (c + 1) (size - 1) / 2, or (c + 1) size / 2 - 1/2 without
    align_corners (the form of PyTorch's CPU kernel, ComputeLocationBase)."""
    if align_corners:
        return ew.multiply(ew.add(coord, 1.0), (size - 1) / 2)
    return ew.subtract(ew.multiply(ew.add(coord, 1.0), size / 2), 0.5)


def _constant(flag, like):
    """A bool tensor as 0/1 in `like`'s dtype, with no gradient (a comparison's result)."""
    return ew.cast(flag, dtype=like.dtype)


def _clip(coord, size: int):
    """coord clamped to [0, size - 1] with PyTorch's gradient: 1 strictly inside, else 0 (the
    borders count as outside: clip_coordinates_set_grad); NaN becomes 0."""
    inside = logical_and(ew.greater(coord, 0.0), ew.less(coord, float(size - 1)))
    edge = ew.multiply(_constant(ew.greater(coord, 0.0), coord), float(size - 1))
    return ew.where(inside, coord, edge)


def _reflect(coord, size: int, align_corners: bool):
    """coord folded about the edges [0, size - 1] (align_corners) or [-1/2, size - 1/2] until it
    lies between them: min(e, 2 span - e) + low with e = |coord - low| mod 2 span, whose
    gradient is PyTorch's sign (reflect_coordinates_set_grad)."""
    low, span = (0.0, float(size - 1)) if align_corners else (-0.5, float(size))
    if span == 0:
        return coord
    extra = fmod(ew.abs(ew.subtract(coord, low)), 2 * span)
    return ew.add(ew.minimum(extra, ew.subtract(2 * span, extra)), low)


def _pad(coord, size: int, padding_mode: str, align_corners: bool):
    """compute_coordinates: the padding mode applied to a coordinate in pixel units."""
    if padding_mode == "zeros":
        return coord
    if padding_mode == "reflection":
        coord = _reflect(coord, size, align_corners)
    return _clip(coord, size)


# -- taps along one dim: (position, weight or None) ---------------------------------------------
def _cubic_weights(t) -> list:
    """Keys' cubic convolution weights of the taps at floor - 1 .. floor + 2, t = x - floor(x)
    (get_cubic_upsample_coefficients)."""
    def near(x):  # |x| <= 1
        return ew.add(ew.multiply(ew.multiply(ew.subtract(ew.multiply(x, _A + 2), _A + 3), x), x), 1.0)

    def far(x):  # 1 < |x| < 2
        inner = ew.add(ew.multiply(ew.subtract(ew.multiply(x, _A), 5 * _A), x), 8 * _A)
        return ew.subtract(ew.multiply(inner, x), 4 * _A)

    rest = ew.subtract(1.0, t)
    return [far(ew.add(t, 1.0)), near(t), near(rest), far(ew.add(rest, 1.0))]


def _taps(coord, size: int, mode: str, padding_mode: str, align_corners: bool) -> list:
    """The taps of one spatial dim: positions in pixel units (floats with no gradient) and their
    weights."""
    x = _unnormalize(coord, size, align_corners)
    if mode == "nearest":
        # weight 1 with a zero gradient: the grid's gradient is zeros, as PyTorch's, not None
        return [(round_half_even(_pad(x, size, padding_mode, align_corners)), ew.where(False, x, 1.0))]
    if mode == "bilinear":
        x = _pad(x, size, padding_mode, align_corners)
        x0 = floor(x)
        x1 = ew.add(x0, 1.0)
        return [(x0, ew.subtract(x1, x)), (x1, ew.subtract(x, x0))]
    x0 = floor(x)
    weights = _cubic_weights(ew.subtract(x, x0))
    return [(_pad(ew.add(x0, float(j - 1)), size, padding_mode, align_corners), w)
            for j, w in enumerate(weights)]


def _index(position, size: int):
    """(in-bounds mask, int64 index: 0 where out of bounds) of a tap position."""
    inside = logical_and(ew.greater_equal(position, 0.0), ew.less_equal(position, float(size - 1)))
    return inside, ew.cast(ew.where(inside, position, 0.0), dtype=dtypes.int64)


# -- the sampler ----------------------------------------------------------------------------------
def grid_sample(x, grid, mode: str = "bilinear", padding_mode: str = "zeros", align_corners: bool = False):
    """x (N, C, *in) sampled at grid (N, *out, k) (k = number of spatial dims, the last spatial
    dim first, in [-1, 1]): (N, C, *out), PyTorch's grid_sampler. Shapes must be known; the
    front end checks the arguments."""
    n, channels = int(x.shape[0]), int(x.shape[1])
    sizes = tuple(int(d) for d in x.shape[2:])
    k = len(sizes)
    per_dim = []
    for d, size in enumerate(sizes):  # the grid's last axis lists x (the last dim) first
        coord = getitem(grid, key=(Ellipsis, k - 1 - d))
        taps = _taps(coord, size, mode, padding_mode, align_corners)
        per_dim.append([(*_index(p, size), w) for p, w in taps])
    out_shape = tuple(int(d) for d in grid.shape[1:-1])
    batch = (np.arange(n, dtype=np.int64) * math.prod(sizes)).reshape((n,) + (1,) * len(out_shape))
    strides = [math.prod(sizes[d + 1:]) for d in range(k)]
    indices, masks, weights = [], [], []
    for combo in itertools.product(*per_dim):  # the first dim's taps outermost, as PyTorch sums
        flat, mask, weight = batch, None, None
        for stride, (inside, index, w) in zip(strides, combo, strict=True):
            flat = ew.add(flat, ew.multiply(index, stride) if stride != 1 else index)
            mask = inside if mask is None else logical_and(mask, inside)
            weight = w if weight is None else ew.multiply(weight, w)
        indices.append(flat)
        masks.append(mask)
        weights.append(weight)
    # the input as (C, N * prod(in)): one gather of every tap of every sample, (C, K, N, *out)
    plane = mv.reshape(mv.transpose(x, axes=(1, 0) + tuple(range(2, k + 2))), shape=(channels, -1))
    values = ew.where(mv.stack(*masks, axis=0), take(plane, mv.stack(*indices, axis=0), axis=1), 0.0)
    picked = ew.multiply(values, mv.stack(*weights, axis=0))
    out = rd.sum(picked, axis=1) if len(indices) > 1 else getitem(picked, key=(slice(None), 0))
    return mv.transpose(out, axes=(1, 0) + tuple(range(2, k + 2)))


# -- affine_grid ----------------------------------------------------------------------------------
def _linspace(steps: int, align_corners: bool) -> np.ndarray:
    """linspace_from_neg_one: steps points from -1 to 1 (pixel centres with align_corners),
    times (steps - 1) / steps without it (the centres of steps equal cells); [0] for one step.
    In float64, rounded once to theta's dtype (torch's float32 linspace can differ by an ulp)."""
    if steps <= 1:
        return np.zeros(max(steps, 0))
    out = np.linspace(-1.0, 1.0, steps)
    return out if align_corners else out * (steps - 1) / steps


def affine_grid(theta, sizes: tuple, align_corners: bool = False):
    """PyTorch's affine_grid_generator: theta (N, k, k + 1) applied to the base grid of the
    spatial `sizes` (x varying fastest, a column of ones last): (N, *sizes, k)."""
    axes = [_linspace(s, align_corners) for s in sizes]
    mesh = list(np.meshgrid(*axes, indexing="ij"))[::-1]  # each shaped `sizes`, x first
    base = np.stack(mesh + [np.ones(tuple(sizes))], axis=-1).reshape(1, -1, len(sizes) + 1)
    grid = matmul(base.astype(theta.dtype.np), mv.transpose(theta, axes=(0, 2, 1)))
    return mv.reshape(grid, shape=(-1,) + tuple(sizes) + (len(sizes),))
