"""The PyTorch MNIST CNN, written as a PyTorch user writes it (Conv2d - ReLU - MaxPool2d -
Flatten - Linear, cross_entropy, SGD), trained for a few steps on a small fixed random batch
of 28x28 "digits" (no downloads). Run: python examples/mnist_cnn.py"""
import dualgrad as dg
import dualgrad.nn.functional as F
from dualgrad import nn, optim


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, kernel_size=3)
        self.pool = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(8, 16, kernel_size=3, padding=1)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(16 * 6 * 6, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))   # (N, 8, 13, 13)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)  # (N, 16, 6, 6)
        return self.fc(self.flatten(x))


def make_batch(n: int = 16, seed: int = 0):
    g = dg.Generator().manual_seed(seed)
    images = nn.init.uniform_(dg.empty(n, 1, 28, 28), 0.0, 1.0, generator=g)
    labels = dg.arange(n) % 10
    return images, labels


def train(model: nn.Module, images, labels, steps: int = 5, lr: float = 0.1) -> list[float]:
    optimizer = optim.SGD(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(images), labels)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def main() -> list[float]:
    dg.manual_seed(0)
    model = Net()
    print(model)
    losses = train(model, *make_batch())
    for step, loss in enumerate(losses):
        print(f"step {step}: loss {loss:.4f}")
    return losses


if __name__ == "__main__":
    main()
    print("mnist_cnn: ok")
