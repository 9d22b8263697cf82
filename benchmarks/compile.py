"""`dg.compile` benchmark: one eager MLP SGD step (784-256-256-10, batch 64) compiled, side by
side with the same step eager, jax.jit by hand, PyTorch eager and torch.compile.

    python benchmarks/compile.py [--quick]

Every contender runs the same PyTorch-style step (`workloads.eager_sgd_step`: forward,
`loss.backward()`, `p -= lr * p.grad` under `no_grad`, `p.grad = None`); the jax peer is the
same model written with `jax.grad` under `jax.jit` with the parameters donated, the
way a jax user would write it. Contenders run in interleaved rounds (race.py), best round
counts; ratios are against dg.compile (jax). Each race runs twice: timed by the wall clock,
then by the CPU time of all the process's threads (less disturbed by other processes on a
shared machine). The dg.compile step also copies the updated parameters back into the eager
tensors every call (they stay visible to eager code), which the jax peer does not do;
`dg.compile (jax device)` runs the step on tensors on jax's default device (`device='jax'`),
whose parameters are rebound to the program's arrays instead (and waits for each step).
torch.compile needs a C compiler; where it fails its row says why.

    python benchmarks/compile.py --only "dg.compile (jax),jax.jit by hand"   # those rows only
    python benchmarks/compile.py --parts    # where dg.compile's time goes beside jax.jit's

`--parts` races, in CPU time and short warm rounds (5 calls), the whole compiled call
against the same call without its guard (`Program.run`: the Session call and the syncs of
the eager tensors) and the Session call alone (no eager tensor is synced), each beside
jax.jit by hand.

    python benchmarks/compile.py --host     # dg.compile's fixed host work per call
    python benchmarks/compile.py --floor    # the step's matrix products alone, beside it

`--host` takes the same three parts apart for a tiny `nn.Module` + `optim.SGD(momentum)` step
(32-64-64-16, batch 8, integer labels), whose XLA program is a few microseconds: there the
guard walk (of the model, the optimizer and its state) and the syncs are most of a call.

`--floor` races the step's eight matrix products alone (three forward, three weight
gradients, two input gradients: the same shapes, by numpy and by PyTorch, on the benchmark's
BLAS threads) against whole steps: no implementation of the step can beat the products it
must compute, so where they take more than half of PyTorch eager's step, "2x faster than
PyTorch eager" is out of reach on that machine.
"""
from __future__ import annotations

import os

THREADS = int(os.environ.setdefault("DUALGRAD_BENCH_THREADS", "1"))
for _key in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_key] = str(THREADS)

import argparse  # noqa: E402  (the thread settings above must precede numpy's import)
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

from eager import BATCH, LR, SIZES, mlp_data  # noqa: E402  (the same data as eager.py's MLP row)
from race import Race  # noqa: E402
from workloads import eager_sgd_step, jax_mlp_loss  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

def dualgrad_step(compiled: str | None, device: str = "cpu"):
    """The step on numpy-backed tensors, or (`device='jax'`) on jax's default device, whose
    compiled calls rebind the parameters to the program's arrays instead of copying every
    updated value into numpy storage; a call there returns once dispatched, so it waits."""
    import dualgrad as dg

    x, onehot, arrays = mlp_data()
    params = [dg.tensor(p, requires_grad=True, device=device) for p in arrays]
    step = eager_sgd_step(dg, dg.tensor(x, device=device), dg.tensor(onehot, device=device), params,
                          LR, BATCH)
    if compiled is not None:
        step = dg.compile(step, backend=compiled)
    if device == "cpu":
        return step

    def waited() -> None:
        step()
        params[-1]._data.block_until_ready()

    return waited


def torch_step(compiled: bool):
    import torch

    torch.set_num_threads(THREADS)
    x, onehot, arrays = mlp_data()
    params = [torch.tensor(p, requires_grad=True) for p in arrays]
    step = eager_sgd_step(torch, torch.tensor(x), torch.tensor(onehot), params, LR, BATCH)
    return torch.compile(step) if compiled else step


