"""PyTorch's `nn.utils.skip_init`: a module built without touching the random generator."""
from __future__ import annotations

import inspect

from ...eager.random_more import get_rng_state, set_rng_state
from ...errors import DualgradRuntimeError, user_line


def skip_init(module_cls, *args, **kwargs):
    """`module_cls(*args, **kwargs)` whose parameters and buffers are left for the caller to set
    (nn.utils.skip_init). PyTorch builds it on the meta device and allocates it empty; dualgrad
    has no meta device, so the module's own initialisation runs (its values are some values, as
    `empty`'s are), but the random generator is left as it was, as PyTorch's meta build draws
    nothing from it."""
    from ..module import Module

    if not (isinstance(module_cls, type) and issubclass(module_cls, Module)):
        raise DualgradRuntimeError(f"skip_init: Expected a Module; got {module_cls} {user_line()}")
    if "device" not in inspect.signature(module_cls).parameters:
        raise DualgradRuntimeError(f"skip_init: Module must support a 'device' arg to skip initialization "
                                   f"{user_line()}")
    state = get_rng_state()
    try:
        return module_cls(*args, **kwargs)
    finally:
        set_rng_state(state)
