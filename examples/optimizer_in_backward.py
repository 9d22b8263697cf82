"""An optimizer step fused into the backward pass, written as PyTorch's tutorial "How to save
memory by fusing the optimizer step into the backward pass" writes it: one optimizer per
parameter, stepped and zeroed by a post-accumulate-grad hook, so no gradient outlives the
backward walk. Trains the same model the usual way beside it: the weights come out the same.
Ported by changing `torch` to `dualgrad`.
Run: python examples/optimizer_in_backward.py"""
import numpy as np

import dualgrad as dg
from dualgrad import nn


def make_model():
    dg.manual_seed(0)
    return nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 1))


def data(n=64):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, 10)).astype(np.float32)
    y = (x[:, :3].sum(axis=1, keepdims=True) - 0.5).astype(np.float32)
    return dg.tensor(x), dg.tensor(y)


def train_fused(steps=30):
    model = make_model()
    optimizer_dict = {p: dg.optim.Adam([p], lr=0.01) for p in model.parameters()}

    def optimizer_hook(parameter) -> None:
        optimizer_dict[parameter].step()
        optimizer_dict[parameter].zero_grad()

    for p in model.parameters():
        p.register_post_accumulate_grad_hook(optimizer_hook)

    x, y = data()
    losses = []
    for _ in range(steps):
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()  # each parameter steps as soon as its gradient is in
        losses.append(loss.item())
    return model, losses


def train_usual(steps=30):
    model = make_model()
    optimizer = dg.optim.Adam(model.parameters(), lr=0.01)
    x, y = data()
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return model, losses


if __name__ == "__main__":
    fused, fused_losses = train_fused()
    usual, usual_losses = train_usual()
    print(f"loss {fused_losses[0]:.4f} -> {fused_losses[-1]:.4f} (fused), "
          f"{usual_losses[0]:.4f} -> {usual_losses[-1]:.4f} (usual)")
    assert all(p.grad is None for p in fused.parameters())  # freed inside the backward
    for a, b in zip(fused.parameters(), usual.parameters(), strict=True):
        assert np.allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-5, atol=1e-6)
    assert fused_losses[-1] < 0.5 * fused_losses[0]
    print("optimizer_in_backward: ok")
