"""`backward` and `autograd.grad`: seed the roots, run the shared walker, commit the result.

Without `create_graph` the walker carries plain arrays, so the VJP rules run kernels directly
and record nothing; with it, it carries Tensors under grad mode, so the rules record a graph
that can itself be differentiated. Leaf gradients are committed only after the whole walk
succeeded: an error part-way leaves every `.grad` as it was.
"""
from __future__ import annotations

import sys
import threading

import numpy as np

from ..autodiff import backpropagate
from ..backend import full_on, is_jax_array, x64
from ..errors import DualgradTypeError, GraphError, user_line
from . import compiled, grad_mode, multi_grad, storage_writes, views
from .bind import edge
from .node import AccumulateGrad
from .tensor import Tensor, wrap


def _as_list(x) -> list:
    if x is None:
        return []
    return [x] if isinstance(x, Tensor) else list(x)


def _seed(outputs: list, grad_outputs: list, create_graph: bool) -> list:
    """One root gradient per output: the given one, or ones for a one-element output."""
    if grad_outputs and len(grad_outputs) != len(outputs):
        raise GraphError(f"grad can be implicitly created only for scalar outputs; got "
                         f"{len(grad_outputs)} gradients for {len(outputs)} outputs")
    seeds = []
    for i, out in enumerate(outputs):
        if not out.requires_grad:
            raise GraphError(f"element {i} of tensors does not require grad and does not have a grad_fn")
        g = grad_outputs[i] if grad_outputs else None
        if g is None:
            if out.numel() != 1:
                raise GraphError("grad can be implicitly created only for scalar outputs")
            d = out._data
            if not create_graph and (type(d) is np.ndarray or isinstance(d, np.generic)):
                g = np.empty(d.shape, d.dtype)  # the usual `loss.backward()`: `full_on`'s array
                g.fill(1)  # without its dispatch or a Tensor (shaped like `out` by construction)
                seeds.append(g)
                continue
            g = wrap(full_on(d, d.shape, 1))
        elif not isinstance(g, Tensor):
            g = wrap(np.asarray(g, dtype=out._data.dtype))
        elif g.dtype is not out.dtype and g.dtype.is_floating_point and out.dtype.is_floating_point:
            g = g.to(out.dtype)  # (PyTorch's engine casts a root's gradient to the root's dtype too)
        if tuple(g.shape) != tuple(out.shape):
            raise GraphError(f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and "
                             f"output[{i}] has a shape of {out.shape}.")
        seeds.append(g if create_graph else g._data)
    return seeds


def _target(t: Tensor) -> tuple:
    if not t.requires_grad:
        raise GraphError("One of the differentiated Tensors does not require grad")
    return edge(t)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph: bool = False,
             inputs=None) -> None:
    """Accumulate d(tensors)/d(leaf) into each leaf's `.grad` (or only into `inputs`)."""
    outputs = _as_list(tensors)
    seeds = _seed(outputs, _as_list(grad_tensors), create_graph)
    retain = create_graph if retain_graph is None else retain_graph
    wanted = _as_list(inputs)
    if inputs is not None and not wanted:
        raise GraphError(f"`inputs` argument to `backward()` cannot be empty. {user_line()}")
    targets = {_target(t)[0]: t for t in wanted} if wanted else None
    roots = [edge(t) for t in outputs]
    captured = None
    if targets is None and not create_graph:  # a training step's backward: one XLA program?
        captured = compiled.try_backward(roots, seeds, retain)
    if captured is None:
        with grad_mode.set_grad_enabled(create_graph), multi_grad.walk():
            captured = backpropagate(roots, seeds, targets=set(targets) if targets else None,
                                     retain_graph=retain)
    hooked = []  # leaves with post-accumulate hooks whose .grad this backward added into
    with _COMMIT:  # read-add-write of shared .grad arrays, one backward at a time
        for node, grads in captured.items():
            if targets is not None:
                t = targets[node]
                g = grads[t._output_nr if t.grad_fn is not None else 0]
                _accumulate_grad(t, g, create_graph)
            elif isinstance(node, AccumulateGrad):
                g = grads[0]
                unshared = type(g) is np.ndarray and g.base is None and _ref_count(g) <= _UNSHARED_REFS
                t = node.variable
                _accumulate_grad(t, g, create_graph, unshared)
            else:
                continue
            if t._post_accumulate_hooks and g is not None and t.grad_fn is None:
                hooked.append(t)
    for t in hooked:  # (outside the lock: a hook may step an optimizer or run a backward)
        for hook in list(t._post_accumulate_hooks):
            _check_returned_none(hook(t))