def jax_step():
    from dualgrad.backend import jax_numpy

    jnp = jax_numpy()
    import jax

    x, onehot, arrays = mlp_data()
    loss_fn = jax_mlp_loss(jnp, jax.nn)

    def update(params, xb, yb):
        grads = jax.grad(loss_fn)(params, xb, yb)
        return [p - LR * g for p, g in zip(params, grads, strict=True)]

    update = jax.jit(update, donate_argnums=0)
    state = {"p": [jnp.asarray(p) for p in arrays]}
    xb, yb = jnp.asarray(x), jnp.asarray(onehot)

    def step():
        state["p"] = update(state["p"], xb, yb)
        jax.block_until_ready(state["p"])

    return step


def first_call(race: Race, label: str, make) -> str | None:
    """Add `make()` to the race; a contender that cannot run reports why instead."""
    from dualgrad.errors import CompileWarning

    try:
        with warnings.catch_warnings():
            # a dg.compile fallback would time eager code (only dualgrad's warning: torch.compile
            # reads `.grad` of non-leaf fakes while tracing, whose UserWarning must stay one)
            warnings.simplefilter("error", CompileWarning)
            t = time.perf_counter()
            fn = make()
            race.add(label, fn)
            print(f"  {label}: first call (trace + compile) {time.perf_counter() - t:.2f} s")
    except Exception as e:  # noqa: BLE001 - report any peer that does not run, and go on
        race.skip(label)
        return f"{type(e).__name__}: {str(e).splitlines()[0][:160] if str(e) else ''}"
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    parser.add_argument("--only", help="comma-separated contender labels to run")
    parser.add_argument("--parts", action="store_true", help="dg.compile's call taken apart")
    parser.add_argument("--host", action="store_true", help="the same for a tiny module step")
    parser.add_argument("--floor", action="store_true", help="the matrix products alone")
    args = parser.parse_args()
    if args.floor:
        floor(20 if args.quick else 60)
        return
    if args.parts:
        parts(60 if args.quick else 200)
        return
    if args.host:
        host(60 if args.quick else 200)
        return
    rounds, calls = (5, 10) if args.quick else (15, 20)
    race = Race(rounds)
    contenders = {
        "dg.compile (jax)": lambda: dualgrad_step("jax"),
        "jax.jit by hand": jax_step,
        "dg.compile (jax device)": lambda: dualgrad_step("jax", "jax"),
        "dualgrad eager": lambda: dualgrad_step(None),
        "dg.compile (numpy)": lambda: dualgrad_step("numpy"),
        "torch eager": lambda: torch_step(False),
        "torch.compile": lambda: torch_step(True),
    }
    if args.only:
        wanted = args.only.split(",")
        contenders = {label: make for label, make in contenders.items() if label in wanted}
    print(f"MLP {'-'.join(map(str, SIZES))} SGD step, batch {BATCH}, {os.cpu_count()} CPUs, "
          f"{THREADS} BLAS thread(s)")
    failures = {label: first_call(race, label, make) for label, make in contenders.items()}
    for label, (fn, _, units) in [(k, v) for k, v in race.entries.items() if v is not None]:
        race.entries[label] = (fn, calls, units)
    for clock, what in ((time.perf_counter, "wall"), (time.process_time, "CPU, all threads")):
        race.clock = clock
        report(race.run(), failures, what)


def parts(rounds: int, calls: int = 5) -> None:
    """dg.compile (jax)'s call taken apart, each part beside jax.jit by hand (CPU time). Each
    round calls every contender once untimed first: the contender before it left other
    memory in the caches (the whole-step race above pays that refill too, once per round)."""
    compiled = dualgrad_step("jax")
    compiled()
    program = next(iter(compiled.programs.values()))
    values = session_values(program, [])
    cases = {"dg.compile (jax)": compiled, "- guard (Program.run)": lambda: program.run([]),
             "- eager syncs (Session call)": lambda: program.call(*values), "jax.jit by hand": jax_step()}
    best = warm_cpu_race(cases, rounds, calls)
    hand = best["jax.jit by hand"]
    print(f"-- ms per step (CPU, all threads; best of {rounds} warm rounds of {calls} calls)")
    for label, t in best.items():
        print(f"{label:<30} {t * 1e3:8.3f} ms   {t / hand:.2f}x jax.jit by hand")


