"""The network of PyTorch's spatial transformer tutorial, written as a PyTorch user writes it: a
localization conv net regresses a 2x3 affine matrix (fc_loc, initialised to the identity),
F.affine_grid and F.grid_sample warp the input with it, and a small CNN classifies the warped
image (Dropout2d, dropout, log_softmax, nll_loss, SGD); align_corners=False is spelled out, as
PyTorch's default warning asks. Trained for a few steps on synthetic
28x28 "digits" (a bar whose orientation is the class, shifted at random; no downloads).
Run: python examples/spatial_transformer.py"""
import dualgrad as torch
import dualgrad.nn.functional as F
from dualgrad import nn, optim


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 10, kernel_size=5)
        self.conv2 = nn.Conv2d(10, 20, kernel_size=5)
        self.conv2_drop = nn.Dropout2d()
        self.fc1 = nn.Linear(320, 50)
        self.fc2 = nn.Linear(50, 10)

        # Spatial transformer localization-network
        self.localization = nn.Sequential(
            nn.Conv2d(1, 8, kernel_size=7),
            nn.MaxPool2d(2, stride=2),
            nn.ReLU(True),
            nn.Conv2d(8, 10, kernel_size=5),
            nn.MaxPool2d(2, stride=2),
            nn.ReLU(True),
        )

        # Regressor for the 3 * 2 affine matrix
        self.fc_loc = nn.Sequential(
            nn.Linear(10 * 3 * 3, 32),
            nn.ReLU(True),
            nn.Linear(32, 3 * 2),
        )

        # Initialize the weights/bias with identity transformation
        self.fc_loc[2].weight.data.zero_()
        self.fc_loc[2].bias.data.copy_(torch.tensor([1, 0, 0, 0, 1, 0], dtype=torch.float))

    # Spatial transformer network forward function
    def stn(self, x):
        xs = self.localization(x)
        xs = xs.view(-1, 10 * 3 * 3)
        theta = self.fc_loc(xs)
        theta = theta.view(-1, 2, 3)

        grid = F.affine_grid(theta, x.size(), align_corners=False)
        x = F.grid_sample(x, grid, align_corners=False)
        return x

    def forward(self, x):
        # transform the input
        x = self.stn(x)

        # Perform the usual forward pass
        x = F.relu(F.max_pool2d(self.conv1(x), 2))
        x = F.relu(F.max_pool2d(self.conv2_drop(self.conv2(x)), 2))
        x = x.view(-1, 320)
        x = F.relu(self.fc1(x))
        x = F.dropout(x, training=self.training)
        x = self.fc2(x)
        return F.log_softmax(x, dim=1)


def make_batch(n: int = 16, seed: int = 0):
    """Images of a bright bar through a random point, at the angle of its class (10 angles)."""
    torch.manual_seed(seed)
    labels = torch.randint(0, 10, (n,))
    angle = labels.float() * (3.14159265 / 10)
    shift = (torch.rand(n, 2) - 0.5) * 0.6
    ys, xs = torch.meshgrid(torch.linspace(-1, 1, 28), torch.linspace(-1, 1, 28), indexing="ij")
    dx = xs[None] - shift[:, 0, None, None]
    dy = ys[None] - shift[:, 1, None, None]
    across = dx * torch.sin(angle)[:, None, None] - dy * torch.cos(angle)[:, None, None]
    images = torch.exp(-(across / 0.15) ** 2) * torch.exp(-(dx ** 2 + dy ** 2) / 0.5)
    return images[:, None], labels


def train(model: nn.Module, images, labels, steps: int = 8, lr: float = 0.01, dropout: bool = True) -> list:
    optimizer = optim.SGD(model.parameters(), lr=lr)
    model.train(dropout)  # the tutorial trains with dropout; model.train(False) trains without
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        output = model(images)
        loss = F.nll_loss(output, labels)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def main() -> list:
    images, labels = make_batch()
    torch.manual_seed(0)
    model = Net()
    print(model)
    losses = train(model, images, labels)
    for step, loss in enumerate(losses):
        print(f"step {step}: loss {loss:.4f}")
    return losses


if __name__ == "__main__":
    main()
    print("spatial_transformer: ok")
