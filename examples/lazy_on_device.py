"""An eager training loop on the accelerator with lazy tensors, torch_xla's way of training.

    python examples/lazy_on_device.py

Written as a PyTorch user writes a loop for torch_xla: the model and each batch go to the
device ('cuda' where jax sees an NVIDIA GPU, else jax's CPU device, 'jax'), and the loop
itself is plain eager code. With `dg.set_lazy_enabled(True)` the ops record instead of
dispatching one jax call each; `loss.backward()` reads the loss, which runs the forward as one
XLA program (compiled once, then reused every step), and the optimizer's update waits to join
the next step's program (docs/devices.md, "Lazy jax tensors"). Only the epoch's mean loss is
read back to the host, as torch_xla users do between `xm.mark_step()` calls.
"""
from __future__ import annotations

import numpy as np

import dualgrad as dg
from dualgrad import nn, optim

device = "cuda" if dg.cuda.is_available() else "jax"


def make_data(n: int = 256):
    """y = sin(3 x0) + x1^2 plus noise, 2 features (fixed seed)."""
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (n, 2)).astype(np.float32)
    y = (np.sin(3 * x[:, :1]) + x[:, 1:] ** 2 + 0.05 * rng.standard_normal((n, 1))).astype(np.float32)
    return dg.tensor(x), dg.tensor(y)


def train(epochs: int = 30, lazy: bool = True, on: str = device) -> list[float]:
    """Mean training loss per epoch."""
    dg.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 1)).to(on)
    optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    loss_fn = nn.MSELoss()
    x, y = make_data()
    batches = [(x[i:i + 64].to(on), y[i:i + 64].to(on)) for i in range(0, len(x), 64)]
    history = []
    with dg.set_lazy_enabled(lazy):
        for _ in range(epochs):
            losses = []
            for xb, yb in batches:
                optimizer.zero_grad()
                loss = loss_fn(model(xb), yb)
                loss.backward()
                optimizer.step()
                losses.append(loss.detach())
            history.append(float(dg.stack(losses).mean().item()))
    return history


if __name__ == "__main__":
    lazy = train()
    for epoch in (0, 9, 19, 29):
        print(f"epoch {epoch + 1}: loss {lazy[epoch]:.4f}")
    eager = train(lazy=False)
    assert np.allclose(lazy, eager, rtol=1e-4), (lazy, eager)
    assert lazy[-1] < 0.2 * lazy[0], lazy
    print("lazy_on_device: ok")
