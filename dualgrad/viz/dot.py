"""A tiny Graphviz DOT writer: quoting, node and edge lines, nested clusters.

Kept apart from what is drawn so the eager and static pictures share one escaping rule: every
label is user data (tensor and scope names), so it is quoted, never spliced raw.
"""
from __future__ import annotations

from dataclasses import dataclass, field


def quote(text: str) -> str:
    """`text` as a DOT double-quoted string: backslashes, quotes and newlines escaped."""
    escaped = str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def attributes(attrs: dict[str, str]) -> str:
    return ", ".join(f"{key}={quote(value)}" for key, value in attrs.items())


@dataclass
class Cluster:
    """A box around the nodes of one name scope (or of the gradient subgraph)."""

    label: str
    style: dict[str, str] = field(default_factory=dict)
    nodes: list[str] = field(default_factory=list)
    children: dict[str, Cluster] = field(default_factory=dict)


@dataclass
class DotWriter:
    """Collects nodes, edges and clusters, then prints one `digraph`."""

    graph_attrs: dict[str, str] = field(default_factory=dict)
    nodes: dict[str, dict[str, str]] = field(default_factory=dict)
    edges: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    root: Cluster = field(default_factory=lambda: Cluster(""))

    def node(self, node_id: str, label: str, cluster: Cluster | None = None, **attrs: str) -> None:
        """`attrs` are DOT attributes; a trailing `_` is dropped (`class_` -> `class`)."""
        self.nodes[node_id] = {"label": label, **{key.rstrip("_"): value for key, value in attrs.items()}}
        (cluster or self.root).nodes.append(node_id)

    def edge(self, tail: str, head: str, **attrs: str) -> None:
        self.edges.append((tail, head, {key.rstrip("_"): value for key, value in attrs.items()}))

    def text(self) -> str:
        lines = ["digraph {"]
        for key, value in self.graph_attrs.items():
            lines.append(f"  {key}={quote(value)};")
        lines.append('  node [shape="box", style="filled", fillcolor="white", fontsize="12", '
                     'fontname="monospace"];')
        lines.extend(self._cluster_lines(self.root, depth=1, path=()))
        for tail, head, attrs in self.edges:
            extra = f" [{attributes(attrs)}]" if attrs else ""
            lines.append(f"  {quote(tail)} -> {quote(head)}{extra};")
        lines.append("}")
        return "\n".join(lines) + "\n"

    def _cluster_lines(self, cluster: Cluster, depth: int, path: tuple[int, ...]) -> list[str]:
        """Nested `subgraph cluster_*` blocks, iterated with an explicit stack (scopes can nest
        as deep as a user's program does)."""
        lines: list[str] = []
        stack: list[tuple[Cluster, int, tuple[int, ...], bool]] = [(cluster, depth, path, False)]
        while stack:
            current, level, where, closing = stack.pop()
            pad = "  " * level
            if closing:
                lines.append(pad[:-2] + "}")
                continue
            if where:
                lines.append(pad[:-2] + f"subgraph {quote('cluster_' + '_'.join(map(str, where)))} {{")
                lines.append(f"{pad}label={quote(current.label)};")
                for key, value in current.style.items():
                    lines.append(f"{pad}{key}={quote(value)};")
                stack.append((current, level, where, True))
            for node_id in current.nodes:
                lines.append(f"{pad}{quote(node_id)} [{attributes(self.nodes[node_id])}];")
            children = list(current.children.values())
            for index in reversed(range(len(children))):
                stack.append((children[index], level + 1, (*where, index), False))
        return lines
