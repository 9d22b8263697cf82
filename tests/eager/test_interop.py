"""Tensors with other array libraries: numpy's functions through `__array_function__` (checked
against numpy float64 and, for gradients, jax), and DLPack both ways with jax (always) and
torch (where installed), sharing memory where the devices allow."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
from dualgrad.testing.strategies import tensors

# Subnormal floats are left out: XLA flushes them to zero on the jax device (docs/devices.md).
# Nonzero elements are at least 1e-12 in size, so no product or difference of up to 16 of them
# is subnormal either (a product [[1/64, 1.1e-306]] once came out 0.0 on jax).
ELEMENTS = st.floats(-3, 3, allow_nan=False).map(lambda v: 0.0 if abs(v) < 1e-12 else v)
REDUCTIONS = [np.sum, np.mean, np.prod, np.max, np.min, np.amax, np.amin, np.argmax, np.argmin]


@settings(max_examples=40, deadline=None)
@given(data=st.data(), fn=st.sampled_from(REDUCTIONS), keepdims=st.booleans())
def test_numpy_reductions_on_tensors_match_numpy(data, fn, keepdims):
    a = data.draw(tensors(shape=st.tuples(st.integers(1, 4), st.integers(1, 4)), dtype=np.float64,
                          elements=ELEMENTS))
    axis = data.draw(st.sampled_from([None, 0, 1, -1]))
    kwargs = {} if fn in (np.argmax, np.argmin) and axis is None else {"keepdims": keepdims}
    got = fn(dg.tensor(a), axis=axis, **kwargs)
    assert isinstance(got, dg.Tensor)
    np.testing.assert_allclose(got.numpy(), fn(a, axis=axis, **kwargs), rtol=1e-12)


@settings(max_examples=30, deadline=None)
@given(data=st.data(), fn=st.sampled_from([np.std, np.var]), ddof=st.sampled_from([0, 1]))
def test_numpy_std_and_var_keep_numpys_ddof(data, fn, ddof):
    a = data.draw(tensors(shape=st.tuples(st.integers(2, 4), st.integers(2, 4)), dtype=np.float64,
                          elements=ELEMENTS))
    axis = data.draw(st.sampled_from([None, 0, 1]))
    np.testing.assert_allclose(fn(dg.tensor(a), axis=axis, ddof=ddof).numpy(), fn(a, axis=axis, ddof=ddof),
                               rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(fn(dg.tensor(a)).numpy(), fn(a), rtol=1e-12, atol=1e-15)  # ddof=0 default


def test_numpy_reductions_stay_differentiable():
    a = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
    w = dg.tensor(a, requires_grad=True)
    loss = np.sum(np.mean(w * w, axis=0)) + np.std(w)
    loss.backward()
    reference = jax.grad(lambda x: jnp.sum(jnp.mean(x * x, axis=0)) + jnp.std(x))
    with jax.enable_x64(True):
        expected = np.asarray(reference(jnp.asarray(a)))
    np.testing.assert_allclose(w.grad.numpy(), expected, rtol=1e-6)


def test_arguments_dualgrad_cannot_honour_raise_and_say_what_to_call():
    t = dg.ones(3)
    with pytest.raises(TypeError, match=r"np.sum\(tensor, out=...\).*dg.sum") as info:
        np.sum(t, out=np.zeros(()))
    assert "test_interop.py:" in str(info.value)
    with pytest.raises(TypeError, match="where="):
        np.mean(t, where=np.array([True, False, True]))


def test_other_numpy_functions_see_the_tensor_as_an_array():
    t = dg.tensor([[1.0, 2.0], [3.0, 4.0]])
    joined = np.concatenate([t, t])
    assert type(joined) is np.ndarray and joined.shape == (4, 2)
    assert np.allclose(t, [[1, 2], [3, 4]]) and np.array_equal(np.transpose(t), [[1, 3], [2, 4]])


def test_dlpack_with_jax_both_ways():
    t = dg.tensor([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(np.asarray(jnp.from_dlpack(t)), [1.0, 2.0, 3.0])
    back = dg.from_dlpack(jnp.arange(4.0))
    assert isinstance(back, dg.Tensor)
    np.testing.assert_array_equal(back.numpy(), [0.0, 1.0, 2.0, 3.0])


def test_dlpack_shares_numpy_memory_and_refuses_tensors_that_require_grad():
    a = np.arange(3.0)
    t = dg.from_dlpack(a)
    a[0] = 7.0
    assert t[0].item() == 7.0  # zero-copy on the CPU
    with pytest.raises(RuntimeError, match="Can't export tensors that require gradient"):
        np.from_dlpack(dg.ones(2, requires_grad=True))
    with pytest.raises(TypeError, match="does not support DLPack"):
        dg.from_dlpack([1, 2])


def test_dlpack_with_torch_both_ways_zero_copy(torch):
    t = dg.tensor([[1.0, 2.0], [3.0, 4.0]])
    shared = torch.from_dlpack(t)
    shared[0, 0] = 9.0
    assert t[0, 0].item() == 9.0
    source = torch.arange(3, dtype=torch.float64)
    mine = dg.from_dlpack(source)
    source[1] = -1.0
    assert mine.dtype == dg.float64 and mine.tolist() == [0.0, -1.0, 2.0]
    assert torch.tensor(t).tolist() == [[9.0, 2.0], [3.0, 4.0]]
    with pytest.raises(RuntimeError, match="require gradient"):
        torch.from_dlpack(dg.ones(2, requires_grad=True))
