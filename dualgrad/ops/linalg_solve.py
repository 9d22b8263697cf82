"""Inverse, determinant and linear solves of (batches of) square matrices: PyTorch's
`linalg.inv`, `linalg.det`, `linalg.slogdet` and `linalg.solve`, leading dims a batch.

Kernels are numpy's / jax's LAPACK calls; a singular matrix is a `LinAlgError` (as in
PyTorch): numpy's kernel raises it, and on jax, whose jitted kernel returns inf/nan, the ops'
`SingularCheck` flags it for the front ends to raise once the result is concrete. VJPs are registry ops (solve
and matmul of transposes); sympy forms are sympy's adjugate and determinant of each matrix.
"""
from __future__ import annotations

import numpy as np

from ..backend import jax_numpy, x64
from ..errors import LinAlgError, user_frame
from . import elementwise as ew
from . import movement as mv
from . import specs
from .lazy import sympy as sp
from .linalg import matmul, swap_last
from .registry import Spec, declare, dtype_error, shape_error
from .symarray import SymArray, SymbolicUnsupported, aligned, is_concrete

# -- shape rules -------------------------------------------------------------------------------


def _check_square(op, a: Spec, others: list) -> None:
    if len(a.shape) < 2:
        raise shape_error(op, [a, *others], f"A must have at least 2 dimensions, got {len(a.shape)}")
    n, m = a.shape[-2:]
    if None not in (n, m) and n != m:
        raise shape_error(op, [a, *others], f"A must be batches of square matrices, but they are {n} by {m} "
                                            "matrices")
    for s in (a, *others):
        if s.dtype is not None and not s.dtype.is_floating_point:
            raise dtype_error(op, [a, *others], f"Expected a floating point tensor. Got {s.dtype.name}")


def _square_shape(op, a: Spec) -> Spec:
    _check_square(op, a, [])
    specs.refuse_half(op, a)
    return Spec(tuple(a.shape), a.dtype)


def _scalar_shape(op, a: Spec) -> Spec:
    _check_square(op, a, [])
    specs.refuse_half(op, a)
    return Spec(tuple(a.shape[:-2]), a.dtype)


def _same(d, e) -> bool:
    return d is None or e is None or d == e


def is_vector_rhs(a_shape: tuple, b_shape: tuple) -> bool:
    """PyTorch's rule: B is a (batch of) vector(s) when it is 1-d, or has A's shape without
    its last dim; otherwise a (batch of) matrices with several right-hand sides."""
    return len(b_shape) == 1 or (len(b_shape) == len(a_shape) - 1 and
                                 all(_same(d, e) for d, e in zip(b_shape, a_shape[:-1], strict=True)))


def _solve_shape(op, a: Spec, b: Spec) -> Spec:
    _check_square(op, a, [b])
    vector = is_vector_rhs(tuple(a.shape), tuple(b.shape))
    rhs = tuple(b.shape) + (1,) if vector else tuple(b.shape)
    if len(rhs) < 2 or not _same(rhs[-2], a.shape[-1]):
        shown = "x".join(map(str, b.shape))
        raise shape_error(op, [a, b], f"Incompatible shapes of A and B for the equation AX = B "
                                      f"({a.shape[-2]}x{a.shape[-1]} and {shown})")
    batch = specs.broadcast_shapes(op, [Spec(a.shape[:-2], None), Spec(rhs[:-2], None)])
    shape = tuple(batch) + ((a.shape[-1],) if vector else (a.shape[-1], rhs[-1]))
    solved = Spec(shape, specs.result_dtype(op, [a, b]))
    specs.refuse_half(op, solved)  # (A and B promoted to float16)
    return solved


# -- kernels -----------------------------------------------------------------------------------