def _check_returned_none(result) -> None:
    """A post-accumulate hook returns nothing; PyTorch's two texts where it does."""
    if isinstance(result, Tensor):
        raise GraphError(f"Tensor post accumulate grad hooks should return None. {user_line()}")
    if result is not None:
        raise DualgradTypeError(f"expected Variable, but hook returned '{type(result).__name__}' "
                                f"{user_line()}")


def _ref_count(g) -> int:
    return sys.getrefcount(g)


def _unshared_refs() -> int:
    """The references to a gradient that only the walk's result holds, counted where
    `backward` counts them (a slot of the result's list, a local, the calls' arguments): a
    leaf's `.grad` takes such an array without a copy, as PyTorch's AccumulateGrad steals a
    gradient whose use count says nothing else holds it. A seed, an array that reached two
    leaves or that a hook kept, or the base of a view, has more."""
    grads = [np.empty(0)]
    g = grads[0]
    return _ref_count(g)


_UNSHARED_REFS = _unshared_refs()


# Held only while a finished walk adds into `.grad`: numpy releases the GIL inside a large
# in-place add, so two threads accumulating into one leaf would otherwise lose updates (and both
# could see `.grad is None` and one result be dropped). The walks themselves run concurrently.
_COMMIT = threading.Lock()


def _accumulate_grad(t: Tensor, g, create_graph: bool, unshared: bool = False) -> None:
    if g is None:
        return
    if is_jax_array(g):  # jax's float64 for dualgrad's own arithmetic only
        with x64():
            return _accumulate(t, g, create_graph)
    return _accumulate(t, g, create_graph, unshared)


def _accumulate(t: Tensor, g, create_graph: bool, unshared: bool = False) -> None:
    if create_graph:
        t._grad = g if t._grad is None else t._grad + g
        return
    if g.dtype != t._data.dtype:
        g = g.astype(t._data.dtype)
    if t._grad is None:
        if unshared and (g.flags.c_contiguous or not t._data.flags.c_contiguous) and g.flags.writeable:
            t._grad = wrap(g)  # nothing else holds it: no copy
        else:
            # (a dg.compile trace's graph value: a storage of its own too, so an in-place
            # write into one leaf's .grad never reaches another leaf given the same gradient)
            t._grad = wrap(_own_copy(g, t._data) if isinstance(g, np.ndarray) or np.isscalar(g)
                           else g.copy() if hasattr(g, "write_in_place") else g)
    elif t._grad._data.shape == np.shape(g):  # accumulate into the same .grad tensor
        if isinstance(t._grad._data, np.ndarray):
            t._grad._data += g
            if storage_writes.watched:
                storage_writes.wrote(t._grad._data)
        else:  # jax arrays are immutable: the tensor keeps its identity, its array is replaced
            t._grad._data = t._grad._data + g
            views.after_write(t._grad)  # (its `.data`/`.detach()` aliases, its views)
        t._grad._version[0] += 1
    else:
        t._grad = wrap(t._grad._data + g)


def _own_copy(g, like):
    """A copy of a gradient for `.grad`, laid out like its leaf (PyTorch's layout contract):
    a transposed weight's gradient arrives transposed, and an optimizer's elementwise update
    mixing that with row-major parameters and state runs at half speed in numpy."""
    return np.array(g, order="C" if isinstance(like, np.ndarray) and like.flags.c_contiguous else "K")


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph: bool = False,
         allow_unused: bool = False, materialize_grads: bool = False) -> tuple:
    """The gradients of `outputs` with respect to `inputs`, returned (not accumulated)."""
    outs = _as_list(outputs)
    ins = _as_list(inputs)
    if not ins:
        raise GraphError(f"grad requires non-empty inputs. {user_line()}")
    seeds = _seed(outs, _as_list(grad_outputs), create_graph)
    retain = create_graph if retain_graph is None else retain_graph
    edges = [_target(t) for t in ins]
    with grad_mode.set_grad_enabled(create_graph), multi_grad.walk():
        captured = backpropagate([edge(t) for t in outs], seeds, targets={n for n, _ in edges},
                                 retain_graph=retain)
    result = []
    for t, (node, index) in zip(ins, edges, strict=True):
        g = captured.get(node, [None] * node.num_outputs)[index]
        if g is None:
            if materialize_grads:
                g = full_on(t._data, t._data.shape, 0)
            elif not allow_unused:
                raise GraphError("One of the differentiated Tensors appears to not have been used in "
                                 "the graph. Set allow_unused=True if this is the desired behavior.")
            else:
                result.append(None)
                continue
        result.append(g if isinstance(g, Tensor) else wrap(g))
    return tuple(result)