def matmul_products(x, arrays):
    """The step's eight matrix products (forward, weight and input gradients) on `x` and the
    weights among `arrays` (numpy arrays or torch tensors)."""
    w1, w2, w3 = (a for a in arrays if a.ndim == 2)
    h1, h2 = x @ w1, (x @ w1) @ w2
    g3 = h2 @ w3

    def products():
        a1 = x @ w1
        a2 = h1 @ w2
        a3 = h2 @ w3
        x.T @ h1, h1.T @ h2, h2.T @ g3  # the weight gradients' shapes
        g3 @ w3.T, h2 @ w2.T  # the input gradients of the two upper layers
        return a1, a2, a3

    return products


def floor(rounds: int, calls: int = 5) -> None:
    """The matrix products alone against whole steps (CPU time), in GFLOP/s."""
    x, _, arrays = mlp_data()
    cases = {"matrix products only (numpy)": matmul_products(x, arrays)}
    try:
        import torch

        torch.set_num_threads(THREADS)
        cases["matrix products only (torch)"] = matmul_products(torch.tensor(x),
                                                                [torch.tensor(a) for a in arrays])
        cases["torch eager"] = torch_step(False)
    except ImportError:
        pass
    cases["jax.jit by hand"] = jax_step()
    cases["dg.compile (jax device)"] = dualgrad_step("jax", "jax")
    flops = 2 * BATCH * (2 * sum(a * b for a, b in zip(SIZES[:-1], SIZES[1:], strict=True))
                         + sum(a * b for a, b in zip(SIZES[1:-1], SIZES[2:], strict=True)))
    best = warm_cpu_race(cases, rounds, calls)
    print(f"-- {flops / 1e6:.1f} MFLOP of matrix products per step; ms per step (CPU, all threads; "
          f"best of {rounds} warm rounds of {calls} calls), {THREADS} BLAS thread(s)")
    for label, t in best.items():
        print(f"{label:<32} {t * 1e3:8.3f} ms   {flops / t / 1e9:6.1f} GFLOP/s")
    if "torch eager" in best:
        half = best["torch eager"] / 2
        least = min(t for label, t in best.items() if label.startswith("matrix"))
        print(f"2x PyTorch eager is {half * 1e3:.3f} ms a step; the products alone take "
              f"{least * 1e3:.3f} ms ({least / best['torch eager']:.0%} of PyTorch's step)")


def warm_cpu_race(cases: dict, rounds: int, calls: int) -> dict:
    """Each case's best CPU time per call over `rounds` rounds of `calls` calls; every case is
    called once untimed first in each round (the one before it left other memory in the
    caches)."""
    best = dict.fromkeys(cases, float("inf"))
    for _ in range(rounds):
        for label, fn in cases.items():
            fn()
            t = time.process_time()
            for _ in range(calls):
                fn()
            best[label] = min(best[label], (time.process_time() - t) / calls)
    return best


def session_values(program, feeds: list) -> tuple:
    """What `program.run(feeds)` hands its Session call (the feeds' arrays and whatever else
    the program feeds), caught from one run, to race the Session call alone."""
    caught = []
    call = program.call
    program.call = lambda *values: caught.append(values) or call(*values)
    try:
        program.run(feeds)
    finally:
        program.call = call
    return caught[0]