def _require(name: str, *arrays) -> None:
    """The shape rule's checks on concrete arrays (ValueError/TypeError: front ends phrase them
    with the shape rule)."""
    a = arrays[0]
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise ValueError(f"{name}: A must be batches of square matrices, got shape {a.shape}")
    if any(np.dtype(x.dtype).kind != "f" for x in arrays):
        raise TypeError(f"{name}: expected floating point inputs")
    if a.dtype == np.float16:  # (XLA's det of float16 computed where LAPACK and PyTorch refuse)
        raise TypeError(f"{name}: Low precision dtypes not supported. Got Half")


def _lapack(name: str, fn, a, *rest):
    """Run a numpy LAPACK call; its 'Singular matrix' is our LinAlgError naming the op, the
    shape and the first singular matrix of the batch."""
    try:
        return fn(a, *rest)
    except np.linalg.LinAlgError:
        dets = np.linalg.det(np.asarray(a, dtype=np.float64)).reshape(-1)
        at = np.unravel_index(int(np.argmin(np.abs(dets))), a.shape[:-2]) if a.ndim > 2 else ()
        raise singular_error(name, a.shape, at, user_frame()) from None


def first_flagged(bad) -> tuple | None:
    """The batch index of the first True in a check's flags (() for one matrix), None if none."""
    bad = np.asarray(bad)
    if not bad.any():
        return None
    return np.unravel_index(int(np.argmax(bad.reshape(-1))), bad.shape) if bad.ndim else ()


def singular_error(name: str, shape: tuple, at: tuple, where: str) -> LinAlgError:
    """The error for a singular A (of `shape`) at batch index `at` (() when not batched)."""
    batch = f", batch element {tuple(int(i) for i in at)}" if len(at) else ""
    return LinAlgError(f"{name}: the input matrix is singular, so it has no inverse (A of shape "
                       f"{tuple(shape)}{batch}; at {where})")


class SingularCheck:
    """The jax side of `_lapack`: a jitted LU returns inf/nan for a singular matrix instead
    of raising, so after the kernel a batch element whose result is not finite while its
    inputs are is a singular A. `flags` traces (static jax programs compute it in the run);
    `verify` raises on a concrete result (eager jax)."""

    def __init__(self, matrix_dims):
        self.matrix_dims = matrix_dims  # (a, b or None) -> trailing dims of one result
        self._jitted = None

    def flags(self, xp, out, a, b=None, **attrs):
        """True for each batch element of `out` that a singular A made non-finite."""
        k = self.matrix_dims(a, b)
        bad = ~xp.all(xp.isfinite(out), axis=tuple(range(-k, 0)))
        bad = bad & xp.all(xp.isfinite(a), axis=(-2, -1))
        if b is not None:
            bad = bad & xp.all(xp.isfinite(b), axis=tuple(range(-k, 0)))
        return bad

    def verify(self, name: str, out, args, where, attrs: dict) -> None:
        if self._jitted is None:
            import jax

            self._jitted = jax.jit(lambda *v: self.flags(jax_numpy(), *v))
        with x64():  # (float64 results stay float64: no overflow to inf in a cast)
            bad = self._jitted(out, *args)
        error = self.error(name, bad, getattr(args[0], "shape", ()), where())
        if error is not None:
            raise error

    @staticmethod
    def error(name: str, bad, shape: tuple, where: str) -> LinAlgError | None:
        """The error for the first flagged batch element of `bad` (`flags`' result), if any."""
        at = first_flagged(bad)
        return None if at is None else singular_error(name, shape, at, where)


def _solve_dims(a, b) -> int:
    return 1 if is_vector_rhs(tuple(a.shape), tuple(b.shape)) else 2


def _nan_propagated(xp, out, a, trailing: int):
    """`out`, NaN wherever its matrix of A holds a NaN. CPU LAPACK propagates such a NaN;
    cuSolver's partial pivoting skips it (every comparison with NaN is false), so jax on a GPU
    returned finite numbers for inv/solve/det of a NaN matrix. numpy needs no guard."""
    if xp is np:
        return out
    poisoned = xp.any(xp.isnan(a), axis=(-2, -1))
    return xp.where(poisoned.reshape(poisoned.shape + (1,) * trailing), xp.nan, out)


