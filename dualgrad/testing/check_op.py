"""`check_op(name)`: the registry's whole check for one op, public; `check_function(Fn, ...)`:
the same numeric and symbolic checks for a user's own `autograd.Function`.

The checks (each also usable alone, on inputs you choose):
  "declaration"   the op has a kernel, a shape rule, a sympy form, and a VJP when differentiable;
  "vjp"           VJP against central finite differences (float64, random directions);
  "sympy"         the sympy form against the kernel, `sympy.diff` of it against the VJP, and
                  the VJP rule run on symbolic arrays against the rule on numpy arrays;
  "second_order"  double backward (`create_graph=True`) against finite differences of the VJP;
  "shape"         `op.infer` against the numpy and jax results (and with unknown dims), and
                  float32 inputs get float32 VJPs;
  "backends"      numpy against jax: the value and the VJP.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import numpy as np

from .. import ops
from ..ops.registry import Op
from . import samples
from .backends import check_backend_parity, check_shape_rule, check_unknown_dims, check_vjp_dtypes
from .gradcheck import check_second_order, check_vjp_numeric
from .subjects import EagerSubject, Subject, function_subject, subject_for
from .symcheck import check_symbolic, check_symbolic_vjp
from .values import draw_inputs

CHECKS = ("vjp", "sympy", "second_order", "shape", "backends")


def check_declaration(name: str) -> None:
    """The op (or composite) has samples, and an op declares everything it needs: a kernel,
    a shape rule and a sympy form always (symbolic front ends evaluate every op), a VJP rule
    when differentiable."""
    samples.entry(name)
    if name not in ops.REGISTRY:
        if not any(callable(getattr(m, name, None)) for m in ops.COMPOSITE_MODULES):
            raise AssertionError(f"{name!r} is neither a registry op nor a composite")
        return
    op: Op = ops.REGISTRY[name]
    problems = []
    if not callable(op.kernel):
        problems.append("no kernel")
    if not callable(op.shape_rule):
        problems.append("no shape rule")
    if not callable(op.sympy):
        problems.append("no sympy form")
    if op.differentiable and not any(op.input_differentiable(i) for i in range(op.nin or 1)):
        problems.append("differentiable but no VJP rule for any input")
    if op.domain is not None and op.nin is not None and len(op.domain) != op.nin:
        problems.append(f"domain has {len(op.domain)} entries for {op.nin} inputs")
    if problems:
        raise AssertionError(f"op {name!r}: " + "; ".join(problems))


def check_call(name: str, args: Sequence, attrs: dict, *, checks: Iterable[str] = CHECKS,
               rng: np.random.Generator | None = None, subject: Subject | None = None) -> None:
    """Run `checks` on one call of `name` with the given inputs and attrs."""
    subject = subject or subject_for(name)
    rng = rng if rng is not None else np.random.default_rng(0)
    checks = set(checks)
    differentiable = subject.op is None or subject.op.differentiable
    if "vjp" in checks and differentiable:
        check_vjp_numeric(subject, args, attrs, rng)
    if "sympy" in checks:
        check_symbolic(subject, args, attrs, rng, gradients=differentiable)
        if subject.op is not None:
            check_symbolic_vjp(subject.op, args, attrs, rng)
    if "second_order" in checks and differentiable:
        check_second_order(subject, args, attrs, rng)
    if subject.op is not None:
        if "shape" in checks:
            check_shape_rule(subject.op, args, attrs)
            check_unknown_dims(subject.op, args, attrs)
            check_vjp_dtypes(subject.op, args, attrs, rng)
        if "backends" in checks:
            check_backend_parity(subject.op, args, attrs, rng)


def check_op(name: str, *, examples: int = 2, seed: int = 0, checks: Iterable[str] = CHECKS) -> None:
    """Check registry op (or composite) `name` on every sample case in
    `dualgrad.testing.samples`, `examples` random draws each; raise AssertionError on the first
    disagreement. Deterministic for a given seed; hypothesis is not needed."""
    check_declaration(name)
    subject = subject_for(name)
    rng = np.random.default_rng(seed)
    for case in samples.entry(name).cases:
        for _ in range(examples):
            check_call(name, draw_inputs(name, case, rng), dict(case.attrs), checks=checks, rng=rng,
                       subject=subject)


def check_function(fn: type | Callable, *inputs, sympy: Callable | None = None, second_order: bool = False,
                   directions: int = 3, seed: int = 0) -> tuple[str, ...]:
    """Check a user's `autograd.Function` subclass (or any function of eager Tensors) with one
    output at the given inputs: its backward against finite differences, with `second_order` its double
    backward too, and, when it has a sympy form (a staticmethod `sympy(*SymArrays)` on the
    class, or the `sympy` argument), the form against forward and `sympy.diff` against backward.

    Float inputs are checked in float64. Returns the names of the checks that ran."""
    from ..eager.function import Function

    if isinstance(fn, type) and issubclass(fn, Function):
        subject = function_subject(fn)
        if sympy is not None:
            subject.form = sympy
    else:
        subject = EagerSubject(getattr(fn, "__name__", "fn"), fn, sympy)
    args = [_as_input(x) for x in inputs]
    rng = np.random.default_rng(seed)
    ran = ["vjp"]
    for _ in range(directions):
        check_vjp_numeric(subject, args, {}, rng)
    if second_order:
        check_second_order(subject, args, {}, rng)
        ran.append("second_order")
    if subject.form is not None:
        check_symbolic(subject, args, {}, rng)
        ran.append("sympy")
    return tuple(ran)


def _as_input(x):
    data = np.asarray(getattr(x, "_data", x))
    if data.dtype.kind == "f":
        return data.astype(np.float64)
    return data if data.ndim or not isinstance(x, (int, float, bool)) else x
