"""`assert_close`: compare arrays, tensors or numbers and say where and by how much they differ."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np


def as_array(value) -> np.ndarray:
    """A numpy array for a dualgrad Tensor, a jax array, a list or a number."""
    data = getattr(value, "_data", None)  # an eager Tensor, without the requires-grad check
    return np.asarray(value if data is None else data)


def assert_close(actual, expected, *, rtol: float | None = None, atol: float | None = None,
                 check_dtype: bool = False, msg: str | Callable[[str], str] | None = "",
                 equal_nan: bool = True, check_device: bool = False, allow_subclasses: bool = True,
                 check_layout: bool = True, check_stride: bool = False) -> None:
    """Raise AssertionError unless `|actual - expected| <= atol + rtol * |expected|` everywhere,
    with equal shapes (and dtypes with `check_dtype`). The message names the worst element,
    because a failing gradient check is debugged from that one number.

    Takes torch.testing.assert_close's keywords, so a PyTorch test ports: `equal_nan`,
    `check_device`, a callable `msg` (given the message, returns the one to raise), lists,
    tuples and dicts of tensors compared item by item; `allow_subclasses`, `check_layout` and
    `check_stride` are accepted and change nothing (dualgrad tensors are all strided). The
    defaults are dualgrad's (docs/testing.md): rtol 1e-6 and atol 1e-8 for every dtype, dtypes
    not compared, NaN equal to NaN."""
    del allow_subclasses, check_layout, check_stride  # (always true of dualgrad tensors)
    rtol = 1e-6 if rtol is None else rtol
    atol = 1e-8 if atol is None else atol
    options = dict(rtol=rtol, atol=atol, check_dtype=check_dtype, equal_nan=equal_nan,
                   check_device=check_device)
    if isinstance(actual, dict) and isinstance(expected, dict):
        if actual.keys() != expected.keys():
            _fail(f"keys {sorted(map(str, actual))} != expected {sorted(map(str, expected))}", msg)
        for k in actual:
            assert_close(actual[k], expected[k], msg=_item_msg(msg, k), **options)
        return
    if _items(actual) and _items(expected):
        if len(actual) != len(expected):
            _fail(f"length {len(actual)} != expected {len(expected)}", msg)
        for k, (x, y) in enumerate(zip(actual, expected, strict=True)):
            assert_close(x, y, msg=_item_msg(msg, k), **options)
        return
    if check_device and str(getattr(actual, "device", "cpu")) != str(getattr(expected, "device", "cpu")):
        _fail(f"device {getattr(actual, 'device', 'cpu')} != expected {getattr(expected, 'device', 'cpu')}",
              msg)
    try:
        _compare(actual, expected, rtol, atol, check_dtype, equal_nan, msg if isinstance(msg, str) else "")
    except AssertionError as err:
        if callable(msg):
            raise AssertionError(msg(str(err))) from None
        raise


def _items(x) -> bool:
    """A list or tuple holding tensors or arrays (compared item by item, as torch does)."""
    return isinstance(x, (list, tuple)) and any(hasattr(v, "shape") or isinstance(v, (list, tuple, dict))
                                                for v in x)


def _item_msg(msg, key):
    if callable(msg):
        return msg
    return f"{msg}[{key!r}]" if msg else f"item {key!r}"


def _fail(text: str, msg) -> None:
    if callable(msg):
        raise AssertionError(msg(text))
    raise AssertionError(f"{msg}: {text}" if msg else text)


def _compare(actual, expected, rtol: float, atol: float, check_dtype: bool, equal_nan: bool,
             msg: str) -> None:
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
        both_nan = np.isnan(a64) & np.isnan(e64) if equal_nan else np.zeros(a64.shape, bool)
        # an infinity is close only to itself, as in torch.isclose (rtol * inf passed -inf for inf)
        with np.errstate(invalid="ignore"):
            near = np.isfinite(e64) & (np.abs(a64 - e64) <= atol + rtol * np.abs(e64))
        bad = ~both_nan & ~((a64 == e64) | near)
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
