"""Narrow floats computed in float64 and rounded once, where the float32 or float16 routine
is an approximation whose error a user would read: numpy's float32 loops differ by CPU (the log
bases), and XLA's float32 special functions are far from their values (float32 `lgamma(1.9998)`
-8.3447e-5 for -8.4558e-5, `log_ndtr(5)` -2.980e-7 for -2.867e-7, `lgamma(1)` 4.8e-7 for 0),
where scipy and PyTorch round the true value. dualgrad's jax kernels run with x64 on, so the
float64 route exists on every device; it costs a float64 pass, which these functions are worth."""
from __future__ import annotations

import numpy as np

NARROW_FLOATS = (np.dtype(np.float16), np.dtype(np.float32))


def via_float64(fn, *args):
    """`fn(*args)`, float16 and float32 arguments widened to float64, the result rounded back
    to the first argument's dtype (the kernels' arguments are promoted to one dtype first)."""
    dtype = getattr(args[0], "dtype", None)
    if dtype not in NARROW_FLOATS:
        return fn(*args)
    wide = [a.astype(np.float64) if getattr(a, "dtype", None) in NARROW_FLOATS else a for a in args]
    return fn(*wide).astype(dtype)
