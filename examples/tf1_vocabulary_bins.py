"""A vocabulary and a binned histogram in TF1, written as a TF1 user writes it (`ds` in place of
`tf`, from `import tensorflow.compat.v1 as tf`).

Part one builds a vocabulary from a corpus of word ids with `tf.unique_with_counts` (the words
in the order they first occur, each token's index into them, each word's count), checks the
counts with `tf.math.bincount` of the indices and picks the most frequent word. Part two
bucketises a fed feature with `tf.searchsorted` on fixed boundaries and histograms the buckets
with `tf.math.bincount` (a fixed number of bins, so the ids may be fed), plus the mean score per
bucket from a weighted count.

Run: python examples/tf1_vocabulary_bins.py [--backend numpy]
"""
import sys

import numpy as np

import dualgrad.static as ds

backend = sys.argv[sys.argv.index("--backend") + 1] if "--backend" in sys.argv else "jax"
ds.disable_v2_behavior()

# -- a vocabulary from a corpus of word ids (a tokenizer's output) ---------------------------------
corpus = np.array([7, 3, 7, 7, 12, 3, 5, 12, 7, 9, 3, 7], dtype=np.int32)
words, word_index, word_count = ds.unique_with_counts(corpus)
count_check = ds.math.bincount(word_index)  # how often each vocabulary index occurs
most_frequent = ds.gather(words, ds.argmax(word_count))

# -- a histogram of a fed feature over fixed buckets ----------------------------------------------
boundaries = ds.constant([0.0, 1.0, 2.5, 5.0])  # buckets (-inf, 0), [0, 1), [1, 2.5), [2.5, 5), [5, inf)
n_buckets = 5
x = ds.placeholder(ds.float32, [None], name="x")
score = ds.placeholder(ds.float32, [None], name="score")
bucket = ds.searchsorted(boundaries, x, side="right")
histogram = ds.math.bincount(bucket, minlength=n_buckets, maxlength=n_buckets)
score_sum = ds.math.bincount(bucket, weights=score, minlength=n_buckets, maxlength=n_buckets)
score_mean = ds.div_no_nan(score_sum, ds.cast(histogram, ds.float32))

rng = np.random.RandomState(0)
batches = [(rng.normal(2.0, 2.0, size=n).astype(np.float32), rng.uniform(0.0, 1.0, size=n).astype(np.float32))
           for n in (8, 20)]

with ds.Session(backend=backend) as sess:
    vocab, index, count, check, top = sess.run([words, word_index, word_count, count_check, most_frequent])
    print("vocabulary", vocab.tolist())
    print("index", index.tolist())
    print("count", count.tolist())
    print("bincount of index", check.tolist())
    print("most frequent", int(top))
    for features, scores in batches:
        b, h, m = sess.run([bucket, histogram, score_mean], feed_dict={x: features, score: scores})
        print("buckets", b.tolist())
        print("histogram", h.tolist())
        print("mean score", " ".join(f"{v:.6f}" for v in m))
print("tf1_vocabulary_bins: ok")
