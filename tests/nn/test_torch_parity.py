"""Modules against torch (where installed) and jax (always): forward values and parameter
gradients of every layer, and a whole MLP training epoch (nn + optim + DataLoader) step by
step from the same initial weights."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dualgrad as dg
from dualgrad import nn, optim
from dualgrad.testing import assert_close
from dualgrad.utils.data import DataLoader, TensorDataset

pytestmark = pytest.mark.usefixtures("jax_float64")  # float64 jax oracles

RNG = np.random.default_rng(3)
X = RNG.standard_normal((6, 4))


def _grads(module, x):
    out = module(dg.tensor(x))
    g = np.cos(np.arange(out.numel())).reshape(tuple(out.shape))
    (out * dg.tensor(g)).sum().backward()
    return out.detach().numpy(), {n: p.grad.numpy() for n, p in module.named_parameters()}, g


def test_linear_forward_and_parameter_grads_match_jax():
    lin = nn.Linear(4, 3).double()
    out, grads, g = _grads(lin, X)
    w, b = jnp.asarray(lin.weight.detach().numpy()), jnp.asarray(lin.bias.detach().numpy())
    expected, pullback = jax.vjp(lambda w, b: X @ w.T + b, w, b)
    gw, gb = pullback(jnp.asarray(g))
    assert_close(out, np.asarray(expected), rtol=1e-12)
    assert_close(grads["weight"], np.asarray(gw), rtol=1e-12)
    assert_close(grads["bias"], np.asarray(gb), rtol=1e-12)


ACTIVATIONS = [("ReLU", {}), ("Tanh", {}), ("Sigmoid", {}), ("Softplus", {}), ("Softmax", {"dim": 1}),
               ("LogSoftmax", {"dim": 0}), ("Identity", {}), ("Flatten", {}), ("Dropout", {"p": 0.3})]


@pytest.mark.parametrize(("name", "kw"), ACTIVATIONS, ids=[a for a, _ in ACTIVATIONS])
def test_layers_match_torch(torch, name, kw):
    ours = nn.Sequential(nn.Linear(4, 5), getattr(nn, name)(**kw)).double().eval()
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 5), getattr(torch.nn, name)(**kw)).double().eval()
    ours.load_state_dict({k: dg.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    assert repr(ours) == repr(theirs)
    out, grads, g = _grads(ours, X)
    tout = theirs(torch.tensor(X))
    (tout * torch.tensor(g)).sum().backward()
    assert_close(out, tout.detach().numpy(), rtol=1e-12, atol=1e-14)
    for n, p in theirs.named_parameters():
        assert_close(grads[n], p.grad.numpy(), rtol=1e-10, atol=1e-14, msg=n)


def test_training_epoch_matches_torch(torch):
    x = RNG.standard_normal((40, 4)).astype(np.float32)
    y = RNG.integers(0, 3, 40)
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3))
    ours = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3))
    ours.load_state_dict({k: dg.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    opt, topt = optim.Adam(ours.parameters(), lr=0.01), torch.optim.Adam(theirs.parameters(), lr=0.01)
    loss_fn, tloss_fn = nn.CrossEntropyLoss(), torch.nn.CrossEntropyLoss()
    loader = DataLoader(TensorDataset(dg.tensor(x), dg.tensor(y)), batch_size=8)
    tloader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.tensor(x), torch.tensor(y)),
                                          batch_size=8)
    for (xb, yb), (txb, tyb) in zip(loader, tloader, strict=True):
        assert np.array_equal(xb.numpy(), txb.numpy()) and np.array_equal(yb.numpy(), tyb.numpy())
        opt.zero_grad()
        topt.zero_grad()
        loss, tloss = loss_fn(ours(xb), yb), tloss_fn(theirs(txb), tyb)
        loss.backward()
        tloss.backward()
        opt.step()
        topt.step()
        assert abs(loss.item() - tloss.item()) < 1e-5
    for (n, p), q in zip(ours.named_parameters(), theirs.parameters(), strict=True):
        assert_close(p.detach().numpy(), q.detach().numpy(), rtol=1e-4, atol=1e-5, msg=n)
