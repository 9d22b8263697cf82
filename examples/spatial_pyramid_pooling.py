"""Spatial pyramid pooling (SPP-net), written as a PyTorch user writes it: the convolutional
features of an image of any size are max-pooled to fixed grids of 1x1, 2x2 and 3x3 cells
(AdaptiveMaxPool2d; a 3x3 grid over 7 rows makes windows that overlap) and concatenated, so
one Linear head classifies images of every size. Trained with SGD on synthetic images of
three sizes (a bright blob in the left or the right half: two classes; no downloads).
Run: python examples/spatial_pyramid_pooling.py"""
import dualgrad as dg
import dualgrad.nn.functional as F
from dualgrad import nn, optim

LEVELS = (1, 2, 3)
SIZES = ((7, 9), (10, 8), (12, 12))


class SPPNet(nn.Module):
    def __init__(self, channels: int = 4, classes: int = 2):
        super().__init__()
        self.conv = nn.Conv2d(1, channels, kernel_size=3, padding=1)
        self.pools = nn.ModuleList(nn.AdaptiveMaxPool2d(level) for level in LEVELS)
        self.head = nn.Linear(channels * sum(level * level for level in LEVELS), classes)

    def forward(self, x):
        features = F.relu(self.conv(x))  # (N, C, H, W), any H and W
        pyramid = [pool(features).flatten(1) for pool in self.pools]  # (N, C * level^2) each
        return self.head(dg.cat(pyramid, dim=1))


def make_batches(n: int = 8, seed: int = 0):
    """One batch per image size: a 3x3 blob in the left half (class 0) or the right (class 1)."""
    dg.manual_seed(seed)
    batches = []
    for height, width in SIZES:
        images = 0.1 * dg.rand(n, 1, height, width)
        labels = dg.arange(n) % 2
        for i in range(n):
            top = i % (height - 2)
            left = 0 if labels[i] == 0 else width - 3
            images[i, 0, top:top + 3, left:left + 3] = 1.0
        batches.append((images, labels))
    return batches


def train(model: nn.Module, batches, epochs: int = 10, lr: float = 0.1) -> list[float]:
    optimizer = optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    losses = []
    for _ in range(epochs):
        for images, labels in batches:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(images), labels)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    return losses


def main() -> list[float]:
    batches = make_batches()
    dg.manual_seed(0)
    model = SPPNet()
    print(model)
    losses = train(model, batches)
    for step in range(0, len(losses), len(SIZES)):
        print(f"epoch {step // len(SIZES)}: loss {sum(losses[step:step + len(SIZES)]) / len(SIZES):.4f}")
    return losses


if __name__ == "__main__":
    main()
    print("spatial_pyramid_pooling: ok")
