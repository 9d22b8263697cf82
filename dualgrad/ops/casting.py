"""The dtype cast, an op of its own: its gradient is cast back to the input's dtype, and none
flows through an integer or bool dtype (PyTorch ends the graph there; TF1's Cast gradient is
None)."""
from __future__ import annotations

from . import specs
from .lazy import sympy as sp
from .promotion import converted
from .registry import declare


def _cast_kernel(xp, x, dtype):
    return converted(xp, x, dtype.np)


def _cast_formula(x, dtype):
    """Casting to an integer truncates toward zero, to bool tests for nonzero (dtype None, an
    unknown dtype as symbolic values have, leaves x as it is)."""
    if dtype is None:
        return x
    if dtype.is_bool:
        return sp.Ne(x, 0)
    if dtype.is_integer:
        return sp.sign(x) * sp.floor(sp.Abs(x))
    return x


def _cast_grad(g, out, x, dtype):
    """The gradient cast back to x's dtype; none at all when either side is not floating
    (PyTorch ends the graph at an integer cast; TF1's Cast gradient is None)."""
    source = dtype_of(x)  # None: not known (a symbolic array), taken as floating
    if any(d is not None and not d.is_floating_point for d in (dtype, source)):
        return None
    return g if source is None else cast(g, dtype=source)


cast = declare("cast", _cast_kernel, vjp=(_cast_grad,),
               sympy=_cast_formula, shape=lambda op, x, dtype: specs.Spec(tuple(x.shape), dtype),
               grad_name="ToCopy", elementwise=True, saves_inputs=False,
               doc="change dtype; the gradient is cast back to the input's dtype, and there is "
                   "none through an integer or bool dtype")


def dtype_of(x):
    """x's dtype as a dualgrad dtype; None where x has none (a symbolic array)."""
    from ..dtypes import as_dtype

    dt = getattr(x, "dtype", None)
    return None if dt is None else as_dtype(dt)
