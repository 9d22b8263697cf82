"""Eager benchmarks: dualgrad against PyTorch (CPU), HIPS autograd and numpy by hand.

    python benchmarks/eager.py [--quick] [--cpu] [--only small|mlp|nn|chain|import|xent]

Prints, side by side, (1) 100 elementwise ops on a 10-element tensor, forward + backward, in
µs per op, and its forward and backward apart; (2) one SGD step of an MLP 784-256-256-10 at
batch 64, in ms, and its phases apart (forward with the loss, backward, update); (3) backward of a
chain of 1e6 ops: time and peak memory (each library in its own subprocess, so peaks don't mix);
(4) `import dualgrad` time; (5) one training epoch of the same MLP written with nn + optim.Adam
+ DataLoader (1024 samples, batch 64), in ms; (6) F.cross_entropy of 64x10 float32 logits
and int64 labels, forward + backward, forward alone, and forward + backward with a class
weight, in µs (jax: a jitted value_and_grad written by hand). Ratios are dualgrad / PyTorch. Timings are the
best of several repeats (the least disturbed run), the libraries taking turns within each
repeat; `--cpu` times rows (1), (2) and (5) in CPU time instead of wall time (steadier on a
shared machine). Peers that are not installed are left out.

Every library gets the same number of BLAS/intra-op threads: DUALGRAD_BENCH_THREADS (default
1; a shared 2-core machine makes multi-threaded BLAS numbers meaningless). OPENBLAS_CORETYPE
and OPENBLAS_L2_SIZE are removed from this process's environment before numpy loads.
"""
from __future__ import annotations

import os

for _key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):  # only inside the benchmark
    os.environ.pop(_key, None)
THREADS = int(os.environ.setdefault("DUALGRAD_BENCH_THREADS", "1"))
for _key in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_key] = str(THREADS)

import argparse  # noqa: E402  (the thread settings above must precede numpy's import)
import importlib.util  # noqa: E402
import platform  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from workloads import N_OPS, chain_ops, eager_sgd_phases, eager_sgd_step, numpy_sgd_step  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)


