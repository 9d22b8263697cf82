"""examples/lstm_packed_tagger.py runs as a user runs it and its loss goes down; its first loss
is that of each sentence tagged alone (no padding, no packing) by the documented LSTM
equations in numpy float64, and its first gradients are those of each sentence run alone,
unbatched, through the same modules: packing changed nothing but the batching."""
from __future__ import annotations

import numpy as np

import dualgrad as dg

from . import example_scripts
from .test_packed_sequences import _np_sequence


def _log_softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def test_example_trains_and_its_first_step_is_each_sentence_alone():
    stdout, printed = example_scripts.run("lstm_packed_tagger")
    assert "(lstm): LSTM(6, 6, batch_first=True, bidirectional=True)" in stdout
    assert len(printed) == 6 and all(b < a for a, b in zip(printed, printed[1:], strict=False))
    assert printed[-1] < 0.2 * printed[0]
    assert "The/DET dog/NN ate/V the/DET apple/NN" in stdout

    example = example_scripts.load("lstm_packed_tagger")
    model = example.build_model()
    params = {n: p.detach().numpy().astype(np.float64) for n, p in model.named_parameters()}
    table = params["word_embeddings.weight"]
    lstm = {n.removeprefix("lstm."): v for n, v in params.items() if n.startswith("lstm.")}
    total, words = 0.0, 0
    for sent, tags in example.training_data:
        ids = [example.word_to_ix[w] for w in sent]
        zero = [np.zeros((2, 6)), np.zeros((2, 6))]
        out, _ = _np_sequence("LSTM", 1, 2, lstm, table[ids], zero)
        logp = _log_softmax(out @ params["hidden2tag.weight"].T + params["hidden2tag.bias"])
        total -= sum(logp[k, example.tag_to_ix[t]] for k, t in enumerate(tags))
        words += len(tags)
    np.testing.assert_allclose(printed[0], total / words, rtol=1e-5)  # float32 model, float64 oracle

    sentences, targets, lengths = example.prepare_batch(example.training_data)
    loss = dg.nn.NLLLoss(ignore_index=example.IGNORE)(model(sentences, lengths).view(-1, 3), targets.view(-1))
    loss.backward()
    packed_grads = [p.grad.numpy().copy() for p in model.parameters()]
    model.zero_grad()
    per_sentence = 0.0
    for sent, tags in example.training_data:  # unbatched (L, E) input: no padding, no packing
        ids = dg.tensor([example.word_to_ix[w] for w in sent])
        out, _ = model.lstm(model.word_embeddings(ids))
        logp = dg.nn.functional.log_softmax(model.hidden2tag(out), dim=1)
        target = dg.tensor([example.tag_to_ix[t] for t in tags])
        per_sentence = per_sentence - logp[dg.arange(len(tags)), target].sum()
    (per_sentence / words).backward()
    for got, p in zip(packed_grads, model.parameters(), strict=True):
        np.testing.assert_allclose(got, p.grad.numpy(), rtol=1e-4, atol=1e-6)
