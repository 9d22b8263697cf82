"""A bag-of-embeddings text classifier (Embedding -> mean over tokens -> LayerNorm -> Linear)
trained by SGD with cross_entropy on fixed data, written as a PyTorch user writes it (swap
`dualgrad as dg` for `torch`). Token 0 is padding: its row starts at zero and never learns.
Run: python examples/embedding_layernorm.py"""
import dualgrad as dg
import dualgrad.nn.functional as F
from dualgrad import nn, optim

VOCAB, DIM, CLASSES, PAD = 12, 8, 3, 0


class BagOfEmbeddings(nn.Module):
    def __init__(self, vocab_size: int, dim: int, classes: int, padding_idx: int) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, dim, padding_idx=padding_idx)
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, classes)

    def forward(self, tokens):
        return self.head(self.norm(self.embedding(tokens).mean(dim=1)))


def make_data():
    """Eight fixed sentences of five token ids (0 pads; words repeat) and their classes."""
    tokens = dg.tensor([[1, 2, 2, 0, 0], [3, 4, 5, 5, 0], [6, 7, 0, 0, 0], [1, 1, 2, 3, 0],
                        [8, 9, 10, 11, 11], [4, 4, 5, 0, 0], [9, 10, 0, 0, 0], [6, 6, 7, 8, 2]])
    labels = dg.tensor([0, 1, 2, 0, 2, 1, 2, 1])
    return tokens, labels


def build_model() -> nn.Module:
    dg.manual_seed(0)
    return BagOfEmbeddings(VOCAB, DIM, CLASSES, PAD)


def main(steps: int = 15) -> list:
    tokens, labels = make_data()
    model = build_model()
    optimizer = optim.SGD(model.parameters(), lr=0.5)
    losses = []
    for step in range(steps):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(tokens), labels)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        print(f"step {step}: loss {loss.item()!r}")
    assert model.embedding.weight[PAD].abs().sum().item() == 0.0  # the padding row never learned
    return losses


if __name__ == "__main__":
    print(build_model())
    losses = main()
    assert losses[-1] < losses[0]
    print("embedding_layernorm: ok")
