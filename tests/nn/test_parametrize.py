"""`nn.utils.parametrize` and `nn.utils.parametrizations` (weight_norm, spectral_norm):
values, gradients to the originals against float64 numpy/jax references written here,
right_inverse on assignment, chaining, caching, removal, state_dict keys, error texts."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad as dg
from dualgrad import nn
from dualgrad.nn.utils import parametrizations as PS
from dualgrad.nn.utils import parametrize as P


class Symmetric(nn.Module):
    """PyTorch's tutorial parametrization: the upper triangle mirrored."""

    def forward(self, x):
        return x.triu() + x.triu(1).transpose(-1, -2)


class Scale(nn.Module):
    """x * s, with the inverse assignments go through."""

    def __init__(self, s: float) -> None:
        super().__init__()
        self.s = s
        self.calls = 0

    def forward(self, x):
        self.calls += 1
        return x * self.s

    def right_inverse(self, x):
        return x / self.s


def _set(t, value) -> None:
    with dg.no_grad():
        t.copy_(dg.tensor(value))


def _sym(a: np.ndarray) -> np.ndarray:
    return np.triu(a) + np.triu(a, 1).T


def test_register_parametrization_reads_and_differentiates_through_it(rng):
    lin = nn.Linear(3, 3).double()
    weight = lin.weight
    P.register_parametrization(lin, "weight", Symmetric())
    assert type(lin).__name__ == "ParametrizedLinear" and P.type_before_parametrizations(lin) is nn.Linear
    assert P.is_parametrized(lin) and P.is_parametrized(lin, "weight") and not P.is_parametrized(lin, "bias")
    assert lin.parametrizations.weight.original is weight  # the same tensor: an optimizer keeps it
    a, x = rng.standard_normal((3, 3)), rng.standard_normal((4, 3))
    _set(weight, a)
    np.testing.assert_array_equal(lin.weight.detach().numpy(), _sym(a))
    assert [k for k in lin.state_dict()] == ["bias", "parametrizations.weight.original"]
    assert [n for n, _ in lin.named_parameters()] == ["bias", "parametrizations.weight.original"]
    xt = dg.tensor(x, requires_grad=True)
    (lin(xt) ** 2).sum().backward()
    y = x @ _sym(a).T + lin.bias.detach().numpy()
    g_weight = (2 * y).T @ x  # d/dW sum(y^2); W = sym(a) reads a's upper triangle twice off the diagonal
    np.testing.assert_allclose(weight.grad.numpy(), np.triu(g_weight) + np.triu(g_weight.T, 1), rtol=1e-12)
    np.testing.assert_allclose(xt.grad.numpy(), 2 * y @ _sym(a), rtol=1e-12)


def test_assignment_goes_through_right_inverse_and_chains_apply_in_order(rng):
    lin = nn.Linear(3, 3).double()
    P.register_parametrization(lin, "weight", Scale(2.0))
    P.register_parametrization(lin, "weight", Symmetric())  # weight = sym(2 * original)
    a = rng.standard_normal((3, 3))
    _set(lin.parametrizations.weight.original, a)
    np.testing.assert_allclose(lin.weight.detach().numpy(), _sym(2 * a), rtol=1e-15)
    with pytest.raises(RuntimeError, match="parametrization Symmetric does not implement right_inverse"):
        lin.weight = dg.tensor(a)
    lin2 = nn.Linear(3, 3).double()
    w0 = lin2.weight.detach().numpy().copy()
    P.register_parametrization(lin2, "weight", Scale(4.0))  # the original becomes right_inverse(weight)
    np.testing.assert_allclose(lin2.parametrizations.weight.original.detach().numpy(), w0 / 4, rtol=1e-15)
    np.testing.assert_allclose(lin2.weight.detach().numpy(), w0, rtol=1e-15)
    lin2.weight = dg.tensor(a)
    np.testing.assert_allclose(lin2.parametrizations.weight.original.detach().numpy(), a / 4, rtol=1e-15)
    np.testing.assert_allclose(lin2.weight.detach().numpy(), a, rtol=1e-15)


