"""Train a small MLP classifier on synthetic spirals, written as a PyTorch user writes it:
nn.Module + optim.Adam + DataLoader. Run: python examples/mlp_classifier.py"""
import math

import dualgrad as dg
from dualgrad import nn, optim
from dualgrad.utils.data import DataLoader, TensorDataset


def make_spirals(n_per_class: int = 200, classes: int = 3, seed: int = 0):
    """Three interleaved noisy spiral arms in the plane (no downloads)."""
    g = dg.Generator().manual_seed(seed)
    points, labels = [], []
    for c in range(classes):
        t = dg.linspace(0.0, 1.0, n_per_class)
        noise = nn.init.normal_(dg.empty(n_per_class), std=0.2, generator=g)
        angle = t * 4.0 + c * 2 * math.pi / classes + noise
        points.append(dg.stack([t * dg.cos(angle), t * dg.sin(angle)], dim=1))
        labels.append(dg.full((n_per_class,), c, dtype=dg.long))
    return dg.cat(points), dg.cat(labels)


class MLP(nn.Module):
    def __init__(self, in_features: int, hidden: int, classes: int):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(in_features, hidden), nn.ReLU(),
            nn.Linear(hidden, hidden), nn.ReLU(),
            nn.Linear(hidden, classes),
        )

    def forward(self, x):
        return self.net(x)


def accuracy(model: nn.Module, x, y) -> float:
    model.eval()
    with dg.no_grad():
        correct = (model(x).argmax(dim=1) == y).float().mean().item()
    model.train()
    return correct


def main() -> float:
    dg.manual_seed(0)
    x, y = make_spirals()
    loader = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True,
                        generator=dg.Generator().manual_seed(1))
    model = MLP(2, 64, 3)
    optimizer = optim.Adam(model.parameters(), lr=1e-2)
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=20, gamma=0.5)
    loss_fn = nn.CrossEntropyLoss()

    for epoch in range(30):
        total = 0.0
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(xb)
        scheduler.step()
        if epoch % 10 == 9:
            print(f"epoch {epoch + 1}: loss {total / len(x):.4f}")
    acc = accuracy(model, x, y)
    print(f"accuracy: {acc:.3f}")
    return acc


if __name__ == "__main__":
    main()
    print("mlp_classifier: ok")
