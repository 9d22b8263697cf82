"""One level of a `dualgrad.func` transform, built on the eager graph instead of functorch's
wrapper tensors.

A transform differentiates with respect to stand-ins of its inputs: a fresh leaf for a tensor
that needs no gradient, a clone (still wired to the original) for one that does, so a
transform nested in another (`grad(grad(f))`, `vmap(grad(f))`, `jacfwd(jacrev(f))`)
differentiates through this level's work. What the level returns keeps its graph only where
it reaches a tensor outside the level that requires grad (an outer level's stand-in, a model
parameter the function closes over) and grad mode was on at entry, as functorch's results are
wired to the outer levels only; every other result comes back detached, so
`vmap(grad(f))(params, x)` gives plain tensors.
"""
from __future__ import annotations

from ..eager.bind import edge
from ..eager.creation import zeros_like
from ..eager.grad_mode import is_grad_enabled
from ..eager.tensor import Tensor
from ..errors import DualgradValueError, user_line
from ..traversal import postorder
from .pytree import tree_map


class Level:
    """The stand-ins of one transform call and which graph nodes reach outside them."""

    def __init__(self) -> None:
        self.enabled = is_grad_enabled()  # read before the transform enables grad itself
        self.own: set[int] = set()
        self.keep: list = []  # holds the stand-ins and their sinks, so the ids stay theirs
        self.outside: dict = {}  # node -> whether it reaches a leaf outside the level

    def enter(self, x) -> Tensor:
        """A differentiable stand-in for the tensor `x` (torch's `_create_differentiable`)."""
        if not isinstance(x, Tensor):
            raise DualgradValueError(f"Thing passed to transform API must be Tensor, got {type(x)} "
                                     f"{user_line()}")
        return self.fresh(x.clone() if x.requires_grad else x.detach().requires_grad_(True))

    def enter_tree(self, tree):
        """`enter` on every leaf of a pytree."""
        return tree_map(self.enter, tree)

    def fresh(self, t: Tensor) -> Tensor:
        """Mark `t` as this level's own (a stand-in, or a seed such as jvp's cotangent)."""
        self.keep.append(t)
        if t.is_leaf:
            sink = edge(t)[0]  # (held here: a leaf holds its accumulator only weakly)
            self.keep.append(sink)
            self.own.add(id(sink))
        return t

    def zeros_for(self, t: Tensor) -> Tensor:
        """A fresh zero leaf shaped like `t` that requires grad."""
        return self.fresh(zeros_like(t).requires_grad_(True))

    def reaches_outside(self, tensors) -> bool:
        """Whether any of `tensors` depends on a tensor outside this level that requires grad,
        with grad mode on at entry: then results must keep their graph."""
        if not self.enabled:
            return False
        roots = [edge(t)[0] for t in tensors if isinstance(t, Tensor) and t.requires_grad]
        todo = [r for r in roots if r not in self.outside]
        if todo:
            for node in postorder(todo, lambda n: [c for c, _ in n.next_edges
                                                   if c is not None and c not in self.outside]):
                if node.is_sink:
                    self.outside[node] = id(node) not in self.own
                else:
                    self.outside[node] = any(self.outside.get(c, False) for c, _ in node.next_edges
                                             if c is not None)
        return any(self.outside[r] for r in roots)

    def settle(self, tree):
        """A pytree of results as the level returns them: a tensor that reaches outside keeps
        its graph, every other one is detached."""
        def one(t):
            if isinstance(t, Tensor) and t.requires_grad and not self.reaches_outside([t]):
                return t.detach()
            return t

        return tree_map(one, tree)
