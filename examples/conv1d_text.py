"""A tiny 1-d text CNN, written as a PyTorch user writes it (Embedding - Conv1d - ReLU -
AdaptiveMaxPool1d - Linear, cross_entropy, Adam): does a sequence of tokens hold the bigram
"3 7"? Trained for a few steps on a fixed random batch (no downloads).
Run: python examples/conv1d_text.py"""
import dualgrad as dg
import dualgrad.nn.functional as F
from dualgrad import nn, optim

VOCAB, LENGTH = 12, 10


class TextCNN(nn.Module):
    def __init__(self, vocab: int = VOCAB, dim: int = 8, channels: int = 16):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.conv = nn.Conv1d(dim, channels, kernel_size=3, padding=1)
        self.pool = nn.AdaptiveMaxPool1d(1)
        self.fc = nn.Linear(channels, 2)

    def forward(self, tokens):
        x = self.embed(tokens).transpose(1, 2)  # (N, L, dim) -> (N, dim, L): Conv1d's layout
        x = self.pool(F.relu(self.conv(x)))  # (N, channels, 1)
        return self.fc(x.flatten(1))


def make_batch(n: int = 32, seed: int = 0):
    g = dg.Generator().manual_seed(seed)
    tokens = dg.randint(0, VOCAB, (n, LENGTH), generator=g)
    tokens[: n // 2, 4] = 3  # half the batch holds "3 7"
    tokens[: n // 2, 5] = 7
    labels = ((tokens[:, :-1] == 3) & (tokens[:, 1:] == 7)).any(dim=1).long()
    return tokens, labels


def train(model: nn.Module, tokens, labels, steps: int = 8, lr: float = 0.01) -> list[float]:
    optimizer = optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(tokens), labels)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def main() -> list[float]:
    dg.manual_seed(0)
    model = TextCNN()
    print(model)
    losses = train(model, *make_batch())
    for step, loss in enumerate(losses):
        print(f"step {step}: loss {loss:.4f}")
    return losses


if __name__ == "__main__":
    main()
    print("conv1d_text: ok")
