"""TF1's classic MNIST convolutional network, written as a TF1 user writes it (only the import
differs from `import tensorflow.compat.v1 as tf`): `tf.layers.conv2d` -> `max_pooling2d` ->
`conv2d` -> `max_pooling2d` -> `flatten` -> `dense` -> `dropout` -> `dense`, a sparse softmax
cross-entropy loss, `AdamOptimizer`, and a `Session` loop feeding batches, with dropout on
only while training (`training=` a bool placeholder with default False).

The data are MNIST-shaped and synthetic (no download): 28x28 images in [0, 1] of ten noisy
stroke templates, shifted by up to two pixels; integer labels.

Run: python examples/tf1_mnist_cnn.py [--backend numpy] [--steps N]
"""
import sys

import numpy as np

import dualgrad.static as tf

tf.disable_v2_behavior()


def synthetic_digits(n, rng, templates):
    """n images: a class's template, shifted by up to two pixels, with noise; integer labels."""
    labels = rng.integers(0, 10, n)
    images = templates[labels]
    shifts = rng.integers(-2, 3, (n, 2))
    images = np.stack([np.roll(im, tuple(s), axis=(0, 1)) for im, s in zip(images, shifts, strict=True)])
    images = np.clip(images + rng.normal(0.0, 0.3, images.shape), 0.0, 1.0)
    return images.reshape(n, 784).astype(np.float32), labels.astype(np.int32)


def make_data(seed=0):
    rng = np.random.default_rng(seed)
    templates = np.zeros((10, 28, 28), np.float32)
    for t in templates:  # three random strokes each
        for _ in range(3):
            r, c = rng.integers(4, 24, 2)
            if rng.random() < 0.5:
                t[r, max(c - 6, 0):c + 6] = 1.0
            else:
                t[max(r - 6, 0):r + 6, c] = 1.0
    return synthetic_digits(1024, rng, templates), synthetic_digits(256, rng, templates)


def cnn(images, training):
    x = tf.reshape(images, [-1, 28, 28, 1])
    conv1 = tf.layers.conv2d(x, filters=8, kernel_size=[5, 5], padding="same", activation=tf.nn.relu)
    pool1 = tf.layers.max_pooling2d(conv1, pool_size=[2, 2], strides=2)
    conv2 = tf.layers.conv2d(pool1, filters=16, kernel_size=[5, 5], padding="same", activation=tf.nn.relu)
    pool2 = tf.layers.max_pooling2d(conv2, pool_size=[2, 2], strides=2)
    flat = tf.layers.flatten(pool2)
    dense = tf.layers.dense(flat, units=64, activation=tf.nn.relu)
    dropout = tf.layers.dropout(dense, rate=0.4, training=training)
    return tf.layers.dense(dropout, units=10)


def build(learning_rate=1e-3):
    """The graph: placeholders, logits, loss, train op and accuracy, by name."""
    x = tf.placeholder(tf.float32, [None, 784], name="x")
    y = tf.placeholder(tf.int32, [None], name="y")
    training = tf.placeholder_with_default(False, [], name="training")
    logits = cnn(x, training)
    loss = tf.losses.sparse_softmax_cross_entropy(labels=y, logits=logits)
    train_op = tf.train.AdamOptimizer(learning_rate).minimize(loss)
    correct = tf.equal(tf.argmax(logits, 1, output_type=tf.int32), y)
    accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))
    return dict(x=x, y=y, training=training, logits=logits, loss=loss, train_op=train_op, accuracy=accuracy)


def main(steps=150, backend="jax", batch=64, learning_rate=1e-3):
    """Train for `steps` batches; returns (losses, test accuracy)."""
    tf.reset_default_graph()
    tf.set_random_seed(1)
    (train_x, train_y), (test_x, test_y) = make_data()
    g = build(learning_rate)
    losses = []
    with tf.Session(backend=backend) as sess:
        sess.run(tf.global_variables_initializer())
        for step in range(steps):
            start = (step * batch) % len(train_x)
            feed = {g["x"]: train_x[start:start + batch], g["y"]: train_y[start:start + batch], g["training"]: True}
            loss, _ = sess.run([g["loss"], g["train_op"]], feed_dict=feed)
            losses.append(float(loss))
            if step % 50 == 0:
                print(f"step {step:4d}  loss {loss:.4f}")
        accuracy = sess.run(g["accuracy"], feed_dict={g["x"]: test_x, g["y"]: test_y})
    print(f"test accuracy: {accuracy:.4f}")
    return losses, float(accuracy)


if __name__ == "__main__":
    backend = sys.argv[sys.argv.index("--backend") + 1] if "--backend" in sys.argv else "jax"
    steps = int(sys.argv[sys.argv.index("--steps") + 1]) if "--steps" in sys.argv else 150
    main(steps, backend)
    print("tf1_mnist_cnn: ok")
