"""A tiny TF1 convolutional autoencoder, written as a TF1 user writes it (only the import differs
from `import tensorflow.compat.v1 as tf`): `tf.nn.conv2d` with stride 2 and SAME padding
down to a 4x4 code, `tf.nn.conv2d_transpose` back to 8x8, mean squared error and plain
gradient descent. The data are synthetic 8x8 "strokes" (no download).

Run: python examples/tf1_conv_autoencoder.py [--backend numpy]
"""
import sys

import numpy as np

import dualgrad.static as tf

backend = sys.argv[sys.argv.index("--backend") + 1] if "--backend" in sys.argv else "numpy"
tf.disable_v2_behavior()


def make_data(n: int = 16, seed: int = 0):
    """n 8x8 images, one channel: a bright horizontal or vertical bar on noise."""
    rng = np.random.default_rng(seed)
    images = rng.uniform(0.0, 0.2, (n, 8, 8, 1)).astype(np.float32)
    for i, (axis, at) in enumerate(zip(rng.integers(0, 2, n), rng.integers(1, 7, n), strict=True)):
        if axis:
            images[i, at, :, 0] = 1.0
        else:
            images[i, :, at, 0] = 1.0
    return images


def initial_filters(seed: int = 1):
    """The starting filters: (3, 3, 1, 4) for the encoder, (3, 3, 1, 4) (out, in last) for the decoder."""
    rng = np.random.default_rng(seed)
    return (rng.normal(0.0, 0.3, (3, 3, 1, 4)).astype(np.float32),
            rng.normal(0.0, 0.3, (3, 3, 1, 4)).astype(np.float32))


def build(images_shape=(None, 8, 8, 1)):
    enc0, dec0 = initial_filters()
    x = tf.placeholder(tf.float32, list(images_shape), name="x")
    w_enc = tf.Variable(enc0, name="w_enc")
    w_dec = tf.Variable(dec0, name="w_dec")
    code = tf.nn.relu(tf.nn.conv2d(x, w_enc, strides=[1, 2, 2, 1], padding="SAME"))  # (N, 4, 4, 4)
    recon = tf.nn.conv2d_transpose(code, w_dec, output_shape=[16, 8, 8, 1], strides=[1, 2, 2, 1],
                                   padding="SAME")
    loss = tf.reduce_mean(tf.square(recon - x))
    train_step = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
    return x, loss, train_step


def main(steps: int = 8) -> list[float]:
    images = make_data()
    x, loss, train_step = build()
    losses = []
    with tf.Session(backend=backend) as sess:
        sess.run(tf.global_variables_initializer())
        for step in range(steps):
            value, _ = sess.run([loss, train_step], feed_dict={x: images})
            losses.append(float(value))
            print(f"step {step}: loss {value:.6f}")
    return losses


if __name__ == "__main__":
    main()
    print("tf1_conv_autoencoder: ok")
