"""A recurrent model with tf.scan, written as a TF1 user writes it (only the import differs from
`import tensorflow.compat.v1 as tf`): exponential smoothing h_t = a h_{t-1} + b x_t over a
time-major batch of series, run by `tf.scan`, fitted to series made with known a and b by
`tf.train.GradientDescentOptimizer`; `tf.foldl` sums the squared errors over time, and a
`tf.switch_case` picks the reported statistic by a fed index.

Run: python examples/tf1_scan_smoothing.py [--backend numpy]
"""
import sys

import numpy as np

import dualgrad.static as tf

TRUE_A, TRUE_B = 0.8, 0.5
STEPS, BATCH = 12, 16


def make_data(seed=0):
    """Series x [time, batch] and their smoothed targets with the true a and b."""
    rng = np.random.default_rng(seed)
    xs = rng.normal(size=(STEPS, BATCH)).astype(np.float32)
    ys = np.zeros_like(xs)
    h = np.zeros(BATCH, np.float32)
    for t in range(STEPS):
        h = TRUE_A * h + TRUE_B * xs[t]
        ys[t] = h
    return xs, ys


def build(learning_rate=0.2):
    """The graph: placeholders, the scan, the loss and the training op."""
    x = tf.placeholder(tf.float32, shape=[STEPS, None], name="x")
    y = tf.placeholder(tf.float32, shape=[STEPS, None], name="y")
    a = tf.Variable(0.3, name="a")
    b = tf.Variable(1.0, name="b")

    def smooth(h, x_t):
        return a * h + b * x_t

    h = tf.scan(smooth, x, initializer=tf.zeros_like(x[0]))
    squared = tf.reduce_mean(tf.square(h - y), axis=1)
    loss = tf.foldl(lambda total, e: total + e, squared, initializer=tf.constant(0.0)) / STEPS
    train_op = tf.train.GradientDescentOptimizer(learning_rate).minimize(loss)
    which = tf.placeholder(tf.int32, shape=[], name="which")
    report = tf.switch_case(which, [lambda: loss, lambda: tf.reduce_max(squared)])
    return dict(x=x, y=y, a=a, b=b, h=h, loss=loss, train_op=train_op, which=which, report=report)


def main(backend="jax"):
    xs, ys = make_data()
    g = build()
    feed = {g["x"]: xs, g["y"]: ys}
    with tf.Session(backend=backend) as sess:
        sess.run(tf.global_variables_initializer())
        print(f"start: loss = {sess.run(g['loss'], feed):.6f}")
        for _ in range(300):
            sess.run(g["train_op"], feed)
        a, b = sess.run([g["a"], g["b"]])
        feed[g["which"]] = 1
        print(f"fitted: a = {a:.6f}, b = {b:.6f}, loss = {sess.run(g['loss'], feed):.3e}, "
              f"worst step = {sess.run(g['report'], feed):.3e}")
    print("tf1_scan_smoothing: ok")


if __name__ == "__main__":
    main(sys.argv[sys.argv.index("--backend") + 1] if "--backend" in sys.argv else "jax")
