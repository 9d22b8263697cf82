"""Robust regression: a small MLP fit to noisy data with a few gross outliers, using
HuberLoss (quadratic near the fit, linear for the outliers), NAdam, and a OneCycleLR schedule
stepped once per batch (which also cycles NAdam's beta1). Written as a PyTorch user writes it
(swap `dualgrad as dg` for `torch`).
Run: python examples/regression_losses.py"""
import dualgrad as dg
from dualgrad import nn, optim

N, FEATURES, HIDDEN, EPOCHS, BATCH = 64, 3, 16, 20, 16


def make_data():
    """y = sin(x . w) + noise, with every 8th target moved by +6 (an outlier)."""
    dg.manual_seed(1)
    x = dg.randn(N, FEATURES)
    w = dg.tensor([[1.0], [-2.0], [0.5]])
    y = dg.sin(x @ w) + 0.05 * dg.randn(N, 1)
    y[::8] += 6.0
    return x, y


def build_model() -> nn.Module:
    dg.manual_seed(0)
    return nn.Sequential(nn.Linear(FEATURES, HIDDEN), nn.Tanh(), nn.Linear(HIDDEN, 1))


def main() -> list:
    x, y = make_data()
    model = build_model()
    loss_fn = nn.HuberLoss(delta=1.0)
    optimizer = optim.NAdam(model.parameters(), lr=1e-3)
    scheduler = optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.1, epochs=EPOCHS, steps_per_epoch=N // BATCH)
    losses = []
    step = 0
    for _ in range(EPOCHS):
        for start in range(0, N, BATCH):
            optimizer.zero_grad()
            loss = loss_fn(model(x[start:start + BATCH]), y[start:start + BATCH])
            loss.backward()
            optimizer.step()
            lr = scheduler.get_last_lr()[0]  # the lr this step used
            scheduler.step()
            losses.append(loss.item())
            print(f"step {step}: loss {loss.item()!r} lr {lr:.5f}")
            step += 1
    with dg.no_grad():
        clean = nn.functional.l1_loss(model(x), dg.sin(x @ dg.tensor([[1.0], [-2.0], [0.5]])))
    print(f"mean absolute error against the clean curve: {clean.item():.4f}")
    return losses


if __name__ == "__main__":
    print(build_model())
    losses = main()
    assert sum(losses[-4:]) < sum(losses[:4])
    print("regression_losses: ok")
