"""Matrix products: `matmul` with numpy's rules (1-D operands, broadcast batch dims)."""
from __future__ import annotations

import numpy as np

from ..backend import matmul_precision
from . import elementwise as ew
from . import movement as mv
from . import specs
from .registry import Spec, declare, shape_error
from .symarray import SymArray, aligned, broadcast_shape, summed


def _matmul_shape(op, a: Spec, b: Spec):
    if not a.shape or not b.shape:
        raise shape_error(op, [a, b], "both arguments to matmul need to be at least 1D")
    ka = a.shape[-1]
    kb = b.shape[0] if len(b.shape) == 1 else b.shape[-2]
    if None not in (ka, kb) and ka != kb:
        raise shape_error(op, [a, b], f"mat1 and mat2 shapes cannot be multiplied "
                                      f"({'x'.join(map(str, a.shape))} and {'x'.join(map(str, b.shape))})")
    batch = specs.broadcast_shapes(op, [Spec(a.shape[:-2], None), Spec(b.shape[:-2], None)])
    rows = a.shape[-2:-1] if len(a.shape) > 1 else ()
    cols = b.shape[-1:] if len(b.shape) > 1 else ()
    return Spec(tuple(batch) + tuple(rows) + tuple(cols), specs.result_dtype(op, [a, b]))


def swap_last(x):
    """x with its last two dims swapped (a batch of matrix transposes)."""
    n = len(x.shape)
    return mv.transpose(x, axes=(1, 0) if n == 2 else tuple(range(n - 2)) + (n - 1, n - 2))


def _grad_a(g, out, a, b):
    if len(b.shape) == 1:
        return ew.multiply(mv.expand_dims(g, axis=-1), b)
    if len(a.shape) == 1:
        return mv.squeeze(matmul(b, mv.expand_dims(g, axis=-1)), axis=-1)
    return matmul(g, swap_last(b))


def _grad_b(g, out, a, b):
    if len(a.shape) == 1:
        if len(b.shape) == 1:
            return ew.multiply(g, a)
        return ew.multiply(mv.expand_dims(a, axis=-1), mv.expand_dims(g, axis=-2))
    if len(b.shape) == 1:
        return mv.squeeze(matmul(swap_last(a), mv.expand_dims(g, axis=-1)), axis=-1)
    return matmul(swap_last(a), g)


def _matmul_form(a: SymArray, b: SymArray) -> SymArray:
    a2 = a if a.ndim > 1 else SymArray((1,) + a.shape, lambda i, k: a.at(k))
    b2 = b if b.ndim > 1 else SymArray(b.shape + (1,), lambda k, j: b.at(k))
    batch_a, batch_b = SymArray(a2.shape[:-2], None), SymArray(b2.shape[:-2], None)
    batch = broadcast_shape([batch_a.shape, batch_b.shape])
    n = len(batch)

    def at2(*idx):
        bi, i, j = idx[:n], idx[n], idx[n + 1]
        ia, ib = aligned(batch_a, bi, n), aligned(batch_b, bi, n)
        return summed(lambda k: a2.at(*ia, i, k) * b2.at(*ib, k, j), [a2.shape[-1]])

    shape = batch + a2.shape[-2:-1] + b2.shape[-1:]
    full = SymArray(shape, at2)
    if a.ndim == 1 and b.ndim == 1:
        return SymArray((), lambda: full.at(0, 0))
    if a.ndim == 1:
        return SymArray(batch + b2.shape[-1:], lambda *idx: full.at(*idx[:-1], 0, idx[-1]))
    if b.ndim == 1:
        return SymArray(batch + a2.shape[-2:-1], lambda *idx: full.at(*idx, 0))
    return full


def _matmul_kernel(xp, a, b):
    if a.dtype.kind == "b" or b.dtype.kind == "b":  # numpy's is a logical product: PyTorch and TF1 refuse
        raise TypeError("\"matmul\" not implemented for 'Bool' (as in PyTorch and TF1; numpy's "
                        "product of bools is a logical one): cast to an integer or float dtype first")
    if xp is np:
        return np.matmul(a, b)
    return xp.matmul(a, b, precision=matmul_precision())


_MATMUL_NAMES = {(1, 1): "DotBackward0", (2, 1): "MvBackward0", (2, 2): "MmBackward0",
                 (1, 2): "SqueezeBackward4"}  # PyTorch's names; batched products are views


def _matmul_grad_name(arrays, attrs) -> str:
    return _MATMUL_NAMES.get((arrays[0].ndim, arrays[1].ndim), "UnsafeViewBackward0")


def _grad_b_laid_out(g, out, a, b):
    """`_grad_b`, laid out like `b`: where b is a transposed row-major matrix (a Linear
    layer's `weight.T`), computed as (g^T a)^T, as PyTorch's mm backward does, so the
    transpose's VJP hands the weight a row-major gradient. Otherwise the weight's `.grad` is
    column-major, and re-laying it out costs as much as the product, or every optimizer
    update mixing it with row-major state runs at half speed."""
    if type(b) is np.ndarray and b.ndim == 2 == a.ndim and b.flags.f_contiguous and not b.flags.c_contiguous:
        return mv.transpose(matmul(mv.transpose(g), a))
    return _grad_b(g, out, a, b)


matmul = declare("matmul", _matmul_kernel, vjp=(_grad_a, _grad_b_laid_out),
                 sympy=_matmul_form, shape=_matmul_shape, nin=2, promotes=True,
                 grad_name=_matmul_grad_name, reads=((1,), (0,)),
                 doc="matrix product with numpy's rules; mm, dot and @ map here")
