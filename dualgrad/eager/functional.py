"""`autograd.functional`: jacobian, hessian, vjp and jvp, built on `autograd.grad`."""
from __future__ import annotations

from ..backend import full_on
from .engine import grad
from .grad_mode import enable_grad
from .tensor import Tensor, wrap


def _tuple(x) -> tuple:
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _prepare(inputs) -> tuple:
    return tuple(t.detach().requires_grad_(True) for t in _tuple(inputs))


def vjp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), v^T J) — PyTorch's `autograd.functional.vjp`."""
    single = not isinstance(inputs, (tuple, list))
    xs = _prepare(inputs)
    with enable_grad():
        out = func(*xs)
        grads = grad(out, xs, grad_outputs=None if v is None else _tuple(v),
                     create_graph=create_graph, allow_unused=True, materialize_grads=True)
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
        g = grad(out, xs, grad_outputs=u, create_graph=True, allow_unused=True, materialize_grads=True)
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
        for o in outs:
            flat = o.reshape(-1)
            rows = [[] for _ in xs]
            for k in range(flat.shape[0]):
                gs = grad(flat[k], xs, retain_graph=True, create_graph=create_graph,
                          allow_unused=True, materialize_grads=True)
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
            gs = grad(func(*xs), xs, create_graph=True, allow_unused=True, materialize_grads=True)
        return gs[0] if single else gs

    return jacobian(gradient, inputs, create_graph=create_graph)


__all__ = ["vjp", "jvp", "jacobian", "hessian", "Tensor"]
