"""The static front end of the op registry: calling a registry op on graph tensors adds an
`Operation` to their graph, after the op's shape rule. Importing this module registers it
(`variables.py` imports it, so `import dualgrad.static` does)."""
from __future__ import annotations

import numpy as np

from .. import dtypes
from ..errors import GraphError, user_line
from ..ops import Op, Spec, register_frontend
from .convert import check_int_range
from .graph import Tensor, describe


def _const_arg(a):
    """Non-tensor arguments as the registry expects them: numpy scalars become weak Python
    scalars (TF1 converts them to the tensor's dtype), lists become arrays."""
    if isinstance(a, np.generic):
        return a.item()
    if isinstance(a, (list, tuple)):
        return np.asarray(a)
    if type(a) in (int, float, bool, complex) or isinstance(a, np.ndarray) or a is None:
        return a
    if hasattr(a, "__array__") and hasattr(a, "dtype"):  # jax arrays and the like
        return np.asarray(a)
    return a


def bind(op: Op, args: tuple, attrs: dict) -> Tensor:
    """Add `op` to the graph of its tensor arguments, after its shape rule.

    numpy arrays meeting graph tensors in an arithmetic op take the tensors' dtype, as TF1's
    `convert_to_tensor` does: float64 data does not silently widen a float32 model.
    """
    graph = None
    tensor_dtype = None
    conv = list(args)
    for i, a in enumerate(args):
        if isinstance(a, Tensor):
            g = a.op.graph
            if graph is None:
                graph = g
            elif g is not graph:
                raise GraphError(f"{op.name}: {describe(a)} must be from the same graph as the other "
                                 f"inputs {user_line()}")
            if i in op.weak:  # (a learning rate: never the result's dtype, never cast)
                continue
            d = a.dtype
            tensor_dtype = d if tensor_dtype is None else dtypes.promote(tensor_dtype, d)
        else:
            conv[i] = _const_arg(a)
    if op.promotes and tensor_dtype is not None and not tensor_dtype.is_bool:
        for i, a in enumerate(conv):
            if i in op.weak:
                continue
            if isinstance(a, np.ndarray) and a.dtype != tensor_dtype.np and a.dtype.kind in "iuf":
                if tensor_dtype.is_floating_point or a.dtype.kind != "f":
                    check_int_range(a, tensor_dtype, f"{op.name}: an array operand {user_line()}")
                    conv[i] = a.astype(tensor_dtype.np)
            elif tensor_dtype.is_integer and type(a) is int:  # a weak Python int takes the dtype
                check_int_range(np.asarray([a], dtype=object), tensor_dtype,
                                f"{op.name}: a Python int operand {user_line()}")
    specs = [Spec(a._shape, a.dtype) if isinstance(a, Tensor) else spec_of_constant(a) for a in conv]
    if any(s.shape is None for s in specs):
        out = _infer_unknown_rank(op, specs, attrs)
    else:
        out = op.infer(specs, attrs)
    return graph.create_op(op.name, conv, attrs, (out,), registry_op=op).outputs[0]


_FULL_REDUCTIONS = {"sum", "mean", "prod", "amax", "amin", "argmax", "argmin", "size"}


def _infer_unknown_rank(op: Op, specs: list, attrs: dict) -> Spec:
    """An input of unknown rank (`placeholder(dtype)` with no shape): the dtype from the
    op's rule on scalar stand-ins, the shape unknown unless a full reduction makes it ()."""
    guess = [Spec(() if s.shape is None else s.shape, s.dtype) for s in specs]
    try:
        dtype = op.infer(guess, {**attrs, "axis": None} if "axis" in attrs else attrs).dtype
    except Exception:
        from ..ops import specs as rules

        dtype = rules.result_dtype(op, specs)
    full = op.name in _FULL_REDUCTIONS and attrs.get("axis") is None and not attrs.get("keepdims")
    return Spec(() if full else None, dtype)


def spec_of_constant(a) -> Spec:
    if isinstance(a, np.ndarray):
        return Spec(a.shape, dtypes.from_numpy_dtype(a.dtype))
    return Spec.scalar(a)


register_frontend(Tensor, bind)
