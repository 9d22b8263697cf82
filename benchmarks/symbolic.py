"""How `symbolic.expr`, `grad` and `check` scale with the size of the recorded graph.

    python benchmarks/symbolic.py [--sizes 10 100 1000] [--repeat 3]

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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
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
