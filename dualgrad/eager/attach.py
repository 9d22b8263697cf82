"""How each module of Tensor methods makes them public, in one place."""
from __future__ import annotations

from collections.abc import Callable

from ..errors import refusing
from .tensor import Tensor


def install(namespace: dict, methods: dict[str, Callable]) -> dict[str, Callable]:
    """Wrap each of `methods` with `errors.refusing` (a raw numpy/Python error from a bad
    argument becomes the dualgrad error of its type, naming the function, its arguments and
    the user's line), make the wrapped ones the module's names (`namespace`, its globals) and
    Tensor's methods; returns them."""
    wrapped = {name: refusing(fn, name) for name, fn in methods.items()}
    namespace.update(wrapped)
    for name, fn in wrapped.items():
        setattr(Tensor, name, fn)
    return wrapped
