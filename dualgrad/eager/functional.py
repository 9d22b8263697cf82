"""`autograd.functional`: jacobian, hessian, vjp and jvp, built on `autograd.grad`."""
from __future__ import annotations

from ..backend import full_on
from ..errors import GraphError, user_line
from .engine import grad
from .grad_mode import enable_grad
from .tensor import Tensor, wrap


def _tuple(x) -> tuple:
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _prepare(inputs) -> tuple:
    return tuple(t.detach().requires_grad_(True) for t in _tuple(inputs))


def zeros_like_input(x: Tensor) -> Tensor:
    return wrap(full_on(x._data, tuple(x.shape), 0))


def gradients(outputs, xs: tuple, grad_outputs=None, *, strict: bool, create_graph: bool,
              output: int = 0) -> tuple:
    """d outputs / d xs as the functional API takes it (PyTorch's `_autograd_grad` and its
    strict checks): an output that does not require grad contributes nothing, and an input no
    output depends on gets zeros, or, with strict, an error naming it."""
    outputs = _tuple(outputs)
    given = None if grad_outputs is None else _tuple(grad_outputs)
    live = [i for i, o in enumerate(outputs) if o.requires_grad]
    if strict and len(live) < len(outputs):
        raise GraphError(f"Output {output} of the user-provided function does not require gradients. The "
                         f"outputs must be computed in a differentiable manner from the input when running "
                         f"in strict mode. {user_line()}")
    grads = (None,) * len(xs)
    if live:
        grads = grad([outputs[i] for i in live], xs,
                     grad_outputs=None if given is None else [given[i] for i in live],
                     retain_graph=True, create_graph=create_graph, allow_unused=True)
    if strict:
        for i, g in enumerate(grads):
            if g is None:
                raise GraphError(f"Output {output} of the user-provided function is independent of input "
                                 f"{i}. This is not allowed in strict mode. {user_line()}")
    return tuple(zeros_like_input(x) if g is None else g for g, x in zip(grads, xs, strict=True))


def vjp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), v^T J) — PyTorch's `autograd.functional.vjp`."""
    single = not isinstance(inputs, (tuple, list))
    xs = _prepare(inputs)
    with enable_grad():
        out = func(*xs)
        grads = gradients(out, xs, None if v is None else _tuple(v), strict=strict,
                          create_graph=create_graph)
    out = out if create_graph else out.detach()
    grads = grads if create_graph else tuple(g.detach() for g in grads)
    return out, grads[0] if single else grads


def jvp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), J v) by the double-vjp trick: J v = d/du (u^T J) v."""
    xs = _prepare(inputs)
    vs = _tuple(v) if v is not None else tuple(wrap(full_on(x._data, x.shape, 1)) for x in xs)
    with enable_grad():
        out = func(*xs)
        u = wrap(full_on(out._data, out.shape, 0)).requires_grad_(True)
        g = gradients(out, xs, u, strict=strict, create_graph=True)
        live = [(gi, vi) for gi, vi in zip(g, vs, strict=True) if gi.requires_grad]
        if not live:
            jv = wrap(full_on(out._data, out.shape, 0))
        else:
            (jv,) = grad([gi for gi, _ in live], [u], grad_outputs=[vi for _, vi in live],
                         create_graph=create_graph, allow_unused=True, materialize_grads=True)
    out = out if create_graph else out.detach()
    return out, jv if create_graph else jv.detach()


def jacobian(func, inputs, create_graph: bool = False, strict: bool = False, vectorize: bool = False):
    """d func / d inputs, shaped `output.shape + input.shape`, one backward per output element."""
    single = not isinstance(inputs, (tuple, list))
    xs = _prepare(inputs)
    with enable_grad():
        out = func(*xs)
        outs = _tuple(out)
        table = []
        for i, o in enumerate(outs):
            flat = o.reshape(-1)
            rows = [[] for _ in xs]
            for k in range(flat.shape[0]):
                gs = gradients(flat[k], xs, strict=strict, create_graph=create_graph, output=i)
                for r, gk in zip(rows, gs, strict=True):
                    r.append(gk)
            from .api import reshape, stack

            table.append(tuple(
                reshape(stack(r), tuple(o.shape) + tuple(x.shape)) if r else
                wrap(full_on(x._data, tuple(o.shape) + tuple(x.shape), 0))
                for r, x in zip(rows, xs, strict=True)))
    if not create_graph:
        table = [tuple(j.detach() for j in row) for row in table]
    rows = [row[0] if single else row for row in table]
    return rows[0] if not isinstance(out, (tuple, list)) else tuple(rows)


def hessian(func, inputs, create_graph: bool = False, strict: bool = False, vectorize: bool = False):
    """The Jacobian of the gradient of a scalar function."""
    single = not isinstance(inputs, (tuple, list))

    def gradient(*xs):
        with enable_grad():
            gs = gradients(func(*xs), xs, strict=strict, create_graph=True)
        return gs[0] if single else gs

    return jacobian(gradient, inputs, create_graph=create_graph, strict=strict)


__all__ = ["vjp", "jvp", "jacobian", "hessian", "gradients", "Tensor"]
