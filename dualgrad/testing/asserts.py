"""`assert_close`: compare arrays, tensors or numbers and say where and by how much they differ."""
from __future__ import annotations

import numpy as np


def as_array(value) -> np.ndarray:
    """A numpy array for a dualgrad Tensor, a jax array, a list or a number."""
    data = getattr(value, "_data", None)  # an eager Tensor, without the requires-grad check
    return np.asarray(value if data is None else data)


def assert_close(actual, expected, *, rtol: float = 1e-6, atol: float = 1e-8, check_dtype: bool = False,
                 msg: str = "") -> None:
    """Raise AssertionError unless `|actual - expected| <= atol + rtol * |expected|` everywhere,
    with equal shapes (and dtypes with `check_dtype`). The message names the worst element,
    because a failing gradient check is debugged from that one number."""
    a, e = as_array(actual), as_array(expected)
    where = f"{msg}: " if msg else ""
    if a.shape != e.shape:
        raise AssertionError(f"{where}shape {a.shape} != expected {e.shape}")
    if check_dtype and a.dtype != e.dtype:
        raise AssertionError(f"{where}dtype {a.dtype} != expected {e.dtype}")
    if a.dtype.kind in "bOU" or e.dtype.kind in "bOU":
        bad = a != e
    else:
        a64, e64 = a.astype(np.float64), e.astype(np.float64)
        both_nan = np.isnan(a64) & np.isnan(e64)
        bad = ~both_nan & ~(np.abs(a64 - e64) <= atol + rtol * np.abs(e64))
    if not np.any(bad):
        return
    if a.ndim == 0:
        raise AssertionError(f"{where}{a.item()!r} != expected {e.item()!r} (rtol={rtol}, atol={atol})")
    k = tuple(int(i) for i in np.argwhere(bad)[0])
    if a.dtype.kind not in "bOU" and e.dtype.kind not in "bOU":
        err = np.where(bad, np.abs(a.astype(np.float64) - e.astype(np.float64)), 0)
        k = tuple(int(i) for i in np.unravel_index(int(np.argmax(err)), a.shape))
    raise AssertionError(
        f"{where}{int(np.sum(bad))} of {a.size} elements differ (rtol={rtol}, atol={atol}); worst at "
        f"{k}: {a[k]!r} != expected {e[k]!r}\nactual:\n{a}\nexpected:\n{e}")
