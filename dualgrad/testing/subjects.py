"""What the checks test: a registry op, a composite, or a user's `autograd.Function`, seen
through one small interface (numeric forward, first-order VJP, eager call, sympy form).

The checks never care which of the three they hold; only how each computes its VJP differs:
a registry op is asked for its rule directly (`op.grad`, then `sum_to_like` for broadcast
inputs, as the reverse walker does), the others go through the eager engine.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .. import ops
from ..ops.registry import Op
from ..ops.symarray import SymArray, SymbolicUnsupported, apply_form, expanded_sums


def is_float_array(x) -> bool:
    """A numpy or jax array of floats (Python scalars and bool masks are not differentiated)."""
    dt = getattr(x, "dtype", None)
    return dt is not None and hasattr(x, "shape") and np.dtype(dt).kind == "f"


class Subject:
    """Base: a name, a numeric forward and the eager call; subclasses add the rest."""

    name: str
    op: Op | None = None

    def forward(self, args: Sequence, attrs: dict) -> np.ndarray:
        """The value on numpy arrays."""
        raise NotImplementedError

    def eager(self, args: Sequence, attrs: dict):
        """The value on eager Tensors (records a graph when an input requires grad)."""
        raise NotImplementedError

    def symbolic(self, args: Sequence, attrs: dict) -> SymArray | None:
        """The sympy form on SymArrays, or None when the subject has none."""
        return None

    def differentiable(self, index: int, x) -> bool:
        return is_float_array(x)

    def vjp(self, args: Sequence, attrs: dict, g: np.ndarray) -> list:
        """First-order VJP for every input (None where not differentiable), as numpy arrays."""
        return eager_vjp(self, args, attrs, g)


class OpSubject(Subject):
    """A registry op: its VJP rule is called directly on numpy arrays."""

    def __init__(self, op: Op):
        self.op = op
        self.name = op.name

    def forward(self, args, attrs):
        return np.asarray(self.op.compute(list(args), attrs))

    def eager(self, args, attrs):
        return self.op(*args, **attrs)

    def symbolic(self, args, attrs):
        return None if self.op.sympy is None else apply_form(self.op, args, attrs)

    def differentiable(self, index, x):
        return is_float_array(x) and self.op.input_differentiable(index)

    def vjp(self, args, attrs, g):
        return rule_vjp(self.op, args, attrs, g)


class CompositeSubject(Subject):
    """A function of registry ops (`ops.var`, a user's own helper)."""

    def __init__(self, name: str, fn: Callable):
        self.name = name
        self.fn = fn

    def forward(self, args, attrs):
        return np.asarray(self.fn(*args, **attrs))

    def eager(self, args, attrs):
        return self.fn(*args, **attrs)

    def symbolic(self, args, attrs):
        """The composite on SymArrays; an element whose form indexes a constant array (a
        boolean mask) by a summation symbol is retried with its sums written out."""
        form = self.fn(*args, **attrs)

        def at(*idx):
            try:
                return form.at(*idx)
            except SymbolicUnsupported:
                with expanded_sums():
                    return form.at(*idx)

        return SymArray(form.shape, at)


class EagerSubject(Subject):
    """A function of eager Tensors: a user's `autograd.Function` (`cls.apply`) or any
    `fn(*tensors) -> Tensor`; its sympy form is optional (`fn(*SymArrays) -> SymArray`)."""

    def __init__(self, name: str, fn: Callable, form: Callable | None = None):
        self.name = name
        self.fn = fn
        self.form = form

    def forward(self, args, attrs):
        from ..eager.creation import tensor

        out = self.fn(*(tensor(a) if isinstance(a, np.ndarray) else a for a in args), **attrs)
        return np.asarray(out._data)

    def eager(self, args, attrs):
        return self.fn(*args, **attrs)

    def symbolic(self, args, attrs):
        return None if self.form is None else self.form(*args, **attrs)


def function_subject(cls: type) -> EagerSubject:
    """A user's `autograd.Function` subclass; a staticmethod `sympy(*SymArrays)` on it is
    taken as its sympy form."""
    return EagerSubject(cls.__name__, cls.apply, getattr(cls, "sympy", None))


def subject_for(name: str) -> Subject:
    """The subject behind a registry op name or a composite name (`"var"`)."""
    if name in ops.REGISTRY:
        return OpSubject(ops.REGISTRY[name])
    for module in ops.COMPOSITE_MODULES:
        fn = getattr(module, name, None)
        if callable(fn):
            return CompositeSubject(name, fn)
    raise KeyError(f"{name!r} is neither a registry op nor a composite in ops.COMPOSITE_MODULES")


def rule_vjp(op: Op, args: Sequence, attrs: dict, g: np.ndarray) -> list:
    """Each input's VJP straight from the op's rule, summed to the input's shape."""
    args = list(args)
    out = op.compute(args, attrs)
    needed = [is_float_array(x) and op.input_differentiable(i) for i, x in enumerate(args)]
    grads = []
    for x, gi in zip(args, op.vjp(needed, g, out, args, attrs), strict=True):
        if gi is None:
            grads.append(None)
            continue
        if np.shape(gi) != x.shape:
            gi = ops.sum_to_like(gi, x)
        grads.append(np.asarray(gi))
    return grads


def eager_tensors(subject: Subject, args: Sequence) -> list:
    """Eager tensors for the array arguments; differentiable ones require grad."""
    from ..eager.creation import tensor

    out = []
    for i, a in enumerate(args):
        if isinstance(a, np.ndarray):
            out.append(tensor(a, requires_grad=subject.differentiable(i, a)))
        else:
            out.append(a)
    return out


def eager_vjp(subject: Subject, args: Sequence, attrs: dict, g, create_graph: bool = False,
              tensors: list | None = None) -> list:
    """VJPs through the eager engine (zeros for inputs that did not reach the output).
    Returns arrays, or Tensors with `create_graph` (then pass the `tensors` to use)."""
    from ..eager.creation import tensor
    from ..eager.engine import grad

    tensors = eager_tensors(subject, args) if tensors is None else tensors
    out = subject.eager(tensors, attrs)
    wanted = [i for i, a in enumerate(args) if isinstance(a, np.ndarray) and subject.differentiable(i, a)]
    result: list = [None] * len(args)
    if not wanted:
        return result
    if not getattr(out, "requires_grad", False):
        for i in wanted:
            result[i] = np.zeros_like(args[i])
        return result
    grads = grad(out, [tensors[i] for i in wanted], grad_outputs=[tensor(np.asarray(g))], allow_unused=True,
                 create_graph=create_graph)
    for i, gi in zip(wanted, grads, strict=True):
        if gi is None:
            gi = np.zeros_like(args[i])
        elif not create_graph:
            gi = np.asarray(gi._data)
        result[i] = gi
    return result
