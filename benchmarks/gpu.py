"""GPU benchmarks: dualgrad's static Session and eager jax tensors against jax.jit by hand and
PyTorch CUDA, side by side in one run.

    python benchmarks/gpu.py                          # real sizes (meant for a GPU)
    python benchmarks/gpu.py --sizes small --rounds 1  # tiny sizes: checks the script on a CPU

(1) static MLP 1024-4096-4096-1024 training step (`GradientDescentOptimizer(lr).minimize(loss)`
run with `sess.run(train, feed_dict)`) at batch 64 and 4096 vs a hand-written
`jax.jit(value_and_grad)` SGD step of the same model (target >= 0.9x its throughput);
(2) fused elementwise forward+backward, loss = sum(tanh(x*w+b)**2) with its gradient w.r.t.
x on 1e8 float32, as a static graph vs `jax.jit(value_and_grad)` by hand (target >= 0.9x);
(3) eager per-op overhead: 100 elementwise ops forward+backward on dualgrad tensors with
device='cuda' (device='jax' without a GPU), µs per op, vs PyTorch CUDA (target <= 1.5x),
each op dispatched and with lazy tensors (`dg.set_lazy_enabled(True)`: one program forward);
(4) the MLP step of (1) written eagerly (PyTorch style: forward, `backward()`, `p -= lr *
p.grad` under `no_grad`) on device='cuda' tensors and run with `dg.compile`, vs the same
eager step in PyTorch CUDA and dualgrad (dispatched and lazy), and jax.jit by hand (no
target; context).

Both jax contenders run at the same matmul precision: `jax_default_matmul_precision` is set
for the whole process (`--precision`, default 'highest', i.e. true float32, no TF32). Times are
the best of interleaved rounds (each round runs every contender once); a unit of work is a
run of K steps dispatched back to back, ended by fetching a result that depends on all of
them (the loss as numpy), so the asynchronous GPU queue is timed to completion. Feeds are
placed on the device once (`--feed host` feeds numpy arrays every step instead, to both).
A peer that is missing is reported, not fatal.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import traceback
from collections.abc import Callable

import numpy as np
from gpu_eager import LAZY, LR, compiled_eager, eager, have
from race import Race
from workloads import dense_logits, jax_mlp_loss, mlp_params

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

try:
    import jax
except Exception:  # noqa: BLE001 - no jax: nothing here can run
    jax = None

SIZES = {  # per --sizes: the MLP widths, its batch sizes, elementwise length, eager length
    "full": {"mlp": (1024, 4096, 4096, 1024), "batches": (64, 4096), "n_elem": 100_000_000,
             "eager_n": 1024, "rounds": 7},
    "small": {"mlp": (32, 64, 64, 16), "batches": (8, 64), "n_elem": 100_000,
              "eager_n": 1024, "rounds": 3},
}
# the two Session contenders of (1) and (2): the default waits for each run's writes (a run
# failing for memory changes nothing); pipelined returns once a run is dispatched (static.md)
DEFAULT, PIPELINED = "dualgrad Session", "dualgrad Session(pipelined=True)"


def on_cpu() -> bool:
    return jax.default_backend() == "cpu"


def put(a: np.ndarray, feed: str):
    """A feed value: on jax's default device once (`device`), or the numpy array (`host`)."""
    return jax.device_put(a) if feed == "device" else a


# -- (1) static MLP training step ----------------------------------------------------------------
def mlp(sizes: tuple[int, ...], batch: int, steps: int, rounds: int, feed: str) -> dict:
    """Throughput of K = `steps` training steps: dualgrad Session vs jax.jit by hand."""
    import dualgrad.static as ds
    from dualgrad.backend import jax_numpy

    jnp = jax_numpy()
    rng = np.random.default_rng(0)
    xb = rng.standard_normal((batch, sizes[0])).astype(np.float32)
    yb = np.eye(sizes[-1], dtype=np.float32)[rng.integers(0, sizes[-1], batch)]
    init = mlp_params(sizes, rng)
    fx, fy = put(xb, feed), put(yb, feed)
    race = Race(rounds)

    g = ds.Graph()
    with g.as_default():
        x = ds.placeholder(ds.float32, shape=(None, sizes[0]))
        y = ds.placeholder(ds.float32, shape=(None, sizes[-1]))
        # zeros as initial values keep megabyte constants out of the graph; values are loaded
        vs = [ds.Variable(ds.zeros(p.shape)) for p in init]
        h = dense_logits(ds.matmul, ds.nn.relu, x, vs)
        loss = ds.reduce_mean(ds.nn.softmax_cross_entropy_with_logits(labels=y, logits=h))
        train = ds.train.GradientDescentOptimizer(LR).minimize(loss)
    sessions = {PIPELINED: ds.Session(graph=g, pipelined=True), DEFAULT: ds.Session(graph=g)}
    for sess in sessions.values():
        for v, p in zip(vs, init, strict=True):
            v.load(p, sess)
    feed_dict = {x: fx, y: fy}

    def dualgrad_unit_of(sess) -> Callable[[], float]:
        def unit() -> float:
            for _ in range(steps - 1):
                sess.run(train, feed_dict)
            return float(sess.run([train, loss], feed_dict)[1])  # waits for all K steps

        return unit

    loss_fn = jax_mlp_loss(jnp, jax.nn)

    def sgd(params, xv, yv):
        value, grads = jax.value_and_grad(loss_fn)(params, xv, yv)
        return [p - LR * gp for p, gp in zip(params, grads, strict=True)], value

    jstep = jax.jit(sgd, donate_argnums=(0,))  # parameters donated, as the Session's variables are
    state = {"p": [jnp.asarray(p) for p in init]}

    def hand_unit() -> float:
        p = state["p"]
        for _ in range(steps):
            p, value = jstep(p, fx, fy)
        state["p"] = p
        return float(np.asarray(value))

    first_h = hand_unit()
    for label, sess in sessions.items():  # same start, same K steps: same loss
        first_d = dualgrad_unit_of(sess)()
        if not np.isclose(first_d, first_h, rtol=1e-3, atol=1e-4):
            print(f"  warning: losses differ after {steps} steps: {label} {first_d} vs jax {first_h}")
        race.add(label, dualgrad_unit_of(sess), units=steps)
    race.add("jax.jit(value_and_grad) by hand", hand_unit, units=steps)
    out = race.run()
    for sess in sessions.values():
        sess.close()
    return out


