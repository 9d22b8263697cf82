"""The keep masks every dropout draws (`F.dropout`, channel and alpha dropout): one module both
`nn.functional` and `nn/alpha_dropout.py` read, so neither imports the other."""
from __future__ import annotations

from ..backend import is_jax_array
from ..eager import api
from ..eager.grad_mode import is_grad_enabled
from ..eager.tensor import Tensor, wrap
from ..errors import ShapeError, user_line


def check_p(name: str, p: float) -> None:
    """PyTorch's refusal of a dropout probability outside [0, 1]."""
    if not 0.0 <= p <= 1.0:
        raise ShapeError(f"{name} probability has to be between 0 and 1, but got {p} {user_line()}")


def keep_mask(name: str, input: Tensor, p: float, inplace: bool, mask_shape: tuple) -> Tensor:
    """A bool tensor of `mask_shape`, True with probability 1 - p, drawn from dualgrad's generator
    where input is; `inplace` is refused on a tensor that requires grad."""
    from ..eager import creation

    if inplace and input.requires_grad and is_grad_enabled():
        raise ShapeError(f"{name}(inplace=True) on a tensor that requires grad is not supported by "
                         f"dualgrad; use inplace=False {user_line()}")
    # a tensor (not an array): in a step dg.compile traces, the draw is a graph value
    keep = wrap(creation._rng.random(mask_shape) >= p)
    if is_jax_array(input._data):  # the draw is numpy's; the mask goes where the input is
        keep = api.to(keep, input.device)
    return keep
