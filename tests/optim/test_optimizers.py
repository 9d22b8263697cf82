"""Each optimizer's 100-step trajectory equals PyTorch's formulas: a reference written in jax
from PyTorch's documented algorithms (always runs) and torch itself (where installed)."""
from __future__ import annotations

import copy

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dualgrad as dg
from dualgrad import nn, optim
from dualgrad.testing import assert_close

pytestmark = pytest.mark.usefixtures("jax_float64")  # float64 jax oracles

RNG = np.random.default_rng(42)
X, Y = RNG.standard_normal((8, 3)), RNG.standard_normal((8, 2))
W0, B0 = RNG.standard_normal((3, 2)) * 0.5, RNG.standard_normal(2) * 0.1
STEPS = 100


def objective(m, w, b):
    """A smooth nonconvex loss written against a namespace `m` (dualgrad, jax.numpy, torch)."""
    constant = jnp.asarray if m is jnp else m.tensor
    r = m.matmul(constant(X), w) + b - constant(Y)
    return m.sum(r * r) / 8 + 0.1 * m.sum(m.sin(3 * w))


# -- reference algorithms (PyTorch's docs, in jax) ---------------------------------------------

def ref_sgd(p, g, s, t, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False, maximize=False):
    g = -g if maximize else g
    g = g + weight_decay * p
    if momentum:
        s["b"] = g if t == 1 else momentum * s["b"] + (1 - dampening) * g
        g = g + momentum * s["b"] if nesterov else s["b"]
    return p - lr * g


def ref_adam(p, g, s, t, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False,
             maximize=False, decoupled=False):
    b1, b2 = betas
    g = -g if maximize else g
    if decoupled:
        p = p * (1 - lr * weight_decay)
    else:
        g = g + weight_decay * p
    s["m"] = b1 * s.get("m", 0 * p) + (1 - b1) * g
    s["v"] = b2 * s.get("v", 0 * p) + (1 - b2) * g * g
    m_hat = s["m"] / (1 - b1**t)
    if amsgrad:
        s["vmax"] = jnp.maximum(s.get("vmax", 0 * p), s["v"])
        v = s["vmax"]
    else:
        v = s["v"]
    return p - lr * m_hat / (jnp.sqrt(v) / np.sqrt(1 - b2**t) + eps)


def ref_adamw(p, g, s, t, weight_decay=1e-2, **kw):
    return ref_adam(p, g, s, t, weight_decay=weight_decay, decoupled=True, **kw)


def ref_rmsprop(p, g, s, t, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False,
                maximize=False):
    g = -g if maximize else g
    g = g + weight_decay * p
    s["v"] = alpha * s.get("v", 0 * p) + (1 - alpha) * g * g
    v = s["v"]
    if centered:
        s["g"] = alpha * s.get("g", 0 * p) + (1 - alpha) * g
        v = v - s["g"] ** 2
    denom = jnp.sqrt(v) + eps
    if momentum > 0:
        s["b"] = momentum * s.get("b", 0 * p) + g / denom
        return p - lr * s["b"]
    return p - lr * g / denom


def ref_adagrad(p, g, s, t, lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0,
                eps=1e-10, maximize=False):
    g = -g if maximize else g
    g = g + weight_decay * p
    clr = lr / (1 + (t - 1) * lr_decay)
    s["sum"] = s.get("sum", initial_accumulator_value + 0 * p) + g * g
    return p - clr * g / (jnp.sqrt(s["sum"]) + eps)


CASES = [
    ("SGD", ref_sgd, dict(lr=0.05)),
    ("SGD", ref_sgd, dict(lr=0.02, momentum=0.9)),
    ("SGD", ref_sgd, dict(lr=0.02, momentum=0.8, dampening=0.3, weight_decay=0.05)),
    ("SGD", ref_sgd, dict(lr=0.02, momentum=0.9, nesterov=True)),
    ("SGD", ref_sgd, dict(lr=0.001, maximize=True)),
    ("Adam", ref_adam, dict(lr=0.01)),
    ("Adam", ref_adam, dict(lr=0.02, betas=(0.8, 0.99), weight_decay=0.1, amsgrad=True)),
    ("Adam", ref_adam, dict(lr=0.001, maximize=True)),
    ("AdamW", ref_adamw, dict(lr=0.01)),
    ("AdamW", ref_adamw, dict(lr=0.01, weight_decay=0.3, amsgrad=True)),
    ("RMSprop", ref_rmsprop, dict(lr=0.01)),
    ("RMSprop", ref_rmsprop, dict(lr=0.005, momentum=0.5, centered=True, weight_decay=0.01)),
    ("Adagrad", ref_adagrad, dict(lr=0.1)),
    ("Adagrad", ref_adagrad, dict(lr=0.1, lr_decay=0.01, weight_decay=0.02, initial_accumulator_value=0.1)),
]
IDS = [f"{name}-{'-'.join(f'{k}={v}' for k, v in kw.items())}" for name, _, kw in CASES]


