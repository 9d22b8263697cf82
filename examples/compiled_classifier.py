"""A classifier trained with a `dg.compile`d step, written the way PyTorch users write it.

    python examples/compiled_classifier.py

nn.Sequential with Dropout, CrossEntropyLoss on integer class labels, Adam, a shuffled
DataLoader. `train_step` is compiled: forward (dropout included), backward and the Adam
step run as one program. Dropout's masks are drawn from dualgrad's global stream
(`dg.manual_seed`) exactly as the eager step draws them, so the compiled loop trains to the
eager loop's numbers; a label outside 0..2 raises IndexError as eagerly.
"""
from __future__ import annotations

import numpy as np

import dualgrad as dg
from dualgrad import nn, optim
from dualgrad.utils.data import DataLoader, TensorDataset


def make_data(n: int = 240):
    """Three Gaussian blobs in 2-d (fixed seed); labels are int64 class indices."""
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, n)
    centres = np.array([[2.0, 0.0], [-1.0, 1.7], [-1.0, -1.7]])
    x = (centres[labels] + rng.standard_normal((n, 2))).astype(np.float32)
    return dg.tensor(x), dg.tensor(labels)


def train(epochs: int = 8, compiled: bool = True, backend: str | None = None):
    """(mean training loss per epoch, accuracy on the training set in eval mode)."""
    dg.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Dropout(0.2), nn.Linear(32, 3))
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    criterion = nn.CrossEntropyLoss()
    x, y = make_data()
    loader = DataLoader(TensorDataset(x, y), batch_size=48, shuffle=True,
                        generator=dg.Generator().manual_seed(1))

    def train_step(inputs, targets):
        optimizer.zero_grad()
        loss = criterion(model(inputs), targets)
        loss.backward()
        optimizer.step()
        return loss

    if compiled:
        train_step = dg.compile(train_step, backend=backend)

    history = []
    model.train()
    for _ in range(epochs):
        losses = [train_step(xb, yb).item() for xb, yb in loader]
        history.append(float(np.mean(losses)))
    model.eval()
    with dg.no_grad():
        accuracy = (model(x).argmax(dim=1) == y).float().mean().item()
    return history, accuracy


if __name__ == "__main__":
    history, accuracy = train()
    for epoch, loss in enumerate(history, 1):
        print(f"epoch {epoch}: mean loss {loss:.4f}")
    print(f"training accuracy (eval mode): {accuracy:.3f}")
