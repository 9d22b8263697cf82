"""In-place updates outside recording written straight into the tensor (`inplace.write_into`):
the same values, version bumps and errors as computing a new array and copying it back, for
every case the shortcut takes and every case it must leave to the general path. Oracles are
numpy computed out of place (float64 where the update mixes dtypes); torch's own SGD update is
compared in test_torch_oracle.py."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad as dg
from dualgrad import ops
from dualgrad.eager.inplace import write_into

pytestmark = pytest.mark.cpu_only  # numpy storage: jax arrays are immutable

RNG = np.random.default_rng(7)


def _array(*shape, dtype=np.float32):
    return RNG.standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
def test_sgd_update_under_no_grad_writes_into_the_parameter(dtype) -> None:
    w, g = _array(6, 5, dtype=dtype), _array(6, 5, dtype=dtype)
    p = dg.tensor(w.copy(), requires_grad=True)
    storage = p.detach().numpy()
    grad = dg.tensor(g)
    v = p._version_value
    with dg.no_grad():
        p -= 0.01 * grad
        p *= 2
        p += dg.tensor(np.asarray(0.5, dtype))  # a 0-d operand of the same dtype
    expected = ((w - np.multiply(g, 0.01)) * 2 + np.asarray(0.5, dtype)).astype(dtype)
    assert p.numpy(force=True).dtype == dtype
    np.testing.assert_array_equal(p.numpy(force=True), expected)
    assert np.shares_memory(storage, p.numpy(force=True)) and p._version_value == v + 3


def test_the_shortcut_runs_for_the_sgd_update_and_not_for_mixed_operands() -> None:
    p = dg.tensor(_array(3, 4))
    assert write_into(p, ops.subtract, (dg.tensor(_array(3, 4)),))
    assert write_into(p, ops.multiply, (2.5,)) and write_into(p, ops.add, (3,))
    # broadcasting, another dtype, an int tensor, a bool number, a bool-valued op: general path
    assert not write_into(p, ops.subtract, (dg.tensor(_array(4)),))
    assert not write_into(p, ops.subtract, (dg.tensor(_array(3, 4, dtype=np.float64)),))
    assert not write_into(dg.tensor(np.arange(4)), ops.add, (1,))
    assert not write_into(p, ops.add, (True,))
    assert not write_into(p, ops.greater, (0.0,))


def test_operands_overlapping_the_destination_read_the_old_values() -> None:
    base = np.arange(10.0, dtype=np.float32)
    t = dg.tensor(base.copy())
    with dg.no_grad():
        t[1:] -= t[:-1]
        t -= t
    assert t.tolist() == [0.0] * 10
    u = dg.tensor(base.copy())
    with dg.no_grad():
        u[1:] += u[:-1]
    np.testing.assert_array_equal(u.numpy(), np.concatenate([base[:1], base[1:] + base[:-1]]))


def test_fallbacks_keep_their_results_and_errors() -> None:
    w, row = _array(3, 4), _array(4)
    p = dg.tensor(w.copy())
    with dg.no_grad():
        p -= dg.tensor(row)  # broadcast: computed and copied back
    np.testing.assert_array_equal(p.numpy(), w - row)
    q64 = RNG.standard_normal((3, 4))
    p32 = dg.tensor(w.copy())
    with dg.no_grad():
        p32 -= dg.tensor(q64)  # float64 operand: computed in float64, stored as float32
    np.testing.assert_array_equal(p32.numpy(), (w.astype(np.float64) - q64).astype(np.float32))
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        with dg.no_grad():
            e = dg.ones(3).expand(2, 3)
            e -= 1.0
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        with dg.no_grad():
            small = dg.ones(4)
            small -= dg.ones(3, 4)


def test_no_shortcut_while_dg_compile_traces() -> None:
    """A traced step records the in-place op as a graph op (the hook), never a direct write."""
    from dualgrad.eager import bind

    p = dg.tensor(_array(2, 2))
    bind.tracing.hook = lambda op, args, data, attrs: None
    try:
        assert not write_into(p, ops.subtract, (1.0,))
    finally:
        bind.tracing.hook = None
    assert write_into(p, ops.subtract, (1.0,))
