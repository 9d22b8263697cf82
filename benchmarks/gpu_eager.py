"""Rows (3) and (4) of `benchmarks/gpu.py`: eager dualgrad on the jax device (each op
dispatched, and with lazy tensors) against PyTorch CUDA, and the eager MLP step compiled with
`dg.compile` against the same step eager and jax.jit by hand. Run them through gpu.py
(`--only eager`, `--only compile`)."""
from __future__ import annotations

import importlib.util
from collections.abc import Callable

import numpy as np
from race import Race
from workloads import N_OPS, chain_ops, eager_sgd_step, jax_mlp_loss, mlp_params

try:
    import jax
except Exception:  # noqa: BLE001 - no jax: nothing here can run
    jax = None

LR = 0.01


def have(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


# -- (3) eager per-op overhead ---------------------------------------------------------------------
LAZY = "dualgrad, dg.set_lazy_enabled(True)"


def eager(n: int, inner: int, rounds: int) -> tuple[dict, str, bool]:
    """µs per op of K = `inner` forward+backward passes of the 100-op chain, each unit ended by
    reading one gradient element on the host (`x.grad[0].item()`, the same for every library)."""
    import dualgrad as dg

    dev = "cuda" if dg.cuda.is_available() else "jax"
    race = Race(rounds)
    per = inner * N_OPS
    data = np.linspace(0.1, 1.0, n).astype(np.float32)

    def dualgrad_maker(device: str, lazy: bool = False) -> Callable[[], float]:
        x = dg.tensor(data, requires_grad=True, device=device)
        c = dg.tensor(np.full(n, 0.9, np.float32), device=device)

        def unit() -> float:
            with dg.set_lazy_enabled(lazy):
                for _ in range(inner):
                    x.grad = None
                    chain_ops(x, c, dg.sin).sum().backward()
                return x.grad[0].item()

        return unit

    race.add(f"dualgrad device='{dev}'", dualgrad_maker(dev), units=per)
    race.add(LAZY, dualgrad_maker(dev, lazy=True), units=per)
    torch_cuda = False
    if have("torch"):
        import torch

        torch_cuda = torch.cuda.is_available()
        if torch_cuda:
            x = torch.tensor(data, requires_grad=True, device="cuda")
            c = torch.full((n,), 0.9, device="cuda")

            def torch_unit() -> float:
                for _ in range(inner):
                    x.grad = None
                    chain_ops(x, c, torch.sin).sum().backward()
                return x.grad[0].item()

            race.add("PyTorch CUDA", torch_unit, units=per)
        else:
            race.skip("PyTorch CUDA")
    else:
        race.skip("PyTorch CUDA")
    race.add("dualgrad device='cpu' (numpy; context)", dualgrad_maker("cpu"), units=per)
    race.add("jax.jit per op, forward only (context)", jax_dispatch_floor(data, inner), units=per)
    return race.run(), dev, torch_cuda


def jax_dispatch_floor(data: np.ndarray, inner: int) -> Callable[[], float]:
    """The same chain forward only, one pre-jitted jax call per op: the floor that any eager
    library dispatching one XLA program per op pays (dualgrad does so forward and backward)."""
    import jax.numpy as jnp

    mul_s = jax.jit(lambda a, s: a * s, static_argnums=1)
    add, sub_s, sin = jax.jit(jnp.add), jax.jit(lambda a, s: a - s, static_argnums=1), jax.jit(jnp.sin)
    mul = jax.jit(jnp.multiply)
    x, c = jax.device_put(data), jax.device_put(np.full(data.shape, 0.9, np.float32))

    def unit() -> float:
        for _ in range(inner):
            y = x
            for i in range(N_OPS // 4):
                y = sin(add(mul_s(y, 1.001), c))
                y = sub_s(y, 0.5) if i % 2 else mul(y, c)
        return float(y[0])

    return unit


# -- (4) the eager MLP step, compiled ---------------------------------------------------------------
def compiled_eager(sizes: tuple[int, ...], batch: int, steps: int, rounds: int) -> dict:
    """Throughput of K eager SGD steps on the device: dg.compile, eager dualgrad, PyTorch CUDA
    and jax.jit by hand; a unit ends by reading one parameter element on the host."""
    import dualgrad as dg
    from dualgrad.backend import jax_numpy

    dev = "cuda" if dg.cuda.is_available() else "jax"
    rng = np.random.default_rng(0)
    xb = rng.standard_normal((batch, sizes[0])).astype(np.float32)
    yb = np.eye(sizes[-1], dtype=np.float32)[rng.integers(0, sizes[-1], batch)]
    init = mlp_params(sizes, rng)
    race = Race(rounds)

    def eager_unit_of(lib, device, compiled: bool, lazy: bool = False) -> Callable[[], float]:
        params = [lib.tensor(p, device=device, requires_grad=True) for p in init]
        x, y = lib.tensor(xb, device=device), lib.tensor(yb, device=device)
        step = eager_sgd_step(lib, x, y, params, LR, batch)
        if compiled:
            step = dg.compile(step)

        def unit() -> float:
            with dg.set_lazy_enabled(lazy):
                for _ in range(steps):
                    step()
                return params[-1][0].item()

        return unit

    race.add(f"dg.compile, device='{dev}'", eager_unit_of(dg, dev, True), units=steps)
    race.add(f"dualgrad eager, device='{dev}'", eager_unit_of(dg, dev, False), units=steps)
    race.add(f"dualgrad eager, device='{dev}', lazy", eager_unit_of(dg, dev, False, lazy=True), units=steps)
    if have("torch") and __import__("torch").cuda.is_available():
        import torch

        race.add("PyTorch CUDA eager", eager_unit_of(torch, "cuda", False), units=steps)
    else:
        race.skip("PyTorch CUDA eager")
    jnp = jax_numpy()
    loss_fn = jax_mlp_loss(jnp, jax.nn)

    def sgd(params, xv, yv):
        grads = jax.grad(loss_fn)(params, xv, yv)
        return [p - LR * gp for p, gp in zip(params, grads, strict=True)]

    jstep = jax.jit(sgd, donate_argnums=(0,))
    fx, fy = jax.device_put(xb), jax.device_put(yb)
    state = {"p": [jnp.asarray(p) for p in init]}

    def hand_unit() -> float:
        p = state["p"]
        for _ in range(steps):
            p = jstep(p, fx, fy)
        state["p"] = p
        return float(p[-1][0])

    race.add("jax.jit(grad) by hand", hand_unit, units=steps)
    return race.run()
