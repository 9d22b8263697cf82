"""What goes into and comes out of one Session run, beside the runner that calls them:
fetched values converted (numpy scalars for 0-d, arrays that own their data), written values
stored without aliasing an input, numerics flags checked before anything commits, and the
wait for a run's results."""
from __future__ import annotations

from operator import itemgetter

import numpy as np

from ..errors import NumericsError
from .graph import describe


def numerics_verifier(checks):
    """A function of a run's outputs that raises before the run commits anything if a checked
    tensor is not finite, or a registry op's `check` flagged its result (a singular matrix:
    LinAlgError). What each check's error names (the op, its input's shape, where it was
    made) is worked out once per plan: a runner calls it every run, right after the program,
    when even a few string operations cost several times their warm time."""
    prepared = []
    for t, message in checks:
        if isinstance(message, str):
            prepared.append((t, message, None, None, None))
        else:
            prepared.append((t, message.check, f"{message.name} (op '{t.op.name}')",
                             # (a Python number as the first operand, `1.0 % x`, has no shape)
                             tuple(getattr(t.op.inputs[0], "shape", None) or ()), f"{t.op.where}"))
    prepared = tuple(prepared)
    n = len(prepared)

    def verify(outs) -> None:
        for (t, check, name, shape, where), ok in zip(prepared, outs[len(outs) - n:], strict=True):
            if name is None:
                report = getattr(check, "report", None)  # (ds.Print's data: static/tf_print.py)
                if report is not None:
                    report(ok)
                    continue
                if not bool(ok):
                    failure = getattr(check, "failure", None)  # (ds.Assert's guard: static/tf_asserts.py)
                    raise failure() if failure is not None else NumericsError(
                        f"{check} : Tensor had NaN or Inf values ({describe(t)})")
                continue
            error = check.error(name, ok, shape, where)
            if error is not None:
                raise error

    return verify


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


def unaliased_store(stores):
    """`store_unaliased` for one runner's writes (`stores`, fixed), as a function of (state,
    outs, args). With more than eight inputs, all the ids are put in one set by C loops
    first: when none of the new values is an input and none is stored twice (every run but
    a rare forwarded one), they are stored at once; otherwise `store_unaliased` copies as
    ever. The same values stored, a fifth of the Python loop's time for a training step's
    writes."""
    n = len(stores)
    if not n:
        return lambda state, outs, args: None
    variables = tuple(v for v, _ in stores)
    sources = tuple(i for _, i in stores)
    pick = itemgetter(*sources) if n > 1 else (lambda outs: (outs[sources[0]],))

    def store(state: dict, outs, args) -> None:
        if len(args) <= 8:
            store_unaliased(state, stores, outs, args)
            return
        values = pick(outs)
        seen = set(map(id, args))
        known = len(seen)
        seen.update(map(id, values))
        if len(seen) == known + n:
            state.update(zip(variables, values, strict=True))
        else:
            store_unaliased(state, stores, outs, args)

    return store


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