def dualgrad_trajectory(name, kw, steps=STEPS):
    w = nn.Parameter(dg.tensor(W0))
    b = nn.Parameter(dg.tensor(B0))
    opt = getattr(optim, name)([w, b], **kw)
    path = []
    for _ in range(steps):
        opt.zero_grad()
        objective(dg, w, b).backward()
        opt.step()
        path.append(np.concatenate([w.detach().numpy().ravel(), b.detach().numpy().ravel()]))
    return np.array(path)


_GRAD = jax.jit(jax.grad(lambda w, b: objective(jnp, w, b), argnums=(0, 1)))  # compiled once


def jax_trajectory(ref, kw, steps=STEPS):
    grad = _GRAD
    params = [jnp.asarray(W0), jnp.asarray(B0)]
    states = [{}, {}]
    path = []
    for t in range(1, steps + 1):
        grads = grad(*params)
        params = [ref(p, g, s, t, **kw) for p, g, s in zip(params, grads, states, strict=True)]
        path.append(np.concatenate([np.asarray(p).ravel() for p in params]))
    return np.array(path)


@pytest.mark.parametrize(("name", "ref", "kw"), CASES, ids=IDS)
def test_trajectory_matches_jax_reference(name, ref, kw):
    got = dualgrad_trajectory(name, kw)
    assert_close(got, jax_trajectory(ref, kw), rtol=1e-9, atol=1e-11, msg=name)
    assert not np.allclose(got[0], got[-1])  # it moved


@pytest.mark.parametrize(("name", "ref", "kw"), CASES, ids=IDS)
def test_trajectory_matches_torch(torch, name, ref, kw):
    w = torch.tensor(W0, requires_grad=True)
    b = torch.tensor(B0, requires_grad=True)
    opt = getattr(torch.optim, name)([w, b], **kw)
    path = []
    for _ in range(STEPS):
        opt.zero_grad()
        objective(torch, w, b).backward()
        opt.step()
        path.append(np.concatenate([w.detach().numpy().ravel(), b.detach().numpy().ravel()]))
    assert_close(dualgrad_trajectory(name, kw), np.array(path), rtol=1e-9, atol=1e-11, msg=name)


