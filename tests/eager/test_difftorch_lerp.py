"""`lerp` is PyTorch's two-sided formula: input + w * (end - input) for |w| < 0.5, and
end - (end - input) * (1 - w) otherwise, so w = 1 gives `end` exactly and w = 0 `input`. The
differential hunt against torch 2.13 found dualgrad's one-sided form losing `end` at w = 1
when |input| dwarfs it: lerp(1e20, 1.0, 1.0) was 0 where torch gives 1."""
from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dualgrad as dg


def _torch_lerp(a: np.ndarray, b: np.ndarray, w) -> np.ndarray:
    """ATen's lerp kernel, elementwise in a's dtype."""
    w = np.asarray(w, dtype=a.dtype)
    diff = b - a
    with np.errstate(all="ignore"):
        return np.where(np.abs(w) < 0.5, a + w * diff, b - diff * (1 - w)).astype(a.dtype)


_values = st.one_of(st.floats(-1e20, 1e20).map(lambda v: float(np.float32(v))),
                    st.sampled_from([0.0, 1.0, -1.0, 1e20, -1e20]))
_weights = st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0, -0.5, 1.5])


def _same(eager_device, got, want, a, b) -> None:
    """Bit for bit on cpu (numpy's arithmetic); within a few ulps of max(|a|, |b|) on jax,
    whose XLA kernels may fuse a multiply-add and flush subnormal results to zero (the
    endpoint test below is exact on both)."""
    if eager_device == "cpu":
        np.testing.assert_array_equal(got, want)
    else:
        info = np.finfo(a.dtype)
        ulps = 4 * info.eps * np.maximum(np.abs(a), np.abs(b)) + info.tiny
        assert np.all((np.abs(got - want) <= ulps) | (got == want))


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(hnp.arrays(st.sampled_from([np.float32, np.float64]), 6, elements=_values), st.data())
def test_lerp_is_torch_two_sided_form(eager_device, a: np.ndarray, data) -> None:
    b = data.draw(hnp.arrays(a.dtype, 6, elements=_values))
    w = data.draw(_weights)
    _same(eager_device, dg.lerp(dg.tensor(a), dg.tensor(b), w).numpy(), _torch_lerp(a, b, w), a, b)
    wt = data.draw(hnp.arrays(a.dtype, 6, elements=_weights))
    got = dg.tensor(a).lerp(dg.tensor(b), dg.tensor(wt))
    _same(eager_device, got.numpy(), _torch_lerp(a, b, wt), a, b)


def test_endpoints_are_exact_and_gradients_unchanged() -> None:
    a, b = np.array([1e20, -3.0, 0.1]), np.array([1.0, 5.0, 0.7])
    np.testing.assert_array_equal(dg.lerp(dg.tensor(a), dg.tensor(b), 1.0).numpy(), b)
    ones = dg.ones(3, dtype=dg.float64)
    np.testing.assert_array_equal(dg.lerp(dg.tensor(a), dg.tensor(b), ones).numpy(), b)
    np.testing.assert_array_equal(dg.lerp(dg.tensor(a), dg.tensor(b), 0.0).numpy(), a)
    ta, tb = dg.tensor(a, requires_grad=True), dg.tensor(b, requires_grad=True)
    tw = dg.tensor(np.array([0.9, 0.2, 0.5]), requires_grad=True)
    dg.lerp(ta, tb, tw).sum().backward()
    np.testing.assert_allclose(ta.grad.numpy(), 1 - tw.detach().numpy())
    np.testing.assert_allclose(tb.grad.numpy(), tw.detach().numpy())
    np.testing.assert_allclose(tw.grad.numpy(), b - a)
