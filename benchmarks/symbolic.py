"""How `symbolic.expr`, `grad` and `check` scale with the size of the recorded graph, and what
closed forms of real models cost beside plain sympy.

    python benchmarks/symbolic.py [--sizes 10 100 1000] [--repeat 3]
    python benchmarks/symbolic.py --models [--repeat 3]

`--models`: for each model (static graph, `None` batch size, a 784-input MLP layer), `grad` +
`pprint_grad` in a fresh process (imports excluded, first call included); then the logistic
regression's `check` beside the same loss written in sympy by hand and differentiated with plain
`sympy.diff`, each in a fresh process. Wall and CPU seconds: on a shared machine the CPU
seconds of the process are the steadier figure.

Two families of graphs of `n` ops on a vector x (size 8) and a weight w (shape (1,)):
- *wide*: a sum of n/4 terms `mean(tanh(x * w + c_k))`: the expression grows in width;
- *chain*: `y = tanh(y * w + 0.1)` repeated (3 ops per layer), then a mean: the expression
  nests n/3 deep; past a few hundred ops sympy's own work on such nesting runs past the
  default 10 s budget (reported as "over budget"; `check` then compares the engine with
  finite differences).
Each cell is the best of `--repeat` runs, in seconds; `check` also says how it decided.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time

import dualgrad as dg
from dualgrad import symbolic


def inputs():
    x = dg.tensor([0.1 * k - 0.3 for k in range(8)], dtype=dg.float64, name="x")
    w = dg.tensor([0.9], dtype=dg.float64, requires_grad=True, name="w")
    return x, w


def chain(n_ops: int):
    x, w = inputs()
    y = x
    for _ in range(max(1, (n_ops - 1) // 3)):
        y = dg.tanh(y * w + 0.1)
    return y.mean(), w


def wide(n_ops: int):
    x, w = inputs()
    total = None
    for k in range(max(1, n_ops // 4)):
        term = dg.tanh(x * w + 0.01 * k).mean()
        total = term if total is None else total + term
    return total, w


def timed(fn, repeat: int) -> str:
    try:
        seconds, _ = best(fn, repeat)
        return f"{seconds:.3f}"
    except symbolic.SymbolicUnsupported:
        return "too deep"
    except symbolic.BudgetExceeded:
        return "over budget"


def best(fn, repeat: int):
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), out


def model(name: str):
    """(loss, weight) of a static model with a None batch size."""
    import numpy as np

    import dualgrad.static as ds

    ds.reset_default_graph()
    d_in = 784 if name == "mlp_layer_784" else 3
    X = ds.placeholder(ds.float64, shape=(None, d_in), name="X")
    Y = ds.placeholder(ds.float64, shape=(None, 2), name="Y")
    W = ds.Variable(np.full((d_in, 2), 0.1), name="W", dtype=ds.float64)
    b = ds.Variable(np.zeros(2), name="b", dtype=ds.float64)
    z = ds.matmul(X, W)
    if name == "linear":
        loss = ds.reduce_mean(ds.square(z - Y))
    elif name == "logistic":
        p = ds.sigmoid(z)
        loss = ds.reduce_mean(-(Y * ds.log(p) + (1.0 - Y) * ds.log(1.0 - p)))
    elif name == "softmax_ce":
        loss = ds.reduce_mean(ds.nn.softmax_cross_entropy_with_logits(labels=Y, logits=z))
    elif name in ("mlp_layer", "mlp_layer_784"):
        loss = ds.reduce_mean(ds.square(ds.tanh(z + b) - Y))
    elif name == "weight_decay":
        loss = ds.reduce_mean(ds.square(z - Y)) + 0.1 * ds.reduce_sum(ds.square(W))
    elif name == "two_layer":
        V = ds.Variable(np.full((2, 2), 0.2), name="V", dtype=ds.float64)
        loss = ds.reduce_mean(ds.square(ds.matmul(ds.tanh(z + b), V) - Y))
    else:
        raise ValueError(name)
    return loss, W


MODELS = ("linear", "logistic", "softmax_ce", "mlp_layer", "mlp_layer_784", "weight_decay",
          "two_layer")


def fresh(body: str) -> tuple[float, float]:
    """(wall, CPU) seconds of `body` run in a new Python process; imports and the set-up lines
    of `body` before `START` are not counted, the first call is (its lazy imports included)."""
    setup, timed_part = body.split("START\n")
    code = ("import sys, time; sys.path.insert(0, 'benchmarks'); import symbolic as b; "
            "from dualgrad import symbolic; import sympy as sp\n" + setup +
            "wall, cpu = time.perf_counter(), time.process_time()\n" + timed_part +
            "print(time.perf_counter() - wall, time.process_time() - cpu)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"the timed process failed:\n{out.stderr[-2000:]}")
    wall, cpu = out.stdout.strip().splitlines()[-1].split()
    return float(wall), float(cpu)


def best_fresh(body: str, repeat: int) -> tuple[float, float]:
    runs = [fresh(body) for _ in range(repeat)]
    return min(w for w, _ in runs), min(c for _, c in runs)


GRAD_AND_PRINT = ("import io\nloss, w = b.model({name!r})\nSTART\nsymbolic.grad(loss, w)\n"
                  "symbolic.pprint_grad(loss, w, file=io.StringIO())\n")

CHECK = ("loss, W = b.eager_logistic()\nSTART\nreport = symbolic.check(loss)\n"
         "assert report['W'].verdict == 'exact', report\n")

# the same loss written in sympy by hand, then differentiated by plain sympy
BY_HAND = """START
X, Y, W = (sp.IndexedBase(n, real=True) for n in "XYW")
i, c, p, j, k = sp.symbols("i c p j k", integer=True, nonnegative=True)
z = sp.Sum(X[i, p] * W[p, c], (p, 0, 2))
q = 1 / (1 + sp.exp(-z))
loss = sp.Sum(-(Y[i, c] * sp.log(q) + (1 - Y[i, c]) * sp.log(1 - q)), (i, 0, 3), (c, 0, 1)) / 8
sp.diff(loss, W[j, k])
"""


def eager_logistic():
    import numpy as np

    rng = np.random.default_rng(0)
    X = dg.tensor(rng.normal(size=(4, 3)), dtype=dg.float64, name="X")
    Y = dg.tensor(rng.uniform(size=(4, 2)), dtype=dg.float64, name="Y")
    W = dg.tensor(rng.normal(size=(3, 2)), dtype=dg.float64, requires_grad=True, name="W")
    p = dg.sigmoid(X @ W)
    return (-(Y * dg.log(p) + (1 - Y) * dg.log(1 - p))).mean(), W


def models(repeat: int) -> None:
    print("| model (static, None batch) | grad + pprint_grad, fresh process: wall (s) | CPU (s) |")
    print("|---|---:|---:|")
    for name in MODELS:
        wall, cpu = best_fresh(GRAD_AND_PRINT.format(name=name), repeat)
        print(f"| {name} | {wall:.3f} | {cpu:.3f} |")
        sys.stdout.flush()
    check_runs, hand_runs = [], []
    for _ in range(repeat):  # interleaved, so a change in the machine's load hits both alike
        check_runs.append(fresh(CHECK))
        hand_runs.append(fresh(BY_HAND))
    check_wall, check_cpu = (min(r[i] for r in check_runs) for i in (0, 1))
    hand_wall, hand_cpu = (min(r[i] for r in hand_runs) for i in (0, 1))
    print(f"\nlogistic regression (4x3 inputs, 3x2 weights), each in a fresh process, best of "
          f"{repeat}:\n  check (verdict exact)          wall {check_wall:.3f} s, CPU "
          f"{check_cpu:.3f} s\n  by hand in sympy + sympy.diff  wall {hand_wall:.3f} s, CPU "
          f"{hand_cpu:.3f} s\n  check / sympy.diff: wall {check_wall / hand_wall:.2f}x, "
          f"CPU {check_cpu / hand_cpu:.2f}x (goal <= 2x)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--models", action="store_true", help="real models beside sympy.diff")
    args = parser.parse_args(argv)
    if args.models:
        models(args.repeat)
        return 0
    symbolic.check(*wide(4))  # warm up sympy's caches and imports, untimed
    print("| graph | ops | expr (s) | grad (s) | check (s) | check says |")
    print("|-------|----:|---------:|---------:|----------:|------------|")
    for family in (wide, chain):
        for n in args.sizes:
            loss, w = family(n)
            t_expr = timed(lambda loss=loss: symbolic.expr(loss), args.repeat)
            t_grad = timed(lambda loss=loss, w=w: symbolic.grad(loss, w), args.repeat)
            t_check, report = best(lambda loss=loss, w=w: symbolic.check(loss, [w]), args.repeat)
            verdict = f"{'ok' if report.ok else 'NOT ok'}, {report['w'].verdict}"
            print(f"| {family.__name__} | {n} | {t_expr} | {t_grad} | {t_check:.3f} | {verdict} |")
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
