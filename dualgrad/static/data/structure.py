"""The nested structure of a `ds.data` element: tuples (namedtuples) and dicts are structure,
anything else a component. Flattening (dict keys sorted as tf.nest sorts them), rebuilding, and
reading an `output_shapes` argument against that structure."""
from __future__ import annotations

import collections.abc as abc

from ...errors import DTypeError, user_line


def _flatten(obj) -> tuple[list, object]:
    """(components in order, tree): dict keys sorted as tf.nest sorts them."""
    if isinstance(obj, tuple):
        leaves, subs = [], []
        for x in obj:
            lv, t = _flatten(x)
            leaves += lv
            subs.append(t)
        return leaves, ("tuple", type(obj), subs)
    if isinstance(obj, dict):
        keys = sorted(obj)
        leaves, subs = [], []
        for k in keys:
            lv, t = _flatten(obj[k])
            leaves += lv
            subs.append(t)
        return leaves, ("dict", keys, subs)
    return [obj], None


def _unflatten(tree, leaves: abc.Iterator):
    if tree is None:
        return next(leaves)
    kind, how, subs = tree
    if kind == "dict":
        return {k: _unflatten(s, leaves) for k, s in zip(how, subs, strict=True)}
    items = [_unflatten(s, leaves) for s in subs]
    return how(*items) if hasattr(how, "_fields") else how(items)


def _rebuild(tree, leaves: list):
    return _unflatten(tree, iter(leaves))


def _graft(tree, subtrees: abc.Iterator):
    """`tree` with each of its leaves replaced by the next of `subtrees` (a zip's structure)."""
    if tree is None:
        return next(subtrees)
    kind, how, subs = tree
    return (kind, how, [_graft(s, subtrees) for s in subs])


def _merge(a: tuple | None, b: tuple | None) -> tuple | None:
    """The most specific shape both `a` and `b` fit."""
    if a is None or b is None or len(a) != len(b):
        return None
    return tuple(x if x == y else None for x, y in zip(a, b, strict=True))


def _shapes_like(tree, shapes, out: list, who: str = "Dataset.from_generator") -> None:
    """Append the shapes of `output_shapes`, which has the structure `tree` of output_types."""
    if tree is None:
        if shapes is not None and (isinstance(shapes, (str, dict)) or not isinstance(shapes, (tuple, list))):
            raise DTypeError(f"ds.data.{who}: {shapes!r} is not a shape {user_line()}")
        out.append(None if shapes is None else tuple(None if d is None or d == -1 else int(d)
                                                     for d in shapes))
        return
    kind, how, subs = tree
    if kind == "dict" and isinstance(shapes, dict) and sorted(shapes) == how:
        for k, sub in zip(how, subs, strict=True):
            _shapes_like(sub, shapes[k], out, who)
    elif kind == "tuple" and isinstance(shapes, (tuple, list)) and len(shapes) == len(subs):
        for sub, shape in zip(subs, shapes, strict=True):
            _shapes_like(sub, shape, out, who)
    else:
        raise DTypeError(f"ds.data.{who}: output_shapes {shapes!r} does not have "
                         f"output_types' structure {user_line()}")
