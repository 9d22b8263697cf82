"""`dualgrad.autograd.forward_ad`: PyTorch's forward-mode AD, dual tensors carrying a tangent
through the computation (`eager/dual.py` pushes it through each op with the registry's rules).

    with fwAD.dual_level():
        x = fwAD.make_dual(primal, tangent)
        y = f(x)
        jvp = fwAD.unpack_dual(y).tangent   # J(primal) @ tangent
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import NamedTuple

from ..eager import dual
from ..eager.arguments import require_tensor
from ..eager.tensor import Tensor
from ..errors import DualgradRuntimeError, DualgradTypeError, DualgradValueError, EagerShapeError, user_line


class UnpackedDualTensor(NamedTuple):
    """A dual tensor's primal and tangent (None where it has none)."""

    primal: Tensor
    tangent: Tensor | None


def enter_dual_level() -> int:
    """Open a dual level (one at a time, as PyTorch); its index."""
    return dual.open_level().index


def exit_dual_level(*, level: int | None = None) -> None:
    """Close the open dual level; the tangents made in it are dropped."""
    current = dual.current()
    if current is None or level is not None and level != current.index:
        raise DualgradRuntimeError(f"exit_dual_level: Trying to exit a forward AD level that was not the "
                                   f"last one that was created. This is not supported. {user_line()}")
    dual.close_level(current)


@contextmanager
def dual_level() -> Iterator[int]:
    """A dual level for the `with` block (torch.autograd.forward_ad.dual_level)."""
    index = enter_dual_level()
    try:
        yield index
    finally:
        dual.close_level(dual.current())


def make_dual(tensor: Tensor, tangent: Tensor, *, level: int | None = None) -> Tensor:
    """A view of `tensor` carrying `tangent` (same shape; floating point) at the open level; the
    view stays differentiable in reverse mode, as PyTorch's."""
    if dual.current() is None:
        raise DualgradRuntimeError(f"make_dual: Trying to create a dual Tensor for forward AD but no level "
                                   f"exists, make sure to enter_dual_level() first. {user_line()}")
    for what, t in (("primal", tensor), ("tangent", tangent)):
        if not isinstance(t, Tensor):
            raise DualgradTypeError(f"make_dual(): argument '{what}' must be Tensor, not {type(t).__name__} "
                                    f"{user_line()}")
        if not t.dtype.is_floating_point:
            raise DualgradValueError(f"make_dual: Expected {what} to be floating point or complex, but got: "
                                     f"{t.dtype.name} {user_line()}")
    if tuple(tangent.shape) != tuple(tensor.shape):
        raise EagerShapeError(f"make_dual: Trying to set a forward gradient that has a different size than "
                              f"that of the original Tensor, this is not supported. Tensor is of size "
                              f"{list(tensor.shape)} while the given forward gradient is of size "
                              f"{list(tangent.shape)}. {user_line()}")
    if tangent.device != tensor.device:
        raise DualgradRuntimeError(f"make_dual: the tangent is on {tangent.device}, the primal on "
                                   f"{tensor.device} {user_line()}")
    out = tensor.view_as(tensor)
    dual.set_tangent(out, dual.own_tangent(out, tangent))
    return out


def unpack_dual(tensor: Tensor, *, level: int | None = None) -> UnpackedDualTensor:
    """(a view of `tensor` without its tangent, the tangent or None) at the open level."""
    require_tensor("unpack_dual", tensor, "dual")
    tangent = dual.tangent_of(tensor) if dual.current() is not None else None
    if tangent is None:
        return UnpackedDualTensor(tensor, None)
    primal = tensor.view_as(tensor)
    dual.drop_tangent(primal)
    return UnpackedDualTensor(primal, tangent)


__all__ = ["UnpackedDualTensor", "dual_level", "enter_dual_level", "exit_dual_level", "make_dual",
           "unpack_dual"]
