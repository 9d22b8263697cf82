"""`quantile`/`nanquantile` (every interpolation), `nanmedian` and `mode` of
eager/methods_quantile.py: values against np.quantile / np.nanquantile (float64),
gradients against finite differences and jax.grad of jnp.quantile, PyTorch's results
written out at NaN, ties and float32 ranks; the jax device."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dualgrad as dg
from dualgrad.errors import DTypeError, ShapeError

NAN = float("nan")
MODES = ("linear", "lower", "higher", "midpoint", "nearest")
X = np.array([[3.0, 1.0, 4.0, 1.5, 9.0], [2.0, 7.0, 0.0, 5.0, -1.0], [0.5, 6.0, 8.0, 2.5, 3.5]])
Q = np.array([0.1, 0.3, 0.55, 0.95])


def _t(a, **kw):
    return dg.tensor(np.asarray(a, dtype=np.float64), **kw)


@pytest.mark.parametrize("mode", MODES)
def test_quantile_is_numpys_and_its_gradient_jaxs(mode, jax_float64):
    import jax
    import jax.numpy as jnp

    got = dg.quantile(_t(X), _t(Q), dim=1, interpolation=mode)
    np.testing.assert_allclose(got.numpy(), np.quantile(X, Q, axis=1, method=mode), rtol=1e-13)
    whole = dg.quantile(_t(X), 0.3, interpolation=mode).item()
    assert whole == pytest.approx(np.quantile(X, 0.3, method=mode), rel=1e-13)
    x = _t(X, requires_grad=True)
    w = np.linspace(0.5, 2.0, Q.size * 3).reshape(Q.size, 3)
    (x.quantile(_t(Q), dim=1, interpolation=mode) * _t(w)).sum().backward()
    want = jax.grad(lambda a: jnp.sum(jnp.quantile(a, jnp.asarray(Q), axis=1, method=mode) * w))(
        jnp.asarray(X))
    np.testing.assert_allclose(x.grad.numpy(), np.asarray(want), rtol=1e-12, atol=1e-14)
    assert dg.autograd.gradcheck(lambda a: dg.quantile(a, _t(Q), dim=0, interpolation=mode),
                                 (_t(X, requires_grad=True),))


@settings(max_examples=15, deadline=None)
@given(x=hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=4),
                    elements=st.one_of(st.floats(-5, 5), st.just(NAN))),
       q=st.floats(0, 1), mode=st.sampled_from(MODES), data=st.data())
def test_nanquantile_is_numpys(x, q, mode, data):
    dim = data.draw(st.integers(-x.ndim, x.ndim - 1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # numpy's "All-NaN slice encountered"
        want = np.nanquantile(x, q, axis=dim, method=mode)
    got = dg.nanquantile(_t(x), q, dim=dim, interpolation=mode).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    got = dg.quantile(_t(x), q, dim=dim, interpolation=mode).numpy()
    np.testing.assert_allclose(got, np.quantile(x, q, axis=dim, method=mode), rtol=1e-12, atol=1e-12)


def test_quantile_as_pytorch():
    x = dg.tensor([[3.0, 1.0, 4.0, 1.5], [2.0, NAN, 0.0, 5.0]], requires_grad=True)
    # float32 ranks: 0.9 * 3 is 2.7000000477 there, so the 0.9 quantile is 3.6999998 (PyTorch's)
    assert x.quantile(dg.tensor([0.9]), dim=1)[0, 0].item() == np.float32(3.6999998092651367)
    q = dg.quantile(x, 0.3, dim=1, keepdim=True)
    assert q.shape == (2, 1) and q[0, 0].item() == pytest.approx(1.45) and np.isnan(q[1, 0].item())
    q.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[0, 0.1, 0, 0.9], [0, 1, 0, 0]], rtol=1e-6)  # PyTorch's
    assert dg.nanquantile(x, 0.3, dim=1).tolist() == pytest.approx([1.45, 1.2])
    assert dg.quantile(dg.arange(6.0).view(2, 3), dg.tensor([0.2, 0.5]), keepdim=True).shape == (2, 1, 1)
    half = dg.quantile(dg.tensor([0.0, 1.0, 2.0, 3.0]), 0.5, interpolation="nearest")
    assert half.item() == 2.0  # rank 1.5 rounds half to even
    assert np.isnan(dg.nanquantile(dg.tensor([NAN, NAN]), 0.5).item())
    with pytest.raises(DTypeError, match="float or double"):
        dg.quantile(dg.tensor([1, 2]), 0.5)
    with pytest.raises(ShapeError, match=r"range \[0, 1\] but got 1.5"):
        dg.quantile(dg.tensor([1.0, 2.0]), 1.5)
    with pytest.raises(ShapeError, match="interpolation must be one of"):
        dg.quantile(dg.tensor([1.0]), 0.5, interpolation="foo")


def test_nanmedian_and_mode_as_pytorch():
    x = dg.tensor([1.0, NAN, 3.0, 2.0], requires_grad=True)
    m = x.nanmedian()
    assert m.item() == 2.0
    m.backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0, 1.0]
    values, indices = dg.nanmedian(dg.tensor([[1.0, NAN, 3.0, 2.0], [NAN] * 4]), dim=1)
    assert values[0].item() == 2.0 and np.isnan(values[1].item()) and indices[0].item() == 3
    assert dg.nanmedian(dg.arange(6.0).view(2, 3), 1, keepdim=True).values.tolist() == [[1.0], [4.0]]
    values, indices = dg.mode(dg.tensor([[1, 2, 2, 3, 3], [5, 5, 4, 4, 1]]), dim=1)
    assert values.tolist() == [2, 4] and indices.tolist() == [2, 3]  # the smallest, its last occurrence
    assert tuple(dg.tensor([2, 1, 2, 1, 1, 2]).mode()) == (1, 4)
    assert dg.mode(dg.tensor([1.0, NAN, NAN, 2.0])).values.item() == 1.0  # NaNs never equal
    y = dg.tensor([1.0, 2.0, 2.0, 3.0], requires_grad=True)
    values, indices = dg.mode(y)
    values.backward()
    assert y.grad.tolist() == [0.0, 0.0, 1.0, 0.0] and indices.item() == 2
    assert tuple(dg.tensor(3.0).mode()) == (3.0, 0)


@settings(max_examples=15, deadline=None)
@given(x=hnp.arrays(np.int64, hnp.array_shapes(min_dims=1, max_dims=2, max_side=6),
                   elements=st.integers(0, 3)))
def test_mode_counts_as_numpy(x):
    values, indices = dg.mode(dg.tensor(x), dim=-1)
    for row, v, i in zip(x.reshape(-1, x.shape[-1]), values.numpy().reshape(-1), indices.numpy().reshape(-1),
                         strict=True):
        uniq, counts = np.unique(row, return_counts=True)
        assert v == uniq[np.argmax(counts)] and row[i] == v and i == np.flatnonzero(row == v)[-1]


def test_on_the_jax_device():
    x = dg.tensor(X, device="jax", requires_grad=True)
    weights = dg.tensor([1.0, 2.0, 3.0], device="jax")
    (dg.quantile(x, 0.3, dim=1, interpolation="higher") * weights).sum().backward()
    xs = _t(X, requires_grad=True)
    (dg.quantile(xs, 0.3, dim=1, interpolation="higher") * _t([1.0, 2.0, 3.0])).sum().backward()
    assert x.grad.device.type == "jax"
    np.testing.assert_allclose(x.grad.cpu().numpy(), xs.grad.numpy(), rtol=1e-6)
