"""`dualgrad.autograd.functional` as an importable module (PyTorch's
`torch.autograd.functional`): jacobian, hessian, vjp and jvp from the eager engine, plus the
Hessian products hvp (H v) and vhp (v^T H) of a scalar function."""
from __future__ import annotations

from collections.abc import Callable

from ..eager.engine import grad
from ..eager.functional import gradients, hessian, jacobian, jvp, vjp, zeros_like_input
from ..eager.grad_mode import enable_grad
from ..errors import GraphError, user_line


def _scalar_output(name: str, func: Callable, xs: tuple):
    out = func(*xs)
    if isinstance(out, (tuple, list)) or out.numel() != 1:
        raise GraphError(f"The function given to {name} should return a single element Tensor "
                         f"{user_line()}")
    return out


def _inputs(inputs) -> tuple[tuple, bool]:
    single = not isinstance(inputs, (tuple, list))
    xs = (inputs,) if single else tuple(inputs)
    return tuple(x.detach().requires_grad_(True) for x in xs), single


def _vectors(v, xs: tuple) -> tuple:
    vs = tuple(v) if isinstance(v, (tuple, list)) else (v,)
    if len(vs) != len(xs) or any(tuple(a.shape) != tuple(b.shape) for a, b in zip(vs, xs, strict=True)):
        raise GraphError(f"v has the wrong shape(s): {[tuple(a.shape) for a in vs]} for inputs "
                         f"{[tuple(x.shape) for x in xs]} {user_line()}")
    return vs


def vhp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), v^T H): the gradient of <grad f, v>, one double backward."""
    xs, single = _inputs(inputs)
    with enable_grad():
        out = _scalar_output("vhp", func, xs)
        gs = gradients(out, xs, strict=strict, create_graph=True)
        vs = _vectors(v, xs)
        live = [(g, w) for g, w in zip(gs, vs, strict=True) if g.requires_grad]
        if live:
            result = grad([g for g, _ in live], xs, grad_outputs=[w for _, w in live],
                          create_graph=create_graph, allow_unused=True, materialize_grads=True)
        else:
            result = tuple(zeros_like_input(x) for x in xs)
    if not create_graph:
        out, result = out.detach(), tuple(r.detach() for r in result)
    return out, result[0] if single else result


def hvp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), H v): the forward derivative of the gradient along v, by PyTorch's
    double-backward trick (u -> J_g^T u is linear in u; its gradient along v is J_g v), so it
    does not assume the Hessian symmetric."""
    xs, single = _inputs(inputs)
    vs = _vectors(v, xs)
    with enable_grad():
        out = _scalar_output("hvp", func, xs)
        gs = gradients(out, xs, strict=strict, create_graph=True)
        live = [g for g in gs if g.requires_grad]
        if live:
            us = [zeros_like_input(g).requires_grad_(True) for g in live]
            back = grad(live, xs, grad_outputs=us, create_graph=True, allow_unused=True,
                        materialize_grads=True)
            pairs = [(b, w) for b, w in zip(back, vs, strict=True) if b.requires_grad]
            result = grad([b for b, _ in pairs], us, grad_outputs=[w for _, w in pairs],
                          create_graph=create_graph, allow_unused=True, materialize_grads=True)
            products, it = [], iter(result)
            for g, x in zip(gs, xs, strict=True):
                products.append(next(it) if g.requires_grad else zeros_like_input(x))
        else:
            products = [zeros_like_input(x) for x in xs]
    if not create_graph:
        out, products = out.detach(), [p.detach() for p in products]
    return out, products[0] if single else tuple(products)


__all__ = ["hessian", "hvp", "jacobian", "jvp", "vhp", "vjp"]
