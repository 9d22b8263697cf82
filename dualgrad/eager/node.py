"""Eager graph nodes: a tensor's `grad_fn`.

`Node` records one registry op call: the op, its attrs, the inputs it saved and its output.
Its class is generated per op (`MulBackward0`, `SumBackward0`), as PyTorch's are, so printing
matches the notes people learn from. `AccumulateGrad` is the sink at a leaf that requires grad.
Both speak the protocol of `dualgrad.autodiff`.
"""
from __future__ import annotations

import weakref

import numpy as np

from ..autodiff import GradNode, SinkNode
from ..backend import is_jax_array
from ..errors import GraphError, user_line
from ..ops import Op
from ..ops.jit import run_vjps_jitted
from . import grad_mode
from . import tensor as _T  # a cycle: its attributes are read only at call time
from .lazy_program import LazyValue, force

extended_class_of = None  # saved_hooks.extended_class, installed by saved_hooks.py when it is imported

FREED = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you call "
    ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through "
    "the graph a second time or if you need to access saved tensors after calling backward."
)


class RemovableHandle:
    """What `register_hook` returns: `.remove()` takes the hook out again."""

    __slots__ = ("_hooks", "_entry")

    def __init__(self, hooks: list, entry):
        self._hooks = hooks
        self._entry = entry

    def remove(self) -> None:
        if self._entry in self._hooks:
            self._hooks.remove(self._entry)


class HookedNode(GradNode):
    """What every eager `grad_fn` shares (registry-op nodes and custom Functions): its name,
    `next_functions` and gradient hooks, as PyTorch's `Node` has them."""

    __slots__ = ()

    def name(self) -> str:
        """The node's class name (torch's grad_fn.name())."""
        return type(self).__name__

    def __repr__(self) -> str:
        return f"<{type(self).__name__} object at {hex(id(self))}>"

    @property
    def next_functions(self) -> tuple:
        """(node, output index) of each input, as torch's grad_fn.next_functions."""
        return tuple(self.next_edges)

    @property
    def metadata(self) -> dict:
        """A dict of the user's own, kept with the node (torch's grad_fn.metadata)."""
        data = self.__dict__.get("_metadata")
        if data is None:
            data = self.__dict__["_metadata"] = {}
        return data

    def register_prehook(self, fn) -> RemovableHandle:
        """`fn(grad_outputs)` before the node runs, after its tensors' hooks; a non-None
        result (one entry per output) replaces the gradients (torch's Node.register_prehook)."""
        return self.add_hook(PRE, fn)

    def register_hook(self, fn) -> RemovableHandle:
        """`fn(grad_inputs, grad_outputs)` after the node ran; a non-None result (one entry per
        input) replaces the gradients it passes on (torch's Node.register_hook)."""
        hooks = self.__dict__.get("post_hooks")
        if hooks is None:
            hooks = self.post_hooks = []
            self.extend()
        hooks.append(fn)
        return RemovableHandle(hooks, fn)

    def extend(self) -> None:
        """Makes the node run its post-hooks (a custom Function's node always does)."""

    def add_hook(self, index: int, fn) -> RemovableHandle:
        """Registers `fn` on the gradient of output `index`; `.remove()` on the handle undoes it."""
        if self.hooks is None:
            self.hooks = []
        entry = (index, fn)
        self.hooks.append(entry)
        return RemovableHandle(self.hooks, entry)

    def run_hooks(self, grads: list) -> list:
        """Each tensor hook on its output's gradient, in registration order, those of
        `retain_grad` last, then the node's pre-hooks (PyTorch's order); a hook's non-None
        return replaces the gradient."""
        from .tensor import RetainGrad, call_hook

        grads = list(grads)
        pre = []
        for index, fn in sorted(self.hooks, key=lambda entry: type(entry[1]) is RetainGrad):
            if index is PRE:
                pre.append(fn)
            elif grads[index] is not None:
                grads[index] = call_hook(fn, grads[index])
        return call_grads_hooks(pre, grads) if pre else grads


PRE = "pre"  # the index of `register_prehook`'s entries in a node's `hooks`


