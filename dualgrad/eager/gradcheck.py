"""`gradcheck`/`gradgradcheck`: analytical gradients against central finite differences,
in float64 by default, reporting the worst element."""
from __future__ import annotations

import numpy as np

from ..errors import DualgradError
from .devices import place
from .engine import grad
from .grad_mode import enable_grad
from .tensor import Tensor, wrap


class GradcheckError(DualgradError, RuntimeError):
    """Raised by gradcheck when the analytical and numerical Jacobians disagree."""


def _as_tuple(x) -> tuple:
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _flat_outputs(func, inputs) -> list:
    with enable_grad():
        return [o for o in _as_tuple(func(*inputs)) if isinstance(o, Tensor)]


def _set_element(x: Tensor, original, k: int, value) -> None:
    """Put `value` at flat position k of x: in place for numpy, a new array for jax."""
    if isinstance(original, np.ndarray):
        original.flat[k] = value
    else:
        x._data = original.reshape(-1).at[k].set(value).reshape(original.shape)


def numerical_jacobian(func, inputs, eps: float) -> list:
    """J[out][inp] as arrays of shape (out.numel, inp.numel), by central differences."""
    base = [np.asarray(o._data) for o in _flat_outputs(func, inputs)]
    jac = [[np.zeros((b.size, x.numel())) for x in inputs] for b in base]
    for j, x in enumerate(inputs):
        if not (isinstance(x, Tensor) and x.requires_grad):
            continue
        original = x._data
        start = np.array(original).reshape(-1)
        for k in range(start.size):
            _set_element(x, original, k, start[k] + eps)
            plus = [np.asarray(o._data, dtype=np.float64).reshape(-1) for o in _flat_outputs(func, inputs)]
            _set_element(x, original, k, start[k] - eps)
            minus = [np.asarray(o._data, dtype=np.float64).reshape(-1) for o in _flat_outputs(func, inputs)]
            _set_element(x, original, k, start[k])
            for i in range(len(base)):
                jac[i][j][:, k] = (plus[i] - minus[i]) / (2 * eps)
    return jac


def analytical_jacobian(func, inputs) -> list:
    outs = _flat_outputs(func, inputs)
    diff = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]
    jac = [[np.zeros((o.numel(), x.numel())) for x in inputs] for o in outs]
    for i, o in enumerate(outs):
        flat = o.reshape(-1)
        for r in range(flat.shape[0]):
            if not flat.requires_grad:
                continue
            gs = grad(flat[r], diff, retain_graph=True, allow_unused=True, materialize_grads=True)
            it = iter(gs)
            for j, x in enumerate(inputs):
                if isinstance(x, Tensor) and x.requires_grad:
                    jac[i][j][r] = np.asarray(next(it)._data, dtype=np.float64).reshape(-1)
    return jac


def gradcheck(func, inputs, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, **unused) -> bool:
    """True when func's VJPs match finite differences; otherwise raise (or return False) with
    the worst output/input element named."""
    inputs = _as_tuple(inputs)
    for x in inputs:
        if isinstance(x, Tensor) and x.requires_grad and x._data.dtype != np.float64:
            import warnings

            warnings.warn("Input to gradcheck is not double precision: finite differences in "
                          f"{x.dtype.name} are noisy; use dtype=dg.float64", stacklevel=2)
    numeric = numerical_jacobian(func, inputs, eps)
    analytic = analytical_jacobian(func, inputs)
    for i, (nrow, arow) in enumerate(zip(numeric, analytic, strict=True)):
        for j, (n, a) in enumerate(zip(nrow, arow, strict=True)):
            if n.size == 0:
                continue
            bad = np.abs(a - n) > atol + rtol * np.abs(n)
            if bad.any():
                k = np.unravel_index(int(np.argmax(np.abs(a - n))), n.shape)
                msg = (f"Jacobian mismatch for output {i} with respect to input {j}: worst element "
                       f"(output {k[0]}, input {k[1]}): numerical {n[k]:.6g} vs analytical {a[k]:.6g}\n"
                       f"numerical:\n{n}\nanalytical:\n{a}")
                if raise_exception:
                    raise GradcheckError(msg)
                return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps: float = 1e-6, atol: float = 1e-5,
                  rtol: float = 1e-3, raise_exception: bool = True, **unused) -> bool:
    """gradcheck of the function `inputs -> d(func)/d(inputs) . grad_outputs`."""
    inputs = _as_tuple(inputs)
    outs = _flat_outputs(func, inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = tuple(wrap(place(rng.standard_normal(o.shape).astype(o._data.dtype), o.device))
                             for o in outs)
    grad_outputs = _as_tuple(grad_outputs)

    def first_order(*xs):
        with enable_grad():
            ys = [o for o in _as_tuple(func(*xs)) if isinstance(o, Tensor)]
            live = [(y, g) for y, g in zip(ys, grad_outputs, strict=True) if y.requires_grad]
            return grad([y for y, _ in live], [x for x in xs if isinstance(x, Tensor) and x.requires_grad],
                        grad_outputs=[g for _, g in live], create_graph=True, allow_unused=True,
                        materialize_grads=True)

    return gradcheck(first_order, inputs, eps=eps, atol=atol, rtol=rtol, raise_exception=raise_exception)
