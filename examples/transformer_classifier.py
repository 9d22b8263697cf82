"""A tiny sequence classifier: token embeddings plus learned positions, a two-layer
nn.TransformerEncoder that ignores the padding (src_key_padding_mask), mean pooling over the
real tokens and a linear head, trained with Adam to tell whether a sequence holds the token 3.
Written as a PyTorch user writes it (swap `dualgrad as dg` for `torch`).
Run: python examples/transformer_classifier.py"""
import dualgrad as dg
from dualgrad import nn, optim

VOCAB, MAX_LEN, D_MODEL, HEADS, BATCH = 8, 8, 16, 4, 32
PAD = 0


class Classifier(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(VOCAB, D_MODEL, padding_idx=PAD)
        self.pos = nn.Parameter(0.1 * dg.randn(MAX_LEN, D_MODEL))
        layer = nn.TransformerEncoderLayer(D_MODEL, HEADS, dim_feedforward=32, dropout=0.0, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)
        self.head = nn.Linear(D_MODEL, 2)

    def forward(self, tokens):
        padding = tokens == PAD  # True where there is no token: attention ignores those keys
        h = self.encoder(self.embed(tokens) + self.pos, src_key_padding_mask=padding)
        keep = (~padding).unsqueeze(-1).float()
        return self.head((h * keep).sum(dim=1) / keep.sum(dim=1))


def make_data():
    """BATCH sequences of 3..MAX_LEN tokens (1..VOCAB-1), padded with PAD; label 1 if a 3 occurs."""
    dg.manual_seed(1)
    lengths = dg.randint(3, MAX_LEN + 1, (BATCH,))
    tokens = dg.randint(1, VOCAB, (BATCH, MAX_LEN))
    tokens = tokens.masked_fill(dg.arange(MAX_LEN) >= lengths.unsqueeze(1), PAD)
    labels = (tokens == 3).any(dim=1).long()
    return tokens, labels


def build_model() -> nn.Module:
    dg.manual_seed(0)
    return Classifier()


def main(steps: int = 15) -> list:
    tokens, labels = make_data()
    model = build_model()
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    losses = []
    for step in range(steps):
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(tokens), labels)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        print(f"step {step}: loss {loss.item()!r}")
    model.eval()
    with dg.no_grad():
        accuracy = (model(tokens).argmax(dim=1) == labels).float().mean().item()
    print(f"accuracy {accuracy:.3f}")
    return losses


if __name__ == "__main__":
    print(build_model())
    losses = main()
    assert losses[-1] < 0.5 * losses[0]
    print("transformer_classifier: ok")