def have(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


CLOCK = time.perf_counter  # --cpu: time.process_time


def interleaved(makers: dict, repeats: int, inner: int = 1) -> dict:
    """{library: seconds per call of its step}, the minimum over `repeats` rounds of `inner`
    calls; the libraries take turns within each round, so a change in the machine's load
    during the run hits all of them alike."""
    steps = {lib: make() for lib, make in makers.items()}
    for step in steps.values():
        step()  # warm up
    best = dict.fromkeys(steps, float("inf"))
    for _ in range(repeats):
        for lib, step in steps.items():
            t = CLOCK()
            for _ in range(inner):
                step()
            best[lib] = min(best[lib], (CLOCK() - t) / inner)
    return best


# -- (1) 100 elementwise ops on 10 elements ---------------------------------------------------
def small_dualgrad() -> callable:
    import dualgrad as dg

    x = dg.tensor(np.linspace(0.1, 1.0, 10), dtype=dg.float32, requires_grad=True)
    c = dg.tensor(np.full(10, 0.9, np.float32))

    def step():
        chain_ops(x, c, dg.sin).sum().backward()
        x.grad = None

    return step


def small_torch() -> callable:
    import torch

    torch.set_num_threads(THREADS)
    x = torch.tensor(np.linspace(0.1, 1.0, 10), dtype=torch.float32, requires_grad=True)
    c = torch.full((10,), 0.9)

    def step():
        chain_ops(x, c, torch.sin).sum().backward()
        x.grad = None

    return step


def small_split(lib_names: list, repeats: int) -> dict:
    """{library: (forward, backward) µs per op} of the same 100-op chain, best of `repeats`;
    the libraries take turns within each repeat, as in `interleaved`."""
    chains = {}
    for name in lib_names:
        lib = __import__(name)
        x = lib.tensor(np.linspace(0.1, 1.0, 10), dtype=lib.float32, requires_grad=True)
        chains[name] = (lib, x, lib.tensor(np.full(10, 0.9, np.float32)))
    best = {name: [float("inf"), float("inf")] for name in lib_names}
    for _ in range(repeats):
        for name, (lib, x, c) in chains.items():
            t0 = CLOCK()
            y = chain_ops(x, c, lib.sin).sum()
            t1 = CLOCK()
            y.backward()
            t2 = CLOCK()
            x.grad = None
            split = best[name]
            split[0], split[1] = min(split[0], t1 - t0), min(split[1], t2 - t1)
    return {name: (f / N_OPS * 1e6, b / N_OPS * 1e6) for name, (f, b) in best.items()}


def small_hips() -> callable:
    import autograd
    import autograd.numpy as anp

    x = np.linspace(0.1, 1.0, 10).astype(np.float32)
    c = np.full(10, 0.9, np.float32)
    g = autograd.grad(lambda v: anp.sum(chain_ops(v, c, anp.sin)))
    return lambda: g(x)


def small_numpy() -> callable:
    """Forward keeping what backward needs, then the chain rule by hand."""
    x = np.linspace(0.1, 1.0, 10).astype(np.float32)
    c = np.full(10, 0.9, np.float32)

    def step():
        y, saved = x, []
        for i in range(N_OPS // 4):
            y = y * np.float32(1.001)
            y = y + c
            saved.append(y)
            y = np.sin(y)
            y = y - np.float32(0.5) if i % 2 else y * c
        g = np.ones_like(y)
        for i in reversed(range(N_OPS // 4)):
            g = g if i % 2 else g * c
            g = g * np.cos(saved[i])
            g = g * np.float32(1.001)
        return g

    return step


# -- (2) MLP 784-256-256-10, batch 64, one SGD step ------------------------------------------------
SIZES = (784, 256, 256, 10)
BATCH = 64
LR = 0.01


def mlp_data():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCH, SIZES[0])).astype(np.float32)
    labels = rng.integers(0, SIZES[-1], BATCH)
    onehot = np.eye(SIZES[-1], dtype=np.float32)[labels]
    params = []
    for n_in, n_out in zip(SIZES[:-1], SIZES[1:], strict=True):
        params.append((rng.standard_normal((n_in, n_out)) / np.sqrt(n_in)).astype(np.float32))
        params.append(np.zeros(n_out, np.float32))
    return x, onehot, params


def mlp_dualgrad() -> callable:
    import dualgrad as dg

    x, onehot, arrays = mlp_data()
    params = [dg.tensor(p, requires_grad=True) for p in arrays]
    return eager_sgd_step(dg, dg.tensor(x), dg.tensor(onehot), params, LR, BATCH)


def mlp_torch() -> callable:
    import torch

    torch.set_num_threads(THREADS)
    x, onehot, arrays = mlp_data()
    params = [torch.tensor(p, requires_grad=True) for p in arrays]
    return eager_sgd_step(torch, torch.tensor(x), torch.tensor(onehot), params, LR, BATCH)


def mlp_split(lib_names: list, repeats: int) -> dict:
    """{library: (forward with the loss, backward, update) ms} of the MLP step, best of
    `repeats` each, the libraries taking turns within each repeat (as `small_split`)."""
    x, onehot, arrays = mlp_data()
    phases = {}
    for name in lib_names:
        lib = __import__(name)
        if name == "torch":
            lib.set_num_threads(THREADS)
        params = [lib.tensor(p, requires_grad=True) for p in arrays]
        phases[name] = eager_sgd_phases(lib, lib.tensor(x), lib.tensor(onehot), params, LR, BATCH)
    best = {name: [float("inf")] * 3 for name in lib_names}
    for _ in range(repeats):
        for name, (forward, backward, update) in phases.items():
            t0 = CLOCK()
            loss = forward()
            t1 = CLOCK()
            backward(loss)
            t2 = CLOCK()
            update()
            t3 = CLOCK()
            split = best[name]
            for i, t in enumerate((t1 - t0, t2 - t1, t3 - t2)):
                split[i] = min(split[i], t)
    return {name: tuple(t * 1e3 for t in split) for name, split in best.items()}


def mlp_hips() -> callable:
    import autograd
    import autograd.numpy as anp

    x, onehot, params = mlp_data()

    def loss(ps):
        h = x
        for k in range(0, len(ps), 2):
            h = anp.dot(h, ps[k]) + ps[k + 1]
            if k + 2 < len(ps):
                h = anp.maximum(h, 0.0)
        z = h - anp.max(h, axis=1, keepdims=True)
        logp = z - anp.log(anp.sum(anp.exp(z), axis=1, keepdims=True))
        return -anp.sum(logp * onehot) / BATCH

    g = autograd.grad(loss)

    def step():
        for p, d in zip(params, g(params), strict=True):
            p -= LR * d

    return step


def mlp_numpy() -> callable:
    x, onehot, params = mlp_data()

    def step():
        params[:], _ = numpy_sgd_step(params, x, onehot, LR)

    return step


# -- (3) a chain of 1e6 ops: backward time and peak memory (one subprocess per library) -----------
CHAIN_CHILD = r"""
import resource, sys, time
import numpy as np
lib, n = sys.argv[1], int(sys.argv[2])
if lib == "dualgrad":
    import dualgrad as m
else:
    import torch as m
    m.set_num_threads(int(sys.argv[3]))
x = m.tensor([1.0], requires_grad=True)
def rss_kb():
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmRSS"))
base = rss_kb()
t0 = time.perf_counter()
y = x
for _ in range(n):
    y = y * 1.0
t1 = time.perf_counter()
y.backward()
t2 = time.perf_counter()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(t1 - t0, t2 - t1, (peak - base) / 1024, x.grad.item())
"""


# -- (5) one training epoch with nn + optim + DataLoader ---------------------------------------
EPOCH_SAMPLES = 1024


def nn_epoch(lib) -> callable:
    """One epoch (16 batches of 64) of the MLP as a PyTorch user writes it: nn.Sequential,
    CrossEntropyLoss, optim.Adam, a shuffling DataLoader; `lib` is `dualgrad` or `torch`,
    the code is the same for both."""
    if lib.__name__ == "torch":
        lib.set_num_threads(THREADS)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((EPOCH_SAMPLES, SIZES[0])).astype(np.float32)
    labels = rng.integers(0, SIZES[-1], EPOCH_SAMPLES)
    layers = []
    for n_in, n_out in zip(SIZES[:-1], SIZES[1:], strict=True):
        layers += [lib.nn.Linear(n_in, n_out), lib.nn.ReLU()]
    model = lib.nn.Sequential(*layers[:-1])
    optimizer = lib.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = lib.nn.CrossEntropyLoss()
    data = lib.utils.data
    loader = data.DataLoader(data.TensorDataset(lib.tensor(x), lib.tensor(labels)), batch_size=BATCH,
                             shuffle=True)

    def epoch():
        for xb, yb in loader:
            optimizer.zero_grad()
            loss_fn(model(xb), yb).backward()
            optimizer.step()

    return epoch


def chain_child(lib: str, n: int) -> tuple[float, float, float]:
    out = subprocess.run([sys.executable, "-c", CHAIN_CHILD, lib, str(n), str(THREADS)], capture_output=True,
                         text=True, check=True, cwd=ROOT, env=bench_env())
    fwd, bwd, peak_mb, grad = out.stdout.split()
    assert float(grad) == 1.0
    return float(fwd), float(bwd), float(peak_mb)


# -- (6) F.cross_entropy, 64x10 ---------------------------------------------------------------
def xent_data():
    rng = np.random.default_rng(0)
    return rng.standard_normal((BATCH, SIZES[-1])).astype(np.float32), rng.integers(0, SIZES[-1], BATCH)


XENT_WEIGHT = np.linspace(0.5, 2.0, SIZES[-1], dtype=np.float32)  # (a class weight: row (6)'s third line)


def xent_eager(name: str, backward: bool = True, weighted: bool = False) -> callable:
    """F.cross_entropy(logits, labels) with PyTorch's defaults (and a class weight where
    `weighted`); `lib` dualgrad or torch, the same code for both."""
    lib = __import__(name)
    if name == "torch":
        lib.set_num_threads(THREADS)
    logits, labels = xent_data()
    x, y = lib.tensor(logits, requires_grad=True), lib.tensor(labels)
    weight = lib.tensor(XENT_WEIGHT) if weighted else None
    cross_entropy = lib.nn.functional.cross_entropy

    def step():
        loss = cross_entropy(x, y, weight=weight)
        if backward:
            loss.backward()
            x.grad = None

    return step


def xent_jax(backward: bool = True, weighted: bool = False) -> callable:
    import jax
    import jax.numpy as jnp

    logits, labels = xent_data()
    x, y = jnp.asarray(logits), jnp.asarray(labels)
    w = jnp.asarray(XENT_WEIGHT if weighted else np.ones(SIZES[-1], np.float32))[y]

    def loss(v):
        logp = jax.nn.log_softmax(v, axis=1)
        return -jnp.sum(jnp.take_along_axis(logp, y[:, None], axis=1)[:, 0] * w) / jnp.sum(w)

    fn = jax.jit(jax.value_and_grad(loss) if backward else loss)
    return lambda: jax.block_until_ready(fn(x))


# -- (4) import time --------------------------------------------------------------------------------
def import_seconds(repeats: int) -> float:
    code = "import time; t = time.perf_counter(); import dualgrad; print(time.perf_counter() - t)"
    runs = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                 check=True, cwd=ROOT, env=bench_env()).stdout) for _ in range(repeats)]
    return min(runs)


