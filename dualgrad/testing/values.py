"""Turn uniform draws into an op's inputs: inside its domain and off its kinks by construction.

Both the hypothesis strategies and `check_op` (numpy's rng) draw numbers in [0, 1]; this
module is the one place that maps them to values, so the two never disagree on what a valid
input is. Kinks are avoided by construction, not by filtering, so no draw is ever rejected.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..ops import REGISTRY
from .samples import BOOL, FLOAT, INDEX, MATRIX, SHAPE, SPD, SPREAD, Sample, Samples, entry

DEFAULT_DOMAIN = (-3.0, 3.0)
KINK_GAP = 0.1  # distance kept from a kink: far beyond the finite-difference step


def domain_of(name: str, index: int) -> tuple[float, float]:
    """The (lo, hi) range of input `index`: the samples' override, the op's, or the default."""
    override = entry(name).domain
    if override is not None:
        return override[min(index, len(override) - 1)]
    op = REGISTRY.get(name)
    dom = op.domain if op is not None else None
    if not dom:
        return DEFAULT_DOMAIN
    d = dom[min(index, len(dom) - 1)]
    return DEFAULT_DOMAIN if d is None or d == "bool" else d


def spread_distinct(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Distinct values in [lo, hi], in the order of `x`: evenly spaced by rank, plus a
    jitter of under half a step (so adjacent values stay at least half a step apart)."""
    flat = x.reshape(-1)
    n = flat.size
    if n == 0:
        return x
    ranks = np.argsort(np.argsort(flat, kind="stable"), kind="stable")
    step = (hi - lo) / (n + 1)
    unit = (flat - lo) / (hi - lo) if hi > lo else np.zeros_like(flat)
    return (lo + step * (ranks + 0.5) + 0.4 * step * np.clip(unit, 0, 1)).reshape(x.shape)


def interleave(x: np.ndarray, which: int, period: float = 0.5) -> np.ndarray:
    """Snap input `which` onto its own lattice: input 0 lies in [k/2 + .075, k/2 + .175],
    input 1 in [k/2 + .325, k/2 + .425], so the two are never within 0.15 of each other."""
    cell = np.floor(x / period)
    frac = x / period - cell
    return cell * period + (0.125 + 0.25 * (which % 2)) + 0.1 * (frac - 0.5)


def avoid_points(x: np.ndarray, points: Sequence[float], gap: float = KINK_GAP) -> np.ndarray:
    """Move values closer than `gap` to a kink out to exactly `gap` away (on their side)."""
    for p in points:
        near = np.abs(x - p) < gap
        x = np.where(near, np.where(x >= p, p + gap, p - gap), x)
    return x


def well_conditioned(x: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Square matrices (last two dims) far from singular: x plus +-n on the diagonal, the sign
    taken from the draw of that diagonal entry (so determinants of both signs occur)."""
    n = x.shape[-1]
    diagonal = np.where(np.diagonal(u, axis1=-2, axis2=-1) > 0.5, n, -n) * 1.0
    return x + np.eye(n) * diagonal[..., None, :]


def separated_spectrum(x: np.ndarray, symmetric: bool) -> np.ndarray:
    """m x n matrices (last two dims, entries |x| <= 0.5) whose singular values (eigenvalues,
    when `symmetric`) are far apart and far from 0: x (symmetrised) plus p * (1, 3, 5, ...) on
    the diagonal, p = max(m, n), which moves each of them by at most |x|_2 <= p / 2."""
    m, n = x.shape[-2:]
    if symmetric:
        x = (x + np.swapaxes(x, -1, -2)) / 2
    p = max(m, n)
    return x + np.eye(m, n) * (p * (1.0 + 2.0 * np.arange(n)))


def make_inputs(name: str, sample: Sample, units: Sequence[np.ndarray]) -> list[np.ndarray]:
    """The inputs of one call of op `name`, from one array of [0, 1] draws per input."""
    spec: Samples = entry(name)
    out = []
    for i, u in enumerate(units):
        u = np.asarray(u, dtype=np.float64)
        kind = sample.kind(i)
        if kind == BOOL:
            out.append(u > 0.5)
            continue
        lo, hi = domain_of(name, i)
        x = lo + (hi - lo) * u
        if kind == INDEX:
            out.append(np.minimum(np.floor(x), hi - 1).astype(np.int64))
            continue
        if kind == MATRIX:
            out.append(well_conditioned(x, u))
            continue
        if kind in (SPD, SPREAD):
            out.append(separated_spectrum(x, kind == SPD))
            continue
        if kind == FLOAT:
            if spec.distinct:
                x = spread_distinct(x, lo, hi)
            if spec.interleave:
                lattice = x
                x = interleave(x, i)
                if name == "cdist" and i == 1 and sample.attrs.get("p") == np.inf:
                    # the max-norm's kink is two components of |x1 - x2| tying: component 1 of
                    # x2 on x1's lattice puts its |difference| mod 0.5 in [0, .1] U [.4, .5],
                    # component 0's in [.15, .35], so they never tie (a tie 8e-6 apart failed)
                    x[..., 1] = interleave(lattice[..., 1], 0)
            if spec.avoid:
                x = avoid_points(x, spec.avoid)
        elif kind != SHAPE:
            raise ValueError(f"unknown input kind {kind!r} in the samples of {name}")
        out.append(np.asarray(x, dtype=np.float64))
    return out


def draw_inputs(name: str, sample: Sample, rng: np.random.Generator) -> list[np.ndarray]:
    """One call's inputs from numpy's rng (what `check_op` uses without hypothesis)."""
    return make_inputs(name, sample, [rng.uniform(size=shape) for shape in sample.shapes])
