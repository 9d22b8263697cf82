"""`gradcheck`/`gradgradcheck`: analytical gradients against central finite differences,
in float64 by default, reporting the worst element.

Outputs are copied as soon as they are computed: an output may be a view of an input (`unsqueeze`,
`reshape`), and the next perturbation would otherwise move the stored value too. Inputs are
perturbed by giving the input tensor a perturbed copy of its array (never by writing into
it), so views, expanded and read-only inputs and jax arrays are all handled alike. Only outputs
that require grad are checked, as in PyTorch; when none does, the numerical Jacobian must be zero.
"""
from __future__ import annotations

import warnings

import numpy as np

from ..errors import GradcheckError, GradcheckInputError, user_line
from .devices import place
from .engine import grad
from .grad_mode import enable_grad
from .tensor import Tensor, wrap


def _as_tuple(x) -> tuple:
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _wants_grad(x) -> bool:
    return isinstance(x, Tensor) and x.requires_grad


def _outputs(func, inputs) -> list:
    with enable_grad():
        return [o for o in _as_tuple(func(*inputs)) if isinstance(o, Tensor)]


def _values(outputs: list) -> list:
    """float64 copies, flattened: never views of an input that the next perturbation moves."""
    return [np.array(o._data, dtype=np.float64, copy=True).reshape(-1) for o in outputs]


def _with_element(x: Tensor, original, k: int, value):
    """A copy of `original` (x's array) with flat (C-order) element k set to `value`, on x's
    device."""
    a = np.array(original, copy=True, order="C")  # (C order: reshape(-1) is then a view)
    a.reshape(-1)[k] = value
    return a if isinstance(original, np.ndarray) or np.isscalar(original) else place(a, x.device, owned=True)


def numerical_jacobian(func, inputs, eps: float, checked=None) -> list:
    """J[out][inp] as arrays of shape (out.numel, inp.numel), by central differences.
    `checked(outputs)` picks which outputs count (all tensor outputs by default)."""
    pick = checked or (lambda outs: outs)
    sizes = [o.numel() for o in pick(_outputs(func, inputs))]
    jac = [[np.zeros((n, x.numel() if isinstance(x, Tensor) else 0)) for x in inputs] for n in sizes]
    for j, x in enumerate(inputs):
        if not _wants_grad(x):
            continue
        original = x._data
        start = np.array(original).reshape(-1)
        try:
            for k in range(start.size):
                x._data = _with_element(x, original, k, start[k] + eps)
                plus = _values(pick(_outputs(func, inputs)))
                x._data = _with_element(x, original, k, start[k] - eps)
                minus = _values(pick(_outputs(func, inputs)))
                for i in range(len(sizes)):
                    jac[i][j][:, k] = (plus[i] - minus[i]) / (2 * eps)
        finally:
            x._data = original
    return jac


def analytical_jacobian(func, inputs, check_grad_dtypes: bool = False) -> list:
    """J[out][inp] from one backward per output element (outputs that require grad only)."""
    outs = [o for o in _outputs(func, inputs) if o.requires_grad]
    diff = [x for x in inputs if _wants_grad(x)]
    jac = [[np.zeros((o.numel(), x.numel() if isinstance(x, Tensor) else 0)) for x in inputs]
           for o in outs]
    for i, o in enumerate(outs):
        flat = o.reshape(-1)
        for r in range(flat.shape[0]):
            gs = grad(flat[r], diff, retain_graph=True, allow_unused=True, materialize_grads=True)
            it = iter(gs)
            for j, x in enumerate(inputs):
                if _wants_grad(x):
                    g = next(it)
                    if check_grad_dtypes and g.dtype is not x.dtype:
                        raise GradcheckError(f"Gradient has dtype mismatch: input {j} is {x.dtype.name}, "
                                             f"its gradient {g.dtype.name}")
                    jac[i][j][r] = np.asarray(g._data, dtype=np.float64).reshape(-1)
    return jac


def _check_inputs(inputs: tuple) -> None:
    if not any(_wants_grad(x) for x in inputs):
        raise GradcheckInputError("gradcheck expects at least one input tensor to require gradient, "
                                  f"but none of them have requires_grad=True. {user_line()}")
    for j, x in enumerate(inputs):
        if _wants_grad(x) and x._data.dtype != np.float64:
            warnings.warn(f"Input #{j} requires gradient and is not a double precision floating point: "
                          f"finite differences in {x.dtype.name} are noisy and this check will likely "
                          "fail; use dtype=dg.float64", stacklevel=3)


def _unsupported(**flags) -> None:
    for name, on in flags.items():
        if on:
            raise GradcheckInputError(f"gradcheck: {name}=True is not supported by dualgrad "
                                      f"{user_line()}")