def test_float32_parameters_stay_float32_and_match_torch(torch):
    x = RNG.standard_normal((4, 3)).astype(np.float32)
    lin, tlin = nn.Linear(3, 2), torch.nn.Linear(3, 2)
    lin.load_state_dict({k: dg.tensor(v.numpy()) for k, v in tlin.state_dict().items()})
    opt, topt = optim.Adam(lin.parameters(), lr=0.01), torch.optim.Adam(tlin.parameters(), lr=0.01)
    for _ in range(20):
        opt.zero_grad()
        topt.zero_grad()
        (lin(dg.tensor(x)) ** 2).mean().backward()
        (tlin(torch.tensor(x)) ** 2).mean().backward()
        opt.step()
        topt.step()
    assert lin.weight.dtype == dg.float32
    assert_close(lin.weight.detach().numpy(), tlin.weight.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_param_groups_have_their_own_hyperparameters():
    w, b = nn.Parameter(dg.tensor(W0)), nn.Parameter(dg.tensor(B0))
    opt = optim.SGD([{"params": [w]}, {"params": [b], "lr": 0.5}], lr=0.1, momentum=0.9)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert all(g["momentum"] == 0.9 for g in opt.param_groups)
    w.grad, b.grad = dg.ones_like(w), dg.ones_like(b)
    opt.step()
    assert_close(w.detach().numpy(), W0 - 0.1)
    assert_close(b.detach().numpy(), B0 - 0.5)
    extra = nn.Parameter(dg.zeros(2))
    opt.add_param_group({"params": extra, "lr": 1.0})
    assert opt.param_groups[-1]["momentum"] == 0.9
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        opt.add_param_group({"params": [w]})


def test_parameters_without_grad_are_skipped_and_zero_grad():
    w, b = nn.Parameter(dg.tensor(W0)), nn.Parameter(dg.tensor(B0))
    opt = optim.Adam([w, b], lr=0.1)
    w.grad = dg.ones_like(w)
    opt.step()
    assert np.array_equal(b.detach().numpy(), B0) and b not in opt.state
    opt.zero_grad(set_to_none=False)
    assert w.grad is not None and not w.grad.numpy().any()
    opt.zero_grad()
    assert w.grad is None


def test_step_counts_versions_and_closure():
    w = nn.Parameter(dg.tensor(W0))
    y = w + 2  # saves nothing of w's value ...
    z = w.sin()  # ... this does: an update in place must make its backward fail
    opt = optim.SGD([w], lr=0.1)
    w.grad = dg.ones_like(w)
    loss = opt.step(lambda: 3.0)
    assert loss == 3.0
    y.sum().backward()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()


def test_state_dict_round_trip_continues_identically():
    def make():
        w, b = nn.Parameter(dg.tensor(W0)), nn.Parameter(dg.tensor(B0))
        return [w, b], optim.Adam([w, b], lr=0.01, amsgrad=True)

    def run(params, opt, steps):
        for _ in range(steps):
            opt.zero_grad()
            objective(dg, *params).backward()
            opt.step()

    params, opt = make()
    run(params, opt, 30)
    saved = copy.deepcopy({"state": {i: {k: v.numpy().copy() for k, v in s.items()}
                                     for i, s in opt.state_dict()["state"].items()},
                           "param_groups": opt.state_dict()["param_groups"]})
    values = [p.detach().numpy().copy() for p in params]
    run(params, opt, 20)

    params2, opt2 = make()
    with dg.no_grad():
        for p, v in zip(params2, values, strict=True):
            p.copy_(dg.tensor(v))
    state = {i: {k: dg.tensor(v) for k, v in s.items()} for i, s in saved["state"].items()}
    opt2.load_state_dict({"state": state, "param_groups": saved["param_groups"]})
    assert set(opt2.state_dict()["state"][0]) == {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"}
    run(params2, opt2, 20)
    for p, q in zip(params, params2, strict=True):
        assert np.array_equal(p.detach().numpy(), q.detach().numpy())


def test_state_dict_layout_is_pytorchs() -> None:
    """torch.optim.SGD's layout written out (test_state_dict_layout_matches_torch compares the
    live torch where installed): groups list their params by index, one momentum_buffer per
    parameter, the first step's buffer is the gradient."""
    w, b = nn.Parameter(dg.tensor(W0)), nn.Parameter(dg.tensor(B0))
    opt = optim.SGD([{"params": [w]}, {"params": [b], "lr": 0.2}], lr=0.1, momentum=0.5)
    for p in (w, b):
        p.grad = dg.ones_like(p)
    opt.step()
    sd = opt.state_dict()
    assert [g["params"] for g in sd["param_groups"]] == [[0], [1]]
    assert {"lr", "momentum", "dampening", "weight_decay", "nesterov"} <= set(sd["param_groups"][0])
    assert {k: set(v) for k, v in sd["state"].items()} == {0: {"momentum_buffer"}, 1: {"momentum_buffer"}}
    assert_close(sd["state"][1]["momentum_buffer"].numpy(), np.ones_like(B0))


def test_state_dict_layout_matches_torch(torch):
    w, b = nn.Parameter(dg.tensor(W0)), nn.Parameter(dg.tensor(B0))
    tw, tb = torch.tensor(W0, requires_grad=True), torch.tensor(B0, requires_grad=True)
    opt = optim.SGD([{"params": [w]}, {"params": [b], "lr": 0.2}], lr=0.1, momentum=0.5)
    topt = torch.optim.SGD([{"params": [tw]}, {"params": [tb], "lr": 0.2}], lr=0.1, momentum=0.5)
    for p in (w, b):
        p.grad = dg.ones_like(p)
    for p in (tw, tb):
        p.grad = torch.ones_like(p)
    opt.step()
    topt.step()
    sd, tsd = opt.state_dict(), topt.state_dict()
    assert sd["param_groups"][1]["params"] == tsd["param_groups"][1]["params"] == [1]
    assert set(sd["param_groups"][0]) <= set(tsd["param_groups"][0])
    assert {k: set(v) for k, v in sd["state"].items()} == {k: set(v) for k, v in tsd["state"].items()}
    assert_close(sd["state"][1]["momentum_buffer"].numpy(), tsd["state"][1]["momentum_buffer"].numpy())


def test_optimizer_argument_errors():
    w = nn.Parameter(dg.ones(2))
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        optim.Adam([w], lr=-1)
    with pytest.raises(ValueError, match="Nesterov momentum requires a momentum and zero dampening"):
        optim.SGD([w], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        optim.SGD([w * 2], lr=0.1)
    with pytest.raises(TypeError, match="ordering of tensors in sets"):
        optim.SGD([{"params": {w}}], lr=0.1)
    with pytest.raises(ValueError, match="different number of parameter groups"):
        optim.SGD([w], lr=0.1).load_state_dict({"state": {}, "param_groups": []})


@pytest.mark.parametrize("name", ["Adam", "RMSprop", "Adagrad"])
def test_a_step_count_loaded_as_a_number_counts_on_in_numpy(name):
    """The same hand-written state dict (`'step': 3`): the next step is step 4 of PyTorch's
    update, written in numpy float64 with the default hyperparameters."""
    rng = np.random.default_rng(7)
    m, v = rng.random((3, 2)), rng.random((3, 2))
    state = {"Adam": {"exp_avg": m, "exp_avg_sq": v}, "RMSprop": {"square_avg": v},
             "Adagrad": {"sum": v}}[name]
    w = nn.Parameter(dg.tensor(W0))
    opt = getattr(optim, name)([w], lr=0.1)
    sd = opt.state_dict()
    sd["state"] = {0: {"step": 3, **{k: dg.tensor(a) for k, a in state.items()}}}
    opt.load_state_dict(sd)
    w.grad = dg.tensor(np.ones_like(W0))
    opt.step()
    g = np.ones_like(W0)
    if name == "Adam":
        m1, v1 = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g * g
        want = W0 - 0.1 * (m1 / (1 - 0.9**4)) / (np.sqrt(v1 / (1 - 0.999**4)) + 1e-8)
    elif name == "RMSprop":
        want = W0 - 0.1 * g / (np.sqrt(0.99 * v + 0.01 * g * g) + 1e-8)
    else:
        want = W0 - 0.1 * g / (np.sqrt(v + g * g) + 1e-10)
    assert float(opt.state[w]["step"]) == 4.0
    assert_close(w.detach().numpy(), want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", ["Adam", "RMSprop", "Adagrad"])
def test_a_step_count_loaded_as_a_number_becomes_a_tensor_and_counts_on_as_torch(torch, name):
    """A state dict written by hand (`'step': 3`, as in older checkpoints) loads as PyTorch
    loads it (a float32 tensor) and the next step uses count 4, as torch's does."""
    rng = np.random.default_rng(7)
    m, v = rng.random((3, 2)), rng.random((3, 2))
    state = {"Adam": {"exp_avg": m, "exp_avg_sq": v}, "RMSprop": {"square_avg": v},
             "Adagrad": {"sum": v}}[name]
    results = []
    for lib in (dg, torch):
        w = lib.nn.Parameter(lib.tensor(W0))
        opt = getattr(lib.optim, name)([w], lr=0.1)
        sd = opt.state_dict()
        sd["state"] = {0: {"step": 3, **{k: lib.tensor(a) for k, a in state.items()}}}
        opt.load_state_dict(sd)
        w.grad = lib.tensor(np.ones_like(W0))
        opt.step()
        results.append((w.detach().numpy().copy(), float(opt.state[w]["step"])))
    assert results[0][1] == results[1][1] == 4.0
    assert_close(results[0][0], results[1][0], rtol=1e-12, atol=1e-12)