def jax_momentum_step(arrays: list, x, labels):
    """`host`'s step by hand: the same MLP (Linear weights (out, in)), cross entropy on integer
    labels and PyTorch's SGD momentum (buf = 0.9 buf + grad; p -= lr buf), jitted, donated."""
    from dualgrad.backend import jax_numpy

    jnp = jax_numpy()
    import jax

    def loss_fn(params, xb, yb):
        h = xb
        for i in range(0, len(params), 2):
            h = h @ params[i].T + params[i + 1]
            h = jax.nn.relu(h) if i < len(params) - 2 else h
        return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(h), yb[:, None], axis=1))

    def update(params, bufs, xb, yb):
        loss, grads = jax.value_and_grad(loss_fn)(params, xb, yb)
        bufs = [0.9 * b + g for b, g in zip(bufs, grads, strict=True)]
        return [p - 0.05 * b for p, b in zip(params, bufs, strict=True)], bufs, loss

    update = jax.jit(update, donate_argnums=(0, 1))
    state = {"p": [jnp.asarray(a) for a in arrays], "b": [jnp.zeros(a.shape, a.dtype) for a in arrays]}
    xb, yb = jnp.asarray(x), jnp.asarray(labels)

    def step():
        state["p"], state["b"], loss = update(state["p"], state["b"], xb, yb)
        jax.block_until_ready(loss)

    return step


def host(rounds: int, calls: int = 20) -> None:
    """dg.compile (jax)'s call of a tiny module + optimizer step taken apart (CPU time): the
    whole call, `Program.run` (no guard) and the Session call alone; the differences are the
    guard and the syncs of the eager tensors, which do not grow with the batch."""
    import dualgrad as dg
    import dualgrad.nn.functional as F
    from dualgrad import nn, optim
    from dualgrad.errors import CompileWarning

    dg.manual_seed(0)
    model = nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 16))
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    x, y = dg.randn(8, 32), dg.randint(0, 16, (8,))

    @dg.compile(backend="jax")
    def step(x, y):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    with warnings.catch_warnings():
        warnings.simplefilter("error", CompileWarning)  # a fallback would time eager code
        for _ in range(3):  # two traces: before and after the momentum buffers exist
            step(x, y)
    program = list(step.programs.values())[-1]
    feeds = [x, y]
    values = session_values(program, feeds)
    cases = {"dg.compile (jax), whole call": lambda: step(x, y),
             "- guard (Program.run)": lambda: program.run(feeds),
             "- eager syncs (Session call)": lambda: program.call(*values),
             "jax.jit by hand": jax_momentum_step([p.detach().numpy() for p in model.parameters()],
                                                  x.numpy(), y.numpy())}
    best = warm_cpu_race(cases, rounds, calls)
    session, hand = best["- eager syncs (Session call)"], best["jax.jit by hand"]
    print(f"-- us per call (CPU, all threads; best of {rounds} warm rounds of {calls} calls), "
          f"MLP 32-64-64-16 batch 8, SGD momentum")
    for label, t in best.items():
        print(f"{label:<32} {t * 1e6:8.1f} us   {(t - session) * 1e6:+7.1f} us over the Session call"
              f"   {t / hand:.2f}x jax.jit by hand")
    print(f"{len(step.programs)} traces")


def report(times: dict, failures: dict, what: str) -> None:
    print(f"-- ms per step ({what}; best round)")
    base = times.get("dg.compile (jax)")
    for label, t in times.items():
        if t is None:
            print(f"{label:<22} did not run: {failures[label]}")
            continue
        ratio = f"   {t / base:.2f}x dg.compile (jax)" if base else ""
        print(f"{label:<22} {t * 1e3:8.3f} ms{ratio}")
    if base:
        for peer in ("jax.jit by hand", "torch eager", "torch.compile", "dualgrad eager"):
            device = times.get("dg.compile (jax device)")
            if peer == "jax.jit by hand" and device and times.get(peer):
                print(f"dg.compile (jax device) / {peer} = {device / times[peer]:.2f}x")
            if times.get(peer):
                print(f"dg.compile (jax) / {peer} = {base / times[peer]:.2f}x")


if __name__ == "__main__":
    main()
