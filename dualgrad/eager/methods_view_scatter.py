"""PyTorch's out-of-place view scatters: `select_scatter`, `slice_scatter` and
`diagonal_scatter` return input with the view that `select`, a slice or `diagonal` would give
replaced by src (functorch's functional forms of writing into a view).

Each is one registry `setitem`, so the gradient reaches input (zero where src went) and src
(that view of the gradient), in every front end. src must have exactly the view's shape, as
in PyTorch; it is cast to input's dtype, as writing into the view would. Attached to `Tensor`
at import."""
from __future__ import annotations

import operator

import numpy as np

from .. import ops
from ..errors import EagerShapeError, ShapeError, user_line
from .attach import install
from .methods_more import _axis
from .methods_stats import select_key
from .tensor import Tensor


def _written(input: Tensor, src: Tensor, key: tuple) -> Tensor:
    """input with input[key] = src, src's shape checked against the view's first."""
    view = np.broadcast_to(np.empty((), bool), tuple(input.shape))[key].shape
    if tuple(src.shape) != view:
        raise EagerShapeError(f"expected src to have a size equal to the slice of self. src size = "
                              f"{list(src.shape)}, slice size = {list(view)} {user_line()}")
    return ops.setitem(input, src, key=key)


def select_scatter(input: Tensor, src: Tensor, dim: int, index: int) -> Tensor:
    """input with `input.select(dim, index)` replaced by src (torch.select_scatter)."""
    return _written(input, src, select_key(input, dim, index))


def slice_scatter(input: Tensor, src: Tensor, dim: int = 0, start: int | None = None,
                  end: int | None = None, step: int = 1) -> Tensor:
    """input with input[..., start:end:step, ...] (along `dim`) replaced by src
    (torch.slice_scatter)."""
    if operator.index(step) <= 0:
        raise EagerShapeError(f"slice step must be positive {user_line()}")
    if input.ndim == 0:  # (PyTorch's slice of a 0-d tensor)
        raise ShapeError(f"slice() cannot be applied to a 0-dim tensor. {user_line()}")
    axis = _axis("slice_scatter", input, dim)
    return _written(input, src, (slice(None),) * axis + (slice(start, end, step),))


def diagonal_scatter(input: Tensor, src: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """input with `input.diagonal(offset, dim1, dim2)` replaced by src (torch.diagonal_scatter);
    src holds the diagonal as its last dim, as `diagonal` returns it."""
    d1, d2 = _axis("diagonal_scatter", input, dim1), _axis("diagonal_scatter", input, dim2)
    if d1 == d2:
        raise EagerShapeError(f"diagonal dimensions cannot be identical {dim1}, {dim2} {user_line()}")
    offset = operator.index(offset)
    rows = np.arange(max(0, -offset), max(0, min(input.shape[d1], input.shape[d2] - offset)))
    # the planes' dims last, as diagonal's result has them; written there, then moved back
    order = tuple(i for i in range(input.ndim) if i not in (d1, d2)) + (d1, d2)
    moved = ops.transpose(input, axes=order)
    out = _written(moved, src, (Ellipsis, rows, rows + offset))
    return ops.transpose(out, axes=tuple(np.argsort(order)))


FUNCTIONS = {"select_scatter": select_scatter, "slice_scatter": slice_scatter,
             "diagonal_scatter": diagonal_scatter}
METHODS = install(globals(), dict(FUNCTIONS))
FUNCTIONS = {name: METHODS[name] for name in FUNCTIONS}
