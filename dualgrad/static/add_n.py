"""`ds.add_n` (tf.add_n): TF1 adds inputs of one shape, without broadcasting; shapes fed at run
time are checked then (an Assert before the sum), so this builds on api, tf_asserts and tf_ops."""
from __future__ import annotations

from collections.abc import Sequence

from .. import ops
from ..errors import ShapeError, refusing, user_frame
from .api import _n, _nonempty, _tensor, _tensors, concat, equal, identity, shape, size
from .graph import Tensor, get_default_graph
from .tf_asserts import Assert
from .tf_ops import logical_and, reduce_all


def add_n(inputs: Sequence, name=None):
    """The sum of a list of tensors."""
    inputs = _nonempty("add_n", inputs, "inputs")
    tensors = _tensors(inputs)
    known = [tuple(t.shape) for t in tensors if t.shape is not None]
    if any(len(a) != len(known[0]) or any(x is not None and y is not None and x != y
                                          for x, y in zip(a, known[0], strict=True))
           for a in known) or len({a for a in known if None not in a}) > 1:
        # TF1 adds tensors of one shape, without broadcasting
        raise ShapeError(f"ds.add_n: inputs must all have the same shape, got {known} (at {user_frame()})")
    if len(tensors) > 1 and any(t.shape is None or None in t.shape for t in tensors):
        inputs = [_same_shape_in_the_run(tensors), *inputs[1:]]
    total = inputs[0]
    for t in inputs[1:]:
        total = ops.add(total, t)
    return _n(_tensor(total), name)


def _same_shape_in_the_run(tensors: list) -> Tensor:
    """The first input, after a check that every input has its shape (shapes fed at run time: a
    (1, 5) input and a (3, 5) one were broadcast to (3, 5); TF1's AddN fails the run)."""
    first = shape(tensors[0])
    checks = []
    for t in tensors[1:]:
        other = shape(t)  # same rank, then [a, b] == [b, a] holds only for a == b
        fits = logical_and(equal(size(other), size(first)),
                           reduce_all(equal(concat([other, first], 0), concat([first, other], 0))))
        checks.append(Assert(fits, ["ds.add_n: inputs must all have the same shape (TF1: AddN's "
                                    "'Inputs to operation AddN must have the same size and shape')"]))
    with get_default_graph().control_dependencies(checks):
        return identity(tensors[0])


add_n = refusing(add_n, "add_n")  # a raw error from a bad argument: the dualgrad error naming it