def _inv_kernel(xp, a):
    _require("inv", a)
    return _lapack("inv", xp.linalg.inv, a) if xp is np else _nan_propagated(xp, xp.linalg.inv(a), a, 2)


def _solve_kernel(xp, a, b):
    _require("solve", a, b)
    vector = is_vector_rhs(a.shape, b.shape)
    rhs = b[..., None] if vector else b
    batch = np.broadcast_shapes(a.shape[:-2], rhs.shape[:-2])
    a = xp.broadcast_to(a, batch + a.shape[-2:])
    rhs = xp.broadcast_to(rhs, batch + rhs.shape[-2:])
    if xp is np:
        x = _lapack("solve", np.linalg.solve, a, rhs)
    else:
        x = _nan_propagated(xp, xp.linalg.solve(a, rhs), a, 2)
    return x[..., 0] if vector else x


def _det_kernel(xp, a):
    _require("det", a)
    return _nan_propagated(xp, xp.linalg.det(a), a, 0)


def _logabsdet_kernel(xp, a):
    _require("logabsdet", a)
    return _nan_propagated(xp, xp.linalg.slogdet(a)[1], a, 0)


def _det_sign_kernel(xp, a):
    _require("det_sign", a)
    return _nan_propagated(xp, xp.linalg.slogdet(a)[0].astype(a.dtype), a, 0)


# -- sympy forms: each matrix of the batch as a sympy Matrix ---------------------------------


def _concrete_sizes(x: SymArray) -> tuple:
    if not all(isinstance(d, int) for d in x.shape):
        raise SymbolicUnsupported("linalg over symbolic sizes")
    return x.shape


def _per_matrix(a: SymArray, fn):
    """batch index -> fn(sympy Matrix of that batch element), each computed once."""
    shape = _concrete_sizes(a)
    cache: dict = {}

    def at(batch: tuple):
        if batch not in cache:
            cache[batch] = fn(sp.Matrix(shape[-2], shape[-1], lambda i, j: a.at(*batch, i, j)))
        return cache[batch]

    return at


def _selected(shape: tuple, idx: tuple, entry):
    """entry(concrete index) at `idx`; symbolic index components (a Sum's running index in
    another op's form) select with Kronecker deltas over every position."""
    if is_concrete(idx):
        return entry(tuple(int(i) for i in idx))
    free = [k for k, i in enumerate(idx) if not is_concrete((i,))]
    total = sp.Integer(0)
    for values in np.ndindex(*(shape[k] for k in free)):
        pos = list(idx)
        weight = sp.Integer(1)
        for k, v in zip(free, values, strict=True):
            weight *= sp.KroneckerDelta(idx[k], int(v))
            pos[k] = int(v)
        total += weight * entry(tuple(int(i) for i in pos))
    return total


def _inverse_matrix(m):
    return m.adjugate() / m.det(method="berkowitz")


def _inv_form(a: SymArray) -> SymArray:
    inverse = _per_matrix(a, _inverse_matrix)
    return SymArray(a.shape, lambda *idx: _selected(a.shape, idx, lambda c: inverse(c[:-2])[c[-2], c[-1]]))


def _det_of(a: SymArray, fn) -> SymArray:
    value = _per_matrix(a, lambda m: fn(m.det(method="berkowitz")))
    return SymArray(a.shape[:-2], lambda *idx: _selected(a.shape[:-2], idx, value))


