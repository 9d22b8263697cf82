"""`dualgrad.utils.checkpoint`: PyTorch's activation checkpointing names, so training scripts
that wrap blocks in `checkpoint(...)` run unchanged.

PyTorch frees a block's activations after its forward and recomputes them in the backward,
trading time for memory. Here the block runs as an ordinary call and keeps its activations:
the same values and gradients (to parameters, inputs, `autograd.grad` and double backward
alike), without the memory saving."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..errors import DualgradValueError, user_line


def checkpoint(function: Callable, /, *args, use_reentrant: bool | None = None, context_fn=None,
               determinism_check: str = "default", debug: bool = False, early_stop: bool = True,
               preserve_rng_state: bool = True, **kwargs) -> Any:
    """`function(*args, **kwargs)` (torch.utils.checkpoint.checkpoint); the reentrant form
    takes no keyword arguments for `function`, as PyTorch's."""
    if use_reentrant and kwargs:
        raise DualgradValueError(f"checkpoint: Unexpected keyword arguments: {','.join(kwargs)} "
                                 f"{user_line()}")
    return function(*args, **kwargs)


def checkpoint_sequential(functions: Sequence[Callable] | Any, segments: int, input: Any,
                          use_reentrant: bool | None = None, **kwargs) -> Any:
    """The modules of `functions` (a Sequential or a list) applied in turn to `input`
    (torch.utils.checkpoint.checkpoint_sequential); `segments` is checked, not used."""
    if int(segments) <= 0:
        raise DualgradValueError(f"checkpoint_sequential: segments must be positive, got {segments} "
                                 f"{user_line()}")
    for fn in (functions.children() if hasattr(functions, "children") else functions):
        input = fn(input)
    return input
