"""An exponential moving average of a model's weights, as PyTorch users keep one (timm's ModelEma,
the "EMA" of diffusion models): after each optimizer step, `ema_p.lerp_(p, 1 - decay)` under
`no_grad`; a positive scale kept above a floor with `clamp_min_`. The EMA is then checked against
the same average computed by hand from the weights after each step."""
import copy

import numpy as np

import dualgrad as torch
import dualgrad.nn as nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1))
scale = nn.Parameter(torch.tensor(1.0))
ema = copy.deepcopy(model)
for p in ema.parameters():
    p.requires_grad_(False)
optimizer = torch.optim.SGD([*model.parameters(), scale], lr=0.1)
decay = 0.9

x = torch.randn(32, 3)
y = (x[:, :1] * 2 - x[:, 1:2]).tanh()
history = [[p.detach().numpy().copy() for p in ema.parameters()]]
initial = ((model(x) * scale - y) ** 2).mean().item()
for _ in range(20):
    loss = ((model(x) * scale - y) ** 2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    with torch.no_grad():
        scale.clamp_min_(0.5)
        for ema_p, p in zip(ema.parameters(), model.parameters(), strict=True):
            ema_p.lerp_(p, 1 - decay)
    history.append([p.detach().numpy().copy() for p in model.parameters()])

# the same average by hand: ema = decay * ema + (1 - decay) * weights, after each step
by_hand = history[0]
for weights in history[1:]:
    by_hand = [decay * e + (1 - decay) * w for e, w in zip(by_hand, weights, strict=True)]
for ema_p, want in zip(ema.parameters(), by_hand, strict=True):
    np.testing.assert_allclose(ema_p.numpy(), want, rtol=1e-5, atol=1e-6)
assert scale.item() >= 0.5
ema_loss = ((ema(x) * scale - y) ** 2).mean().item()
assert ema_loss < initial  # the average of trained weights fits better than the start
print(f"loss {initial:.4f} at the start, {loss.item():.4f} at the end, {ema_loss:.4f} with the EMA")
print("ema_weights: ok")
