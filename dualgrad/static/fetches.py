"""Fetch structures: any nesting of lists, tuples (named ones too) and dicts of tensors,
variables, operations or their names. `flatten` lists the distinct elements once (so a
duplicate is computed once) and returns a function that puts values back in the same shape
(TF1's fetch mappers, without the class tree)."""
from __future__ import annotations

from collections.abc import Callable, Mapping

from ..errors import DTypeError, user_frame
from .graph import Graph, Operation, Tensor

LEAF_TYPES: tuple = (Tensor, Operation, str)


def structure_key(fetches):
    """A hashable key for a fetch structure (identity of its elements, shape of its nesting)."""
    if isinstance(fetches, LEAF_TYPES) or hasattr(fetches, "fetch_adapter"):
        return fetches
    if isinstance(fetches, Mapping):
        return (type(fetches), tuple((k, structure_key(v)) for k, v in fetches.items()))
    if isinstance(fetches, (list, tuple)):
        return (type(fetches), tuple(structure_key(v) for v in fetches))
    raise DTypeError(f"Fetch argument {fetches!r} has invalid type {type(fetches).__name__}: must be a "
                     "Tensor, Variable, Operation, their name, or a list, tuple or dict of them (at "
                     f"{user_frame()})")


def flatten(graph: Graph, fetches) -> tuple[list, Callable[[list], object]]:
    """(distinct graph elements, rebuild(values) -> the user's structure)."""
    items: list = []
    index: dict = {}

    def leaf(f) -> int:
        element = graph.as_graph_element(f)
        i = index.get(element)
        if i is None:
            i = index[element] = len(items)
            items.append(element)
        return i

    def walk(f):
        if isinstance(f, LEAF_TYPES):
            return leaf(f)
        if hasattr(f, "fetch_adapter"):  # several tensors fetched, one value built (summaries)
            parts, make = f.fetch_adapter()
            return (_Adapter, (make, [walk(p) for p in parts]))
        if isinstance(f, Mapping):
            return (type(f), [(k, walk(v)) for k, v in f.items()])
        if isinstance(f, (list, tuple)):
            return (type(f), [walk(v) for v in f])
        structure_key(f)  # raises the TypeError
        raise AssertionError

    template = walk(fetches)
    if isinstance(template, int):
        return items, lambda values: values[template]
    if _flat(template):
        kind, positions = template
        if kind is list:
            if positions == list(range(len(items))):  # no duplicates: the values list itself
                return items, _same
            return items, lambda values: [values[i] for i in positions]
        if kind is tuple:
            return items, lambda values: tuple(values[i] for i in positions)

    def build(t, values):
        if isinstance(t, int):
            return values[t]
        kind, children = t
        if kind is _Adapter:
            make, parts = children
            return make([build(c, values) for c in parts])
        if issubclass(kind, Mapping):
            pairs = [(k, build(c, values)) for k, c in children]
            try:
                return kind(pairs)
            except TypeError:
                return dict(pairs)
        parts = [build(c, values) for c in children]
        if kind is list:
            return parts
        if hasattr(kind, "_fields"):  # namedtuple
            return kind(*parts)
        try:
            return kind(parts)
        except TypeError:
            return tuple(parts)

    return items, lambda values: build(template, values)


def _same(values: list) -> list:
    return values


class _Adapter:
    """Marks a fetch that builds its value from the values of its parts (`fetch_adapter()`
    returns (tensors, make(values) -> value)); TF1's fetch mappers do this for summaries."""


def _flat(template) -> bool:
    return (isinstance(template, tuple) and template[0] in (list, tuple)
            and all(isinstance(c, int) for c in template[1]))
