"""Multi-head causal self-attention written with einsum, as PyTorch users write it (swap
`dualgrad as dg` for `torch`): the heads stay a dim of their own, the scores are
einsum('bqhd,bkhd->bhqk') and the weighted values einsum('bhqk,bkhd->bqhd'). The block
learns a running mean: for each position, the mean of the input vectors so far.
Run: python examples/einsum_attention.py"""
import math

import dualgrad as dg
from dualgrad import nn, optim

BATCH, SEQ, D_MODEL, HEADS = 8, 5, 8, 2


class EinsumAttention(nn.Module):
    def __init__(self, d_model: int, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)

    def forward(self, x, mask):
        b, n, d = x.shape
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        q, k, v = (t.reshape(b, n, self.heads, d // self.heads) for t in (q, k, v))
        scores = dg.einsum("bqhd,bkhd->bhqk", q, k) / math.sqrt(d // self.heads)
        weights = scores.masked_fill(mask, float("-inf")).softmax(dim=-1)
        attended = dg.einsum("bhqk,bkhd->bqhd", weights, v).reshape(b, n, d)
        return self.out(attended)


class RunningMean(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.attn = EinsumAttention(D_MODEL, HEADS)

    def forward(self, x):
        # True above the diagonal: a position may not attend to later ones
        mask = dg.triu(dg.ones(SEQ, SEQ, dtype=dg.bool), diagonal=1)
        return x + self.attn(x, mask)


def make_data():
    """Random sequences (BATCH, SEQ, D_MODEL) and their running means."""
    dg.manual_seed(1)
    x = dg.randn(BATCH, SEQ, D_MODEL)
    return x, x.cumsum(dim=1) / dg.arange(1, SEQ + 1).reshape(1, SEQ, 1)


def build_model() -> nn.Module:
    dg.manual_seed(0)
    return RunningMean()


def main(steps: int = 30) -> list:
    x, y = make_data()
    model = build_model()
    optimizer = optim.Adam(model.parameters(), lr=0.03)
    losses = []
    for step in range(steps):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if step % 10 == 0 or step == steps - 1:
            print(f"step {step}: loss {loss.item()!r}")
    return losses


if __name__ == "__main__":
    losses = main()
    assert losses[-1] < 0.5 * losses[0]
    print("einsum_attention: ok")
