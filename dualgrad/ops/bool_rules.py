"""What arithmetic does with bool tensors, in the shape rules of the elementwise ops: PyTorch
squares bools as int64, and refuses `relu` of a bool, `-mask` and `mask1 - mask2` (TF1 has no
bool kernel for them either). numpy's and jax's kernels refuse the last two themselves, but a
graph built `-mask` to fail only when run: the rules refuse them when the graph is built, in
PyTorch's words, which eager's failed kernels also give (`bind.explain` asks the rule). One bool
beside a number subtracts as numpy's int64 or float, on every front end alike."""
from __future__ import annotations

from .. import dtypes
from . import specs

BOOL_RELU = "Boolean inputs not supported for relu (as PyTorch and TF1; cast to a number dtype first)"
_BOOLS_SUBTRACTION = ("Subtraction, the `-` operator, with two bool tensors is not supported. "
                      "Use the `^` or `logical_xor()` operator instead.")
_BOOL_NEGATION = ("Negation, the `-` operator, on a bool tensor is not supported. If you are trying "
                  "to invert a mask, use the `~` or `logical_not()` operator instead.")


def squared_spec(op, x: specs.Spec, **attrs) -> specs.Spec:
    """`specs.same`, with bools as int64: what the kernel computes (a graph declared bool)."""
    return specs.Spec(tuple(x.shape), dtypes.int64) if x.dtype == dtypes.bool_ else specs.same(op, x)


def relu_spec(op, x: specs.Spec, **attrs) -> specs.Spec:
    specs.refuse_bool(op, x, BOOL_RELU)
    return specs.same(op, x)


def negative_spec(op, x: specs.Spec, **attrs) -> specs.Spec:
    specs.refuse_bool(op, x, _BOOL_NEGATION)
    return specs.same(op, x)


def subtract_spec(op, x: specs.Spec, y: specs.Spec, **attrs) -> specs.Spec:
    if x.dtype == dtypes.bool_ and y.dtype == dtypes.bool_:
        raise specs.dtype_error(op, [x, y], _BOOLS_SUBTRACTION)
    return specs.broadcast(op, x, y, **attrs)
