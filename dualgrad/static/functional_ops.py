"""TF1's functional ops `ds.scan`, `ds.foldl`, `ds.foldr` and `ds.switch_case`, built on the
graph's existing pieces so both Session backends and `ds.gradients` handle them unchanged:

    scan, foldl, foldr   unrolled over the leading dim of `elems` (known when the graph is
                         built), as `ds.map_fn`: `fn(acc, x)` is traced once per element and
                         the accumulators are stacked (scan) or the last one returned (folds).
                         TF1 builds a `while_loop` over TensorArrays; the values and gradients
                         are the same, the graph grows with the length.
    switch_case          nested `ds.cond`s on `branch_index == k`: only the taken branch runs.

No op math lives here: every value is a registry op (`stack`, indexing, `equal`) or a `cond`.
"""

from __future__ import annotations

from collections.abc import Callable

from ..errors import DTypeError, ShapeError, user_line
from .api import _tensor, equal, greater_equal, less
from .api import shape as _shape
from .api import stack as _stack
from .api import stop_gradient as _stop_gradient
from .control_flow import cond, while_loop
from .convert import ArgumentError
from .graph import Tensor, get_default_graph
from .nest import flatten, pack, same_nesting
from .tf_ops import gather, pad

__all__ = ["foldl", "foldr", "scan", "switch_case"]


# -- scan and the folds --------------------------------------------------------------------------


def leading_elements(api: str, fn, elems,
                     unknown_ok: bool = False) -> tuple[list[Tensor], object, int | None]:
    """The flat tensors of `elems`, its structure and the shared leading dim (checked); None
    when it is known only at run time and `unknown_ok` (the folds' while_loop)."""
    if not callable(fn):
        raise DTypeError(f"ds.{api}: fn must be callable, got {fn!r} {user_line()}")
    leaves, structure = flatten(elems)
    if not leaves:
        raise ArgumentError(f"ds.{api}: elems must hold at least one tensor {user_line()}")
    tensors = [_tensor(e) for e in leaves]
    sizes = {None if t.shape is None or not t.shape else t.shape[0] for t in tensors}
    ranked = all(t.shape is not None and len(t.shape) >= 1 for t in tensors)
    if unknown_ok and ranked and None in sizes and len(sizes - {None}) <= 1:
        return tensors, structure, None
    if None in sizes or len(sizes) != 1:
        shapes = [t.shape for t in tensors]
        raise ShapeError(
            f"ds.{api}: every element of elems needs the same leading dim, known when the graph "
            f"is built ({api} is unrolled over it), got shapes {shapes} {user_line()}"
        )
    (n,) = sizes
    return tensors, structure, int(n)


def _step(api: str, fn: Callable, acc: list, acc_structure, x, index: int) -> list[Tensor]:
    """One call `fn(acc, x)`, its result checked against the accumulator's nest, dtypes and
    shapes (TF1's while_loop refuses a loop variable that changes them)."""
    out = fn(pack(acc_structure, acc), x)
    leaves, structure = flatten(out)
    if not same_nesting(structure, acc_structure):
        raise ArgumentError(
            f"ds.{api}: fn must return the structure of its accumulator "
            f"({pack(acc_structure, [t.shape for t in acc])!r}), got {out!r} at element {index} "
            f"{user_line()}"
        )
    new = [_tensor(v, like=a) for v, a in zip(leaves, acc, strict=True)]
    for a, v in zip(acc, new, strict=True):
        if a.dtype != v.dtype:
            raise DTypeError(
                f"ds.{api}: fn changed an accumulator's dtype from {a.dtype.name} to {v.dtype.name} "
                f"at element {index} {user_line()}"
            )
        if a.shape is not None and v.shape is not None and (
            len(a.shape) != len(v.shape)
            or any(p is not None and q is not None and p != q for p, q in zip(a.shape, v.shape, strict=True))
        ):
            raise ShapeError(
                f"ds.{api}: fn changed an accumulator's shape from {a.shape} to {v.shape} at "
                f"element {index} {user_line()}"
            )
    return new


def _initial(api: str, initializer, tensors: list, structure, first: int):
    """(flat accumulator, its structure): `initializer`, else element `first` of `elems`."""
    if initializer is None:
        return [t[first] for t in tensors], structure
    leaves, acc_structure = flatten(initializer)
    if not leaves:
        raise ArgumentError(f"ds.{api}: initializer must hold at least one tensor {user_line()}")
    return [_tensor(v) for v in leaves], acc_structure


def _fold(api: str, fn, elems, initializer, back_prop: bool, name, reverse: bool, keep: bool):
    """The accumulators of `fn` over `elems` (every one when `keep`, in elems' order), flat."""
    tensors, structure, n = leading_elements(api, fn, elems, unknown_ok=not keep)
    if n is None:
        return _fold_loop(api, fn, tensors, structure, initializer, back_prop, name, reverse)
    if n == 0 and (initializer is None or keep):
        raise ShapeError(f"ds.{api}: the leading dim of elems is 0: nothing to "
                         f"{'scan' if keep else 'fold'} {user_line()}")
    order = list(range(n))[::-1] if reverse else list(range(n))
    with get_default_graph().name_scope(name or api):
        acc, acc_structure = _initial(api, initializer, tensors, structure, order[0] if order else 0)
        kept = {}
        if initializer is None:
            kept[order[0]] = acc
            order = order[1:]
        for i in order:
            acc = _step(api, fn, acc, acc_structure, pack(structure, [t[i] for t in tensors]), i)
            kept[i] = acc
        if keep:
            out = [_stack([kept[i][j] for i in range(n)]) for j in range(len(acc))]
        else:
            out = list(acc)
        if not back_prop:
            out = [_stop_gradient(v) for v in out]
    return pack(acc_structure, out)


