"""Drawn operands for the tests that compare an op's paths element by element."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp


def draw_operands(data, nin: int, dtype, numbers: st.SearchStrategy) -> list:
    """Arrays of `dtype` (NaN and infinities included) of mutually broadcastable shapes, one
    per input; for two inputs, the second is a Python number drawn from `numbers` half the time."""
    shapes = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=nin, max_dims=3, max_side=4),
                       label="shapes")
    elements = st.floats(width=np.dtype(dtype).itemsize * 8, allow_nan=True, allow_infinity=True)
    args = [data.draw(hnp.arrays(dtype, shape, elements=elements), label=f"x{i}")
            for i, shape in enumerate(shapes.input_shapes)]
    if nin == 2 and data.draw(st.booleans(), label="python number"):
        args[1] = data.draw(numbers, label="y")
    return args
