"""A small bigram language model whose output layer is nn.AdaptiveLogSoftmaxWithLoss, written as
a PyTorch user writes it: a synthetic corpus with Zipf-like word frequencies (each word's next
word drawn from its own row of a random transition table), an Embedding of the previous word, a
tanh Linear, and the adaptive softmax (the 8 most frequent words in the head, two tail clusters
of rarer words) trained with Adam on its loss; then the perplexity, `log_prob` and `predict`.
No downloads. Run: python examples/adaptive_softmax_lm.py"""
import dualgrad as dg
from dualgrad import nn, optim

VOCAB, CUTOFFS = 40, [8, 20]


class BigramLM(nn.Module):
    def __init__(self, dim: int = 12, hidden: int = 16):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, dim)
        self.proj = nn.Linear(dim, hidden)
        self.out = nn.AdaptiveLogSoftmaxWithLoss(hidden, VOCAB, cutoffs=CUTOFFS, div_value=2.0)

    def features(self, prev):
        return dg.tanh(self.proj(self.embed(prev)))

    def forward(self, prev, target):  # -> (log-probability of each target, mean NLL)
        return self.out(self.features(prev), target)


def make_corpus(n: int = 256, seed: int = 0):
    """(previous words, next words): word w has frequency ~ 1 / (w + 1)."""
    g = dg.Generator().manual_seed(seed)
    zipf = 1.0 / dg.arange(1, VOCAB + 1, dtype=dg.float32)
    transitions = dg.softmax(2.0 * dg.randn(VOCAB, VOCAB, generator=g) + zipf.log(), dim=1)
    prev = dg.multinomial(zipf / zipf.sum(), n, replacement=True, generator=g)
    nxt = dg.multinomial(transitions[prev], 1, generator=g).squeeze(1)
    return prev, nxt


def train(model: nn.Module, prev, nxt, steps: int = 12, lr: float = 0.05) -> list[float]:
    optimizer = optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        _, loss = model(prev, nxt)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def main() -> list[float]:
    dg.manual_seed(0)
    model = BigramLM()
    print(model)
    prev, nxt = make_corpus()
    losses = train(model, prev, nxt)
    for step, loss in enumerate(losses):
        print(f"step {step}: loss {loss:.6f}")
    with dg.no_grad():
        h = model.features(prev)
        print(f"perplexity after training: {dg.exp(model(prev, nxt).loss).item():.2f} (of {VOCAB} words)")
        print("sum of p over the vocabulary:", model.out.log_prob(h[:3]).exp().sum(dim=1).tolist())
        print("predicted next words:", model.out.predict(h[:8]).tolist(), "actual:", nxt[:8].tolist())
    return losses


if __name__ == "__main__":
    main()
    print("adaptive_softmax_lm: ok")