def _fold_loop(api: str, fn, tensors: list, structure, initializer, back_prop: bool, name, reverse: bool):
    """A fold over a leading dim known only at run time: a `ds.while_loop` whose body reads
    element i with `gather` (so the loop's gradient rules apply). Without `initializer`, an
    empty `elems` fails the run at the first read, as TF1's."""
    with get_default_graph().name_scope(name or api):
        n = _shape(tensors[0])[0]
        last = n - 1
        if initializer is None:
            first = last if reverse else 0
            acc, acc_structure = [gather(t, first) for t in tensors], structure
            start = last - 1 if reverse else _tensor(1)
        else:
            acc, acc_structure = _initial(api, initializer, tensors, structure, 0)
            start = last if reverse else _tensor(0)
            # (one zero row past the end: jax refuses to trace a read from an empty axis, even
            # in a loop that runs 0 times; the row is never read)
            tensors = [pad(t, [[0, 1]] + [[0, 0]] * (len(t.shape) - 1)) for t in tensors]

        def more(i, *acc):
            return greater_equal(i, 0) if reverse else less(i, n)

        def body(i, *acc):
            x = pack(structure, [gather(t, i) for t in tensors])
            new = _step(api, fn, list(acc), acc_structure, x, "i")
            return [i - 1 if reverse else i + 1, *new]

        out = while_loop(more, body, [start, *acc], back_prop=back_prop)[1:]
        if not back_prop:
            out = [_stop_gradient(v) for v in out]
    return pack(acc_structure, list(out))


def scan(fn: Callable, elems, initializer=None, parallel_iterations: int = 10, back_prop: bool = True,
         swap_memory: bool = False, infer_shape: bool = True, reverse: bool = False, name=None):
    """TF1's `tf.scan`: acc_i = fn(acc_{i-1}, elems[i]), every acc_i stacked along a new leading
    dim (in elems' order, also when `reverse`). Without `initializer`, elems[0] (elems[-1] when
    `reverse`) starts the scan and is the first output. Unrolled over elems' known leading dim."""
    return _fold("scan", fn, elems, initializer, back_prop, name, reverse, keep=True)


def foldl(fn: Callable, elems, initializer=None, parallel_iterations: int = 10, back_prop: bool = True,
          swap_memory: bool = False, name=None):
    """TF1's `tf.foldl`: fn(...fn(fn(initializer, elems[0]), elems[1])..., elems[-1]); without
    `initializer`, elems[0] starts the fold. Unrolled over elems' known leading dim."""
    return _fold("foldl", fn, elems, initializer, back_prop, name, reverse=False, keep=False)


def foldr(fn: Callable, elems, initializer=None, parallel_iterations: int = 10, back_prop: bool = True,
          swap_memory: bool = False, name=None):
    """TF1's `tf.foldr`: foldl from the last element to the first (`fn(acc, x)` still takes the
    accumulator first); without `initializer`, elems[-1] starts the fold."""
    return _fold("foldr", fn, elems, initializer, back_prop, name, reverse=True, keep=False)


# -- switch_case ----------------------------------------------------------------------------------


def _branches(branch_fns) -> list[Callable]:
    """TF's three spellings (a list of callables, a list of (int, callable) pairs, a dict of
    int -> callable) as the list of callables by index; keys must be 0..n-1."""
    api = "switch_case"
    if isinstance(branch_fns, dict):
        pairs = list(branch_fns.items())
    elif isinstance(branch_fns, (list, tuple)) and branch_fns and all(
            isinstance(p, (list, tuple)) for p in branch_fns):
        pairs = list(branch_fns)
    elif isinstance(branch_fns, (list, tuple)):
        pairs = list(enumerate(branch_fns))
    else:
        raise DTypeError(f"ds.{api}: branch_fns must be a list or dict of callables, got "
                         f"{branch_fns!r} {user_line()}")
    if not pairs:
        raise ArgumentError(f"ds.{api}: branch_fns must not be empty {user_line()}")
    for pair in pairs:
        key_ok = len(pair) == 2 and isinstance(pair[0], int) and not isinstance(pair[0], bool)
        if not key_ok or not callable(pair[1]):
            raise DTypeError(f"ds.{api}: each branch must be an (int, callable) pair, got {pair!r} "
                             f"{user_line()}")
    keys = sorted(k for k, _ in pairs)
    if keys != list(range(len(pairs))):
        raise ArgumentError(f"ds.{api}: branch indices (keys) must form the contiguous range "
                            f"[0, {len(pairs)}), got {keys} {user_line()}")
    return [f for _, f in sorted(pairs, key=lambda p: p[0])]


def switch_case(branch_index, branch_fns, default: Callable | None = None, name: str = "switch_case"):
    """TF's `tf.switch_case`: `branch_fns[branch_index]()`, or `default()` when the index is out
    of range (the last branch when `default` is None). Nested `ds.cond`s: only the taken branch
    runs, and every branch must return the same structure, dtypes and shapes."""
    api = "switch_case"
    fns = _branches(branch_fns)
    if default is not None and not callable(default):
        raise DTypeError(f"ds.{api}: default must be callable, got {default!r} {user_line()}")
    index = _tensor(branch_index)
    if index.dtype.name not in ("int32", "int64") or (index.shape is not None and len(index.shape) != 0):
        raise DTypeError(f"ds.{api}: branch_index must be a scalar int32 or int64, got "
                         f"{index.dtype.name} of shape {index.shape} {user_line()}")
    if default is None:
        fns, default = fns[:-1], fns[-1]
    with get_default_graph().name_scope(name or api):
        branch = default
        for k in reversed(range(len(fns))):
            branch = lambda k=k, otherwise=branch: cond(equal(index, k), fns[k], otherwise)
        return branch()