# -- (2) fused elementwise forward + backward -------------------------------------------------------
W, B = 1.5, 0.25


def elementwise(n: int, steps: int, rounds: int) -> dict:
    """loss = sum(tanh(x*w+b)**2) and d loss / d x, x on the device: static graph vs jax.jit."""
    import dualgrad.static as ds
    from dualgrad.backend import jax_numpy

    jnp = jax_numpy()
    xs = np.random.default_rng(1).standard_normal(n).astype(np.float32)
    race = Race(rounds)

    g = ds.Graph()
    with g.as_default():
        x = ds.Variable(ds.zeros([n]), name="x")
        grad_x = ds.Variable(ds.zeros([n]), name="grad_x")
        loss_v = ds.Variable(0.0, name="loss_v")
        loss = ds.reduce_sum(ds.square(ds.tanh(x * W + B)))
        (gx,) = ds.gradients(loss, [x])
        # loss and gradient stay on the device, as the outputs of the jitted function by hand
        store = ds.group(grad_x.assign(gx), loss_v.assign(loss))
    sessions = {PIPELINED: ds.Session(graph=g, pipelined=True), DEFAULT: ds.Session(graph=g)}
    for sess in sessions.values():
        x.load(xs, sess)

    def dualgrad_unit_of(sess) -> Callable[[], float]:
        def unit() -> float:
            for _ in range(steps):
                sess.run(store)
            return float(sess.run(loss_v))  # waits for all K steps

        return unit

    f = jax.jit(jax.value_and_grad(lambda v: jnp.sum(jnp.square(jnp.tanh(v * W + B)))))
    xj = jnp.asarray(xs)
    state: dict = {}

    def hand_unit() -> float:
        for _ in range(steps):
            value, state["g"] = f(xj)
        jax.block_until_ready(state["g"])
        return float(np.asarray(value))

    h = hand_unit()
    for label, sess in sessions.items():
        d = dualgrad_unit_of(sess)()
        if not np.isclose(d, h, rtol=1e-3):
            print(f"  warning: losses differ: {label} {d} vs jax {h}")
        gd = sess.run(grad_x)
        if not np.allclose(gd[:1000], np.asarray(state["g"][:1000]), rtol=1e-4, atol=1e-6):
            print(f"  warning: gradients differ between {label} and jax")
        race.add(label, dualgrad_unit_of(sess), units=steps)
    race.add("jax.jit(value_and_grad) by hand", hand_unit, units=steps)
    out = race.run()
    for sess in sessions.values():
        sess.close()
    return out


# -- report ---------------------------------------------------------------------------------------
def fmt(seconds: float | None, unit: str) -> str:
    if seconds is None:
        return "n/a"
    value = seconds * {"us": 1e6, "ms": 1e3, "s": 1.0}[unit]
    return f"{value:.{3 if value < 10 else 2}f} {unit}"


def print_section(title: str, results: dict, ref_label: str, unit: str) -> None:
    print(title)
    ref = results.get(ref_label)
    for label, seconds in results.items():
        ratio = f"{seconds / ref:6.2f}x" if seconds and ref else ""
        print(f"  {label:<42} {fmt(seconds, unit):>14}  {ratio}")
    print()


