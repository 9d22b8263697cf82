"""Fitting a damped oscillation with L-BFGS and a closure, written as a PyTorch user writes it
(swap `dualgrad as dg` / `dualgrad.nn` / `dualgrad.optim` for `torch`, `torch.nn`, `torch.optim`).

The model y = a exp(-k t) sin(w t + phi) has four scalar parameters; `optim.LBFGS` with the
strong Wolfe line search calls the closure as often as its search needs, and six `step`s
(four iterations each) recover the parameters that made the (deterministically perturbed) data.
Run: python examples/lbfgs_curve_fit.py"""
import dualgrad as dg
from dualgrad import nn, optim

dg.set_default_dtype(dg.float64)

TRUE = {"amplitude": 2.0, "decay": 0.3, "frequency": 2.5, "phase": 0.4}


class DampedOscillator(nn.Module):
    def __init__(self):
        super().__init__()
        self.amplitude = nn.Parameter(dg.tensor(1.0))
        self.decay = nn.Parameter(dg.tensor(0.1))
        self.frequency = nn.Parameter(dg.tensor(2.2))
        self.phase = nn.Parameter(dg.tensor(0.0))

    def forward(self, t):
        return self.amplitude * dg.exp(-self.decay * t) * dg.sin(self.frequency * t + self.phase)


def data():
    """(t, y): 60 samples of the true curve plus a small fixed wiggle standing in for noise."""
    t = dg.linspace(0.0, 6.0, 60)
    clean = TRUE["amplitude"] * dg.exp(-TRUE["decay"] * t) * dg.sin(TRUE["frequency"] * t + TRUE["phase"])
    return t, clean + 0.01 * dg.sin(37.0 * t)


def fit(steps: int = 6):
    """(the model, the loss returned by each step, the closure calls of each step)."""
    t, y = data()
    model = DampedOscillator()
    loss_fn = nn.MSELoss()
    optimizer = optim.LBFGS(model.parameters(), lr=1, max_iter=4, history_size=10,
                            line_search_fn="strong_wolfe")
    calls = 0

    def closure():
        nonlocal calls
        calls += 1
        optimizer.zero_grad()
        loss = loss_fn(model(t), y)
        loss.backward()
        return loss

    losses, evaluations = [], []
    for _ in range(steps):
        calls = 0
        losses.append(optimizer.step(closure).item())
        evaluations.append(calls)
    return model, losses, evaluations


def main() -> None:
    model, losses, evaluations = fit()
    for i, (loss, n) in enumerate(zip(losses, evaluations, strict=True)):
        print(f"step {i}: loss {loss!r} closure calls {n}")
    fitted = {name: p.item() for name, p in model.named_parameters()}
    print("fitted:", ", ".join(f"{k}={v!r}" for k, v in fitted.items()))
    assert all(abs(fitted[k] - TRUE[k]) < 0.02 for k in TRUE), fitted
    print("lbfgs_curve_fit: ok")


if __name__ == "__main__":
    main()
