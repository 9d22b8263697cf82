"""An MLP with GELU, LeakyReLU and SiLU trained by SGD on fixed data, written as a PyTorch
user writes it (swap `dualgrad as dg` for `torch`). Run: python examples/activations_mlp.py"""
import dualgrad as dg
from dualgrad import nn, optim


def make_data():
    """y = sin(x0) * x1 on a fixed grid: no randomness in the data."""
    x = dg.linspace(-2.0, 2.0, 64).reshape(32, 2)
    y = dg.sin(x[:, :1]) * x[:, 1:]
    return x, y


def build_model() -> nn.Module:
    dg.manual_seed(0)
    return nn.Sequential(
        nn.Linear(2, 16), nn.GELU(),
        nn.Linear(16, 16), nn.LeakyReLU(0.1),
        nn.Linear(16, 8), nn.SiLU(),
        nn.Linear(8, 1),
    )


def main(steps: int = 20) -> list:
    x, y = make_data()
    model = build_model()
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    loss_fn = nn.MSELoss()
    losses = []
    for step in range(steps):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        print(f"step {step}: loss {loss.item()!r}")
    return losses


if __name__ == "__main__":
    print(build_model())
    losses = main()
    assert losses[-1] < losses[0]
    print("activations_mlp: ok")
