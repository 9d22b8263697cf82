"""A tiny character-level language model (Embedding -> 2-layer LSTM -> Linear) trained with
Adam on next-character cross entropy, written as a PyTorch user writes it (swap
`dualgrad as dg` for `torch`).
Run: python examples/char_rnn.py"""
import dualgrad as dg
from dualgrad import nn, optim

TEXT = "hello world, hello dualgrad. "
CHARS = sorted(set(TEXT))
HIDDEN, EMBED, SEQ = 16, 8, 8


class CharLSTM(nn.Module):
    def __init__(self, vocab_size: int, embed: int, hidden: int) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed)
        self.lstm = nn.LSTM(embed, hidden, num_layers=2, batch_first=True)
        self.head = nn.Linear(hidden, vocab_size)

    def forward(self, tokens, state=None):
        out, state = self.lstm(self.embedding(tokens), state)
        return self.head(out), state


def make_data():
    """Every window of SEQ characters of TEXT (as ids) and the same window shifted by one."""
    ids = [CHARS.index(c) for c in TEXT]
    windows = [ids[i:i + SEQ + 1] for i in range(len(ids) - SEQ)]
    data = dg.tensor(windows)
    return data[:, :-1], data[:, 1:]


def build_model() -> nn.Module:
    dg.manual_seed(0)
    return CharLSTM(len(CHARS), EMBED, HIDDEN)


def main(steps: int = 12) -> list:
    inputs, targets = make_data()
    model = build_model()
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=0.02)
    losses = []
    for step in range(steps):
        optimizer.zero_grad()
        logits, _ = model(inputs)
        loss = criterion(logits.reshape(-1, len(CHARS)), targets.reshape(-1))
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        print(f"step {step}: loss {loss.item()!r}")
    return losses


if __name__ == "__main__":
    print(build_model())
    losses = main()
    assert losses[-1] < losses[0]
    print("char_rnn: ok")
