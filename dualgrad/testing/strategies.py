"""Hypothesis strategies for dualgrad tests: arrays, broadcastable shapes, and whole op calls
drawn inside an op's domain (`op_calls`). Import this module only where hypothesis is
installed (it is a test dependency, not a runtime one)."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from .samples import BOOL, FLOAT, SHAPE, Sample, entry
from .values import make_inputs

__all__ = ["broadcastable_shapes", "op_calls", "shapes", "tensors"]


def shapes(min_dims: int = 0, max_dims: int = 3, max_side: int = 3) -> st.SearchStrategy[tuple]:
    """Small array shapes (the sizes an exhaustive gradient check can afford)."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=max_side)


def tensors(shape=None, dtype=np.float64, elements=None) -> st.SearchStrategy[np.ndarray]:
    """numpy arrays of `shape` (a tuple or a strategy; default: small shapes) and `dtype`.

    `elements` defaults to finite floats in [-3, 3] (booleans for a bool dtype): values where
    float64 finite differences are accurate. Wrap the result with `dg.tensor(...)` as needed."""
    dtype = np.dtype(dtype)
    if shape is None:
        shape = shapes()
    if elements is None:
        if dtype.kind == "b":
            elements = st.booleans()
        elif dtype.kind in "iu":
            elements = st.integers(-5, 5) if dtype.kind == "i" else st.integers(0, 5)
        else:
            elements = st.floats(-3.0, 3.0, allow_nan=False, allow_infinity=False, width=dtype.itemsize * 8)
    return hnp.arrays(dtype, shape, elements=elements)


def broadcastable_shapes(num_shapes: int = 2, min_dims: int = 0, max_dims: int = 3,
                         max_side: int = 3) -> st.SearchStrategy[tuple[tuple[int, ...], ...]]:
    """Tuples of `num_shapes` shapes that broadcast together (numpy's rules)."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=num_shapes, min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=max_side,
    ).map(lambda b: b.input_shapes)


def _unit_arrays(shapes_: tuple) -> st.SearchStrategy[list[np.ndarray]]:
    unit = st.floats(0.0, 1.0, allow_nan=False, allow_infinity=False)
    return st.tuples(*(hnp.arrays(np.float64, s, elements=unit) for s in shapes_)).map(list)


@st.composite
def op_calls(draw, name: str, draw_shapes: bool = True) -> tuple[list[np.ndarray], dict]:
    """`(inputs, attrs)` for one call of op (or composite) `name`: a sample case from
    `dualgrad.testing.samples`, values inside the op's domain and off its kinks; elementwise
    ops also get freshly drawn (mutually broadcastable) shapes unless `draw_shapes` is False
    (then only the sample shapes occur, which keeps jax from compiling for every example)."""
    spec = entry(name)
    case: Sample = draw(st.sampled_from(spec.cases))
    shapes_ = case.shapes
    if spec.broadcast and draw_shapes:
        free = [i for i in range(len(shapes_)) if case.kind(i) in (FLOAT, BOOL, SHAPE)]
        drawn = draw(broadcastable_shapes(len(free)) if len(free) > 1 else shapes().map(lambda s: (s,)))
        new = list(shapes_)
        for i, s in zip(free, drawn, strict=True):
            new[i] = s
        shapes_ = tuple(new)
    units = draw(_unit_arrays(shapes_))
    return make_inputs(name, case, units), dict(case.attrs)