def test_remove_parametrizations_keeps_the_value_or_the_original(rng):
    lin = nn.Linear(3, 3).double()
    original = lin.weight
    P.register_parametrization(lin, "weight", Symmetric())
    current = lin.weight.detach().numpy()
    P.remove_parametrizations(lin, "weight")
    assert type(lin) is nn.Linear and "parametrizations" not in lin._modules
    assert lin.weight is original and lin.weight.requires_grad  # the same parameter, the new value
    np.testing.assert_array_equal(lin.weight.detach().numpy(), current)
    assert [k for k in lin.state_dict()] == ["bias", "weight"]  # re-registered last, as in PyTorch
    a = rng.standard_normal((3, 3))
    lin = P.register_parametrization(nn.Linear(3, 3).double(), "weight", Scale(3.0))
    _set(lin.parametrizations.weight.original, a)
    P.remove_parametrizations(lin, "weight", leave_parametrized=False)
    np.testing.assert_array_equal(lin.weight.detach().numpy(), a)


def test_cached_computes_each_parametrized_tensor_once():
    lin = nn.Linear(3, 3)
    scale = Scale(2.0)
    P.register_parametrization(lin, "weight", scale)
    scale.calls = 0
    lin.weight, lin.weight  # noqa: B018 (reads)
    assert scale.calls == 2
    with P.cached():
        first = lin.weight
        assert lin.weight is first and scale.calls == 3
    lin.weight  # noqa: B018
    assert scale.calls == 4


def test_parametrize_state_dict_round_trip(rng):
    a = P.register_parametrization(nn.Linear(3, 3), "weight", Symmetric())
    b = P.register_parametrization(nn.Linear(3, 3), "weight", Symmetric())
    b.load_state_dict(a.state_dict())
    x = dg.tensor(rng.standard_normal((2, 3)).astype(np.float32))
    np.testing.assert_array_equal(b(x).detach().numpy(), a(x).detach().numpy())


def test_parametrize_refuses_as_pytorch():
    class First(nn.Module):
        def forward(self, x):
            return x[0]

    lin = nn.Linear(3, 3)
    with pytest.raises(ValueError, match=r"Registering a parametrization may not change the shape of the "
                                         r"tensor, unless `unsafe` flag is enabled.\nunparametrized shape: "):
        P.register_parametrization(lin, "weight", First())
    assert type(lin) is nn.Linear and [k for k in lin.state_dict()] == ["weight", "bias"]  # unchanged
    P.register_parametrization(lin, "weight", Symmetric())
    with pytest.raises(ValueError, match=r"unless the `unsafe` flag is enabled.\nmodule.weight.shape: "):
        P.register_parametrization(lin, "weight", First())
    with pytest.raises(ValueError, match="does not have a parameter, a buffer, or a parametrized element "
                                         "with name 'foo'"):
        P.register_parametrization(lin, "foo", Symmetric())
    with pytest.raises(ValueError, match=r"Module Linear\(in_features=2, out_features=2, bias=True\) does "
                                         "not have a parametrization on weight"):
        P.remove_parametrizations(nn.Linear(2, 2), "weight")
    with pytest.raises(KeyError, match="attribute 'weight' already exists"):
        lin.weight = nn.Parameter(dg.zeros(3, 3))


