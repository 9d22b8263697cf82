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
tensors every call (they stay visible to eager code), which the jax peer does not do.
torch.compile needs a C compiler; where it fails its row says why.

    python benchmarks/compile.py --only "dg.compile (jax),jax.jit by hand"   # those rows only
    python benchmarks/compile.py --parts    # where dg.compile's time goes beside jax.jit's

`--parts` races, in CPU time and short warm rounds (5 calls), the whole compiled call
against the same call without its guard (`Program.run`: the Session call and the syncs of
the eager tensors) and the Session call alone (no eager tensor is synced), each beside
jax.jit by hand.
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

def dualgrad_step(compiled: str | None):
    import dualgrad as dg

    x, onehot, arrays = mlp_data()
    params = [dg.tensor(p, requires_grad=True) for p in arrays]
    step = eager_sgd_step(dg, dg.tensor(x), dg.tensor(onehot), params, LR, BATCH)
    return step if compiled is None else dg.compile(step, backend=compiled)


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
    args = parser.parse_args()
    if args.parts:
        parts(60 if args.quick else 200)
        return
    rounds, calls = (5, 10) if args.quick else (15, 20)
    race = Race(rounds)
    contenders = {
        "dg.compile (jax)": lambda: dualgrad_step("jax"),
        "jax.jit by hand": jax_step,
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
    cases = {"dg.compile (jax)": compiled, "- guard (Program.run)": lambda: program.run([]),
             "- eager syncs (Session call)": program.call, "jax.jit by hand": jax_step()}
    best = dict.fromkeys(cases, float("inf"))
    for _ in range(rounds):
        for label, fn in cases.items():
            fn()
            t = time.process_time()
            for _ in range(calls):
                fn()
            best[label] = min(best[label], (time.process_time() - t) / calls)
    hand = best["jax.jit by hand"]
    print(f"-- ms per step (CPU, all threads; best of {rounds} warm rounds of {calls} calls)")
    for label, t in best.items():
        print(f"{label:<30} {t * 1e3:8.3f} ms   {t / hand:.2f}x jax.jit by hand")


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
            if times.get(peer):
                print(f"dg.compile (jax) / {peer} = {base / times[peer]:.2f}x")


if __name__ == "__main__":
    main()
