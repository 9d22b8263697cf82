"""Pictures of graphs: `to_dot(obj)` gives Graphviz DOT text for an eager tensor's autograd
graph (as torchviz draws it) or a static graph or fetch (as TensorBoard's graph view), and
`render(obj, path)` writes SVG, PNG or PDF with Graphviz's `dot` program.

    from dualgrad import viz
    viz.to_dot(loss)                 # eager: grad_fn nodes, saved shapes, leaves, hooks
    viz.to_dot(ds.get_default_graph())   # static: name scopes, variables, gradients apart
    viz.render(train_op, "train.svg")    # only what a Session.run of train_op executes
"""
from __future__ import annotations

import os
import shutil
import subprocess

from ..errors import DualgradError, GraphvizMissing
from ..static.graph import Graph, Operation
from ..static.graph import Tensor as GraphTensor

__all__ = ["Dot", "GraphvizMissing", "render", "to_dot"]

FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf"}
INSTALL_HINT = ("install Graphviz: `apt-get install graphviz` (Debian/Ubuntu), `brew install graphviz` "
                "(macOS), `conda install graphviz`, or https://graphviz.org/download/; "
                "`viz.to_dot(obj)` gives the DOT text without it")


class Dot(str):
    """DOT text (a `str`) that Jupyter shows as a picture when Graphviz is installed."""

    def _repr_svg_(self) -> str | None:
        if shutil.which("dot") is None:
            return None
        return _run_dot(self, "svg").decode()


def _is_static(obj) -> bool:
    items = obj if isinstance(obj, (list, tuple)) else [obj]
    return isinstance(obj, Graph) or all(isinstance(i, (GraphTensor, Operation)) for i in items)


def to_dot(obj) -> Dot:
    """Graphviz DOT text of `obj`: an eager tensor (or list of them) with its autograd graph,
    a static `Graph`, or static fetches (tensor, op, or list of them: their pruned subgraph)."""
    from ..eager.tensor import Tensor

    if _is_static(obj):
        from .static import static_dot

        return Dot(static_dot(obj))
    items = obj if isinstance(obj, (list, tuple)) else [obj]
    if items and all(isinstance(i, Tensor) for i in items):
        from .eager import eager_dot

        return Dot(eager_dot(items))
    raise TypeError(f"viz.to_dot takes an eager Tensor, a static Graph, tensor or operation, or a "
                    f"list of them; got {type(obj).__name__}")


def _run_dot(text: str, fmt: str) -> bytes:
    exe = shutil.which("dot")
    if exe is None:
        raise GraphvizMissing(f"viz.render needs Graphviz's `dot` program, which is not on PATH: "
                              f"{INSTALL_HINT}")
    result = subprocess.run([exe, f"-T{fmt}"], input=text.encode(), capture_output=True, check=False)
    if result.returncode != 0:
        raise DualgradError(f"Graphviz's dot failed: {result.stderr.decode(errors='replace').strip()}")
    return result.stdout


def render(obj, path: str | os.PathLike) -> str:
    """Write the picture of `obj` (see `to_dot`) to `path`; the suffix picks the format:
    `.svg`, `.png`, `.pdf`, or `.dot`/`.gv` for the DOT text itself. Returns the path."""
    path = os.fspath(path)
    suffix = os.path.splitext(path)[1].lower()
    text = to_dot(obj)
    if suffix in (".dot", ".gv"):
        data = text.encode()
    elif suffix in FORMATS:
        data = _run_dot(text, FORMATS[suffix])
    else:
        raise ValueError(f"viz.render: unknown picture format {suffix!r} for {path!r}; use one of "
                         f"{sorted([*FORMATS, '.dot', '.gv'])}")
    with open(path, "wb") as f:
        f.write(data)
    return path