# -- parametrizations.weight_norm / spectral_norm -----------------------------------------------------
def test_parametrized_weight_norm_values_and_gradients(rng, jax_float64):
    import jax
    import jax.numpy as jnp

    lin = nn.Linear(4, 3).double()
    w0 = lin.weight.detach().numpy().copy()
    PS.weight_norm(lin)
    g, v = lin.parametrizations.weight.original0, lin.parametrizations.weight.original1
    assert [k for k in lin.state_dict()] == ["bias", "parametrizations.weight.original0",
                                             "parametrizations.weight.original1"]
    np.testing.assert_allclose(g.detach().numpy(), np.linalg.norm(w0, axis=1, keepdims=True), rtol=1e-14)
    np.testing.assert_array_equal(v.detach().numpy(), w0)
    gn, vn, x = rng.standard_normal((3, 1)), rng.standard_normal((3, 4)), rng.standard_normal((2, 4))
    _set(g, gn)
    _set(v, vn)
    (lin(dg.tensor(x)) ** 2).sum().backward()
    b = lin.bias.detach().numpy()
    f = lambda g, v: ((x @ (g * v / jnp.linalg.norm(v, axis=1, keepdims=True)).T + b) ** 2).sum()  # noqa: E731
    want = jax.grad(f, argnums=(0, 1))(gn, vn)
    np.testing.assert_allclose(g.grad.numpy(), want[0], rtol=1e-11)
    np.testing.assert_allclose(v.grad.numpy(), want[1], rtol=1e-11, atol=1e-13)
    lin.weight = dg.tensor(w0)  # right_inverse: (||w||, w)
    np.testing.assert_allclose(lin.weight.detach().numpy(), w0, rtol=1e-14)
    P.remove_parametrizations(lin, "weight")
    assert [k for k in lin.state_dict()] == ["bias", "weight"] and lin.weight.requires_grad
    with pytest.raises(ValueError, match="Cannot leave unparametrized"):
        P.remove_parametrizations(PS.weight_norm(nn.Linear(2, 2)), "weight", leave_parametrized=False)


def _np_power_method(w, u, v, steps):
    for _ in range(steps):
        u = w @ v
        u = u / max(np.linalg.norm(u), 1e-12)
        v = w.T @ u
        v = v / max(np.linalg.norm(v), 1e-12)
    return u, v


def test_parametrized_spectral_norm_iterates_and_gradients(rng):
    conv = nn.Conv2d(2, 3, 2).double()
    w = rng.standard_normal((3, 2, 2, 2))
    _set(conv.weight, w)
    dg.manual_seed(5)  # the u, v the registration will draw
    u0 = nn.functional.normalize(dg.empty(3, dtype=dg.float64).normal_(0, 1), dim=0).numpy()
    v0 = nn.functional.normalize(dg.empty(8, dtype=dg.float64).normal_(0, 1), dim=0).numpy()
    dg.manual_seed(5)
    PS.spectral_norm(conv)
    sn = conv.parametrizations.weight[0]
    assert [k for k in conv.state_dict()] == ["bias", "parametrizations.weight.original",
                                              "parametrizations.weight.0._u", "parametrizations.weight.0._v"]
    mat = w.reshape(3, -1)
    u, v = _np_power_method(mat, u0, v0, 16)  # 15 steps, then the registration's check reads it once
    np.testing.assert_allclose(sn._u.numpy(), u, rtol=1e-12)
    np.testing.assert_allclose(sn._v.numpy(), v, rtol=1e-12)
    r = rng.standard_normal(w.shape)
    (conv.weight * dg.tensor(r)).sum().backward()  # a training-mode read: one more step first
    u, v = _np_power_method(mat, u, v, 1)
    np.testing.assert_allclose(sn._u.numpy(), u, rtol=1e-12)
    sigma = u @ mat @ v
    # d/dW sum(r * W / sigma) with sigma = u.W v, u and v constants: r / sigma - sum(r W) / sigma^2 u v^T
    want = r / sigma - (r * w).sum() / sigma ** 2 * np.outer(u, v).reshape(w.shape)
    grad = conv.parametrizations.weight.original.grad.numpy()
    np.testing.assert_allclose(grad, want, rtol=1e-10, atol=1e-12)
    u_trained, v_trained = sn._u.numpy().copy(), sn._v.numpy().copy()
    conv.eval()
    out = conv(dg.tensor(rng.standard_normal((1, 2, 3, 3))))  # eval: u, v stay as they were
    np.testing.assert_array_equal(sn._u.numpy(), u_trained)
    np.testing.assert_array_equal(sn._v.numpy(), v_trained)
    assert tuple(out.shape) == (1, 3, 2, 2)


