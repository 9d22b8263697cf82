"""A TF1 sequence classifier, written as a TF1 user writes it (only the import differs from
`import tensorflow.compat.v1 as tf`): `tf.nn.rnn_cell.BasicLSTMCell` unrolled by
`tf.nn.dynamic_rnn`, the last output through `tf.layers.dense`, sparse softmax cross entropy,
Adam. The task: is the sum of a sequence of numbers positive?
Run: python examples/tf1_lstm_sequence.py"""
import numpy as np

import dualgrad.static as tf

tf.disable_v2_behavior()
STEPS, UNITS = 5, 8


def make_data(n=64, seed=0):
    """n sequences of STEPS numbers (shape [n, STEPS, 1]) and whether each sums above 0."""
    x = np.random.default_rng(seed).standard_normal((n, STEPS, 1)).astype(np.float32)
    return x, (x.sum(axis=(1, 2)) > 0).astype(np.int32)


def build():
    """The graph: (inputs, labels, loss, train_op)."""
    tf.set_random_seed(0)
    inputs = tf.placeholder(tf.float32, [None, STEPS, 1], name="inputs")
    labels = tf.placeholder(tf.int32, [None], name="labels")
    cell = tf.nn.rnn_cell.BasicLSTMCell(UNITS)
    outputs, state = tf.nn.dynamic_rnn(cell, inputs, dtype=tf.float32)
    logits = tf.layers.dense(state.h, 2, name="logits")
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
    train_op = tf.train.AdamOptimizer(0.05).minimize(loss)
    return inputs, labels, loss, train_op


def main(steps=15):
    x, y = make_data()
    inputs, labels, loss, train_op = build()
    losses = []
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for step in range(steps):
            value, _ = sess.run([loss, train_op], {inputs: x, labels: y})
            losses.append(float(value))
            print(f"step {step}: loss {float(value)!r}")
    return losses


if __name__ == "__main__":
    losses = main()
    assert losses[-1] < losses[0]
    print("tf1_lstm_sequence: ok")