def _fail(msg: str, raise_exception: bool) -> bool:
    if raise_exception:
        raise GradcheckError(msg)
    return False


def gradcheck(func, inputs, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, nondet_tol: float = 0.0, check_undefined_grad: bool = True,
              check_grad_dtypes: bool = False, check_batched_grad: bool = False,
              check_batched_forward_grad: bool = False, check_forward_ad: bool = False,
              check_backward_ad: bool = True, fast_mode: bool = False, masked: bool | None = None) -> bool:
    """True when func's VJPs match finite differences; otherwise raise (or return False) with
    the worst output/input element named.

    PyTorch's keywords are accepted: `nondet_tol`, `fast_mode`, `check_undefined_grad` and
    `masked` change nothing here (the backward is deterministic and the full Jacobian is always
    compared); forward-mode and batched checks are refused rather than skipped silently."""
    _unsupported(check_batched_grad=check_batched_grad, check_forward_ad=check_forward_ad,
                 check_batched_forward_grad=check_batched_forward_grad)
    inputs = _as_tuple(inputs)
    _check_inputs(inputs)
    if not check_backward_ad:
        return True
    differentiable = [o.requires_grad for o in _outputs(func, inputs)]
    if not any(differentiable):  # PyTorch: then the function must not depend on its inputs
        for row in numerical_jacobian(func, inputs, eps):
            for j, n in enumerate(row):
                if n.size and np.abs(n).max() > atol:
                    return _fail(f"Numerical gradient for function expected to be zero: no output "
                                 f"requires grad, but output depends on input {j}", raise_exception)
        return True
    numeric = numerical_jacobian(func, inputs, eps,
                                 checked=lambda outs: [o for o in outs if o.requires_grad])
    analytic = analytical_jacobian(func, inputs, check_grad_dtypes)
    for i, (nrow, arow) in enumerate(zip(numeric, analytic, strict=True)):
        for j, (n, a) in enumerate(zip(nrow, arow, strict=True)):
            if n.size == 0:
                continue
            bad = np.abs(a - n) > atol + rtol * np.abs(n)
            if bad.any():
                k = np.unravel_index(int(np.argmax(np.where(bad, np.abs(a - n), -1))), n.shape)
                return _fail(f"Jacobian mismatch for output {i} with respect to input {j}: worst element "
                             f"(output {k[0]}, input {k[1]}): numerical {n[k]:.6g} vs analytical "
                             f"{a[k]:.6g}\nnumerical:\n{n}\nanalytical:\n{a}", raise_exception)
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps: float = 1e-6, atol: float = 1e-5,
                  rtol: float = 1e-3, gen_non_contig_grad_outputs: bool = False,
                  raise_exception: bool = True, nondet_tol: float = 0.0,
                  check_undefined_grad: bool = True, check_grad_dtypes: bool = False,
                  check_batched_grad: bool = False, check_fwd_over_rev: bool = False,
                  check_rev_over_rev: bool = True, fast_mode: bool = False,
                  masked: bool = False) -> bool:
    """gradcheck of the function `inputs -> d(func)/d(inputs) . grad_outputs` (the random
    `grad_outputs`, one per output that requires grad, are fixed for the whole check)."""
    _unsupported(check_batched_grad=check_batched_grad, check_fwd_over_rev=check_fwd_over_rev)
    inputs = _as_tuple(inputs)
    _check_inputs(inputs)
    if not check_rev_over_rev:
        return True
    outs = [o for o in _outputs(func, inputs) if o.requires_grad]
    if grad_outputs is None:  # random, and inputs of the check themselves (as in PyTorch)
        rng = np.random.default_rng(0)
        grad_outputs = tuple(wrap(place(rng.standard_normal(o.shape).astype(o._data.dtype), o.device,
                                        owned=True), requires_grad=True) for o in outs)
    grad_outputs = _as_tuple(grad_outputs)
    if len(grad_outputs) != len(outs):
        raise GradcheckInputError(f"gradgradcheck: {len(grad_outputs)} grad_outputs for {len(outs)} "
                                  f"outputs that require grad {user_line()}")
    n = len(inputs)

    def first_order(*args):
        xs, cotangents = args[:n], args[n:]
        with enable_grad():
            ys = [o for o in _as_tuple(func(*xs)) if isinstance(o, Tensor) and o.requires_grad]
            return grad(ys, [x for x in xs if _wants_grad(x)], grad_outputs=list(cotangents),
                        create_graph=True, allow_unused=True, materialize_grads=True)

    return gradcheck(first_order, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, check_grad_dtypes=check_grad_dtypes)
