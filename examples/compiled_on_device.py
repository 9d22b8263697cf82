"""A compiled training step on the accelerator, written the way PyTorch users write one.

    python examples/compiled_on_device.py

The model and each batch go to the device (`'cuda'` where jax sees an NVIDIA GPU, else
jax's CPU device, `'jax'`); `train_step` is decorated with `@dg.compile`, so forward,
backward and the Adam update run as one XLA program per step, and the parameters, their
gradients and Adam's state never leave the device between steps (docs/compile.md, "Steps on
the jax device"). Only the epoch's mean loss is read back to the host.
"""
from __future__ import annotations

import numpy as np

import dualgrad as dg
from dualgrad import nn, optim
from dualgrad.utils.data import DataLoader, TensorDataset

device = "cuda" if dg.cuda.is_available() else "jax"


def make_data(n: int = 256):
    """Three classes of points around three centres in 2-d (fixed seed)."""
    rng = np.random.default_rng(0)
    centres = np.array([[2.0, 0.0], [-1.0, 1.7], [-1.0, -1.7]], np.float32)
    labels = rng.integers(0, 3, n)
    points = centres[labels] + 0.6 * rng.standard_normal((n, 2)).astype(np.float32)
    return dg.tensor(points), dg.tensor(labels)


def train(epochs: int = 8, compiled: bool = True) -> tuple[list[float], float]:
    """(mean training loss per epoch, accuracy on the training set)."""
    dg.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 32), nn.Tanh(), nn.Linear(32, 3)).to(device)
    optimizer = optim.Adam(model.parameters(), lr=0.02)
    loss_fn = nn.CrossEntropyLoss()
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
        train_step = dg.compile(train_step)

    history = []
    for _ in range(epochs):
        losses = [train_step(xb.to(device), yb.to(device)) for xb, yb in loader]
        history.append(float(np.mean([loss.item() for loss in losses])))
    with dg.no_grad():
        accuracy = (model(x.to(device)).argmax(dim=1) == y.to(device)).float().mean().item()
    return history, accuracy


if __name__ == "__main__":
    history, accuracy = train()
    for epoch, loss in enumerate(history, 1):
        print(f"epoch {epoch}: mean loss {loss:.4f}")
    print(f"accuracy {accuracy:.3f} on {device}")
