"""TF1 control flow, written as a TF1 user writes it (only the import differs from
`import tensorflow.compat.v1 as tf`): Newton iterations in a `tf.while_loop` that stops when
converged, and a model whose prediction is a power series summed by a `tf.while_loop` (as many
terms as the data needs) with a `tf.cond` Huber-style loss, trained by gradient descent
through both.

Run: python examples/tf1_control_flow.py [--backend numpy]
"""
import sys

import numpy as np

import dualgrad.static as tf

backend = sys.argv[sys.argv.index("--backend") + 1] if "--backend" in sys.argv else "jax"
tf.disable_v2_behavior()

# -- Newton's method for sqrt(a), until |x^2 - a| < 1e-6 -------------------------------------
a = tf.placeholder(tf.float64, shape=[None], name="a")


def newton_cond(i, x):
    return tf.reduce_max(tf.abs(x * x - a)) > 1e-6


def newton_body(i, x):
    return i + 1, 0.5 * (x + a / x)


steps, root = tf.while_loop(newton_cond, newton_body, [tf.constant(0), tf.ones_like(a)],
                            maximum_iterations=100)

# -- fit k in exp(k x) = sum_n (k x)^n / n!, the series summed until its terms are tiny --------
x = tf.placeholder(tf.float32, shape=[None], name="x")
y = tf.placeholder(tf.float32, shape=[None], name="y")
k = tf.Variable(0.5, name="k")


def series_cond(n, term, total):
    return tf.reduce_max(tf.abs(term)) > 1e-7


def series_body(n, term, total):
    n = n + 1.0
    term = term * k * x / n
    return n, term, total + term


_, _, y_hat = tf.while_loop(series_cond, series_body,
                            [tf.constant(0.0), tf.ones_like(x), tf.ones_like(x)],
                            maximum_iterations=60)
err = tf.reduce_mean(tf.abs(y_hat - y))
loss = tf.cond(err < 1.0, lambda: 0.5 * err * err, lambda: err - 0.5)
train_op = tf.train.GradientDescentOptimizer(0.05).minimize(loss)

xs = np.linspace(-1.0, 1.0, 21).astype(np.float32)
ys = np.exp(2.0 * xs).astype(np.float32)

with tf.Session(backend=backend) as sess:
    sess.run(tf.global_variables_initializer())
    n_steps, roots = sess.run([steps, root], {a: [2.0, 9.0, 1e4]})
    print(f"newton: {n_steps} steps, roots {' '.join(f'{r:.12f}' for r in roots)}")
    for _ in range(300):
        sess.run(train_op, {x: xs, y: ys})
    print(f"series: k = {sess.run(k):.6f}, loss = {sess.run(loss, {x: xs, y: ys}):.3e}")
print("tf1_control_flow: ok")
