"""How `symbolic.expr`, `grad` and `check` scale with the size of the recorded graph, and what
closed forms of real models cost beside plain sympy.

    python benchmarks/symbolic.py [--sizes 10 100 1000] [--repeat 3]
    python benchmarks/symbolic.py --models [--repeat 3]

`--models`: for each model (static graph, `None` batch size, a 784-input MLP layer), `grad` +
`format_grad` in a fresh process (imports excluded, first call included), then the logistic
regression's `check` beside plain `sympy.diff` of the same loss's expression, each with sympy's
cache cleared first (imports warm).

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


def fresh_grad_and_print(name: str) -> float:
    """grad + format_grad of one model in a new Python process (imports not counted)."""
    code = ("import time, sys; sys.path.insert(0, 'benchmarks'); import symbolic as b; "
            "from dualgrad import symbolic; import sympy; "
            f"loss, w = b.model({name!r}); t = time.perf_counter(); "
            "symbolic.format_grad(loss, w); print(time.perf_counter() - t)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def eager_logistic():
    import numpy as np

    rng = np.random.default_rng(0)
    X = dg.tensor(rng.normal(size=(4, 3)), dtype=dg.float64, name="X")
    Y = dg.tensor(rng.uniform(size=(4, 2)), dtype=dg.float64, name="Y")
    W = dg.tensor(rng.normal(size=(3, 2)), dtype=dg.float64, requires_grad=True, name="W")
    p = dg.sigmoid(X @ W)
    return (-(Y * dg.log(p) + (1 - Y) * dg.log(1 - p))).mean(), W


def models(repeat: int) -> None:
    import sympy as sp

    print("| model (static, None batch) | grad + format_grad, fresh process (s) |")
    print("|---|---:|")
    for name in MODELS:
        seconds = min(fresh_grad_and_print(name) for _ in range(repeat))
        print(f"| {name} | {seconds:.3f} |")
        sys.stdout.flush()
    from sympy.core.cache import clear_cache

    loss, W = eager_logistic()
    symbolic.check(loss)  # imports (lambdify's numpy namespace) once, untimed
    e = symbolic.expr(loss)
    j, k = sp.symbols("j k", integer=True, nonnegative=True)

    def cold(fn):  # sympy's cache cleared first, as in a fresh process
        def run():
            clear_cache()
            return fn()
        return run

    def by_hand():  # the loss written in sympy by hand, then differentiated
        X, Y, Wb = (sp.IndexedBase(n, real=True) for n in "XYW")
        i, c, p = sp.symbols("i c p", integer=True, nonnegative=True)
        z = sp.Sum(X[i, p] * Wb[p, c], (p, 0, 2))
        q = 1 / (1 + sp.exp(-z))
        hand = sp.Sum(-(Y[i, c] * sp.log(q) + (1 - Y[i, c]) * sp.log(1 - q)), (i, 0, 3), (c, 0, 1)) / 8
        return sp.diff(hand, Wb[j, k])

    t_expr_diff, _ = best(cold(lambda: sp.diff(e, sp.IndexedBase("W", real=True)[j, k])), repeat)
    t_diff, _ = best(cold(by_hand), repeat)
    t_check, report = best(cold(lambda: symbolic.check(loss)), repeat)
    print(f"\nlogistic regression (4x3 inputs, 3x2 weights), sympy's cache cleared before each "
          f"call:\n  check {t_check:.3f} s ({report['W'].verdict})\n  the loss written in sympy "
          f"by hand + sympy.diff {t_diff:.3f} s (check / that = {t_check / t_diff:.1f}x)\n  "
          f"sympy.diff of dualgrad's expression alone {t_expr_diff:.3f} s")


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
