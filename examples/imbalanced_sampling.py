"""A small classifier on imbalanced data, written as a PyTorch user writes it; the port is the
import line (`import torch` -> `import dualgrad as torch`).

Two classes, 480 majority and 32 minority points, joined with ConcatDataset; a
WeightedRandomSampler draws each class equally often (weight 1 / class count per sample). The
model's hidden layer is orthogonally initialised (bias from trunc_normal_), its readout an
nn.ParameterList, and the update is RMSprop written by hand with addcmul_ and addcdiv_.
tests/nn/test_imbalanced_sampling_example.py replays the same batches in numpy float64 and
checks the parameters and losses, and the sampler's class balance."""
import numpy as np

import dualgrad as torch
import dualgrad.nn as nn
import dualgrad.nn.functional as F
from dualgrad.utils.data import ConcatDataset, DataLoader, TensorDataset, WeightedRandomSampler


def make_data(seed=0):
    rng = np.random.default_rng(seed)
    major = rng.normal([-1.0, 0.0], 0.8, size=(480, 2))
    minor = rng.normal([1.5, 1.0], 0.5, size=(32, 2))
    majority = TensorDataset(torch.tensor(major, dtype=torch.float32), torch.zeros(480))
    minority = TensorDataset(torch.tensor(minor, dtype=torch.float32), torch.ones(32))
    return ConcatDataset([majority, minority])


class Classifier(nn.Module):
    def __init__(self, hidden=4):
        super().__init__()
        self.hidden = nn.Linear(2, hidden)
        nn.init.orthogonal_(self.hidden.weight)
        nn.init.trunc_normal_(self.hidden.bias, std=0.1, a=-0.2, b=0.2)
        self.readout = nn.ParameterList([torch.randn(hidden) * 0.5, torch.zeros(1)])

    def forward(self, x):
        w, b = self.readout
        return torch.tanh(self.hidden(x)) @ w + b


def train(steps=60, batch_size=32, lr=0.05, alpha=0.9, eps=1e-8, seed=0):
    """Returns the model, its initial parameters, the batches' indices and the losses."""
    torch.manual_seed(seed)
    data = make_data()
    counts = [len(d) for d in data.datasets]
    weights = torch.cat([torch.full((n,), 1.0 / n) for n in counts])
    sampler = WeightedRandomSampler(weights, num_samples=steps * batch_size, replacement=True)
    indices = list(sampler)
    loader = DataLoader(data, batch_size=batch_size, sampler=indices)
    model = Classifier()
    initial = {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}
    square_avg = [torch.zeros_like(p) for p in model.parameters()]
    losses = []
    for step, (x, y) in enumerate(loader):
        loss = F.binary_cross_entropy_with_logits(model(x), y)
        model.zero_grad()
        loss.backward()
        with torch.no_grad():
            for p, v in zip(model.parameters(), square_avg, strict=True):
                v.mul_(alpha).addcmul_(p.grad, p.grad, value=1 - alpha)
                p.addcdiv_(p.grad, v.sqrt().add_(eps), value=-lr)
        losses.append(loss.item())
        if step % 20 == 0:
            print(f"step {step}: loss {loss.item():.4f}")
    return model, initial, indices, losses


if __name__ == "__main__":
    model, _, indices, losses = train()
    minority_share = np.mean(np.asarray(indices) >= 480)
    print(f"minority share of the draws: {minority_share:.3f}")
    x = torch.tensor(make_data().datasets[1].tensors[0].numpy())
    recall = (model(x) > 0).float().mean().item()
    print(f"minority recall: {recall:.3f}")
    assert 0.4 < minority_share < 0.6 and recall > 0.8 and losses[-1] < losses[0]
    print("imbalanced_sampling: ok")
