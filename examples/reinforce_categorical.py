"""REINFORCE with torch.distributions.Categorical on a 4-armed bandit, written as a PyTorch
user writes it; the port is the import line (`import torch` -> `import dualgrad as torch`).

Each arm pays a fixed reward. The policy is a softmax over learnable logits; each step draws a
batch of arms, and the loss is -log pi(a) * (reward - mean reward of the batch), whose gradient
is an estimate of the policy gradient (scaled by 1 - 1/batch, the price of that baseline).
tests/eager/test_reinforce_example.py checks the learned policy against exact policy-gradient
ascent written with jax."""
import dualgrad as torch
import dualgrad.nn as nn
import dualgrad.optim as optim
from dualgrad.distributions import Categorical

REWARDS = torch.tensor([0.2, 0.5, 1.0, 0.1])  # arm 2 is the best


def train(steps=60, batch=512, lr=2.0, seed=0):
    torch.manual_seed(seed)
    logits = nn.Parameter(torch.zeros(len(REWARDS)))
    optimizer = optim.SGD([logits], lr=lr)
    for step in range(steps):
        dist = Categorical(logits=logits)
        actions = dist.sample((batch,))
        rewards = REWARDS[actions]
        advantage = rewards - rewards.mean()
        loss = -(dist.log_prob(actions) * advantage).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % 20 == 0:
            print(f"step {step:3d}  mean reward {rewards.mean().item():.3f}  entropy {dist.entropy().item():.3f}")
    return torch.softmax(logits.detach(), dim=0)


if __name__ == "__main__":
    probs = train()
    print("policy:", [round(p, 3) for p in probs.tolist()])
    assert probs.argmax().item() == 2
    print("reinforce_categorical: ok")
