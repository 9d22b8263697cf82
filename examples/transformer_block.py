"""A one-block causal transformer (pre-LayerNorm self-attention with nn.MultiheadAttention, then
an MLP, both residual) learns a running mean: for each position, the mean of the inputs so far.
Written as a PyTorch user writes it (swap `dualgrad as dg` for `torch`).
Run: python examples/transformer_block.py"""
import dualgrad as dg
from dualgrad import nn, optim

BATCH, SEQ, D_MODEL, HEADS = 16, 6, 16, 4


class Block(nn.Module):
    def __init__(self, d_model: int, heads: int) -> None:
        super().__init__()
        self.ln1 = nn.LayerNorm(d_model)
        self.attn = nn.MultiheadAttention(d_model, heads, batch_first=True)
        self.ln2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, 4 * d_model), nn.ReLU(), nn.Linear(4 * d_model, d_model))

    def forward(self, x, mask):
        h = self.ln1(x)
        attended, _ = self.attn(h, h, h, attn_mask=mask, need_weights=False)
        x = x + attended
        return x + self.mlp(self.ln2(x))


class TinyTransformer(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Linear(1, D_MODEL)
        self.pos = nn.Parameter(dg.zeros(SEQ, D_MODEL))
        self.block = Block(D_MODEL, HEADS)
        self.head = nn.Linear(D_MODEL, 1)

    def forward(self, x):
        # True above the diagonal: a position may not attend to later ones
        mask = dg.triu(dg.ones(SEQ, SEQ, dtype=dg.bool), diagonal=1)
        return self.head(self.block(self.embed(x) + self.pos, mask))


def make_data():
    """Random sequences (BATCH, SEQ, 1) and their running means."""
    dg.manual_seed(1)
    x = dg.randn(BATCH, SEQ, 1)
    return x, x.cumsum(dim=1) / dg.arange(1, SEQ + 1).reshape(1, SEQ, 1)


def build_model() -> nn.Module:
    dg.manual_seed(0)
    return TinyTransformer()


def main(steps: int = 10) -> list:
    x, y = make_data()
    model = build_model()
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    losses = []
    for step in range(steps):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        print(f"step {step}: loss {loss.item()!r}")
    return losses


if __name__ == "__main__":
    print(build_model())
    losses = main()
    assert losses[-1] < losses[0]
    print("transformer_block: ok")
