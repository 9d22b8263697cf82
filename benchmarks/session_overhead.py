"""What a `Session.run` costs beyond its compiled program, in process CPU time.

    python benchmarks/session_overhead.py [--rounds 9]

Rows (1)-(3) of benchmarks/static.py timed with `time.process_time` instead of the wall
clock: on a shared machine whose load average is several times its core count, the wall
clock mostly measures waiting for a core (identical runs differed by 3x), while the CPU time
a process spends is far steadier. Each contender runs once per round, interleaved; the
figure is the best round, and the ratio is against jax.jit by hand. `program only` calls
the Session's own compiled function directly (same arguments, no feeds, locks, waits,
commits or conversions): the difference to `sess.run` is the Session's per-call cost.
The last table builds row (1) up from jax.jit by hand one Session step at a time.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import jax  # noqa: E402
from workloads import graph_regression, graph_sgd_step, jax_regression_step, jax_sgd_step  # noqa: E402

import dualgrad.static as ds  # noqa: E402
from dualgrad.backend import jax_numpy, x64_state  # noqa: E402

jnp = jax_numpy()


def race(cases: dict, calls: int, rounds: int) -> dict:
    best = dict.fromkeys(cases, float("inf"))
    for _ in range(rounds):
        for name, call in cases.items():
            start = time.process_time()
            for _ in range(calls):
                call()
            best[name] = min(best[name], (time.process_time() - start) / calls)
    return best


def program_only(sess, fetches, feeds: tuple):
    """The Session's compiled function for `fetches`, called as the runner calls it (inside
    jax's 64-bit mode), on copies of the state so that nothing is donated or committed."""
    sess.run(fetches, dict(feeds) if feeds else None)
    runner = next(r for r in sess._runners.values() if r.plan.fetches == tuple(
        fetches if isinstance(fetches, list) else [fetches]))
    state = [jnp.array(sess._values[v]) for v in runner.state_in]
    flag = x64_state()
    jitted = jax.jit(runner.plan.function(jnp))  # the same program, undonated
    args = state + [value for _, value in feeds][:len(runner.plan.feeds)]

    def call():
        prev = flag.swap_local(True)
        try:
            outs = jitted(*args)
            outs[0].block_until_ready()
        finally:
            flag.set_local(prev)

    return call


def latency_graph() -> tuple:
    """Row (1): (feed value, placeholder, x*2+1, a jax Session, the same function jitted)."""
    xs = np.random.rand(100, 1).astype(np.float32)
    g = ds.Graph()
    with g.as_default():
        x = ds.placeholder(ds.float32, shape=(None, 1))
        y = x * 2 + 1
    return xs, x, y, ds.Session(graph=g), jax.jit(lambda a: a * 2 + 1)


def latency() -> dict:
    xs, x, y, sess, f = latency_graph()
    call = sess.make_callable(y, [x])
    return {"dualgrad sess.run": lambda: sess.run(y, {x: xs}),
            "dualgrad make_callable": lambda: call(xs),
            "program only": program_only(sess, y, ((x, xs),)),
            "jax.jit by hand (+ np.asarray)": lambda: np.asarray(f(xs))}


def regression() -> dict:
    from static import regression_data

    lr = 0.01
    xs, ys = regression_data()
    g = ds.Graph()
    with g.as_default():
        (x1, y1), fetches, init = graph_regression(ds, xs, ys, lr)
    sess = ds.Session(graph=g)
    sess.run(init)
    step = jax_regression_step(jax, jnp, xs, ys, lr)
    hand = {"w": jnp.asarray(np.random.rand(1).astype(np.float32)), "b": jnp.zeros(1, jnp.float32)}

    def by_hand():
        value, hand["w"], hand["b"] = step(hand["w"], hand["b"])
        return np.asarray(value), np.asarray(hand["w"]), np.asarray(hand["b"])

    feed = {x1: xs, y1: ys}
    return {"dualgrad sess.run": lambda: sess.run(fetches, feed),
            "program only": program_only(sess, fetches, ()),
            "jax.jit by hand (+ np.asarray)": by_hand}


def mlp() -> dict:
    """Row (3): the MLP 784-256-256-10's `minimize` step (batch 64), as benchmarks/static.py
    runs it (a fresh fetch list and feed dict each call)."""
    from static import BATCH, SIZES, mlp_params

    lr = 0.05
    rng = np.random.default_rng(0)
    batch_x = rng.standard_normal((BATCH, SIZES[0])).astype(np.float32)
    batch_y = np.eye(SIZES[-1], dtype=np.float32)[rng.integers(0, SIZES[-1], BATCH)]
    init_params = mlp_params(rng)
    g = ds.Graph()
    with g.as_default():
        x, y, loss, train_op, init = graph_sgd_step(
            ds, ds.nn.softmax_cross_entropy_with_logits, SIZES, init_params, lr)
    sess = ds.Session(graph=g)
    sess.run(init)
    by_hand = jax_sgd_step(jax, jnp, init_params, lr, batch_x, batch_y)

    return {"dualgrad sess.run": lambda: sess.run([train_op, loss], {x: batch_x, y: batch_y}),
            "program only": program_only(sess, [train_op, loss], ((x, batch_x), (y, batch_y))),
            "jax.jit by hand (+ np.asarray)": by_hand}


def latency_parts() -> dict:
    """Row (1) built up one step at a time, from jax.jit by hand to `sess.run`: each row adds
    one thing the Session does (its compiled program inside jax's 64-bit mode, the wait for
    the result, the writable copy, the runner's call with its 64-bit swap, the Session's
    call-shape lookup)."""
    xs, x, y, sess, f = latency_graph()
    feed = {x: xs}
    sess.run(y, feed)
    runner = sess._runners[(y, x, xs.shape, xs.dtype)]
    program, flag = runner.fn, x64_state()

    def in_x64(call):
        def run():
            prev = flag.swap_local(True)
            try:
                return call()
            finally:
                flag.set_local(prev)
        return run

    def waited():
        out = program(xs)[0]
        out.block_until_ready()
        return out

    return {"jax.jit by hand (+ np.asarray)": lambda: np.asarray(f(xs)),
            "+ Session's program, 64-bit mode": in_x64(lambda: np.asarray(program(xs)[0])),
            "+ wait (block_until_ready)": in_x64(lambda: np.asarray(waited())),
            "+ writable copy": in_x64(lambda: np.array(waited())),
            "+ runner (closed check, call, wait, copy)": lambda: runner.call(sess, (xs,)),
            "= sess.run": lambda: sess.run(y, feed)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    print(f"jax {jax.__version__} ({jax.default_backend()}), {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}; process CPU time per call, best of {args.rounds}")
    for title, cases, calls, rounds in (
            ("(1) sess.run(x*2+1, feed)", latency(), 2000, args.rounds),
            ("(2) one regression step, sess.run([loss, new_w, new_b])", regression(), 500, args.rounds),
            ("(3) one MLP 784-256-256-10 minimize step, batch 64", mlp(), 20, args.rounds),
            ("(1) step by step (short rounds: best of many 40-call rounds)", latency_parts(), 40,
             args.rounds * 40)):
        best = race(cases, calls, rounds)
        ref = best["jax.jit by hand (+ np.asarray)"]
        print(title)
        for name, seconds in best.items():
            print(f"  {name:<42} {seconds * 1e6:9.1f} us  {seconds / ref:5.2f}x")


if __name__ == "__main__":
    main()
