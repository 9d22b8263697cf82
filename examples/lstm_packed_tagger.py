"""The part-of-speech tagger of PyTorch's "Sequence Models and LSTM" tutorial, with the
sentences of different lengths batched: padded, packed with `pack_padded_sequence` so the
bidirectional LSTM runs each sentence over its own words only, unpacked with
`pad_packed_sequence`, and trained with NLLLoss that ignores the padding's tags. Written as a
PyTorch user writes it (swap `dualgrad as dg` for `torch`).
Run: python examples/lstm_packed_tagger.py"""
import dualgrad as dg
import dualgrad.nn.functional as F
from dualgrad import nn, optim
from dualgrad.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence

# Tags are: DET - determiner; NN - noun; V - verb
training_data = [
    ("The dog ate the apple".split(), ["DET", "NN", "V", "DET", "NN"]),
    ("Everybody read that book".split(), ["NN", "V", "DET", "NN"]),
    ("The cat slept".split(), ["DET", "NN", "V"]),
    ("Everybody ate".split(), ["NN", "V"]),
    ("that dog read the book".split(), ["DET", "NN", "V", "DET", "NN"]),
    ("The apple".split(), ["DET", "NN"]),
]
PAD = "<pad>"
word_to_ix = {PAD: 0}
for sent, _ in training_data:
    for word in sent:
        if word not in word_to_ix:
            word_to_ix[word] = len(word_to_ix)
tag_to_ix = {"DET": 0, "NN": 1, "V": 2}
ix_to_tag = {i: t for t, i in tag_to_ix.items()}
IGNORE = -100  # NLLLoss's default ignore_index: the padded steps carry no tag

EMBEDDING_DIM = 6
HIDDEN_DIM = 6


class LSTMTagger(nn.Module):
    def __init__(self, embedding_dim, hidden_dim, vocab_size, tagset_size):
        super().__init__()
        self.hidden_dim = hidden_dim
        self.word_embeddings = nn.Embedding(vocab_size, embedding_dim, padding_idx=0)
        self.lstm = nn.LSTM(embedding_dim, hidden_dim, batch_first=True, bidirectional=True)
        self.hidden2tag = nn.Linear(2 * hidden_dim, tagset_size)

    def forward(self, sentences, lengths):
        embeds = self.word_embeddings(sentences)  # (batch, longest, embedding_dim)
        packed = pack_padded_sequence(embeds, lengths, batch_first=True, enforce_sorted=False)
        packed_out, (h_n, c_n) = self.lstm(packed)
        lstm_out, _ = pad_packed_sequence(packed_out, batch_first=True, total_length=sentences.size(1))
        tag_space = self.hidden2tag(lstm_out)
        return F.log_softmax(tag_space, dim=2)


def prepare_batch(data):
    """Word ids and tag ids padded to the longest sentence, and each sentence's length."""
    sentences = [dg.tensor([word_to_ix[w] for w in sent], dtype=dg.long) for sent, _ in data]
    targets = [dg.tensor([tag_to_ix[t] for t in tags], dtype=dg.long) for _, tags in data]
    lengths = dg.tensor([len(sent) for sent, _ in data])
    return (pad_sequence(sentences, batch_first=True, padding_value=word_to_ix[PAD]),
            pad_sequence(targets, batch_first=True, padding_value=IGNORE), lengths)


def build_model() -> nn.Module:
    dg.manual_seed(1)
    return LSTMTagger(EMBEDDING_DIM, HIDDEN_DIM, len(word_to_ix), len(tag_to_ix))


def main(steps: int = 50) -> list:
    sentences, targets, lengths = prepare_batch(training_data)
    model = build_model()
    loss_function = nn.NLLLoss(ignore_index=IGNORE)
    optimizer = optim.SGD(model.parameters(), lr=1.0)
    losses = []
    for step in range(steps):
        model.zero_grad()
        tag_scores = model(sentences, lengths)
        loss = loss_function(tag_scores.view(-1, len(tag_to_ix)), targets.view(-1))
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if step % 10 == 0 or step == steps - 1:
            print(f"step {step}: loss {loss.item()!r}")
    with dg.no_grad():
        sentences, _, lengths = prepare_batch(training_data[:2])
        predicted = model(sentences, lengths).argmax(dim=2)
        for (sent, _), tags, n in zip(training_data[:2], predicted.tolist(), lengths.tolist(), strict=True):
            print(" ".join(f"{w}/{ix_to_tag[t]}" for w, t in zip(sent, tags[:n], strict=True)))
    return losses


if __name__ == "__main__":
    print(build_model())
    losses = main()
    assert losses[-1] < losses[0]
    print("lstm_packed_tagger: ok")
