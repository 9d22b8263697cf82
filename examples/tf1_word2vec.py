"""word2vec skip-gram as TF1's word2vec_basic.py writes it (only the import differs from
`import tensorflow.compat.v1 as tf`): `tf.nn.embedding_lookup`, `tf.nn.nce_loss` with
negatives from `tf.nn.log_uniform_candidate_sampler`, plain SGD, on a tiny synthetic corpus
whose word ids are ranked by frequency (what the log-uniform sampler assumes). A graph seed
makes the initial values and the negatives the same on every run.
Run: python examples/tf1_word2vec.py"""
import collections
import math

import numpy as np

import dualgrad.static as tf

tf.disable_v2_behavior()

SENTENCES = ["the cat sat on the mat", "the dog sat on the rug", "a cat ate a fish", "a dog ate a bone"]
VOCABULARY_SIZE = 12  # 11 words and UNK
BATCH_SIZE, EMBEDDING_SIZE, SKIP_WINDOW, NUM_SKIPS, NUM_SAMPLED = 16, 8, 1, 2, 4
data_index = 0


def make_corpus(n_sentences=80, seed=0):
    """The sentences in a random order, as one list of words."""
    rng = np.random.default_rng(seed)
    return " ".join(SENTENCES[i] for i in rng.integers(len(SENTENCES), size=n_sentences)).split()


def build_dataset(words, n_words):
    """Word ids by frequency rank (0 is UNK), as word2vec_basic.py's build_dataset."""
    count = [["UNK", -1]]
    count.extend(collections.Counter(words).most_common(n_words - 1))
    dictionary = {word: i for i, (word, _) in enumerate(count)}
    data = [dictionary.get(word, 0) for word in words]
    count[0][1] = data.count(0)
    reversed_dictionary = {i: word for word, i in dictionary.items()}
    return data, count, dictionary, reversed_dictionary


def generate_batch(data, batch_size, num_skips, skip_window):
    """(centre word ids [batch_size], context word ids [batch_size, 1]) from a sliding window."""
    global data_index
    batch = np.ndarray(shape=(batch_size,), dtype=np.int32)
    labels = np.ndarray(shape=(batch_size, 1), dtype=np.int32)
    span = 2 * skip_window + 1
    buffer = collections.deque(maxlen=span)
    if data_index + span > len(data):
        data_index = 0
    buffer.extend(data[data_index:data_index + span])
    data_index += span
    for i in range(batch_size // num_skips):
        context_words = [w for w in range(span) if w != skip_window]
        for j, context_word in enumerate(context_words[:num_skips]):
            batch[i * num_skips + j] = buffer[skip_window]
            labels[i * num_skips + j, 0] = buffer[context_word]
        if data_index == len(data):
            buffer.extend(data[0:span])
            data_index = span
        else:
            buffer.append(data[data_index])
            data_index += 1
    data_index = (data_index + len(data) - span) % len(data)
    return batch, labels


def build(seed=0):
    """The graph: a dict of the tensors and ops a training loop runs."""
    tf.set_random_seed(seed)
    train_inputs = tf.placeholder(tf.int32, shape=[BATCH_SIZE])
    train_labels = tf.placeholder(tf.int32, shape=[BATCH_SIZE, 1])
    embeddings = tf.Variable(tf.random_uniform([VOCABULARY_SIZE, EMBEDDING_SIZE], -1.0, 1.0))
    embed = tf.nn.embedding_lookup(embeddings, train_inputs)
    nce_weights = tf.Variable(tf.truncated_normal([VOCABULARY_SIZE, EMBEDDING_SIZE],
                                                  stddev=1.0 / math.sqrt(EMBEDDING_SIZE)))
    nce_biases = tf.Variable(tf.zeros([VOCABULARY_SIZE]))
    sampled_values = tf.nn.log_uniform_candidate_sampler(
        true_classes=tf.cast(train_labels, tf.int64), num_true=1, num_sampled=NUM_SAMPLED, unique=True,
        range_max=VOCABULARY_SIZE)
    loss = tf.reduce_mean(tf.nn.nce_loss(weights=nce_weights, biases=nce_biases, labels=train_labels,
                                         inputs=embed, num_sampled=NUM_SAMPLED, num_classes=VOCABULARY_SIZE,
                                         sampled_values=sampled_values))
    optimizer = tf.train.GradientDescentOptimizer(1.0).minimize(loss)
    norm = tf.sqrt(tf.reduce_sum(tf.square(embeddings), 1, keepdims=True))
    normalized_embeddings = embeddings / norm
    similarity = tf.matmul(normalized_embeddings, normalized_embeddings, transpose_b=True)
    return {"inputs": train_inputs, "labels": train_labels, "loss": loss, "optimizer": optimizer,
            "sampled_values": sampled_values, "similarity": similarity,
            "variables": [embeddings, nce_weights, nce_biases]}


def main(steps=60, seed=0):
    """Train; returns the initial variables and, per step, (batch, labels, negatives, loss)."""
    global data_index
    data_index = 0
    data, count, dictionary, reverse_dictionary = build_dataset(make_corpus(), VOCABULARY_SIZE)
    graph = build(seed)
    history = []
    with tf.Session() as session:
        session.run(tf.global_variables_initializer())
        initial = session.run(graph["variables"])
        average_loss = 0.0
        for step in range(steps):
            batch_inputs, batch_labels = generate_batch(data, BATCH_SIZE, NUM_SKIPS, SKIP_WINDOW)
            feed_dict = {graph["inputs"]: batch_inputs, graph["labels"]: batch_labels}
            _, loss_val, negatives = session.run([graph["optimizer"], graph["loss"], graph["sampled_values"]],
                                                 feed_dict=feed_dict)
            history.append((batch_inputs, batch_labels, negatives, float(loss_val)))
            average_loss += loss_val
            if (step + 1) % 20 == 0:
                print(f"Average loss at step {step + 1}: {float(average_loss) / 20!r}")
                average_loss = 0.0
        sim = session.run(graph["similarity"])
    for word in ("cat", "ate"):
        i = dictionary[word]
        nearest = (-sim[i, :]).argsort()[1:4]
        print(f"Nearest to {word}: {', '.join(reverse_dictionary[k] for k in nearest)}")
    return initial, history


if __name__ == "__main__":
    _, history = main()
    assert np.mean([h[3] for h in history[-10:]]) < np.mean([h[3] for h in history[:10]])
    print("tf1_word2vec: ok")