def _solve_form(a: SymArray, b: SymArray) -> SymArray:
    vector = is_vector_rhs(a.shape, _concrete_sizes(b))
    rhs = SymArray(b.shape + (1,), lambda *i: b.at(*i[:-1])) if vector else b
    batch = np.broadcast_shapes(_concrete_sizes(a)[:-2], rhs.shape[:-2])
    inverse = _per_matrix(a, _inverse_matrix)
    batch_a, batch_b = SymArray(a.shape[:-2], None), SymArray(rhs.shape[:-2], None)
    n = a.shape[-1]

    def entry(c):
        bi, i, j = c[:len(batch)], c[len(batch)], c[len(batch) + 1]
        ia, ib = aligned(batch_a, bi, len(batch)), aligned(batch_b, bi, len(batch))
        return sp.Add(*(inverse(ia)[i, k] * rhs.at(*ib, k, j) for k in range(n)))

    full_shape = tuple(batch) + (n, rhs.shape[-1])
    if vector:
        shape = full_shape[:-1]
        return SymArray(shape, lambda *idx: _selected(shape, idx, lambda c: entry(c + (0,))))
    return SymArray(full_shape, lambda *idx: _selected(full_shape, idx, entry))


# -- VJPs, in registry ops -----------------------------------------------------------------------


def _inv_grad(g, out, a):
    """-A^-T g A^-T."""
    t = swap_last(out)
    return ew.negative(matmul(matmul(t, g), t))


def _det_grad(g, out, a):
    """g det(A) A^-T (a singular A raises LinAlgError here, where PyTorch returns the
    adjugate)."""
    return ew.multiply(mv.expand_dims(ew.multiply(g, out), axis=(-2, -1)), swap_last(inv(a)))


def _logabsdet_grad(g, out, a):
    return ew.multiply(mv.expand_dims(g, axis=(-2, -1)), swap_last(inv(a)))


def _solve_grad_b(g, out, a, b):
    """A^-T g (a solve with the same kind of right-hand side as B)."""
    return solve(swap_last(a), g)


def _solve_grad_a(g, out, a, b):
    """-(A^-T g) X^T."""
    gb = solve(swap_last(a), g)
    if is_vector_rhs(tuple(a.shape), tuple(b.shape)):
        return ew.negative(ew.multiply(mv.expand_dims(gb, axis=-1), mv.expand_dims(out, axis=-2)))
    return ew.negative(matmul(gb, swap_last(out)))


inv = declare("inv", _inv_kernel, vjp=(_inv_grad,), sympy=_inv_form, shape=_square_shape,
              check=SingularCheck(lambda a, b: 2), saves_inputs=False, saves_out=True,
              grad_name="LinalgInvExBackward0",
              doc="inverse of each square matrix in the last two dims (torch.linalg.inv)")
det = declare("det", _det_kernel, vjp=(_det_grad,), sympy=lambda a: _det_of(a, lambda d: d),
              shape=_scalar_shape, saves_out=True, grad_name="LinalgDetBackward0", vjp_checks=True,
              doc="determinant of each square matrix in the last two dims (torch.linalg.det)")
logabsdet = declare("logabsdet", _logabsdet_kernel, vjp=(_logabsdet_grad,),
                    sympy=lambda a: _det_of(a, lambda d: sp.log(sp.Abs(d))), shape=_scalar_shape,
                    grad_name="LinalgSlogdetBackward0", vjp_checks=True,
                    doc="log |det A| of each square matrix (the second result of torch.linalg.slogdet)")
det_sign = declare("det_sign", _det_sign_kernel, sympy=lambda a: _det_of(a, sp.sign), shape=_scalar_shape,
                   differentiable=False,
                   doc="the sign of det A (-1, 0 or 1), the first result of torch.linalg.slogdet")
solve = declare("solve", _solve_kernel, vjp=(_solve_grad_a, _solve_grad_b), sympy=_solve_form,
                shape=_solve_shape, nin=2, promotes=True, check=SingularCheck(_solve_dims),
                grad_name="LinalgSolveExBackward0", reads=((0, "out"), (0,)),
                doc="X with A X = B for square A (B a vector or matrix per batch element; "
                    "torch.linalg.solve)")

__all__ = ["det", "det_sign", "first_flagged", "inv", "is_vector_rhs", "logabsdet", "solve"]