def bench_env() -> dict:
    env = dict(os.environ)  # already without OPENBLAS_CORETYPE/L2_SIZE, with the thread counts
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    return env


def row(name: str, values: dict, unit: str, digits: int = 2) -> None:
    cells = [f"{lib}={v:.{digits}f}{unit}" for lib, v in values.items() if v is not None]
    ratio = ""
    if values.get("dualgrad") and values.get("torch"):
        ratio = f"   dualgrad/torch = {values['dualgrad'] / values['torch']:.2f}x"
    print(f"{name:<28} " + "  ".join(cells) + ratio)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, a 2e5-op chain")
    parser.add_argument("--only", choices=["small", "mlp", "nn", "chain", "import", "xent"], default=None)
    parser.add_argument("--cpu", action="store_true",
                        help="time rows (1), (2), (5) in this process's CPU time: on a shared machine "
                             "other jobs' load shows up as waiting, which CPU time leaves out")
    args = parser.parse_args()
    global CLOCK
    if args.cpu:
        CLOCK = time.process_time
    reps = 5 if args.quick else 20
    peers = {"torch": have("torch"), "hips": have("autograd"), "numpy": True, "jax": have("jax")}
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"{THREADS} BLAS thread(s), Python {platform.python_version()}, numpy {np.__version__}"
          + (f", torch {__import__('torch').__version__}" if peers["torch"] else ""))

    if args.only in (None, "small"):
        makers = {"dualgrad": small_dualgrad, "torch": small_torch, "hips": small_hips, "numpy": small_numpy}
        # single runs, best of many: one step is ~0.7 ms, so this is robust to passing load
        values = {lib: t / N_OPS * 1e6 for lib, t in interleaved(
            {lib: make for lib, make in makers.items() if peers.get(lib, True)}, 20 * reps).items()}
        row("100 ops x 10 elem, fwd+bwd", values, " us/op")
        split = small_split([lib for lib in ("dualgrad", "torch") if peers.get(lib, True)], 20 * reps)
        row("  forward only", {k: v[0] for k, v in split.items()}, " us/op")
        row("  backward only", {k: v[1] for k, v in split.items()}, " us/op")

    if args.only in (None, "mlp"):
        makers = {"dualgrad": mlp_dualgrad, "torch": mlp_torch, "hips": mlp_hips, "numpy": mlp_numpy}
        values = {lib: t * 1e3 for lib, t in interleaved(
            {lib: make for lib, make in makers.items() if peers.get(lib, True)}, 3 * reps, inner=5).items()}
        row("MLP 784-256-256-10 SGD step", values, " ms")
        split = mlp_split([lib for lib in ("dualgrad", "torch") if peers.get(lib, True)], 15 * reps)
        for i, phase in enumerate(("forward + loss", "backward", "update")):
            row(f"  {phase}", {k: v[i] for k, v in split.items()}, " ms", 3)

    if args.only in (None, "nn"):
        libs = {"dualgrad": "dualgrad", "torch": "torch"}
        values = {lib: t * 1e3 for lib, t in interleaved(
            {lib: lambda name=name: nn_epoch(__import__(name)) for lib, name in libs.items()
             if peers.get(lib, True)}, max(3, reps // 4)).items()}
        row("MLP epoch, nn+Adam+loader", values, " ms")

    if args.only in (None, "chain"):
        n = 200_000 if args.quick else 1_000_000
        results = {lib: chain_child(lib, n) for lib in ("dualgrad", "torch") if peers.get(lib, True)}
        row(f"chain of {n:.0e} ops: forward", {k: v[0] for k, v in results.items()}, " s")
        row(f"chain of {n:.0e} ops: backward", {k: v[1] for k, v in results.items()}, " s")
        row(f"chain of {n:.0e} ops: peak", {k: v[2] for k, v in results.items()}, " MB", 0)

    if args.only in (None, "xent"):
        lines = ((True, False, "F.cross_entropy 64x10 f+b"), (False, False, "  forward only"),
                 (True, True, "  class weight, f+b"))
        for backward, weighted, label in lines:
            makers = {lib: (lambda lib=lib, b=backward, w=weighted: xent_eager(lib, b, w))
                      for lib in ("dualgrad", "torch")}
            makers["jax"] = lambda b=backward, w=weighted: xent_jax(b, w)
            makers = {lib: make for lib, make in makers.items() if peers.get(lib, True)}
            values = {lib: t * 1e6 for lib, t in interleaved(makers, 100 * reps, inner=10).items()}
            row(label, values, " us")

    if args.only in (None, "import"):
        print(f"{'import dualgrad':<28} {import_seconds(7):.3f} s (target <= 0.3 s)")


if __name__ == "__main__":
    main()
