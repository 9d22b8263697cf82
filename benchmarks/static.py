"""Static-graph benchmarks: dualgrad's Session (jax and numpy backends) side by side with
tf.compat.v1 (where installed), jax.jit by hand and numpy by hand.

    python benchmarks/static.py            # full run
    python benchmarks/static.py --quick    # fewer repetitions

(1) `sess.run` latency of `x*2+1` with a feed; (2) the tutorial regression, 2000 steps of
`sess.run([loss, new_w, new_b], feed_dict)`; (3) an MLP 784-256-256-10, batch 64, one training
step via `minimize`; (4) the first-run (compile) time of (3); (5) first-run latency: import +
graph build + the first 10 steps of (2), each contender in a fresh interpreter. Times are the
best of several interleaved rounds (every contender runs once per round, so load bursts on a
shared machine hit all alike); ratios are against dualgrad's jax Session.
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from race import Race  # noqa: E402
from workloads import (  # noqa: E402
    graph_regression,
    graph_sgd_step,
    jax_regression_step,
    jax_sgd_step,
    numpy_sgd_step,
)

import dualgrad.static as ds  # noqa: E402
from dualgrad.backend import jax_numpy  # noqa: E402

jnp = jax_numpy()
import jax  # noqa: E402

try:  # the TF1 column
    import tensorflow.compat.v1 as tf1  # type: ignore

    tf1.disable_eager_execution()
except Exception:  # noqa: BLE001 - not installed (or broken): skip the column
    tf1 = None


def row(label: str, seconds: float | None, ref: float | None, unit: str = "us") -> None:
    if seconds is None:
        print(f"  {label:<46} {'not installed':>14}")
        return
    scale = {"us": 1e6, "ms": 1e3, "s": 1.0}[unit]
    ratio = f"{seconds / ref:6.2f}x" if ref else ""
    print(f"  {label:<46} {seconds * scale:11.2f} {unit}  {ratio}")


# -- (1) latency ---------------------------------------------------------------------------------
def latency(quick: bool) -> dict:
    n, rounds = (1000, 5) if quick else (2000, 25)
    xs = np.random.rand(100, 1).astype(np.float32)
    race = Race(rounds)
    g = ds.Graph()
    with g.as_default():
        x = ds.placeholder(ds.float32, shape=(None, 1))
        y = x * 2 + 1
    for backend in ("jax", "numpy"):
        sess = ds.Session(graph=g, backend=backend)
        race.add(f"dualgrad Session ({backend})", lambda s=sess: s.run(y, {x: xs}), n)
    f = jax.jit(lambda a: a * 2 + 1)
    race.add("jax.jit by hand (+ np.asarray)", lambda: np.asarray(f(xs)), n)
    race.add("numpy by hand", lambda: xs * 2 + 1, n)
    if tf1 is not None:
        tg = tf1.Graph()
        with tg.as_default():
            tx = tf1.placeholder(tf1.float32, shape=(None, 1))
            ty = tx * 2 + 1
        s = tf1.Session(graph=tg)
        race.add("tf.compat.v1 Session", lambda: s.run(ty, {tx: xs}), n // 10)
    else:
        race.skip("tf.compat.v1 Session")
    return race.run()


# -- (2) the tutorial regression -----------------------------------------------------------------
def regression_data():
    np.random.seed(100)
    xs = np.linspace(-1, 1, 100).reshape(100, 1)
    ys = 3 * np.power(xs, 2) + 2 + 0.2 * np.random.rand(xs.size).reshape(100, 1)
    return xs, ys


def regression(quick: bool) -> dict:
    steps, lr = 2000, 0.01
    race = Race(2 if quick else 7)
    xs, ys = regression_data()
    g = ds.Graph()
    with g.as_default():
        (x1, y1), fetches, init = graph_regression(ds, xs, ys, lr)
    for label, kwargs in (("jax", {}), ("numpy", {"backend": "numpy"}),
                          ("jax, compile_in_background", {"compile_in_background": True})):
        sess = ds.Session(graph=g, **kwargs)

        def train(sess=sess):
            sess.run(init)
            for _ in range(steps):
                sess.run(fetches, feed_dict={x1: xs, y1: ys})

        race.add(f"dualgrad Session ({label})", train)

    xs32, ys32 = xs.astype(np.float32), ys.astype(np.float32)
    step = jax_regression_step(jax, jnp, xs, ys, lr)

    def train_jax():
        w, b = jnp.asarray(np.random.rand(1).astype(np.float32)), jnp.zeros(1, jnp.float32)
        for _ in range(steps):
            value, w, b = step(w, b)
            np.asarray(value), np.asarray(w), np.asarray(b)

    race.add("jax.jit by hand", train_jax)

    def train_numpy():
        w, b = np.random.rand(1).astype(np.float32), np.zeros(1, np.float32)
        x2 = xs32 ** 2
        for _ in range(steps):
            r = ys32 - (x2 * w + b)
            value = np.mean(r * r)
            gw = np.mean(-2 * r * x2, axis=0)
            gb = np.mean(-2 * r, axis=0)
            w, b = w - lr * gw, b - lr * gb
        return value

    race.add("numpy by hand", train_numpy)
    if tf1 is not None:
        tg = tf1.Graph()
        with tg.as_default():
            (tx, ty), tfetches, tinit = graph_regression(tf1, xs, ys, lr)
        s = tf1.Session(graph=tg)

        def train_tf():
            s.run(tinit)
            for _ in range(steps):
                s.run(tfetches, feed_dict={tx: xs, ty: ys})

        race.add("tf.compat.v1 Session", train_tf)
    else:
        race.skip("tf.compat.v1 Session")
    return race.run()


# -- (3, 4) MLP training step ------------------------------------------------------------------
SIZES = (784, 256, 256, 10)
BATCH = 64


def mlp_params(rng):
    params = []
    for a, b in zip(SIZES[:-1], SIZES[1:], strict=True):
        params.append((rng.standard_normal((a, b)) * np.sqrt(2.0 / a)).astype(np.float32))
        params.append(np.zeros(b, np.float32))
    return params


def timed_first(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def mlp(quick: bool) -> tuple[dict, dict]:
    (n, rounds), lr = ((20, 7) if quick else (50, 15)), 0.05  # ~1 ms a step: 3 rounds swung 20%
    rng = np.random.default_rng(0)
    batch_x = rng.standard_normal((BATCH, SIZES[0])).astype(np.float32)
    batch_y = np.eye(SIZES[-1], dtype=np.float32)[rng.integers(0, SIZES[-1], BATCH)]
    init_params = mlp_params(rng)
    race, compiles = Race(rounds), {}

    g = ds.Graph()
    with g.as_default():
        x, y, loss, train_op, init = graph_sgd_step(
            ds, ds.nn.softmax_cross_entropy_with_logits, SIZES, init_params, lr)
    for backend in ("jax", "numpy"):
        sess = ds.Session(graph=g, backend=backend)
        sess.run(init)
        label = f"dualgrad Session ({backend})"
        step = lambda s=sess: s.run([train_op, loss], {x: batch_x, y: batch_y})  # noqa: E731
        compiles[label] = timed_first(step)
        race.add(label, step, n if backend == "jax" else max(2, n // 10))

    hand_step = jax_sgd_step(jax, jnp, init_params, lr, batch_x, batch_y)

    label = "jax.jit(value_and_grad) by hand"
    compiles[label] = timed_first(hand_step)
    race.add(label, hand_step, n)

    nstate = {"p": [p.copy() for p in init_params]}

    def numpy_step():
        nstate["p"], value = numpy_sgd_step(nstate["p"], batch_x, batch_y, lr)
        return value

    race.add("numpy by hand", numpy_step, max(2, n // 10))
    if tf1 is not None:
        tg = tf1.Graph()
        with tg.as_default():
            tx, ty, tloss, ttrain, tinit = graph_sgd_step(
                tf1, tf1.nn.softmax_cross_entropy_with_logits_v2, SIZES, init_params, lr)
        s = tf1.Session(graph=tg)
        s.run(tinit)
        tf_step = lambda: s.run([ttrain, tloss], {tx: batch_x, ty: batch_y})  # noqa: E731
        compiles["tf.compat.v1 Session"] = timed_first(tf_step)
        race.add("tf.compat.v1 Session", tf_step, n)
    else:
        race.skip("tf.compat.v1 Session")
        compiles["tf.compat.v1 Session"] = None
    return race.run(), compiles


# -- (5) first-run latency: import + build + 10 steps, each in a fresh interpreter --------------
_FIRST_RUNS = {
    "dualgrad Session (jax)": ("import dualgrad.static as ds", "ds.Session()"),
    "dualgrad Session (jax, compile_in_background)": (
        "import dualgrad.static as ds", "ds.Session(compile_in_background=True)"),
    "dualgrad Session (numpy)": ("import dualgrad.static as ds", "ds.Session(backend='numpy')"),
}
_FIRST_RUNS_DUALGRAD = """
import sys
import time
t0 = time.perf_counter()
{imp}
import numpy as np
lr = 0.01
np.random.seed(100)
xs = np.linspace(-1, 1, 100).reshape(100, 1)
ys = 3 * np.power(xs, 2) + 2 + 0.2 * np.random.rand(xs.size).reshape(100, 1)
sys.path.insert(0, "benchmarks")
from workloads import graph_regression
(x1, y1), fetches, init = graph_regression(ds, xs, ys, lr)
sess = {session}
sess.run(init)
for _ in range(10):
    sess.run(fetches, feed_dict={{x1: xs, y1: ys}})