def test_parametrized_spectral_norm_sigma_converges_and_1d_normalizes(rng):
    lin = nn.Linear(6, 5).double()
    w = rng.standard_normal((5, 6))
    _set(lin.weight, w)
    PS.spectral_norm(lin, n_power_iterations=100)
    got = lin.weight.detach().numpy()
    np.testing.assert_allclose(got, w / np.linalg.svd(w, compute_uv=False)[0], rtol=1e-9)
    bias = PS.spectral_norm(nn.Linear(2, 3).double(), name="bias")
    b = bias.parametrizations.bias.original.detach().numpy()
    np.testing.assert_allclose(bias.bias.detach().numpy(), b / np.linalg.norm(b), rtol=1e-14)
    assert tuple(PS.spectral_norm(nn.ConvTranspose2d(2, 3, 3)).parametrizations.weight[0]._u.shape) == (3,)


def test_parametrizations_refuse_as_pytorch():
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of \[-2, 1\] but "
                                         r"got 2\)"):
        PS.spectral_norm(nn.Linear(2, 3), dim=2)
    with pytest.raises(ValueError, match="Expected n_power_iterations to be positive"):
        PS.spectral_norm(nn.Linear(2, 3), n_power_iterations=0)
    with pytest.raises(ValueError, match="has no parameter or buffer with name 'foo'"):
        PS.spectral_norm(nn.Linear(2, 3), name="foo")


def test_parametrizations_match_torch(torch, rng):
    lin = PS.spectral_norm(nn.Linear(4, 3).double())
    ref = torch.nn.utils.parametrizations.spectral_norm(torch.nn.Linear(4, 3).double())
    assert list(ref.state_dict()) == list(lin.state_dict())
    ref.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in lin.state_dict().items()})
    x = rng.standard_normal((2, 4))
    for _ in range(2):
        np.testing.assert_allclose(lin(dg.tensor(x)).detach().numpy(),
                                   ref(torch.from_numpy(x)).detach().numpy(), rtol=1e-12)
    wn, twn = PS.weight_norm(nn.Linear(4, 3), dim=None), torch.nn.utils.parametrizations.weight_norm(
        torch.nn.Linear(4, 3), dim=None)
    assert list(twn.state_dict()) == list(wn.state_dict())
    g, tg = wn.parametrizations.weight.original0, twn.parametrizations.weight.original0
    assert tuple(g.shape) == tuple(tg.shape) == ()


def test_transfer_parametrizations_and_params_shares_the_originals(rng):
    source = P.register_parametrization(nn.Linear(3, 3).double(), "weight", Symmetric())
    target = P.transfer_parametrizations_and_params(source, nn.Linear(3, 3).double())
    assert target.parametrizations.weight.original is source.parametrizations.weight.original
    np.testing.assert_array_equal(target.weight.detach().numpy(), source.weight.detach().numpy())
    wn = PS.weight_norm(nn.Linear(3, 2))
    moved = P.transfer_parametrizations_and_params(wn, nn.Linear(3, 2), "weight")
    assert moved.parametrizations.weight.original1 is wn.parametrizations.weight.original1
    assert not P.is_parametrized(P.transfer_parametrizations_and_params(nn.Linear(2, 2), nn.Linear(2, 2)))


def test_in_place_buffer_updates_on_the_jax_device_match_cpu():
    """u and v are written in place (immutable jax arrays: the writes are carried)."""
    def run(device: str) -> list:
        dg.set_default_device(device)
        try:
            dg.manual_seed(0)
            x = dg.randn(2, 4, dtype=dg.float64)
            legacy = nn.utils.spectral_norm(nn.Linear(4, 3).double())
            new = PS.spectral_norm(nn.Linear(4, 3).double())
            for _ in range(2):
                y = legacy(x) + new(x)
            return [y.detach().numpy(), legacy.weight_u.numpy(), new.parametrizations.weight[0]._v.numpy()]
        finally:
            dg.set_default_device("cpu")

    for got, want in zip(run("jax"), run("cpu"), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
