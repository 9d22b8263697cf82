"""`dualgrad.jit`: PyTorch's `torch.jit` names, so scripts that decorate with
`@torch.jit.script` or wrap a model in `torch.jit.trace` run unchanged.

TorchScript compiles for deployment without Python; dualgrad has no such format, so `script`,
`trace` and their helpers give back the function or module itself, running eagerly with the
same numbers and gradients (for speed, `dg.compile` is the tracing compiler). A traced
function here keeps Python control flow that depends on data, where TorchScript's trace
would have frozen the example's path. `save` and `load` refuse, naming `dg.save`."""
from __future__ import annotations

import typing
from collections.abc import Callable
from typing import Any

from .errors import DualgradNotImplementedError, user_line

Final = typing.Final


def script(obj: Any, optimize: None = None, _frames_up: int = 0, _rcb=None, example_inputs=None) -> Any:
    """`obj` itself (torch.jit.script): a function or module that runs eagerly."""
    return obj


def trace(func: Any, example_inputs=None, optimize=None, check_trace: bool = True, check_inputs=None,
          check_tolerance: float = 1e-5, strict: bool = True, _force_outplace: bool = False,
          _module_class=None, _compilation_unit=None, example_kwarg_inputs=None,
          _store_inputs: bool = True) -> Any:
    """`func` itself (torch.jit.trace), its parameters shared as a traced module's are."""
    return func


def trace_module(mod: Any, inputs: dict, *args, **kwargs) -> Any:
    """`mod` itself (torch.jit.trace_module)."""
    return mod


def freeze(mod: Any, preserved_attrs=None, optimize_numerics: bool = True) -> Any:
    """`mod` itself (torch.jit.freeze)."""
    return mod


def optimize_for_inference(mod: Any, other_methods=None) -> Any:
    """`mod` itself (torch.jit.optimize_for_inference)."""
    return mod


def ignore(drop=False, **kwargs) -> Callable:
    """`@torch.jit.ignore` and `@torch.jit.ignore(drop=True)`: the function unchanged."""
    if callable(drop):
        return drop
    return lambda fn: fn


def unused(fn: Callable) -> Callable:
    """`@torch.jit.unused`: the function unchanged."""
    return fn


def export(fn: Callable) -> Callable:
    """`@torch.jit.export`: the function unchanged."""
    return fn


def is_scripting() -> bool:
    """False: code runs as Python (torch.jit.is_scripting outside TorchScript)."""
    return False


def is_tracing() -> bool:
    """False: nothing is being traced into TorchScript (torch.jit.is_tracing)."""
    return False


def annotate(the_type: Any, the_value: Any) -> Any:
    """`the_value` (torch.jit.annotate, a type hint for the TorchScript compiler)."""
    return the_value


class Future:
    """The result of `fork`, computed when forked (TorchScript's futures run in parallel)."""

    def __init__(self, value: Any) -> None:
        self._value = value

    def wait(self) -> Any:
        """The forked call's result."""
        return self._value


def fork(func: Callable, /, *args, **kwargs) -> Future:
    """`func(*args, **kwargs)`, run now, as a Future (torch.jit.fork)."""
    return Future(func(*args, **kwargs))


def wait(future: Future) -> Any:
    """The result of a `fork` (torch.jit.wait)."""
    return future.wait()


def save(m: Any, f: Any, _extra_files=None) -> None:
    """Refused: there is no TorchScript archive; save the state_dict."""
    raise DualgradNotImplementedError(f"jit.save: dualgrad has no TorchScript format; save the weights with "
                                      f"dg.save(model.state_dict(), f) and load them into the model class "
                                      f"{user_line()}")


def load(f: Any, map_location=None, _extra_files=None) -> Any:
    """Refused: there is no TorchScript archive to read."""
    raise DualgradNotImplementedError(f"jit.load: dualgrad cannot read TorchScript archives; build the model "
                                      f"and load_state_dict(dg.load(f)) {user_line()}")
