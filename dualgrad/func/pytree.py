"""Pytrees as `torch.func` reads them: tuples (named ones too), lists and dicts are nodes, a
None argument has no leaves, everything else is a leaf. `in_dims`/`out_dims` are prefixes of
such a tree: an int or None where a whole subtree shares one batch dimension."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any


class TreeSpec:
    """The shape of a pytree without its leaves: a node's type, its keys and child specs."""

    __slots__ = ("kind", "keys", "children", "num_leaves")

    def __init__(self, kind: type | None, keys: tuple = (), children: tuple = ()) -> None:
        self.kind, self.keys, self.children = kind, keys, children
        self.num_leaves = 1 if kind is None else sum(c.num_leaves for c in children)

    def is_leaf(self) -> bool:
        """Whether this spec stands for one leaf."""
        return self.kind is None

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, TreeSpec) and self.kind is other.kind and self.keys == other.keys
                and self.children == other.children)

    def __hash__(self) -> int:
        return hash((self.kind, self.keys, self.children))

    def __repr__(self) -> str:
        if self.kind is None:
            return "*"
        if self.kind is type(None):
            return "None"
        if issubclass(self.kind, dict):
            inner = ", ".join(f"{k!r}: {c!r}" for k, c in zip(self.keys, self.children, strict=True))
            return "{" + inner + "}"
        inner = ", ".join(repr(c) for c in self.children)
        if issubclass(self.kind, list):
            return f"[{inner}]"
        name = "" if self.kind is tuple else self.kind.__name__
        return f"{name}({inner}{',' if len(self.children) == 1 and not name else ''})"


def _node(tree: Any) -> tuple | None:
    """(kind, keys, children) of a container, None for a leaf."""
    if isinstance(tree, tuple):
        return type(tree), (), tuple(tree)
    if isinstance(tree, list):
        return list, (), tuple(tree)
    if isinstance(tree, dict):
        return type(tree), tuple(tree), tuple(tree.values())
    return None


def tree_flatten(tree: Any, none_is_leaf: bool = False) -> tuple[list, TreeSpec]:
    """(leaves in order, spec); `none_is_leaf` reads None as a value (an in_dim), not a node."""
    leaves: list = []

    def walk(t: Any) -> TreeSpec:
        if t is None and not none_is_leaf:
            return TreeSpec(type(None))
        node = _node(t)
        if node is None:
            leaves.append(t)
            return TreeSpec(None)
        kind, keys, children = node
        return TreeSpec(kind, keys, tuple(walk(c) for c in children))

    spec = walk(tree)
    return leaves, spec


def tree_unflatten(leaves: list, spec: TreeSpec) -> Any:
    """The tree of `spec` holding `leaves` (tree_flatten's inverse)."""
    it = iter(leaves)

    def build(s: TreeSpec) -> Any:
        if s.kind is None:
            return next(it)
        if s.kind is type(None):
            return None
        children = [build(c) for c in s.children]
        if issubclass(s.kind, dict):
            return s.kind(zip(s.keys, children, strict=True))
        if s.kind is list:
            return children
        if s.kind is tuple:
            return tuple(children)
        return s.kind(*children)  # a named tuple

    return build(spec)


def tree_map(fn: Callable[[Any], Any], tree: Any) -> Any:
    """`tree` with `fn` applied to each leaf."""
    leaves, spec = tree_flatten(tree)
    return tree_unflatten([fn(x) for x in leaves], spec)


def broadcast_prefix(prefix: Any, spec: TreeSpec) -> list | None:
    """One value of `prefix` per leaf of `spec` (an int or None covers a whole subtree), or None
    when `prefix` is not a prefix of the tree (torch's `_broadcast_to_and_flatten`)."""
    node = _node(prefix)
    if node is None:
        return [prefix] * spec.num_leaves
    kind, keys, children = node
    if spec.kind is None or spec.kind is type(None) or len(children) != len(spec.children):
        return None
    if issubclass(kind, dict) != issubclass(spec.kind, dict) or issubclass(kind, list) != (spec.kind is list):
        return None
    if issubclass(kind, dict):
        if set(keys) != set(spec.keys):
            return None
        children = tuple(prefix[k] for k in spec.keys)
    out: list = []
    for child, child_spec in zip(children, spec.children, strict=True):
        part = broadcast_prefix(child, child_spec)
        if part is None:
            return None
        out += part
    return out
