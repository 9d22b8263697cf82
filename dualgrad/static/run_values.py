"""What goes into and comes out of one Session run, beside the runner that calls them:
fetched values converted (numpy scalars for 0-d, arrays that own their data), written values
stored without aliasing an input, numerics flags checked before anything commits, and the
wait for a run's results."""
from __future__ import annotations

import numpy as np

from ..errors import NumericsError
from .graph import describe


def verify_numerics(checks, outs) -> None:
    """Raise before the run commits anything if a checked tensor is not finite, or a
    registry op's `check` flagged its result (a singular matrix: LinAlgError)."""
    flags = outs[len(outs) - len(checks):]
    for (t, message), ok in zip(checks, flags, strict=True):
        if isinstance(message, str):
            if not bool(ok):
                raise NumericsError(f"{message} : Tensor had NaN or Inf values ({describe(t)})")
            continue
        error = message.check.error(f"{message.name} (op '{t.op.name}')", ok,
                                    tuple(t.op.inputs[0].shape or ()), f"{t.op.where}")
        if error is not None:
            raise error


def store_unaliased(state: dict, stores, outs, args) -> None:
    """Store each write's new value `outs[source]` (`stores`: (variable, source) pairs),
    copying any that is an input (jax may forward an input unchanged: donating it later
    would free someone else's buffer, a feed's or another variable's) or that two variables
    would share. A program returns only fresh buffers and its inputs, so the inputs are all
    there is to check (not every variable of the session, on each run). Few inputs (the
    common case) are compared one by one, which costs a fifth of building a set of ids."""
    if len(args) > 8:
        seen = set(map(id, args))
        for var, i in stores:
            value = outs[i]
            if id(value) in seen:
                value = value.copy()
            seen.add(id(value))
            state[var] = value
        return
    taken = list(args)
    for var, i in stores:
        value = outs[i]
        for a in taken:
            if a is value:
                value = value.copy()
                break
        taken.append(value)
        state[var] = value


def block_each(arrays) -> None:
    for a in arrays:
        a.block_until_ready()


def waiter():
    """jaxlib's wait for a list of arrays (one C++ call; what `jax.block_until_ready` uses
    for several arrays, without its pytree walk): about 1 us less than each array's own
    `block_until_ready()` per call, and it raises a failed computation's error the same way.
    Each array's own wait where jaxlib lacks it."""
    try:
        from jaxlib.xla_client import batched_block_until_ready
    except ImportError:
        return block_each
    return batched_block_until_ready


def device_of(array):
    """The device holding a variable's value (jax's default device for a host array)."""
    if hasattr(array, "devices"):
        return next(iter(array.devices()))
    import jax

    return jax.devices()[0]


def _scalar(o):
    return np.asarray(o)[()]


def _any_shape(o):
    a = np.array(o)
    return a[()] if a.ndim == 0 else a


def converter(shape):
    """How a fetched value comes back: numpy scalars for 0-d (as TF1), writable arrays that
    own their data else (never a view of a buffer the next run may donate)."""
    if shape == ():
        return _scalar
    if shape is None:
        return _any_shape
    return np.array
