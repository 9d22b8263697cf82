"""`ds.constant` of a numpy array copies it, as TF1's `tf.constant` does: the user's array
stays theirs (writable; changing it later leaves the graph alone) and is never handed to jax.

It used to be kept and made read-only in place. Traced into a jax program inside dualgrad's
64-bit scope, jax then kept that array's float64 conversion, and the user's own 32-bit jax code
crashed on its next use of the array (RuntimeProgramInputMismatch). Runs in jax's default
32-bit mode, as users do."""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

import dualgrad.static as ds


def test_the_users_array_stays_writable_and_the_graph_keeps_its_value_at_build_time():
    a = np.array([1.0, 2.0, 3.0])
    c = ds.constant(a)
    assert a.flags.writeable
    a[0] = 100.0
    with ds.Session(backend="numpy") as sess:
        np.testing.assert_array_equal(sess.run(c), [1.0, 2.0, 3.0])


def test_the_users_32_bit_jax_works_on_the_array_after_a_float64_jax_session():
    rng = np.random.default_rng(3)
    logits, weights = rng.normal(size=(5, 7)), rng.uniform(0.5, 2.0, size=5)
    labels = rng.integers(0, 7, size=5)
    x = ds.placeholder(ds.float64, [None, 7])
    loss = ds.losses.sparse_softmax_cross_entropy(labels, x, weights, reduction=ds.losses.Reduction.NONE)
    with ds.Session(backend="jax") as sess:
        got = sess.run(loss, {x: logits})
    shifted = logits - logits.max(1, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(1, keepdims=True))
    np.testing.assert_allclose(got, -logp[np.arange(5), labels] * weights, rtol=1e-14)  # float64 kept
    assert weights.flags.writeable
    mine = jnp.ones(5, jnp.float32) * weights  # the user's own jax, in jax's default mode
    assert mine.dtype == jnp.float32
    np.testing.assert_allclose(np.asarray(mine), weights.astype(np.float32))
