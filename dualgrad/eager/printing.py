"""PyTorch's tensor printing (`torch/_tensor_str.py`), so output matches the notes users learn
from: `tensor([[3., 3.],\\n        [3., 3.]], grad_fn=<AddBackward0>)`."""
from __future__ import annotations

import math

import numpy as np

from .. import dtypes
from ..backend import to_numpy

PRECISION = 4
THRESHOLD = 1000
EDGEITEMS = 3
LINEWIDTH = 80
SCI_MODE = None  # dg.set_printoptions(sci_mode=...): True/False forces it, None chooses per tensor


class _Formatter:
    """Chooses one format for every element: integer-valued floats as `1.`, else 4 decimals,
    scientific when the values span more than 1000x or exceed 1e8 (or drop below 1e-4)."""

    def __init__(self, values: np.ndarray):
        self.floating = values.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        flat = values.reshape(-1)
        if not self.floating:
            self.max_width = max((len(self._plain(v)) for v in flat), default=1)
            return
        values64 = flat.astype(np.float64)
        shown = values64[np.isfinite(values64) & (values64 != 0)]
        if not shown.size:
            return
        finite = np.abs(shown)
        lo, hi = finite.min(), finite.max()
        self.int_mode = bool(np.all(np.ceil(shown) == shown))
        with np.errstate(over="ignore"):
            self.sci_mode = bool(hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4)
        if SCI_MODE is not None:
            self.sci_mode = bool(SCI_MODE)
        # widths come from the non-zero finite values only (as in PyTorch); nan/inf/0 pad to it
        extra = 1 if self.int_mode and not self.sci_mode else 0
        self.max_width = max(len(self._raw_unmarked(float(v))) + extra for v in shown)

    def _raw_unmarked(self, v: float) -> str:
        if self.sci_mode:
            return f"{v:.{PRECISION}e}"
        return f"{v:.0f}" if self.int_mode else f"{v:.{PRECISION}f}"

    @staticmethod
    def _plain(v) -> str:
        return str(v.item() if hasattr(v, "item") else v)

    def _raw(self, v: float) -> str:
        if self.sci_mode:
            return f"{v:.{PRECISION}e}"
        if self.int_mode:
            s = f"{v:.0f}"
            return s if math.isinf(v) or math.isnan(v) else s + "."
        return f"{v:.{PRECISION}f}"

    def format(self, v) -> str:
        s = self._raw(float(v)) if self.floating else self._plain(v)
        return " " * (self.max_width - len(s)) + s


def _summary_rows(a: np.ndarray, summarize: bool):
    n = a.shape[0]
    if summarize and n > 2 * EDGEITEMS:
        return list(range(EDGEITEMS)) + [None] + list(range(n - EDGEITEMS, n))
    return list(range(n))


def _body(a: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    if a.ndim == 0:
        return fmt.format(a.item())
    if a.ndim == 1:
        items = [(" ..." if i is None else fmt.format(a[i])) for i in _summary_rows(a, summarize)]
        per_line = max(1, math.floor((LINEWIDTH - indent) / (fmt.max_width + 2)))
        lines = [", ".join(items[k:k + per_line]) for k in range(0, len(items), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    parts = [("..." if i is None else _body(a[i], indent + 1, summarize, fmt))
             for i in _summary_rows(a, summarize)]
    return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def _summarized(a: np.ndarray) -> np.ndarray:
    """The elements that will be shown, so the format is chosen from them alone."""
    if a.ndim == 0:
        return a
    if a.shape[0] > 2 * EDGEITEMS:
        a = np.concatenate([a[:EDGEITEMS], a[-EDGEITEMS:]])
    return np.stack([_summarized(row) for row in a]) if a.ndim > 1 else a


def tensor_repr(t) -> str:
    a = to_numpy(t._data)
    prefix = "tensor("
    indent = len(prefix)
    summarize = a.size > THRESHOLD
    suffixes = []
    if a.size == 0:
        body = "[]"
        if a.ndim != 1:
            suffixes.append(f"size={tuple(a.shape)}")
    else:
        fmt = _Formatter(_summarized(a) if summarize else a)
        body = _body(a, indent, summarize, fmt)
    device = t.device
    if device.type != "cpu":
        suffixes.append(f"device='{device}'")
    d = dtypes.from_numpy_dtype(a.dtype)
    # an empty tensor shows every dtype but the default float: no elements to infer it from
    implied = (dtypes.DEFAULT_FLOAT,) if a.size == 0 else (dtypes.DEFAULT_FLOAT, dtypes.int64, dtypes.bool_)
    if d not in implied:
        suffixes.append(f"dtype={d!r}")
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{type(t.grad_fn).__name__}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    out = prefix + body
    last_line = len(out) - out.rfind("\n") + 1  # PyTorch's count (two more than the line)
    for s in suffixes:
        if last_line + len(s) + 2 > LINEWIDTH:
            out += ",\n" + " " * indent + s
            last_line = indent + len(s)
        else:
            out += ", " + s
            last_line += len(s) + 2
    return out + ")"
