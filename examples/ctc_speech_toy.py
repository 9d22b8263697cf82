"""A tiny speech recognizer trained with CTC, written as a PyTorch user writes it: synthetic
utterances (each label of a short "word" is two frames of its own noisy feature vector, with a
silence frame before each), a GRU over the frames, a Linear to the classes (0 is the blank),
log_softmax, nn.CTCLoss and Adam; then a greedy decode (best class per frame, repeats merged,
blanks dropped). No downloads. Run: python examples/ctc_speech_toy.py"""
import dualgrad as dg
import dualgrad.nn.functional as F
from dualgrad import nn, optim

CLASSES, FEATURES, FRAMES, MAX_LABELS = 5, 6, 13, 4  # labels 1..4, blank 0


class Recognizer(nn.Module):
    def __init__(self, hidden: int = 16):
        super().__init__()
        self.rnn = nn.GRU(FEATURES, hidden)
        self.out = nn.Linear(hidden, CLASSES)

    def forward(self, features):  # (T, N, FEATURES) -> (T, N, CLASSES) log-probabilities
        hidden, _ = self.rnn(features)
        return F.log_softmax(self.out(hidden), dim=2)


def make_batch(n: int = 8, seed: int = 0):
    """(features (T, N, F), padded targets (N, S), input lengths, target lengths)."""
    g = dg.Generator().manual_seed(seed)
    prototypes = dg.randn(CLASSES, FEATURES, generator=g)  # row 0: silence
    frame_labels = dg.zeros(FRAMES, n, dtype=dg.long)
    targets = dg.zeros(n, MAX_LABELS, dtype=dg.long)
    input_lengths, target_lengths = [], []
    for i in range(n):
        length = 2 + i % 3
        labels = dg.randint(1, CLASSES, (length,), generator=g)
        targets[i, :length] = labels
        for k in range(length):  # silence, label, label
            frame_labels[3 * k + 1: 3 * k + 3, i] = labels[k]
        input_lengths.append(3 * length + 1)
        target_lengths.append(length)
    features = prototypes[frame_labels] + 0.3 * dg.randn(FRAMES, n, FEATURES, generator=g)
    return features, targets, dg.tensor(input_lengths), dg.tensor(target_lengths)


def greedy_decode(log_probs, input_lengths) -> list[list[int]]:
    best = log_probs.argmax(dim=2)  # (T, N)
    words = []
    for i, length in enumerate(input_lengths.tolist()):
        path = best[:length, i].tolist()
        words.append([c for t, c in enumerate(path) if c != 0 and (t == 0 or c != path[t - 1])])
    return words


def train(model: nn.Module, features, targets, input_lengths, target_lengths, steps: int = 10,
          lr: float = 0.05) -> list[float]:
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)
    optimizer = optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = ctc(model(features), targets, input_lengths, target_lengths)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def main() -> list[float]:
    dg.manual_seed(0)
    model = Recognizer()
    print(model)
    batch = make_batch()
    losses = train(model, *batch)
    for step, loss in enumerate(losses):
        print(f"step {step}: loss {loss:.6f}")
    with dg.no_grad():
        print("decoded:", greedy_decode(model(batch[0]), batch[2])[:3])
    print("targets:", [batch[1][i, :n].tolist() for i, n in enumerate(batch[3].tolist()[:3])])
    return losses


if __name__ == "__main__":
    main()
    print("ctc_speech_toy: ok")
