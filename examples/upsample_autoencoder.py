"""A tiny convolutional encoder-decoder, written as a PyTorch user writes it (Conv2d - ReLU -
MaxPool2d down, nn.Upsample(scale_factor=2, mode='bilinear') - Conv2d up, MSE, SGD): it learns
to reproduce smooth 8x8 images through a 4x4 bottleneck. Trained for a few steps on a fixed
random batch (no downloads).
Run: python examples/upsample_autoencoder.py"""
import dualgrad as dg
import dualgrad.nn.functional as F
from dualgrad import nn, optim


class EncoderDecoder(nn.Module):
    def __init__(self, channels: int = 4):
        super().__init__()
        self.down = nn.Conv2d(1, channels, kernel_size=3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.up = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False)
        self.out = nn.Conv2d(channels, 1, kernel_size=3, padding=1)

    def forward(self, x):
        x = self.pool(F.relu(self.down(x)))  # (N, C, 4, 4)
        return self.out(self.up(x))  # (N, 1, 8, 8)


def make_batch(n: int = 16, seed: int = 0):
    dg.manual_seed(seed)
    coarse = dg.rand(n, 1, 4, 4)
    return F.interpolate(coarse, size=(8, 8), mode="bicubic", align_corners=True)  # smooth images


def train(model: nn.Module, images, steps: int = 12, lr: float = 0.1) -> list[float]:
    optimizer = optim.SGD(model.parameters(), lr=lr)
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
    model = EncoderDecoder()
    print(model)
    losses = train(model, images)
    for step, loss in enumerate(losses):
        print(f"step {step}: loss {loss:.4f}")
    return losses


if __name__ == "__main__":
    main()
    print("upsample_autoencoder: ok")
