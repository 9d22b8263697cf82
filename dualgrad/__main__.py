"""`python -m dualgrad demo` runs the seed examples end to end; `python -m dualgrad info`
prints versions, backends and devices (SPEC §6); `python -m dualgrad graph SCRIPT.py` draws
the graph of a script's final loss."""
from __future__ import annotations

import argparse
import platform
import sys
import time


def demo() -> int:
    """The notes' regression y = 3 x^2 + 2 three ways: eager, static with Session.run, and the
    closed-form gradient of the loss (checked against the engine)."""
    import numpy as np

    import dualgrad as dg
    import dualgrad.static as ds
    from dualgrad import symbolic

    start = time.perf_counter()
    print("== eager linear regression (y = w*x^2 + b) ==")
    dg.manual_seed(100)
    x = dg.unsqueeze(dg.linspace(-1, 1, 100), dim=1)
    y = 3 * x.pow(2) + 2 + 0.2 * dg.rand(x.size())
    w = dg.rand(1, 1, requires_grad=True)
    b = dg.rand(1, 1, requires_grad=True)
    lr = 0.01
    for step in range(800):
        y_pred = x.pow(2).mm(w) + b
        loss = (0.5 * (y_pred - y) ** 2).sum()
        loss.backward()
        with dg.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
            w.grad.zero_()
            b.grad.zero_()
        if step % 200 == 0:
            print(f"step {step:4d}  loss {loss.item():.4f}")
    print(f"w = {w.item():.3f}, b = {b.item():.3f}  (true 3, ~2.1)")

    print("\n== static linear regression with Session.run ==")
    ds.reset_default_graph()
    np.random.seed(100)
    xs = np.linspace(-1, 1, 100).reshape(100, 1)
    ys = 3 * xs**2 + 2 + 0.2 * np.random.rand(xs.size).reshape(100, 1)
    xp = ds.placeholder(ds.float32, shape=(None, 1), name="x")
    yp = ds.placeholder(ds.float32, shape=(None, 1), name="y")
    wv = ds.Variable(ds.random_uniform([1], 0, 1.0, seed=1), name="w")
    bv = ds.Variable(ds.zeros([1]), name="b")
    static_loss = ds.reduce_mean(ds.square(yp - (ds.square(xp) * wv + bv)), name="loss")
    train = ds.train.GradientDescentOptimizer(0.1).minimize(static_loss)
    with ds.Session() as sess:
        sess.run(ds.global_variables_initializer())
        for step in range(1000):
            _, value = sess.run([train, static_loss], feed_dict={xp: xs, yp: ys})
            if step % 250 == 0:
                print(f"step {step:4d}  loss {float(value):.4f}")
        w_value, b_value = sess.run([wv, bv])
    print(f"w = {w_value[0]:.3f}, b = {b_value[0]:.3f}")

    print("\n== the gradient of the loss, in closed form ==")
    print(symbolic.expr(static_loss))
    symbolic.pprint_grad(static_loss, wv)
    symbolic.pprint_grad(static_loss, bv)
    report = symbolic.check(static_loss, [wv, bv])
    print(report)
    print(f"\ndemo finished in {time.perf_counter() - start:.1f} s")
    return 0 if report.ok else 1


def _version(module: str) -> str:
    try:
        from importlib.metadata import version

        return version(module)
    except Exception:  # noqa: BLE001 — not installed
        return "not installed"


def info() -> int:
    """Versions, backends and devices found."""
    import dualgrad as dg

    print(f"dualgrad {dg.__version__}")
    print(f"python   {platform.python_version()} ({platform.platform()})")
    for name in ("numpy", "jax", "jaxlib", "sympy"):
        print(f"{name:8s} {_version(name)}")
    print("backends: numpy (cpu)" + (", jax (XLA)" if _version("jax") != "not installed" else ""))
    try:
        import jax

        devices = jax.devices()
        print("jax devices: " + ", ".join(f"{d.platform}:{d.id} ({d.device_kind})" for d in devices))
        print(f"jax default backend: {jax.default_backend()}")
    except Exception as e:  # noqa: BLE001 — report, don't crash
        print(f"jax devices: unavailable ({type(e).__name__}: {e})")
    print(f"cuda available: {dg.cuda.is_available()}")
    print(f"default device: {dg.get_default_device()}")
    return 0


def graph(script: str, tensor: str, output: str | None) -> int:
    """Run `script` as `python script` would, then draw the tensor its globals call `tensor`
    (an eager tensor's autograd graph, or a static tensor's pruned graph)."""
    import os
    import runpy

    from dualgrad import viz

    sys.argv = [script]
    scope = runpy.run_path(script, run_name="__main__")
    if tensor not in scope:
        found = sorted(k for k, v in scope.items() if type(v).__name__ in ("Tensor", "Operation"))
        print(f"python -m dualgrad graph: {script} defines no global {tensor!r}; pick one with "
              f"--tensor (tensors it defines: {', '.join(found) or 'none'})", file=sys.stderr)
        return 2
    path = output or os.path.splitext(os.path.basename(script))[0] + "-graph.svg"
    try:
        viz.render(scope[tensor], path)
    except (viz.GraphvizMissing, TypeError, ValueError) as e:
        print(f"python -m dualgrad graph: {e}", file=sys.stderr)
        return 1
    print(f"wrote {path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dualgrad", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", help="run the seed examples end to end")
    sub.add_parser("info", help="print versions, backends and devices")
    drawing = sub.add_parser("graph", help="run a script and draw the graph of its final loss")
    drawing.add_argument("script", help="the Python script to run")
    drawing.add_argument("--tensor", default="loss", help="the script's global to draw (default: loss)")
    drawing.add_argument("-o", "--output", help="picture to write: .svg, .png, .pdf or .dot "
                         "(default: SCRIPT-graph.svg in the current directory)")
    args = parser.parse_args(argv)
    if args.command == "graph":
        return graph(args.script, args.tensor, args.output)
    return demo() if args.command == "demo" else info()


if __name__ == "__main__":
    sys.exit(main())
