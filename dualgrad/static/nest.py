"""TF1's nests (tf.nest) for the graph's control flow and functional ops: lists, tuples,
namedtuples and dicts are structure, anything else is a leaf; a dict's leaves come in sorted key
order, as tf.nest orders them. One flatten and one pack for while_loop, cond, case, map_fn, scan
and the folds, so a namedtuple or a dict of loop variables works in every one of them.

A structure is None (a leaf) or `(kind, parts)`: `kind` is the sequence's type (list, tuple, a
namedtuple class) or `DictKind(type, keys)`, and `parts` one `(leaf count, structure)` per item.
(`ds.data` has its own nests: tf.data reads a list as one component, not as structure.)"""
from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple


class DictKind(NamedTuple):
    """A dict's place in a structure: its type, its keys sorted (the leaves' order) and as the
    dict had them (the rebuilt dict's order, as tf.nest keeps it)."""

    type: type
    keys: tuple
    order: tuple


def flatten(value) -> tuple[list, object]:
    """(leaves in order, structure) of a nest."""
    if isinstance(value, dict):
        keys = tuple(sorted(value))
        kind, items = DictKind(type(value), keys, tuple(value)), [value[k] for k in keys]
    elif isinstance(value, (list, tuple)):
        kind, items = type(value), value
    else:
        return [value], None
    leaves, parts = [], []
    for item in items:
        sub, structure = flatten(item)
        leaves.extend(sub)
        parts.append((len(sub), structure))
    return leaves, (kind, tuple(parts))


def pack(structure, leaves: Sequence):
    """Rebuild a nest of `structure` (from `flatten`) around `leaves`."""
    if structure is None:
        return leaves[0]
    kind, parts = structure
    out, at = [], 0
    for n, sub in parts:
        out.append(pack(sub, leaves[at:at + n]))
        at += n
    if isinstance(kind, DictKind):
        by_key = dict(zip(kind.keys, out, strict=True))
        return kind.type((k, by_key[k]) for k in kind.order)
    return kind(*out) if hasattr(kind, "_fields") else kind(out)


def same_nesting(a, b) -> bool:
    """Structures equal up to the sequences' types (TF1 takes a tuple body for list loop
    variables, a plain tuple for a namedtuple); dicts must have the same keys."""
    if a is None or b is None:
        return a is b
    a_dict, b_dict = isinstance(a[0], DictKind), isinstance(b[0], DictKind)
    if a_dict != b_dict or (a_dict and a[0].keys != b[0].keys) or len(a[1]) != len(b[1]):
        return False
    return all(n == m and same_nesting(x, y) for (n, x), (m, y) in zip(a[1], b[1], strict=True))


def flatten_up_to(structure, nest) -> list | None:
    """The items of `nest` at the leaves of `structure` (each may itself be a nest, such as a
    shape list), or None when `nest` does not follow `structure`."""
    if structure is None:
        return [nest]
    kind, parts = structure
    if isinstance(kind, DictKind):
        if not isinstance(nest, dict) or tuple(sorted(nest)) != kind.keys:
            return None
        items = [nest[k] for k in kind.keys]
    elif isinstance(nest, (list, tuple)) and not isinstance(nest, dict):
        items = list(nest)
    else:
        return None
    if len(items) != len(parts):
        return None
    out = []
    for (_, sub), item in zip(parts, items, strict=True):
        got = flatten_up_to(sub, item)
        if got is None:
            return None
        out.extend(got)
    return out
