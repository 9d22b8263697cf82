"""VJPs against central finite differences, along random directions, in float64.

Checking `<VJP(g), v>` against the directional derivative `(f(x + eps v) - f(x - eps v)) / 2eps`
(weighted by the cotangent g) costs two forward calls per input instead of a full Jacobian,
and a wrong rule still fails for almost every random (g, v). Second order differentiates the
first-order VJP again (`create_graph=True`) and checks it against finite differences of the
first-order VJP itself.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .. import ops
from ..eager.gradcheck import GradcheckInputError
from ..errors import user_frame, user_line
from .asserts import assert_close
from .subjects import EagerSubject, Subject, eager_tensors, eager_vjp

FIRST_EPS, FIRST_RTOL, FIRST_ATOL = 1e-6, 1e-5, 1e-6
SECOND_EPS, SECOND_RTOL, SECOND_ATOL = 1e-5, 1e-4, 1e-5


def _directional(f: Callable[[list], float], args: Sequence, i: int, v: np.ndarray, eps: float) -> float:
    plus, minus = list(args), list(args)
    plus[i] = np.asarray(args[i] + eps * v)  # 0-d arrays would decay to numpy scalars
    minus[i] = np.asarray(args[i] - eps * v)
    return (f(plus) - f(minus)) / (2 * eps)


def _wanted(subject: Subject, args: Sequence) -> list[int]:
    return [i for i, a in enumerate(args) if isinstance(a, np.ndarray) and subject.differentiable(i, a)]


def _float64(subject: Subject, args: Sequence, attrs: dict) -> np.ndarray | None:
    """The output, when it is a float64 value that finite differences can check."""
    out = subject.forward(args, attrs)
    return out if out.dtype == np.float64 else None


def check_vjp_numeric(subject: Subject, args: Sequence, attrs: dict, rng: np.random.Generator, *,
                      eps: float = FIRST_EPS, rtol: float = FIRST_RTOL, atol: float = FIRST_ATOL) -> None:
    """First-order VJP of each differentiable input against central differences."""
    out = _float64(subject, args, attrs)
    if out is None:
        return
    g = rng.standard_normal(out.shape)
    grads = subject.vjp(args, attrs, g)
    loss = lambda a: float(np.sum(g * subject.forward(a, attrs)))
    for i in _wanted(subject, args):
        gi = grads[i]
        if gi is None:
            raise AssertionError(f"{subject.name}: no gradient for differentiable input {i}")
        if np.shape(gi) != args[i].shape:
            raise AssertionError(f"{subject.name}: the VJP of input {i} has shape {np.shape(gi)}, "
                                 f"the input {args[i].shape}")
        if np.asarray(gi).dtype != np.float64:
            raise AssertionError(f"{subject.name}: VJP of input {i} has dtype {np.asarray(gi).dtype}, "
                                 "expected float64 for a float64 input")
        v = rng.standard_normal(args[i].shape)
        assert_close(np.sum(np.asarray(gi) * v), _directional(loss, args, i, v, eps), rtol=rtol, atol=atol,
                     msg=f"{subject.name}: VJP of input {i} vs finite differences ({_describe(args, attrs)})")


def _vjp_dot(subject: Subject, args: Sequence, attrs: dict, g: np.ndarray, ws: dict) -> float:
    grads = eager_vjp(subject, args, attrs, g)
    return float(sum(np.sum(grads[i] * w) for i, w in ws.items()))


def check_second_order(subject: Subject, args: Sequence, attrs: dict, rng: np.random.Generator, *,
                       eps: float = SECOND_EPS, rtol: float = SECOND_RTOL, atol: float = SECOND_ATOL) -> None:
    """Double backward (`create_graph=True`) against finite differences of the first-order VJP.

    With s(x) = sum_i <VJP_i(x; g), w_i>, the gradient of s from a second backward pass must
    match the directional derivative of s computed from plain first-order VJPs."""
    from ..eager.engine import grad

    out = _float64(subject, args, attrs)
    wanted = _wanted(subject, args)
    if out is None or not wanted:
        return
    g = rng.standard_normal(out.shape)
    ws = {i: rng.standard_normal(args[i].shape) for i in wanted}
    tensors = eager_tensors(subject, args)
    first = eager_vjp(subject, args, attrs, g, create_graph=True, tensors=tensors)
    s = None
    for i, w in ws.items():
        term = ops.sum(ops.multiply(first[i], w))
        s = term if s is None else ops.add(s, term)
    if getattr(s, "requires_grad", False):
        second = grad(s, [tensors[i] for i in wanted], allow_unused=True)
    else:  # the first-order VJP does not depend on the inputs (add, reshape)
        second = [None] * len(wanted)
    f = lambda a: _vjp_dot(subject, a, attrs, g, ws)
    for i, h in zip(wanted, second, strict=True):
        h = np.zeros_like(args[i]) if h is None else np.asarray(h._data)
        if h.shape != args[i].shape:
            raise AssertionError(f"{subject.name}: second-order gradient of input {i} has shape {h.shape}, "
                                 f"the input {args[i].shape}")
        v = rng.standard_normal(args[i].shape)
        assert_close(np.sum(h * v), _directional(f, args, i, v, eps), rtol=rtol, atol=atol,
                     msg=f"{subject.name}: second-order gradient of input {i} vs finite differences "
                         f"of the VJP ({_describe(args, attrs)})")


def _describe(args: Sequence, attrs: dict) -> str:
    shapes = ", ".join(str(np.shape(a)) for a in args)
    return f"input shapes {shapes}" + (f", attrs {attrs}" if attrs else "")


def gradcheck(fn: Callable, *inputs, second_order: bool = False, seed: int = 0, directions: int = 3,
              eps: float = FIRST_EPS, rtol: float = FIRST_RTOL, atol: float = FIRST_ATOL) -> bool:
    """Check `fn`'s gradients (and, with `second_order`, its gradients of gradients) against
    central finite differences along `directions` random directions; raise AssertionError
    naming the input on a mismatch, return True otherwise.

    `fn` takes eager Tensors (one per input) and returns a Tensor; `inputs` are numpy arrays or
    Tensors, converted to float64 so that finite differences are accurate. One tuple of inputs
    (PyTorch's spelling, `gradcheck(fn, (a, b))`) is the same as `gradcheck(fn, a, b)`: `fn` is
    called with `a` and `b`, never with one stacked array."""
    inputs = _unpack(inputs)
    args = [np.asarray(getattr(x, "_data", x), dtype=np.float64) if _is_float(x) else np.asarray(x)
            for x in inputs]
    subject = EagerSubject(getattr(fn, "__name__", "fn"), fn)
    _check_checkable(subject, args)
    rng = np.random.default_rng(seed)
    for _ in range(directions):
        check_vjp_numeric(subject, args, {}, rng, eps=eps, rtol=rtol, atol=atol)
        if second_order:
            check_second_order(subject, args, {}, rng)
    return True


def _check_checkable(subject: Subject, args: list) -> None:
    """Refuse what would otherwise pass without checking anything: no floating-point input,
    or an output finite differences cannot check (not float64)."""
    if not _wanted(subject, args):
        raise GradcheckInputError(f"gradcheck({subject.name}): no floating-point input to check "
                                  f"(input dtypes {[str(np.asarray(a).dtype) for a in args]}; "
                                  f"at {user_frame()})")
    out = subject.forward(args, {})
    if out.dtype != np.float64:
        raise GradcheckInputError(f"gradcheck({subject.name}): the output is {out.dtype}, not float64, "
                                  f"so finite differences cannot check it {user_line()}")


def _unpack(inputs: tuple) -> tuple:
    """`(a, b)` given as one argument: the inputs themselves (a list only when it holds arrays
    or tensors; a list of numbers is one input)."""
    if len(inputs) == 1:
        only = inputs[0]
        if isinstance(only, tuple) or (isinstance(only, list) and only
                                       and all(hasattr(x, "shape") for x in only)):
            return tuple(only)
    return inputs


def _is_float(x) -> bool:
    return np.asarray(getattr(x, "_data", x)).dtype.kind == "f"


def check_jvp_numeric(subject: Subject, args: Sequence, attrs: dict, rng: np.random.Generator, *,
                      eps: float = FIRST_EPS, rtol: float = FIRST_RTOL, atol: float = FIRST_ATOL) -> None:
    """Forward-mode AD (a dual tensor per differentiable input, `autograd.forward_ad`) against
    central differences: the output's tangent along a random direction v is
    (f(x + eps v) - f(x - eps v)) / 2 eps, element by element."""
    from ..autograd import forward_ad
    from ..eager.creation import tensor

    if _float64(subject, args, attrs) is None:
        return
    for i in _wanted(subject, args):
        v = rng.standard_normal(args[i].shape)
        with forward_ad.dual_level():
            inputs = [tensor(a) if isinstance(a, np.ndarray) else a for a in args]
            inputs[i] = forward_ad.make_dual(inputs[i], tensor(v))
            tangent = forward_ad.unpack_dual(subject.eager(inputs, attrs)).tangent
        plus, minus = list(args), list(args)
        plus[i], minus[i] = np.asarray(args[i] + eps * v), np.asarray(args[i] - eps * v)
        want = (subject.forward(plus, attrs) - subject.forward(minus, attrs)) / (2 * eps)
        got = np.zeros_like(want) if tangent is None else tangent.numpy()
        assert_close(got, want, rtol=rtol, atol=atol,
                     msg=f"{subject.name}: forward-mode tangent of input {i} vs finite differences "
                         f"({_describe(args, attrs)})")
