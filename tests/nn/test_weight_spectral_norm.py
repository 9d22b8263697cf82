"""`nn.utils.weight_norm` / `spectral_norm` and their `remove_*` (PyTorch's legacy hook API):
the reparametrized weight, outputs and gradients against float64 numpy/jax references written
here from the papers' formulas, train/eval behaviour of u and v, state dicts, error texts."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import dualgrad as dg
from dualgrad import nn
from dualgrad.errors import DualgradRuntimeError
from dualgrad.nn.utils import remove_spectral_norm, remove_weight_norm, spectral_norm, weight_norm


def _wn(module, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return weight_norm(module, **kwargs)


def _set(param, value) -> None:
    with dg.no_grad():
        param.copy_(dg.tensor(value))


def np_norm_except_dim(v: np.ndarray, dim) -> np.ndarray:
    """||v|| over every axis but `dim` (dim -1 or None: the whole tensor), keepdims."""
    if dim is None or dim == -1:
        return np.sqrt((v ** 2).sum())
    axes = tuple(i for i in range(v.ndim) if i != dim % v.ndim)
    return np.sqrt((v ** 2).sum(axis=axes, keepdims=True))


def np_power_iteration(w: np.ndarray, u: np.ndarray, v: np.ndarray, steps: int, eps: float = 1e-12):
    for _ in range(steps):
        v = w.T @ u
        v = v / max(np.linalg.norm(v), eps)
        u = w @ v
        u = u / max(np.linalg.norm(u), eps)
    return u, v


# -- weight_norm ----------------------------------------------------------------------------------
@pytest.mark.parametrize("dim", [0, 1, 2, 3, -2, -3, -4, -1, None])
def test_weight_norm_parameters_and_weight_match_the_formula(dim, rng):
    conv = nn.Conv2d(2, 3, (4, 5)).double()
    w0 = conv.weight.detach().numpy().copy()
    _wn(conv, dim=dim)
    g_shape = np_norm_except_dim(w0, dim).shape
    assert tuple(conv.weight_g.shape) == g_shape and tuple(conv.weight_v.shape) == w0.shape
    np.testing.assert_allclose(conv.weight.detach().numpy(), w0, rtol=1e-12)  # g = ||v|| at the start
    g, v = rng.standard_normal(g_shape), rng.standard_normal(w0.shape)
    _set(conv.weight_g, g)
    _set(conv.weight_v, v)
    x = rng.standard_normal((1, 2, 6, 7))
    conv(dg.tensor(x))  # the pre-hook recomputes the weight
    np.testing.assert_allclose(conv.weight.detach().numpy(), g * v / np_norm_except_dim(v, dim), rtol=1e-12)
    assert [k for k in conv.state_dict()] == ["bias", "weight_g", "weight_v"]
    assert [n for n, _ in conv.named_parameters()] == ["bias", "weight_g", "weight_v"]


@pytest.mark.parametrize("dim", [0, None])  # dim 1: the formula test above and gradcheck below
def test_weight_norm_output_and_gradients_match_jax(dim, rng, jax_float64):
    import jax
    import jax.numpy as jnp

    lin = nn.Linear(4, 3).double()
    _wn(lin, dim=dim)
    g = rng.standard_normal(lin.weight_g.shape) + 2.0
    v, b, x = rng.standard_normal((3, 4)), rng.standard_normal(3), rng.standard_normal((5, 4))
    _set(lin.weight_g, g)
    _set(lin.weight_v, v)
    _set(lin.bias, b)
    xt = dg.tensor(x, requires_grad=True)
    y = lin(xt)
    (y ** 3).sum().backward()

    def loss(g, v, x):
        axes = None if dim is None else (1 - dim,)
        w = g * v / jnp.sqrt((v ** 2).sum(axis=axes, keepdims=dim is not None))
        return ((x @ w.T + b) ** 3).sum(), x @ w.T + b

    (_, y_ref), grads = jax.value_and_grad(loss, argnums=(0, 1, 2), has_aux=True)(g, v, x)
    np.testing.assert_allclose(y.detach().numpy(), y_ref, rtol=1e-12)
    for got, want in zip((lin.weight_g.grad, lin.weight_v.grad, xt.grad), grads, strict=True):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-10, atol=1e-12)


def test_remove_weight_norm_restores_a_parameter_with_the_current_weight(rng):
    lin = _wn(nn.Linear(4, 3).double())
    _set(lin.weight_g, rng.standard_normal((3, 1)))
    lin(dg.tensor(rng.standard_normal((2, 4))))
    current = lin.weight.detach().numpy().copy()
    assert remove_weight_norm(lin) is lin
    assert isinstance(lin.weight, nn.Parameter) and lin.weight.requires_grad and lin.weight.grad_fn is None
    np.testing.assert_array_equal(lin.weight.detach().numpy(), current)
    assert [k for k in lin.state_dict()] == ["bias", "weight"] and not lin._forward_pre_hooks


def test_weight_norm_state_dict_round_trip(rng):
    a, b = _wn(nn.Linear(4, 3)), _wn(nn.Linear(4, 3))
    _set(a.weight_g, rng.standard_normal((3, 1)).astype(np.float32))
    b.load_state_dict(a.state_dict())
    x = dg.tensor(rng.standard_normal((2, 4)).astype(np.float32))
    np.testing.assert_array_equal(b(x).detach().numpy(), a(x).detach().numpy())


def test_weight_norm_warns_and_refuses_as_pytorch():
    with pytest.warns(FutureWarning, match=r"`torch.nn.utils.weight_norm` is deprecated in favor of "
                                           r"`torch.nn.utils.parametrizations.weight_norm`\.") as record:
        lin = weight_norm(nn.Linear(2, 3))
    assert record[0].filename == __file__  # the user's line
    with pytest.raises(DualgradRuntimeError, match="Cannot register two weight_norm hooks on the same "
                                                   r"parameter weight \(at test_weight_spectral_norm"):
        _wn(lin)
    with pytest.raises(ValueError, match=r"weight_norm of 'weight' not found in Linear\(in_features=2"):
        remove_weight_norm(nn.Linear(2, 3))
    plain = nn.Linear(2, 3)
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of \[-2, 1\], "
                                         r"but got 2\)"):
        _wn(plain, dim=2)
    assert [k for k in plain.state_dict()] == ["weight", "bias"]  # nothing changed


# -- spectral_norm --------------------------------------------------------------------------------
def _sn_matrix(w: np.ndarray, dim: int) -> np.ndarray:
    return np.moveaxis(w, dim, 0).reshape(w.shape[dim], -1)


@pytest.mark.parametrize("steps", [1, 3])
def test_spectral_norm_iterates_match_a_numpy_transcription(steps, rng):
    conv = nn.Conv2d(3, 4, 3).double()
    spectral_norm(conv, n_power_iterations=steps)
    w = conv.weight_orig.detach().numpy().copy()
    u0, v0 = conv.weight_u.numpy().copy(), conv.weight_v.numpy().copy()
    assert u0.shape == (4,) and v0.shape == (27,)
    np.testing.assert_allclose([np.linalg.norm(u0), np.linalg.norm(v0)], 1.0, rtol=1e-12)
    x = rng.standard_normal((1, 3, 5, 5))
    conv(dg.tensor(x))
    u, v = np_power_iteration(_sn_matrix(w, 0), u0, v0, steps)
    np.testing.assert_allclose(conv.weight_u.numpy(), u, rtol=1e-12)
    np.testing.assert_allclose(conv.weight_v.numpy(), v, rtol=1e-12)
    sigma = u @ _sn_matrix(w, 0) @ v
    np.testing.assert_allclose(conv.weight.detach().numpy(), w / sigma, rtol=1e-12)
    conv(dg.tensor(x))  # a second training forward iterates again from the stored u, v
    u2, v2 = np_power_iteration(_sn_matrix(w, 0), u, v, steps)
    np.testing.assert_allclose(conv.weight_u.numpy(), u2, rtol=1e-12)


def test_spectral_norm_sigma_converges_to_the_largest_singular_value(rng):
    lin = spectral_norm(nn.Linear(6, 5).double(), n_power_iterations=200)
    w = rng.standard_normal((5, 6))
    _set(lin.weight_orig, w)
    lin(dg.tensor(rng.standard_normal((1, 6))))
    sigma = np.linalg.svd(w, compute_uv=False)[0]
    np.testing.assert_allclose(lin.weight.detach().numpy(), w / sigma, rtol=1e-9)
    top = np.linalg.svd(lin.weight.detach().numpy(), compute_uv=False)[0]
    np.testing.assert_allclose(top, 1.0, rtol=1e-9)


def test_spectral_norm_conv_transpose_uses_dim_1():
    deconv = spectral_norm(nn.ConvTranspose2d(2, 3, 3))
    assert tuple(deconv.weight_orig.shape) == (2, 3, 3, 3)
    assert tuple(deconv.weight_u.shape) == (3,) and tuple(deconv.weight_v.shape) == (18,)
    assert tuple(spectral_norm(nn.Linear(4, 3), dim=1).weight_u.shape) == (4,)


def test_spectral_norm_gradients_match_jax(rng, jax_float64):
    import jax

    lin = spectral_norm(nn.Linear(4, 3).double())
    w, b, x = rng.standard_normal((3, 4)), rng.standard_normal(3), rng.standard_normal((5, 4))
    _set(lin.weight_orig, w)
    _set(lin.bias, b)
    u0, v0 = lin.weight_u.numpy().copy(), lin.weight_v.numpy().copy()
    xt = dg.tensor(x, requires_grad=True)
    y = lin(xt)
    (y ** 2).sum().backward()
    u, v = np_power_iteration(w, u0, v0, 1)  # constants to the gradient, as PyTorch's no_grad

    def loss(w, x):
        out = x @ (w / (u @ w @ v)).T + b
        return (out ** 2).sum(), out

    (_, y_ref), (gw, gx) = jax.value_and_grad(loss, argnums=(0, 1), has_aux=True)(w, x)
    np.testing.assert_allclose(y.detach().numpy(), y_ref, rtol=1e-12)
    np.testing.assert_allclose(lin.weight_orig.grad.numpy(), gw, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(xt.grad.numpy(), gx, rtol=1e-10, atol=1e-12)
    assert lin.weight_u.grad is None and not lin.weight_u.requires_grad


def test_spectral_norm_eval_reuses_u_and_v(rng):
    lin = spectral_norm(nn.Linear(4, 3).double())
    x = dg.tensor(rng.standard_normal((2, 4)))
    lin(x)
    u, v = lin.weight_u.numpy().copy(), lin.weight_v.numpy().copy()
    lin.eval()
    out = lin(x).detach().numpy()
    np.testing.assert_array_equal(lin.weight_u.numpy(), u)
    np.testing.assert_array_equal(lin.weight_v.numpy(), v)
    w = lin.weight_orig.detach().numpy()
    np.testing.assert_allclose(out, x.numpy() @ (w / (u @ w @ v)).T + lin.bias.detach().numpy(), rtol=1e-12)
    lin.train()
    lin(x)
    assert not np.array_equal(lin.weight_u.numpy(), u) or not np.array_equal(lin.weight_v.numpy(), v)


def test_spectral_norm_state_dict_round_trip_and_remove(rng):
    a = spectral_norm(nn.Linear(4, 3).double())
    b = spectral_norm(nn.Linear(4, 3).double())
    x = dg.tensor(rng.standard_normal((2, 4)))
    a(x)
    a.eval()
    b.eval()
    assert [k for k in a.state_dict()] == ["bias", "weight_orig", "weight_u", "weight_v"]
    assert [n for n, _ in a.named_parameters()] == ["bias", "weight_orig"]
    b.load_state_dict(a.state_dict())
    np.testing.assert_array_equal(b(x).detach().numpy(), a(x).detach().numpy())
    current = a.weight.detach().numpy().copy()
    assert remove_spectral_norm(a) is a
    assert [k for k in a.state_dict()] == ["bias", "weight"] and not a._forward_pre_hooks
    assert isinstance(a.weight, nn.Parameter) and a.weight.requires_grad
    np.testing.assert_allclose(a.weight.detach().numpy(), current, rtol=1e-12)


def test_spectral_norm_refuses_as_pytorch():
    lin = spectral_norm(nn.Linear(2, 3))
    with pytest.raises(RuntimeError, match="Cannot register two spectral_norm hooks on the same parameter "
                                           "weight"):
        spectral_norm(lin)
    with pytest.raises(ValueError, match="Expected n_power_iterations to be positive, but got "
                                         "n_power_iterations=0"):
        spectral_norm(nn.Linear(2, 3), n_power_iterations=0)
    with pytest.raises(ValueError, match="`SpectralNorm` cannot be applied as parameter `bias` is None"):
        spectral_norm(nn.Linear(2, 3, bias=False), name="bias")
    with pytest.raises(ValueError, match=r"spectral_norm of 'weight' not found in Linear\(in_features=2"):
        remove_spectral_norm(nn.Linear(2, 3))
    # both reparametrizations on one weight stack, each under its own hook, as in PyTorch
    assert [k for k in _wn(nn.Linear(2, 3), name="bias").state_dict()] == ["weight", "bias_g", "bias_v"]


def test_spectral_norm_matches_torch_from_the_same_u_v(torch, rng):
    lin = spectral_norm(nn.Linear(4, 3).double(), n_power_iterations=2)
    ref = torch.nn.utils.spectral_norm(torch.nn.Linear(4, 3).double(), n_power_iterations=2)
    with torch.no_grad():
        for name in ("weight_orig", "bias", "weight_u", "weight_v"):
            getattr(ref, name).copy_(torch.from_numpy(getattr(lin, name).detach().numpy().copy()))
    x = rng.standard_normal((5, 4))
    for _ in range(2):
        y, ty = lin(dg.tensor(x)), ref(torch.from_numpy(x))
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-12)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(lin.weight_orig.grad.numpy(), ref.weight_orig.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(lin.weight_u.numpy(), ref.weight_u.numpy(), rtol=1e-12)


def test_two_training_forwards_backpropagate_each_with_its_own_u_v(rng, jax_float64):
    import jax

    lin = spectral_norm(nn.Linear(4, 3).double())
    w = lin.weight_orig.detach().numpy().copy()
    u0, v0 = lin.weight_u.numpy().copy(), lin.weight_v.numpy().copy()
    x1, x2 = rng.standard_normal((2, 4)), rng.standard_normal((2, 4))
    (lin(dg.tensor(x1)).sum() - lin(dg.tensor(x2)).sum()).backward()  # a GAN critic's D(real) - D(fake)
    u1, v1 = np_power_iteration(w, u0, v0, 1)
    u2, v2 = np_power_iteration(w, u1, v1, 1)
    want = jax.grad(lambda w: (x1 @ (w / (u1 @ w @ v1)).T).sum() - (x2 @ (w / (u2 @ w @ v2)).T).sum())(w)
    np.testing.assert_allclose(lin.weight_orig.grad.numpy(), want, rtol=1e-10, atol=1e-12)


def test_weight_norm_gradcheck_on_a_3d_weight():
    from dualgrad.nn.utils.weight_norm import _weight_norm

    gen = np.random.default_rng(0)
    for dim, g_shape in ((1, (1, 3, 1)), (-1, ())):
        v = dg.tensor(gen.standard_normal((2, 3, 4)), requires_grad=True)
        g = dg.tensor(gen.standard_normal(g_shape), requires_grad=True)
        assert dg.autograd.gradcheck(lambda v, g, dim=dim: _weight_norm(v, g, dim), (v, g))
