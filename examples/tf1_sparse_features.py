"""Sentiment from sparse bag-of-words features in TF1, written as a TF1 user writes it (`ds` in
place of `tf`, from `import tensorflow.compat.v1 as tf`).

Each document is a bag of word ids with counts. Model A is logistic regression on the count
matrix, fed as a `tf.sparse_placeholder` and multiplied with `tf.sparse_tensor_dense_matmul`;
model B averages 4-dim word embeddings with `tf.nn.embedding_lookup_sparse` (the counts as
weights, combiner='mean') before a linear layer. Both train with GradientDescentOptimizer on
the sigmoid cross entropy, the whole corpus fed at every step.

Run: python examples/tf1_sparse_features.py [--backend numpy]
"""
import sys

import numpy as np

import dualgrad.static as ds

backend = sys.argv[sys.argv.index("--backend") + 1] if "--backend" in sys.argv else "jax"
ds.disable_v2_behavior()

# -- the corpus: word ids with counts, and a label per document ---------------------------------
vocabulary = ["good", "great", "fun", "love", "fine", "bad", "awful", "boring", "hate", "dull",
              "the", "movie"]
documents = [  # (word ids with their counts, label: 1 = positive)
    ({0: 2, 10: 1, 11: 1}, 1), ({1: 1, 2: 1, 11: 1}, 1), ({3: 2, 2: 1}, 1), ({4: 1, 0: 1, 10: 2}, 1),
    ({1: 2, 3: 1, 11: 1}, 1), ({5: 1, 11: 1, 10: 1}, 0), ({6: 2, 7: 1}, 0), ({8: 1, 9: 1, 11: 2}, 0),
    ({7: 1, 5: 2, 10: 1}, 0), ({9: 1, 6: 1, 4: 1}, 0), ({0: 1, 2: 1, 9: 1}, 1), ({8: 2, 10: 1}, 0),
]
indices = [[row, k] for row, (words, _) in enumerate(documents) for k in range(len(words))]
word_ids = [w for words, _ in documents for w in sorted(words)]
counts = [float(words[w]) for words, _ in documents for w in sorted(words)]
labels = np.array([[label] for _, label in documents], dtype=np.float32)
n_docs, n_words = len(documents), len(vocabulary)

# the count matrix [documents, vocabulary] as a SparseTensorValue (row-major indices)
bag = ds.SparseTensorValue(
    indices=np.array([[row, w] for row, (words, _) in enumerate(documents) for w in sorted(words)]),
    values=np.array(counts, dtype=np.float32), dense_shape=np.array([n_docs, n_words]))
ids = ds.SparseTensorValue(np.array(indices), np.array(word_ids, dtype=np.int64), [n_docs, 3])
weights = ds.SparseTensorValue(np.array(indices), np.array(counts, dtype=np.float32), [n_docs, 3])

# -- model A: logistic regression on the sparse count matrix ------------------------------------
x = ds.sparse_placeholder(ds.float32, shape=[None, n_words], name="bag")
y = ds.placeholder(ds.float32, shape=[None, 1], name="y")
w = ds.Variable(ds.zeros([n_words, 1]), name="w")
b = ds.Variable(ds.zeros([1]), name="b")
logits_a = ds.sparse_tensor_dense_matmul(x, w) + b
loss_a = ds.reduce_mean(ds.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=logits_a))
train_a = ds.train.GradientDescentOptimizer(0.5).minimize(loss_a)
words_per_doc = ds.sparse_reduce_sum(x, axis=1)

# -- model B: mean of word embeddings weighted by counts, then a linear layer -------------------
sp_ids = ds.sparse_placeholder(ds.int64, name="ids")
sp_weights = ds.sparse_placeholder(ds.float32, name="counts")
embeddings = ds.Variable(np.random.RandomState(0).normal(0.0, 0.5, (n_words, 4)).astype(np.float32),
                         name="embeddings")
u = ds.Variable(np.random.RandomState(1).normal(0.0, 0.5, (4, 1)).astype(np.float32), name="u")
c = ds.Variable(ds.zeros([1]), name="c")
doc_vectors = ds.nn.embedding_lookup_sparse(embeddings, sp_ids, sp_weights, combiner="mean")
logits_b = ds.matmul(doc_vectors, u) + c
loss_b = ds.reduce_mean(ds.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=logits_b))
train_b = ds.train.GradientDescentOptimizer(1.0).minimize(loss_b)

accuracy_a = ds.reduce_mean(ds.cast(ds.equal(ds.cast(logits_a > 0, ds.float32), y), ds.float32))
accuracy_b = ds.reduce_mean(ds.cast(ds.equal(ds.cast(logits_b > 0, ds.float32), y), ds.float32))

feed = {x: bag, y: labels, sp_ids: ids, sp_weights: weights}
with ds.Session(backend=backend) as sess:
    sess.run(ds.global_variables_initializer())
    for step in range(61):
        la, lb, acc_a, acc_b, lengths, _ = sess.run(
            [loss_a, loss_b, accuracy_a, accuracy_b, words_per_doc, [train_a, train_b]], feed)
        if step == 0:
            print("words per document", lengths.astype(int).tolist())
        if step % 20 == 0:
            print(f"step {step} loss_a {la:.6f} loss_b {lb:.6f} accuracy_a {acc_a:.3f} accuracy_b {acc_b:.3f}")
    order = np.argsort(sess.run(w)[:, 0])
    print("most negative", [vocabulary[i] for i in order[:3]], "most positive",
          [vocabulary[i] for i in order[::-1][:3]])
print("tf1_sparse_features: ok")
