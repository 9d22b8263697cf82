"""TF1's `map_fn` and `case`, built on the graph's existing pieces:

    map_fn                        unrolled over the (known) leading dim, results stacked
    case                          nested `ds.cond`s; TF1's run-time asserts (no predicate
                                  true without `default`; `exclusive`) as `check_numerics`
                                  guards the outputs wait on

TF1's other functional ops (`scan`, `foldl`, `foldr`, `switch_case`) are in functional_ops.py.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from .. import ops
from ..errors import DTypeError, ShapeError, user_line
from .api import _tensor, cast, check_numerics, identity, reduce_sum
from .api import stack as _stack
from .api import stop_gradient as _stop_gradient
from .control_flow import cond
from .creation import convert_to_tensor
from .functional_ops import leading_elements
from .graph import Tensor, get_default_graph
from .nest import flatten, pack, same_nesting

__all__ = [
    "case",
    "map_fn",
]


def map_fn(
    fn: Callable,
    elems,
    dtype=None,
    parallel_iterations=None,
    back_prop: bool = True,
    swap_memory: bool = False,
    infer_shape: bool = True,
    name=None,
    fn_output_signature=None,
):
    """`fn` applied to each slice of `elems` along its leading dim, the results stacked
    (tf.map_fn). Unrolled: `fn` is traced once per slice, so the leading dim must be known when
    the graph is built (TF1 builds a while_loop; the values and gradients are the same).
    `elems` may be a nest of tensors sharing that dim; `fn` may return a nest."""
    f = "map_fn"
    tensors, structure, n = leading_elements(f, fn, elems)
    if n == 0:
        raise ShapeError(f"ds.{f}: the leading dim of elems is 0: nothing to map {user_line()}")
    results = []
    with get_default_graph().name_scope(name or "map"):
        for i in range(n):
            results.append(fn(pack(structure, [t[i] for t in tensors])))
        flat = [flatten(r) for r in results]
        out_structure = flat[0][1]
        for i, (_, structure_i) in enumerate(flat):
            if not same_nesting(structure_i, out_structure):
                raise ShapeError(f"ds.{f}: fn returned another structure for element {i} than for "
                                 f"element 0 {user_line()}")
        columns = zip(*[leaves_i for leaves_i, _ in flat], strict=True)
        stacked = [_stack([convert_to_tensor(v) for v in column]) for column in columns]
        if not back_prop:
            stacked = [_stop_gradient(v) for v in stacked]
    return pack(out_structure, stacked)


def _guard(fn: str, ok, message: str) -> Tensor:
    """A scalar that is NaN (failing the run through check_numerics) where `ok` is False."""
    return check_numerics(ops.where(ok, 0.0, math.nan), f"ds.{fn}: {message} {user_line()}")


def case(pred_fn_pairs, default=None, exclusive: bool = False, strict: bool = False, name: str = "case"):
    """The result of the first (pred, fn) pair whose predicate is true, else `default()`
    (tf.case), as nested `ds.cond`s: only the taken branch runs. Without `default` the last
    pair's fn is the default, and a run where no predicate is true fails, as TF1's assert; with
    `exclusive`, a run where more than one is true fails."""
    fn = "case"
    pairs = list(pred_fn_pairs.items()) if isinstance(pred_fn_pairs, dict) else pred_fn_pairs
    if not isinstance(pairs, (list, tuple)) or not pairs:
        raise DTypeError(
            f"ds.{fn}: pred_fn_pairs must be a non-empty list of (predicate, callable) pairs {user_line()}"
        )
    for pair in pairs:
        if not isinstance(pair, (tuple, list)) or len(pair) != 2 or not callable(pair[1]):
            raise DTypeError(
                f"ds.{fn}: each entry of pred_fn_pairs must be a (predicate, callable) pair, got "
                f"{pair!r} {user_line()}"
            )
    if default is not None and not callable(default):
        raise DTypeError(f"ds.{fn}: default must be callable, got {default!r} {user_line()}")
    preds = [_tensor(p) for p, _ in pairs]
    for p in preds:
        if not p.dtype.is_bool or (p.shape is not None and len(p.shape) != 0):
            raise DTypeError(
                f"ds.{fn}: predicates must be scalar bool tensors, got {p.dtype.name} of shape "
                f"{p.shape} {user_line()}"
            )
    fns = [f for _, f in pairs]
    guards = []
    with get_default_graph().name_scope(name):
        count = reduce_sum(cast(_stack(preds), "int32"))
        if default is None:
            default, preds, fns = fns[-1], preds[:-1], fns[:-1]
            guards.append(_guard(fn, ops.greater(count, 0), "none of the conditions evaluated as True"))
        if exclusive:
            guards.append(
                _guard(
                    fn, ops.less_equal(count, 1), "more than one condition evaluated as True (exclusive=True)"
                )
            )
        branch = default
        for pred, action in reversed(list(zip(preds, fns, strict=True))):
            branch = lambda pred=pred, action=action, otherwise=branch: cond(
                pred, action, otherwise, strict=strict
            )
        out = branch()
        if not guards:
            return out
        leaves, out_structure = flatten(out)
        with get_default_graph().control_dependencies(guards):
            return pack(out_structure, [identity(v) if isinstance(v, Tensor) else v for v in leaves])