def versions() -> str:
    parts = [f"python {platform.python_version()}", f"numpy {np.__version__}"]
    if jax is not None:
        parts.append(f"jax {jax.__version__}")
    parts.append(f"torch {__import__('torch').__version__}" if have("torch") else "torch not installed")
    return ", ".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", choices=["full", "small"], default="full",
                        help="'small': tiny sizes so the whole script runs on a CPU in seconds")
    parser.add_argument("--rounds", type=int, default=None, help="interleaved rounds per benchmark")
    parser.add_argument("--precision", default="highest", help="jax_default_matmul_precision for all")
    parser.add_argument("--feed", choices=["device", "host"], default="device",
                        help="MLP batches placed on the device once, or fed as numpy every step")
    parser.add_argument("--only", choices=["mlp", "elementwise", "eager", "compile"], default=None)
    args = parser.parse_args(argv)
    cfg = SIZES[args.sizes]
    rounds = args.rounds or cfg["rounds"]
    small = args.sizes == "small"

    print(versions())
    if jax is None:
        print("jax not installed: nothing to measure")
        return 0
    jax.config.update("jax_default_matmul_precision", args.precision)
    print(f"jax devices: {jax.devices()} (default backend: {jax.default_backend()})")
    print(f"matmul precision (both jax contenders): {args.precision}; sizes: {args.sizes}; "
          f"rounds: {rounds}; MLP feeds: {args.feed}")
    if on_cpu():
        print("NOTE: no GPU visible to jax; these are CPU numbers, not GPU numbers")
    print()

    table: list[tuple[str, str, str, str, str]] = []  # benchmark, dualgrad, peer, ratio, target
    failed = False

    def section(name: str, body: Callable[[], None]) -> None:
        nonlocal failed
        try:
            body()
        except Exception:  # noqa: BLE001 - report and go on with the other sections
            failed = True
            traceback.print_exc()
            table.append((name, "error", "", "", ""))

    def throughput_row(name: str, res: dict, unit: str) -> None:
        h = res.get("jax.jit(value_and_grad) by hand")
        for label, suffix in ((DEFAULT, ""), (PIPELINED, " [pipelined]")):
            d = res.get(label)
            ratio = f"{h / d:.2f}x" if d and h else "n/a"  # throughput ratio = time ratio inverted
            table.append((name + suffix, fmt(d, unit), fmt(h, unit), ratio, ">= 0.9x"))

    if args.only in (None, "mlp"):
        sizes = cfg["mlp"]
        for batch in cfg["batches"]:
            name = f"(1) MLP {'-'.join(map(str, sizes))} batch {batch} step"
            steps = 20 if small else (50 if batch <= 256 else 10)

            def run_mlp(batch: int = batch, name: str = name, steps: int = steps) -> None:
                res = mlp(sizes, batch, steps, rounds, args.feed)
                print_section(f"{name} (K={steps} steps per unit; ratios: time / dualgrad)", res,
                              DEFAULT, "ms")
                throughput_row(name, res, "ms")

            section(name, run_mlp)

    if args.only in (None, "elementwise"):
        n = cfg["n_elem"]
        name = f"(2) sum(tanh(x*w+b)**2) fwd+bwd, {n:.0e} f32"

        def run_elem() -> None:
            res = elementwise(n, 10, rounds)
            print_section(f"{name} (ratios: time / dualgrad)", res, DEFAULT, "ms")
            throughput_row(name, res, "ms")

        section(name, run_elem)

    if args.only in (None, "eager"):
        name = f"(3) eager 100 ops x {cfg['eager_n']} elem fwd+bwd"

        def run_eager() -> None:
            res, dev, torch_cuda = eager(cfg["eager_n"], 5 if small else 20, rounds)
            if not torch_cuda:
                print("torch CUDA not available")
            print_section(f"{name}, per op (ratios: time / dualgrad device='{dev}')", res,
                          f"dualgrad device='{dev}'", "us")
            t = res.get("PyTorch CUDA")
            rows = ((f"[{dev}]", res.get(f"dualgrad device='{dev}'")), (f"[{dev}, lazy]", res.get(LAZY)))
            for label, d in rows:
                ratio = f"{d / t:.2f}x" if d and t else "n/a (torch CUDA not available)"
                table.append((f"{name} {label}", fmt(d, "us"), fmt(t, "us"), ratio, "<= 1.5x"))

        section(name, run_eager)

    if args.only in (None, "compile"):
        sizes, batch = cfg["mlp"], cfg["batches"][0]
        name = f"(4) eager MLP {'-'.join(map(str, sizes))} batch {batch} step, dg.compile"
        steps = 20 if small else 50

        def run_compiled() -> None:
            res = compiled_eager(sizes, batch, steps, rounds)
            label = next(iter(res))
            print_section(f"{name} (K={steps} steps per unit; ratios: time / dg.compile)", res,
                          label, "ms")
            d = res.get(label)
            for peer in ("PyTorch CUDA eager", "jax.jit(grad) by hand"):
                t = res.get(peer)
                ratio = f"{t / d:.2f}x" if d and t else "n/a"
                table.append((f"{name} vs {peer}", fmt(d, "ms"), fmt(t, "ms"), ratio, "(context)"))

        section(name, run_compiled)

    print("Summary (peer = jax.jit by hand for (1)-(2), PyTorch CUDA for (3); (1)-(2) and (4) "
          "ratio = dualgrad throughput / peer's, (3) ratio = dualgrad time / peer's)")
    header = ("benchmark", "dualgrad", "peer", "ratio", "target")
    widths = [max(len(r[i]) for r in [header, *table]) for i in range(5)]
    for r in [header, tuple("-" * w for w in widths), *table]:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |")
    if on_cpu():
        print("(CPU-only run: not GPU figures)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
