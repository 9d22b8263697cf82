"""Integer powers on jax that wrap as numpy's and PyTorch's (the power kernel's jax half)."""
from __future__ import annotations


def power_by_squaring(x, y):
    """x ** y for integer arrays and a non-negative integer exponent array, wrapping in the
    result dtype as numpy and PyTorch do: one squaring per bit of the exponent's dtype. jax's
    power reads only an array exponent's low 6 bits (2 ** 64 in int64 was 1, 3 ** 200 3 ** 8)."""
    import jax
    import jax.numpy as jnp

    dtype = jnp.result_type(x, y)
    base, exponent = jnp.broadcast_arrays(jnp.asarray(x, dtype), jnp.asarray(y))

    def step(_, state):
        out, base, exponent = state
        return jnp.where(exponent % 2 == 1, out * base, out), base * base, exponent // 2

    state = (jnp.ones(base.shape, dtype), base, exponent)
    return jax.lax.fori_loop(0, 8 * exponent.dtype.itemsize, step, state)[0]
