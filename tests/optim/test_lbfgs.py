"""optim.LBFGS against an independent float64 numpy L-BFGS (`lbfgs_reference.py`): the
iterates after each `step(closure)`, the loss it returns and how often it calls the closure, on
the Rosenbrock function and a two-parameter least-squares problem, with and without the strong
Wolfe search and with a short memory, a small evaluation budget and early stops; the state it
keeps (and resumes from after `load_state_dict` or `dg.save`/`dg.load`); its refusals; torch
as an extra oracle where installed."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad as dg
from dualgrad import optim
from dualgrad.errors import CompileWarning, OptimizerError
from dualgrad.testing import assert_close

from .lbfgs_reference import lbfgs_step

X0_ROSEN = np.array([-1.2, 1.0, -0.5, 0.8])
RNG = np.random.default_rng(11)
A, B = RNG.standard_normal((8, 3)), RNG.standard_normal((8, 2))
W0, C0 = RNG.standard_normal((3, 2)), RNG.standard_normal(2)


def rosen_np(x):
    f = np.sum((1 - x[:-1]) ** 2) + 100 * np.sum((x[1:] - x[:-1] ** 2) ** 2)
    g = np.zeros_like(x)
    g[:-1] += -2 * (1 - x[:-1]) - 400 * x[:-1] * (x[1:] - x[:-1] ** 2)
    g[1:] += 200 * (x[1:] - x[:-1] ** 2)
    return f, g


def rosen_dg(params):
    (x,) = params
    return ((1 - x[:-1]) ** 2).sum() + 100 * ((x[1:] - x[:-1] ** 2) ** 2).sum()


def lsq_np(v):
    w, c = v[:6].reshape(3, 2), v[6:]
    r = A @ w + c - B
    f = 0.5 * np.sum(r * r) + 0.05 * np.sum(w ** 4)
    return f, np.concatenate([(A.T @ r + 0.2 * w ** 3).ravel(), r.sum(0)])


def lsq_dg(params):
    w, c = params
    r = dg.matmul(dg.tensor(A, dtype=w.dtype), w) + c - dg.tensor(B, dtype=w.dtype)
    return (r * r).sum() * 0.5 + (w ** 4).sum() * 0.05


PROBLEMS = {"rosenbrock": (rosen_dg, rosen_np, [X0_ROSEN]), "least_squares": (lsq_dg, lsq_np, [W0, C0])}
CASES = [
    ("rosenbrock", {}),  # (unit steps without a search amplify rounding: see TOLERANCE)
    ("rosenbrock", {"line_search_fn": "strong_wolfe"}),
    ("rosenbrock", {"line_search_fn": "strong_wolfe", "history_size": 2, "max_iter": 7}),
    ("rosenbrock", {"lr": 0.1, "history_size": 3}),
    ("rosenbrock", {"line_search_fn": "strong_wolfe", "max_eval": 6, "tolerance_change": 1e-3}),
    ("least_squares", {}),
    ("least_squares", {"line_search_fn": "strong_wolfe", "max_iter": 5}),
    ("least_squares", {"lr": 0.5, "history_size": 1, "tolerance_grad": 1e-3}),
]

# A fixed unit step on Rosenbrock amplifies rounding differences 1e4-fold within four steps
# (torch's own iterates there are 5e-8 from the reference's), the strong-Wolfe search on it
# ~1e6-fold (3e-10 on an AVX-512 machine, whose BLAS and loops round differently); every other
# case agrees to 1e-10.
TOLERANCE = {0: 1e-6, 1: 1e-8}


def _run(problem: str, kwargs: dict, steps: int = 4):
    """(our and the reference's iterates, losses, closure calls per step; our optimizer)."""
    loss_dg, fg, starts = PROBLEMS[problem]
    params = [dg.tensor(s.copy(), requires_grad=True) for s in starts]
    opt = optim.LBFGS(params, **kwargs)
    calls = [0]

    def closure():
        calls[0] += 1
        opt.zero_grad()
        loss = loss_dg(params)
        loss.backward()
        return loss

    x, st = np.concatenate([s.ravel() for s in starts]), {}
    ours, theirs = [], []
    for _ in range(steps):
        calls[0] = 0
        loss = opt.step(closure)
        ours.append((np.concatenate([p.detach().numpy().ravel() for p in params]), float(loss), calls[0]))
        first, x, n = lbfgs_step(fg, x, st, **kwargs)
        theirs.append((x, first, n))
    return ours, theirs, opt, st


@pytest.mark.parametrize("case", range(len(CASES)), ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_iterates_losses_and_closure_calls_follow_the_reference(case):
    problem, kwargs = CASES[case]
    rtol = TOLERANCE.get(case, 1e-10)
    ours, theirs, opt, st = _run(problem, kwargs)
    for (x, loss, calls), (x_ref, loss_ref, calls_ref) in zip(ours, theirs, strict=True):
        assert calls == calls_ref
        assert_close(loss, loss_ref, rtol=rtol, atol=1e-14)
        assert_close(x, x_ref, rtol=rtol, atol=rtol / 10)
    state = opt.state[opt.param_groups[0]["params"][0]]
    assert state["func_evals"] == st["func_evals"] == sum(c for _, _, c in ours)
    assert state["n_iter"] == st["n_iter"]
    assert len(state["old_dirs"]) == len(st["S"]) <= kwargs.get("history_size", 100)


def test_rosenbrock_converges_and_the_state_holds_tensors():
    ours, _, opt, _ = _run("rosenbrock", {"line_search_fn": "strong_wolfe"}, steps=5)
    assert_close(ours[-1][0], np.ones(4), atol=1e-6)
    state = opt.state_dict()["state"][0]
    assert isinstance(state["d"], dg.Tensor) and state["d"].shape == (4,)
    assert all(isinstance(v, dg.Tensor) for v in state["old_dirs"] + state["ro"])
    assert all(isinstance(v.numpy(), np.ndarray) for v in state["ro"] + [state["H_diag"]])  # (not np.float64)
    assert isinstance(state["t"], float) and isinstance(state["prev_loss"], float)


@pytest.mark.parametrize("kwargs", [{}, {"line_search_fn": "strong_wolfe", "history_size": 3}])
def test_state_dict_round_trip_resumes_the_same_run(kwargs, tmp_path):
    def make():
        params = [dg.tensor(W0.copy(), requires_grad=True), dg.tensor(C0.copy(), requires_grad=True)]
        opt = optim.LBFGS(params, max_iter=4, **kwargs)

        def closure():
            opt.zero_grad()
            loss = lsq_dg(params)
            loss.backward()
            return loss
        return params, opt, closure

    params, opt, closure = make()
    opt.step(closure)
    dg.save(opt.state_dict(), tmp_path / "lbfgs.safetensors")
    for source in (opt.state_dict(), dg.load(tmp_path / "lbfgs.safetensors")):
        twins, resumed, twin_closure = make()
        for p, q in zip(params, twins, strict=True):
            q.data.copy_(p.detach())
        resumed.load_state_dict(source)
        assert resumed.state[twins[0]]["n_iter"] == 4
        resumed.step(twin_closure)
        reference = make()  # a third copy run in one go, for the numbers
        reference[1].step(reference[2])
        reference[1].step(reference[2])
        for p, q in zip(reference[0], twins, strict=True):
            assert_close(q.detach().numpy(), p.detach().numpy(), rtol=0, atol=0)


def test_float32_parameters_stay_float32():
    w = dg.tensor(W0.astype(np.float32), requires_grad=True)
    c = dg.tensor(C0.astype(np.float32), requires_grad=True)
    opt = optim.LBFGS([w, c], line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = lsq_dg([w, c])
        loss.backward()
        return loss

    opt.step(closure)
    assert w.dtype == dg.float32 and opt.state[w]["d"].dtype == dg.float32
    assert all(v.dtype == dg.float32 for v in opt.state[w]["old_dirs"] + opt.state[w]["ro"])
    _, theirs, _, _ = _run("least_squares", {"line_search_fn": "strong_wolfe"}, steps=1)
    assert_close(np.concatenate([w.detach().numpy().ravel(), c.detach().numpy()]), theirs[0][0], atol=1e-3)


def test_a_parameter_without_gradient_counts_as_zero():
    x = dg.tensor(X0_ROSEN.copy(), requires_grad=True)
    idle = dg.tensor([3.0, 4.0], requires_grad=True)
    opt = optim.LBFGS([idle, x], line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = rosen_dg([x])
        loss.backward()
        return loss

    opt.step(closure)
    _, theirs, _, _ = _run("rosenbrock", {"line_search_fn": "strong_wolfe"}, steps=1)
    assert_close(x.detach().numpy(), theirs[0][0], rtol=1e-8, atol=1e-10)
    assert idle.tolist() == [3.0, 4.0]


def test_refusals_change_nothing():
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(OptimizerError, match="Invalid learning rate: -1"):
        optim.LBFGS([x], lr=-1)
    with pytest.raises(OptimizerError, match=r"doesn't support per-parameter options \(parameter groups\)"):
        optim.LBFGS([{"params": [x]}, {"params": [dg.zeros(1, requires_grad=True)]}])
    opt = optim.LBFGS([x], line_search_fn="backtracking")
    with pytest.raises(OptimizerError, match="parameter groups"):
        opt.add_param_group({"params": [dg.zeros(1, requires_grad=True)]})
    calls = []

    def closure():
        calls.append(1)
        opt.zero_grad()
        loss = (x * x).sum()
        loss.backward()
        return loss

    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        opt.step(closure)
    with pytest.raises(TypeError, match="LBFGS.step needs a closure"):
        optim.LBFGS([x]).step(None)
    assert not calls and not opt.state and x.tolist() == [1.0, 2.0]
    assert optim.LBFGS([x]).param_groups[0]["max_eval"] == 25  # max_iter * 5 // 4, as PyTorch's


def _torch_run(torch, dtype, kwargs: dict, steps: int = 3) -> list:
    w = torch.tensor(W0.astype(dtype), requires_grad=True)
    c = torch.tensor(C0.astype(dtype), requires_grad=True)
    opt = torch.optim.LBFGS([w, c], **kwargs)
    a, b = torch.tensor(A.astype(dtype)), torch.tensor(B.astype(dtype))
    calls = [0]

    def closure():
        calls[0] += 1
        opt.zero_grad()
        r = a @ w + c - b
        loss = (r * r).sum() * 0.5 + (w ** 4).sum() * 0.05
        loss.backward()
        return loss

    out = []
    for _ in range(steps):
        calls[0] = 0
        loss = float(opt.step(closure))
        out.append((np.concatenate([w.detach().numpy().ravel(), c.detach().numpy()]), loss, calls[0]))
    return out


@pytest.mark.parametrize("kwargs", [{}, {"line_search_fn": "strong_wolfe", "history_size": 3}])
def test_against_torch(torch, kwargs):
    ours, _, _, _ = _run("least_squares", kwargs, steps=3)
    theirs = _torch_run(torch, np.float64, kwargs)
    for (x, loss, calls), (x_t, loss_t, calls_t) in zip(ours, theirs, strict=True):
        assert calls == calls_t
        assert_close(loss, loss_t, rtol=1e-10)
        assert_close(x, x_t, rtol=1e-10, atol=1e-12)


def test_float32_search_decides_as_torch(torch):
    """In float32 the search's thresholds are float32 numbers, as PyTorch's: near the optimum
    f + c1 t g'd rounds to f, and both accept the unit step where f did not change."""
    w = dg.tensor(W0.astype(np.float32), requires_grad=True)
    c = dg.tensor(C0.astype(np.float32), requires_grad=True)
    opt = optim.LBFGS([w, c], line_search_fn="strong_wolfe")
    calls = [0]

    def closure():
        calls[0] += 1
        opt.zero_grad()
        loss = lsq_dg([w, c])
        loss.backward()
        return loss

    opt.step(closure)
    ((x_t, _, calls_t),) = _torch_run(torch, np.float32, {"line_search_fn": "strong_wolfe"}, steps=1)
    assert calls[0] == calls_t
    assert_close(np.concatenate([w.detach().numpy().ravel(), c.detach().numpy()]), x_t, rtol=1e-5, atol=1e-5)


def test_on_the_jax_device_the_run_is_the_numpy_one():
    """The vector arithmetic runs on the parameters' device (registry ops on jax arrays) and the
    search reads its numbers back as PyTorch's `.item()`s: the same iterates and calls."""
    runs = []
    for device in ("cpu", "jax"):
        x = dg.tensor(X0_ROSEN.copy(), requires_grad=True, device=device)
        opt = optim.LBFGS([x], max_iter=4, line_search_fn="strong_wolfe", history_size=2)
        calls = [0]

        def closure(x=x, opt=opt, calls=calls):
            calls[0] += 1
            opt.zero_grad()
            loss = rosen_dg([x])
            loss.backward()
            return loss

        opt.step(closure)
        assert x.device.type == device and opt.state[x]["d"].device.type == device
        runs.append((x.detach().numpy(), calls[0]))
    assert runs[0][1] == runs[1][1]
    assert_close(runs[1][0], runs[0][0], rtol=1e-12, atol=1e-13)


def test_a_compiled_step_runs_eagerly_with_a_warning():
    """LBFGS's course depends on values (PyTorch's torch.compile breaks the graph there too):
    dg.compile says so and runs the step as written."""
    ours, theirs, _, _ = _run("rosenbrock", {"max_iter": 3}, steps=1)
    x = dg.tensor(X0_ROSEN.copy(), requires_grad=True)
    opt = optim.LBFGS([x], max_iter=3)

    def closure():
        opt.zero_grad()
        loss = rosen_dg([x])
        loss.backward()
        return loss

    with pytest.warns(CompileWarning, match="runs eagerly"):
        dg.compile(lambda: opt.step(closure), backend="numpy")()
    assert_close(x.detach().numpy(), theirs[0][0], rtol=1e-10, atol=1e-12)


CUBICS = [((1.0, -3.0, 0.0, 2.0), 0.5, 3.0), ((0.2, 0.5, -4.0, 1.0), 3.0, 0.0),
          ((-0.5, 2.0, 1.0, 0.0), -1.0, 1.5), ((0.0, 2.0, -3.0, 1.0), 0.0, 2.0)]


@pytest.mark.parametrize("coefs, x1, x2", CUBICS)
def test_cubic_interpolation_finds_a_cubics_minimiser(coefs, x1, x2):
    """From two values and slopes of a cubic (or a quadratic) the interpolation is exact: it
    returns the local minimiser, the root of p' where p'' > 0, when it lies between them."""
    from dualgrad.optim.line_search import cubic_interpolate

    p = np.polynomial.Polynomial(coefs[::-1])
    roots = [r.real for r in p.deriv().roots() if abs(r.imag) < 1e-12 and p.deriv(2)(r.real) > 0]
    (want,) = [r for r in roots if min(x1, x2) <= r <= max(x1, x2)]
    got = cubic_interpolate(x1, p(x1), p.deriv()(x1), x2, p(x2), p.deriv()(x2))
    assert_close(got, want, rtol=1e-12, atol=1e-12)


def test_cubic_interpolation_of_a_collapsed_bracket_is_its_point():
    """x1 == x2 (two Python floats): PyTorch raises ZeroDivisionError there; IEEE's 0 / 0 is
    NaN, no cubic, so the bracket's midpoint."""
    from dualgrad.optim.line_search import cubic_interpolate

    assert cubic_interpolate(0.5, 1.0, -1.0, 0.5, 1.0, -1.0) == 0.5
    assert cubic_interpolate(0.0, 1.0, -1.0, 1.0, 2.0, 3.0) == 0.25  # (the cubic's minimiser,
    assert cubic_interpolate(0.0, 1.0, -1.0, 1.0, 2.0, 3.0, bounds=(0.3, 0.4)) == 0.3  # clamped)