def call_grads_hooks(hooks: list, grads: list, outputs: list | None = None, pre: bool = True) -> list:
    """Node hooks in turn: a pre-hook sees `(grad_outputs)`, a post-hook `(grad_inputs,
    grad_outputs)`, as tuples of Tensors (or None); a non-None result replaces `grads`."""
    from .tensor import Tensor, wrap

    def shown(gs):
        return tuple(g if g is None or isinstance(g, Tensor) else wrap(g) for g in gs)

    raw = not any(isinstance(g, Tensor) for g in (grads if pre else outputs))
    for fn in list(hooks):
        result = fn(shown(grads)) if pre else fn(shown(grads), shown(outputs))
        if result is None:
            continue
        name = getattr(fn, "__name__", type(fn).__name__)
        result = (result,) if isinstance(result, Tensor) else tuple(result)
        if len(result) != len(grads):
            raise GraphError(f"hook '{name}' has returned an incorrect number of values (got "
                             f"{len(result)}, but expected {len(grads)}) {user_line()}")
        if any(g is not None and not isinstance(g, Tensor) for g in result):
            raise GraphError(f"hook '{name}' returned a {type(result[0]).__name__}, not a tuple of "
                             f"Tensors (or None) {user_line()}")
        grads = [g._data if raw and g is not None else g for g in result]
    return grads


class Node(HookedNode):
    """Base of generated `<Op>Backward0` classes."""

    # hooks and the anomaly-mode `where` are set on few nodes: they live in an instance dict
    # made only when set, the class values (None) being the default, so `bind` writes two
    # fields less per recorded op
    __slots__ = ("op", "attrs", "inputs", "out", "versions", "out_version", "next_edges", "__dict__",
                 "__weakref__")
    where = None
    # set by `bind` on a node whose inputs the kernel promoted (int8 with float64): its rules
    # read them promoted too (`Op.rule_inputs`), as the forward computed
    promotes_inputs = False

    extended = False  # (True on saved_hooks.ExtendedNode: packed saved tensors or post-hooks)

    def extend(self) -> None:
        self.__class__ = extended_class_of(type(self))

    def apply(self, grads: list, needed: list) -> list:
        g = grads[0]
        inputs = self.inputs
        if inputs is None:
            raise GraphError(FREED)
        if g is None:
            return [None] * len(needed)
        versions = self.versions
        if versions is not None:  # (inline: this runs once per node of every backward)
            i = 0
            for t in inputs:
                v = versions[i]
                i += 1
                if v is not None and t._version[0] != v:
                    raise self.saved_changed()
        if self.out_version is not None:
            counter, expected = self.out_version
            if counter[0] != expected:
                raise self.saved_changed()
        op = self.op
        Tensor = _T.Tensor
        if type(g) is not _ndarray and isinstance(g, np.generic):  # numpy's answer for a 0-d
            g = np.asarray(g)  # array (`divide(g, n)` after a whole sum): an array again, so the
            # rules take the registry's numpy fast path rather than its general one
        if type(g) is _ndarray:  # a plain numpy backward: the rules run kernels on the arrays
            values = []  # (plain loops: cheaper than comprehensions for one or two inputs)
            for a in inputs:  # (a lazy tensor's backward is a jax one: below)
                values.append(a._data if type(a) is Tensor else a)
            vjps = op.vjps
            if vjps is None or self.attrs:
                result = op.vjp(needed, g, self.out, values, self.attrs, self.promotes_inputs)
            else:  # Op.vjp inlined for rules without attrs (one call less per node)
                if self.promotes_inputs:
                    values = op.rule_inputs(values)
                out = self.out
                result = []
                i = 0
                for need in needed:
                    rule = vjps[i] if need else None
                    result.append(None if rule is None else rule(g, out, *values))
                    i += 1
        elif isinstance(g, Tensor):  # create_graph: rules build a recorded graph of tensors
            if type(self.out) is LazyValue:  # a lazy jax forward's saved output (eager/lazy.py)
                self.out = force(self.out)
            out = _T.wrap(self.out, grad_fn=self) if self.out is not None else None
            result = op.vjp(needed, g, out, inputs, self.attrs, self.promotes_inputs)
        else:
            if type(self.out) is LazyValue:  # (as above; a numpy backward never has one)
                self.out = force(self.out)
            values = [a._data if isinstance(a, Tensor) else a for a in inputs]
            if is_jax_array(g):  # one jitted program for all rules (which promote inside it)
                result = run_vjps_jitted(op, tuple(needed), g, self.out, values, self.attrs)
                if result is NotImplemented:
                    result = op.vjp(needed, g, self.out, values, self.attrs, self.promotes_inputs)
            else:
                result = op.vjp(needed, g, self.out, values, self.attrs, self.promotes_inputs)
        if grad_mode.state.anomaly:
            check_nan(self, result)
        return result

    def saved_changed(self) -> GraphError | None:
        """The error to raise when a saved input or output was changed in place since the
        forward, else None."""
        if self.versions is not None:
            for t, v in zip(self.inputs, self.versions, strict=True):
                if v is not None and t._version[0] != v:
                    return _T.version_error(t._data, t._version[0], v, self)
        if self.out_version is not None:
            counter, expected = self.out_version
            if counter[0] != expected:
                return _T.version_error(self.out, counter[0], expected, self)
        return None

    def input_like(self, i: int):
        a = self.inputs[i]
        return a._data if isinstance(a, _T.Tensor) else a

    def release(self) -> None:
        self.inputs = None
        self.out = None


