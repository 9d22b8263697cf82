"""F.conv2d and F.max_pool2d (the MNIST CNN's first layer) against PyTorch on the CPU:
a 64x1x28x28 float32 batch, 8 3x3 filters, and a wider layer (16x32x32x32, 64 3x3 filters).
Run: python benchmarks/conv.py [--repeats N]

Each row is the minimum over repeats after a warm-up, both libraries in one process with
the same number of intra-op/BLAS threads (DUALGRAD_BENCH_THREADS, default 1)."""
from __future__ import annotations

import argparse
import os
import time

THREADS = os.environ.get("DUALGRAD_BENCH_THREADS", "1")
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = THREADS

import numpy as np  # noqa: E402

import dualgrad as dg  # noqa: E402
import dualgrad.nn.functional as F  # noqa: E402


def best_ms(fn, repeats: int) -> float:
    fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return 1e3 * min(times)


def rows(lib, x, w, b):
    """(name, callable) for one library: lib is (conv2d, relu, max_pool2d, tensor-with-grad)."""
    conv2d, relu, max_pool2d, leaf = lib

    def forward():
        return max_pool2d(relu(conv2d(x, w, b)), 2)

    def step():
        xs, ws, bs = leaf(x), leaf(w), leaf(b)
        max_pool2d(relu(conv2d(xs, ws, bs)), 2).sum().backward()

    def conv_step():
        xs, ws, bs = leaf(x), leaf(w), leaf(b)
        conv2d(xs, ws, bs).sum().backward()

    return [("conv2d forward", lambda: conv2d(x, w, b)),
            ("conv2d forward+backward (input, weight, bias)", conv_step),
            ("conv2d-relu-max_pool2d forward", forward),
            ("conv2d-relu-max_pool2d forward+backward", step)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print(f"threads: {THREADS}; float32; best of {args.repeats} (ms)")
    for batch, filters in [((64, 1, 28, 28), (8, 1, 3, 3)), ((16, 32, 32, 32), (64, 32, 3, 3))]:
        x = rng.standard_normal(batch).astype(np.float32)
        w = rng.standard_normal(filters).astype(np.float32)
        b = rng.standard_normal(filters[0]).astype(np.float32)
        ours = rows((F.conv2d, F.relu, F.max_pool2d, lambda a: a.detach().requires_grad_()),
                    *(dg.tensor(a) for a in (x, w, b)))
        try:
            import torch
            torch.set_num_threads(int(THREADS))
            tf = torch.nn.functional
            theirs = rows((tf.conv2d, tf.relu, tf.max_pool2d, lambda a: a.detach().requires_grad_()),
                          *(torch.from_numpy(a) for a in (x, w, b)))
        except ImportError:
            theirs = None
        print(f"\nbatch {'x'.join(map(str, batch))}, {filters[0]} {filters[2]}x{filters[3]} filters")
        print("| row | dualgrad | PyTorch | ratio |\n|---|---|---|---|")
        for i, (name, fn) in enumerate(ours):
            mine = best_ms(fn, args.repeats)
            if theirs is None:
                print(f"| {name} | {mine:.2f} | - | - |")
                continue
            peer = best_ms(theirs[i][1], args.repeats)
            print(f"| {name} | {mine:.2f} | {peer:.2f} | {mine / peer:.1f}x |")

if __name__ == "__main__":
    main()
