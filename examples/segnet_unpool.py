"""A tiny SegNet-style encoder-decoder, written as a PyTorch user writes it: the encoder's
MaxPool2d keeps where each maximum came from (return_indices=True) and the decoder's
MaxUnpool2d puts values back there, so edges stay where they were. Conv2d - ReLU - pool down,
Conv2d - ReLU - unpool - Conv2d up, MSE, Adam; it learns to reproduce 8x8 images of bars
through a 4x4 bottleneck. Trained for a few steps on a fixed random batch (no downloads).
Run: python examples/segnet_unpool.py"""
import dualgrad as dg
import dualgrad.nn.functional as F
from dualgrad import nn, optim


class SegNetTiny(nn.Module):
    def __init__(self, channels: int = 4):
        super().__init__()
        self.encode = nn.Conv2d(1, channels, kernel_size=3, padding=1)
        self.pool = nn.MaxPool2d(2, return_indices=True)
        self.middle = nn.Conv2d(channels, channels, kernel_size=3, padding=1)
        self.unpool = nn.MaxUnpool2d(2)
        self.decode = nn.Conv2d(channels, 1, kernel_size=3, padding=1)

    def forward(self, x):
        features = F.relu(self.encode(x))  # (N, C, 8, 8)
        pooled, indices = self.pool(features)  # (N, C, 4, 4) and where each max was
        pooled = F.relu(self.middle(pooled))
        restored = self.unpool(pooled, indices, output_size=features.shape)  # (N, C, 8, 8)
        return self.decode(restored)  # (N, 1, 8, 8)


def make_batch(n: int = 16, seed: int = 0):
    """Images of one bright bar each (a row or a column) on a dim random background."""
    dg.manual_seed(seed)
    images = 0.1 * dg.rand(n, 1, 8, 8)
    for i in range(n):
        k = i % 8
        if i % 2:
            images[i, 0, k, :] = 1.0
        else:
            images[i, 0, :, k] = 1.0
    return images


def train(model: nn.Module, images, steps: int = 15, lr: float = 0.02) -> list[float]:
    optimizer = optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = F.mse_loss(model(images), images)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def main() -> list[float]:
    images = make_batch()
    dg.manual_seed(0)
    model = SegNetTiny()
    print(model)
    losses = train(model, images)
    for step, loss in enumerate(losses):
        print(f"step {step}: loss {loss:.4f}")
    return losses


if __name__ == "__main__":
    main()
    print("segnet_unpool: ok")
