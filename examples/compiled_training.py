"""Training step compiled with `dg.compile`, written the way PyTorch users write torch.compile.

    python examples/compiled_training.py

A small regression MLP (nn.Sequential, MSELoss, SGD with momentum, a shuffled DataLoader).
`train_step` is decorated with `@dg.compile`: the first call traces forward, backward and the
optimizer step into one static graph, later calls run it as one XLA program; the model's
parameters, their `.grad` and the optimizer's momentum buffers stay ordinary eager tensors,
updated after every call. The last batch of an epoch is smaller: its new shape is traced
once more (a guard), as torch.compile re-compiles for a new static shape.
"""
from __future__ import annotations

import numpy as np

import dualgrad as dg
from dualgrad import nn, optim
from dualgrad.utils.data import DataLoader, TensorDataset


def make_data(n: int = 200):
    """y = sin(x0) + x1 * x2 on standard normal inputs (fixed seed)."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, 3)).astype(np.float32)
    y = (np.sin(x[:, :1]) + x[:, 1:2] * x[:, 2:3]).astype(np.float32)
    return dg.tensor(x), dg.tensor(y)


def train(epochs: int = 10, compiled: bool = True, backend: str | None = None) -> list[float]:
    """Mean training loss per epoch (`backend`: dg.compile's, default XLA through jax)."""
    dg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 32), nn.ReLU(), nn.Linear(32, 1))
    optimizer = optim.SGD(model.parameters(), lr=0.02, momentum=0.9)
    loss_fn = nn.MSELoss()
    x, y = make_data()
    loader = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True,
                        generator=dg.Generator().manual_seed(1))

    def train_step(xb, yb):
        optimizer.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()
        return loss

    if compiled:
        train_step = dg.compile(train_step, backend=backend)

    history = []
    for _ in range(epochs):
        losses = [train_step(xb, yb).item() for xb, yb in loader]
        history.append(float(np.mean(losses)))
    return history


if __name__ == "__main__":
    for epoch, loss in enumerate(train(), 1):
        print(f"epoch {epoch}: mean loss {loss:.4f}")
