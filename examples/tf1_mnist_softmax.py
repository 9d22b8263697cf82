"""TF1's MNIST softmax classifier, written as a TF1 user writes it (only the import differs from
`import tensorflow.compat.v1 as tf`): `tf.layers.dense`, Adam, summaries written with a
`FileWriter` for TensorBoard, and the test set evaluated batch by batch in a `tf.while_loop`.

The data are MNIST-shaped and synthetic (no download): 28x28 images in [0, 1] of ten noisy
stroke templates, labels one-hot.

Run: python examples/tf1_mnist_softmax.py [--backend numpy] [--logdir DIR]
     tensorboard --logdir DIR
"""
import sys
import tempfile

import numpy as np

import dualgrad.static as tf

backend = sys.argv[sys.argv.index("--backend") + 1] if "--backend" in sys.argv else "jax"
logdir = sys.argv[sys.argv.index("--logdir") + 1] if "--logdir" in sys.argv else tempfile.mkdtemp()
tf.disable_v2_behavior()


def synthetic_mnist(n, rng, templates):
    """n images: a class's template, shifted by up to a pixel, with noise; one-hot labels."""
    labels = rng.integers(0, 10, n)
    images = templates[labels].reshape(n, 28, 28)
    shifts = rng.integers(-1, 2, (n, 2))
    images = np.stack([np.roll(im, tuple(s), axis=(0, 1)) for im, s in zip(images, shifts, strict=True)])
    images = np.clip(images + rng.normal(0.0, 0.8, images.shape), 0.0, 1.0)
    return images.reshape(n, 784).astype(np.float32), np.eye(10, dtype=np.float32)[labels]


rng = np.random.default_rng(0)
templates = (rng.random((10, 784)) < 0.2).astype(np.float32)
train_x, train_y = synthetic_mnist(2000, rng, templates)
test_x, test_y = synthetic_mnist(1000, rng, templates)

# -- the model ---------------------------------------------------------------------------------
x = tf.placeholder(tf.float32, [None, 784], name="x")
y_ = tf.placeholder(tf.float32, [None, 10], name="y_")


def model(images):
    with tf.variable_scope("softmax", reuse=tf.AUTO_REUSE):
        return tf.layers.dense(images, 10, kernel_initializer=tf.zeros_initializer(), name="logits")


logits = model(x)
cross_entropy = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(labels=y_, logits=logits))
train_step = tf.train.AdamOptimizer(1e-3).minimize(cross_entropy)
correct = tf.equal(tf.argmax(logits, 1), tf.argmax(y_, 1))
accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))

tf.summary.scalar("cross_entropy", cross_entropy)
tf.summary.scalar("accuracy", accuracy)
tf.summary.histogram("logits", logits)
merged = tf.summary.merge_all()

# -- evaluation in batches: a while_loop over the test set ------------------------------------
batch = 100
n_batches = len(test_x) // batch


def eval_cond(i, n_correct):
    return i < n_batches


def eval_body(i, n_correct):
    rows = i * batch + tf.range(batch)
    hits = tf.equal(tf.argmax(model(tf.gather(x, rows)), 1), tf.argmax(tf.gather(y_, rows), 1))
    return i + 1, n_correct + tf.reduce_sum(tf.cast(hits, tf.float32))


_, n_correct = tf.while_loop(eval_cond, eval_body, [tf.constant(0), tf.constant(0.0)])
test_accuracy = n_correct / (n_batches * batch)

# -- training ------------------------------------------------------------------------------
with tf.Session(backend=backend) as sess:
    writer = tf.summary.FileWriter(logdir, sess.graph)
    sess.run(tf.global_variables_initializer())
    for step in range(100):
        start = (step * batch) % len(train_x)
        feed = {x: train_x[start:start + batch], y_: train_y[start:start + batch]}
        if step % 10 == 0:
            summary, _ = sess.run([merged, train_step], feed_dict=feed)
            writer.add_summary(summary, step)
        else:
            sess.run(train_step, feed_dict=feed)
    writer.close()
    print(f"test accuracy (while_loop): {sess.run(test_accuracy, {x: test_x, y_: test_y}):.4f}")
    print(f"test accuracy (one batch):  {sess.run(accuracy, {x: test_x, y_: test_y}):.4f}")
print(f"summaries in {logdir}")
print("tf1_mnist_softmax: ok")