_ndarray = np.ndarray
_CLASSES: dict[str, type] = {}


def node_class(op: Op) -> type:
    """The generated `grad_fn` class of an op's usual calls (cached)."""
    stem = op.grad_name
    return node_class_named(stem if "Backward" in stem else f"{stem}Backward0")


def node_class_named(name: str) -> type:
    """The generated `grad_fn` class called `name` (cached; all share Node's layout, so a
    front-end spelling can re-class a node: `t()` makes a transpose a `TBackward0`)."""
    cls = _CLASSES.get(name)
    if cls is None:
        cls = _CLASSES[name] = type(name, (Node,), {"__slots__": ()})
    return cls


class AccumulateGrad(SinkNode):
    """The sink of a leaf that requires grad; the engine adds what reaches it to `.grad`."""

    __slots__ = ("variable", "_metadata", "__weakref__")

    def __init__(self, variable):
        self.variable = variable
        self._metadata = None

    def __repr__(self) -> str:
        return f"<AccumulateGrad object at {hex(id(self))}>"

    def name(self) -> str:
        """PyTorch's name of the node (grad_fn.name())."""
        return "torch::autograd::AccumulateGrad"

    @property
    def metadata(self) -> dict:
        """A dict of the user's own, kept with the node (torch's Node.metadata)."""
        if self._metadata is None:
            self._metadata = {}
        return self._metadata

    def register_prehook(self, fn) -> RemovableHandle:
        """`fn(grad_outputs)` before the gradient is accumulated, after the leaf's tensor
        hooks; a non-None result replaces it (torch's Node.register_prehook). Kept with the
        leaf's hooks, so it lasts as long as the leaf."""
        variable = self.variable
        if variable._hooks is None:
            variable._hooks = []
        entry = _PreHook(fn)
        variable._hooks.append(entry)
        return RemovableHandle(variable._hooks, entry)

    @property
    def next_functions(self) -> tuple:
        return ()

    @property
    def hooks(self):
        return self.variable._hooks

    def run_hooks(self, grads: list) -> list:
        from .tensor import call_hook

        g = grads[0]
        pre = []
        for fn in list(self.variable._hooks):
            if type(fn) is _PreHook:
                pre.append(fn.fn)
            elif g is not None:
                g = call_hook(fn, g)
        return call_grads_hooks(pre, [g]) if pre else [g]


class _PreHook:
    """A leaf's node pre-hook, kept among the leaf's tensor hooks and run after them."""

    __slots__ = ("fn",)

    def __init__(self, fn) -> None:
        self.fn = fn


def accumulator(tensor) -> AccumulateGrad:
    """The one AccumulateGrad of a leaf, held weakly by the leaf (as in PyTorch)."""
    ref = tensor._acc
    acc = ref() if ref is not None else None
    if acc is None:
        acc = AccumulateGrad(tensor)
        tensor._acc = weakref.ref(acc)
    return acc


def check_nan(node, grads) -> None:
    """detect_anomaly: a NaN gradient names the backward function and the forward line."""
    import numpy as np

    for i, g in enumerate(grads):
        if g is not None and np.isnan(np.asarray(getattr(g, "_data", g))).any():
            where = getattr(node, "where", None)
            raise GraphError(f"Function '{type(node).__name__}' returned nan values in its {i}th output."
                             + (f" The forward op was created at {where}." if where else ""))
