"""torch 2.13 as the oracle for the activations (collected only where torch is installed):
values and gradients of every nn.functional activation on a grid with its kinks, +-0, +-inf,
NaN and large magnitudes, float32 and float64; in-place results and gradients."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import dualgrad as dg
import dualgrad.nn.functional as F

GRID = [-math.inf, -1000.0, -30.0, -6.0, -3.0, -2.5, -1.0, -1e-8, -0.0, 0.0, 1e-8, 0.5, 1.0, 2.0, 3.0, 6.0,
        7.5, 30.0, 1000.0, math.inf, math.nan]
CALLS = [("gelu", {}), ("gelu", {"approximate": "tanh"}), ("silu", {}), ("leaky_relu", {}),
         ("leaky_relu", {"negative_slope": 0.2}), ("elu", {}), ("elu", {"alpha": 0.5}),
         ("celu", {"alpha": 2.0}),
         ("selu", {}), ("hardtanh", {}), ("hardtanh", {"min_val": -2.5, "max_val": 0.5}), ("relu6", {}),
         ("mish", {}), ("logsigmoid", {}), ("hardsigmoid", {}), ("hardswish", {}), ("softsign", {}),
         ("tanhshrink", {})]
# float32: PyTorch's own float32 arithmetic (its 1 + erf cancels near -3 to 4e-5 of the value,
# dualgrad rounds a float64 erf); float64: tanh's backward is 1 - y*y in PyTorch, (1 + y)(1 - y) here
TOL = {np.float64: (1e-13, 1e-15), np.float32: (2e-6, 1e-6)}


def _ours(name, attrs, values, dtype, inplace=False):
    a = dg.tensor(values, dtype=dg.float64 if dtype == np.float64 else dg.float32, requires_grad=True)
    x = a * 1.0 if inplace else a
    y = getattr(F, name)(x, **attrs, **({"inplace": True} if inplace else {}))
    y.backward(dg.ones_like(y))
    return y.detach().numpy(), a.grad.numpy()


def _torch(name, attrs, values, dtype, inplace=False):
    a = torch.tensor(values, dtype=torch.float64 if dtype == np.float64 else torch.float32)
    a.requires_grad_(True)
    x = a * 1.0 if inplace else a
    y = getattr(TF, name)(x, **attrs, **({"inplace": True} if inplace else {}))
    y.backward(torch.ones_like(y))
    return y.detach().numpy(), a.grad.numpy()


def _close(got, want, tol):
    """Equal NaN positions, values within tol = (rtol, atol)."""
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(got, want, rtol=tol[0], atol=tol[1])


HARDSIGMOID_GRAD = (1e-7, 0.0)  # PyTorch multiplies by a float32-rounded 1/6 (3e-8 off), dualgrad by 1/6


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("name", "attrs"), CALLS, ids=[f"{n}{a or ''}" for n, a in CALLS])
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_values_and_gradients_match_torch(name, attrs, dtype):
    got_y, got_g = _ours(name, attrs, GRID, dtype)
    want_y, want_g = _torch(name, attrs, GRID, dtype)
    if name == "gelu" and not attrs and dtype == np.float32:
        # PyTorch's AVX-512 float32 kernel gives NaN at +inf (its float64 kernel and its AVX2
        # kernel give the limit, inf): the limit is the oracle there
        want_y[GRID.index(math.inf)] = math.inf
    _close(got_y, want_y, TOL[dtype])
    _close(got_g, want_g, HARDSIGMOID_GRAD if name == "hardsigmoid" and dtype == np.float64 else TOL[dtype])


INPLACE = [c for c in CALLS if c[0] not in ("gelu", "logsigmoid", "softsign", "tanhshrink")]


@pytest.mark.parametrize(("name", "attrs"), INPLACE, ids=[f"{n}{a or ''}" for n, a in INPLACE])
def test_inplace_matches_torch(name, attrs):
    values = [-4.0, -1.0, 0.0, 0.5, 3.0, 7.0]
    got_y, got_g = _ours(name, attrs, values, np.float64, inplace=True)
    want_y, want_g = _torch(name, attrs, values, np.float64, inplace=True)
    _close(got_y, want_y, TOL[np.float64])
    _close(got_g, want_g, HARDSIGMOID_GRAD if name == "hardsigmoid" else TOL[np.float64])


def test_glu_and_erf_match_torch():
    x = np.linspace(-3, 3, 24).reshape(4, 6)
    for dim in (0, 1, -1):
        got_y, got_g = _ours("glu", {"dim": dim}, x, np.float64)
        want_y, want_g = _torch("glu", {"dim": dim}, x, np.float64)
        _close(got_y, want_y, TOL[np.float64])
        _close(got_g, want_g, TOL[np.float64])
    grid = np.array(GRID)
    a = dg.tensor(grid, dtype=dg.float64, requires_grad=True)
    dg.erf(a).sum().backward()
    t = torch.tensor(grid, requires_grad=True)
    torch.erf(t).sum().backward()
    want = torch.erf(torch.tensor(grid)).numpy()
    _close(dg.erf(dg.tensor(grid, dtype=dg.float64)).numpy(), want, (1e-15, 0))
    _close(a.grad.numpy(), t.grad.numpy(), (1e-15, 0))


def test_module_reprs_match_torch():
    import torch.nn as tnn

    from dualgrad import nn

    for name, args in [("GELU", ("tanh",)), ("SiLU", (True,)), ("LeakyReLU", (0.2, True)), ("ELU", (0.5,)),
                       ("CELU", ()), ("SELU", (True,)), ("Hardtanh", (-2.0, 2.0, True)), ("ReLU6", (True,)),
                       ("Mish", ()), ("LogSigmoid", ()), ("Hardsigmoid", (True,)), ("Hardswish", ()),
                       ("Softsign", ()), ("Tanhshrink", ()), ("GLU", (0,))]:
        assert repr(getattr(nn, name)(*args)) == repr(getattr(tnn, name)(*args))