print(time.perf_counter() - t0)
"""
_FIRST_RUNS_JAX = """
import time
t0 = time.perf_counter()
import jax
import jax.numpy as jnp
import numpy as np
lr = 0.01
np.random.seed(100)
xs = np.linspace(-1, 1, 100).reshape(100, 1).astype(np.float32)
ys = (3 * np.power(xs, 2) + 2 + 0.2 * np.random.rand(xs.size).reshape(100, 1)).astype(np.float32)

@jax.jit
def step(w, b):
    f = lambda w, b: jnp.mean(jnp.square(ys - (xs ** 2 * w + b)))
    value, (gw, gb) = jax.value_and_grad(f, argnums=(0, 1))(w, b)
    return value, w - lr * gw, b - lr * gb

w, b = jnp.asarray(np.random.rand(1).astype(np.float32)), jnp.zeros(1, jnp.float32)
for _ in range(10):
    value, w, b = step(w, b)
    np.asarray(value), np.asarray(w), np.asarray(b)
print(time.perf_counter() - t0)
"""
_FIRST_RUNS_TF1 = _FIRST_RUNS_DUALGRAD.format(
    imp="import tensorflow.compat.v1 as ds\nds.disable_eager_execution()", session="ds.Session()")


def _fresh(code: str) -> float:
    """Seconds the snippet reports, run in a fresh interpreter from the repository root."""
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True,
                         check=True)
    return float(out.stdout.strip().splitlines()[-1])


def first_runs(quick: bool) -> dict:
    codes = {label: _FIRST_RUNS_DUALGRAD.format(imp=imp, session=session)
             for label, (imp, session) in _FIRST_RUNS.items()}
    # the persistent cache in a fresh temporary directory: the first round fills it
    cache = tempfile.mkdtemp(prefix="dualgrad-bench-xla-")
    codes["dualgrad Session (jax, enable_compilation_cache)"] = _FIRST_RUNS_DUALGRAD.format(
        imp=f"import dualgrad.static as ds\nds.enable_compilation_cache({cache!r})",
        session="ds.Session()")
    codes["jax.jit by hand"] = _FIRST_RUNS_JAX
    if tf1 is not None:
        codes["tf.compat.v1 Session"] = _FIRST_RUNS_TF1
    times: dict = {label: [] for label in codes}
    try:
        for _ in range(2 if quick else 5):
            for label, code in codes.items():
                times[label].append(_fresh(code))
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    results = {label: min(ts) for label, ts in times.items()}
    if tf1 is None:
        results["tf.compat.v1 Session"] = None
    return results


def report(title: str, results: dict, unit: str) -> None:
    print(title)
    ref = results.get("dualgrad Session (jax)")
    for label, seconds in results.items():
        row(label, seconds, ref, unit)
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--only", choices=("latency", "regression", "mlp", "first"),
                        help="run one benchmark only")
    args = parser.parse_args()
    run = {name: args.only in (None, name) for name in ("latency", "regression", "mlp", "first")}
    print(f"python {platform.python_version()}, numpy {np.__version__}, jax {jax.__version__} "
          f"({jax.default_backend()}), {os.cpu_count()} CPUs, tf.compat.v1: "
          f"{'installed' if tf1 is not None else 'not installed'}")
    print("ratios: time / dualgrad Session (jax)\n")
    if run["latency"]:
        report("(1) sess.run latency of x*2+1 with a feed (target <= 1.2x jax.jit by hand)",
               latency(args.quick), "us")
    if run["regression"]:
        report("(2) tutorial regression, 2000 steps of sess.run([loss, new_w, new_b]) (target <= 1.3x "
               "jax.jit by hand)", regression(args.quick), "ms")  # 2000 steps take 30-150 ms
    if run["mlp"]:
        steps, compiles = mlp(args.quick)
        report("(3) MLP 784-256-256-10, batch 64, one minimize step (target <= 1.05x jax.jit by hand)",
               steps, "ms")
        ratio = steps["dualgrad Session (jax)"] / steps["jax.jit(value_and_grad) by hand"]
        print(f"  dualgrad jax / jax.jit by hand = {ratio:.3f}\n")
        report("(4) first run of (3): trace + compile + one step", compiles, "s")
    if run["first"]:
        report("(5) import + build + first 10 steps of (2), fresh interpreter (target <= TF1)",
               first_runs(args.quick), "s")


if __name__ == "__main__":
    main()
