"""A TF1 image classifier with tf.image data augmentation, written as a TF1 user writes it (only
the import differs from `import tensorflow.compat.v1 as tf`): uint8 images converted with
`tf.image.convert_image_dtype`, augmented while training (`random_flip_left_right`, a 1-pixel
`pad_to_bounding_box` + `tf.random_crop`, `adjust_brightness` by a random delta) and picked by
`tf.where_v2` on a `training` flag; `tf.nn.space_to_depth` features into two dense layers
(`tf.initializers.he_normal` / `glorot_uniform`), an L2 penalty put in REGULARIZATION_LOSSES with
`tf.losses.add_loss` and read back by `tf.losses.get_regularization_loss`, plain SGD, and at the
end `tf.math.confusion_matrix` and `tf.math.in_top_k` on held-out images.

The data are synthetic (no download): 8x8 RGB images of three flip-invariant patterns (a
horizontal bar, a vertical bar, a cross) in a random colour, with noise.

Run: python examples/tf1_image_augment.py [--backend numpy] [--steps N]
"""
import sys

import numpy as np

import dualgrad.static as tf

tf.disable_v2_behavior()

BATCH, CLASSES = 32, 3


def make_data(n, seed):
    """n uint8 images (n, 8, 8, 3) and int32 labels: class 0 a row, 1 a column, 2 both."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, CLASSES, n)
    images = rng.normal(0.15, 0.08, (n, 8, 8, 3))
    for image, label in zip(images, labels, strict=True):
        r, c = rng.integers(2, 6, 2)
        colour = rng.uniform(0.5, 1.0, 3)
        if label in (0, 2):
            image[r, 1:7] = colour
        if label in (1, 2):
            image[1:7, c] = colour
    return (np.clip(images, 0, 1) * 255).astype(np.uint8), labels.astype(np.int32)


def build(learning_rate=0.5, weight_decay=1e-3):
    """The graph: placeholders, logits, loss, train op and the evaluation tensors, by name."""
    images = tf.placeholder(tf.uint8, [BATCH, 8, 8, 3], name="images")
    labels = tf.placeholder(tf.int32, [BATCH], name="labels")
    training = tf.placeholder_with_default(False, [], name="training")

    x = tf.image.convert_image_dtype(images, tf.float32)
    augmented = tf.image.random_flip_left_right(x, seed=1)
    augmented = tf.random_crop(tf.image.pad_to_bounding_box(augmented, 1, 1, 10, 10), [BATCH, 8, 8, 3], seed=2)
    augmented = tf.image.adjust_brightness(augmented, tf.random_uniform([], -0.1, 0.1, seed=3))
    x = tf.where_v2(training, augmented, x)

    features = tf.reshape(tf.nn.space_to_depth(x, 2), [BATCH, 4 * 4 * 12])
    hidden = tf.layers.dense(features, 32, activation=tf.nn.relu,
                             kernel_initializer=tf.initializers.he_normal(seed=4))
    logits = tf.layers.dense(hidden, CLASSES, kernel_initializer=tf.initializers.glorot_uniform(seed=5))

    xent = tf.losses.sparse_softmax_cross_entropy(labels, logits)
    for v in tf.trainable_variables():
        if "kernel" in v.name:
            tf.losses.add_loss(weight_decay * tf.nn.l2_loss(v), loss_collection=tf.GraphKeys.REGULARIZATION_LOSSES)
    loss = xent + tf.losses.get_regularization_loss()
    train = tf.train.GradientDescentOptimizer(learning_rate).minimize(loss)

    predictions = tf.argmax(logits, 1)
    return {"images": images, "labels": labels, "training": training, "logits": logits, "loss": loss,
            "train": train, "confusion": tf.math.confusion_matrix(labels, predictions, num_classes=CLASSES),
            "top1": tf.math.in_top_k(logits, labels, 1)}


def evaluate(sess, g, images, labels):
    """The summed confusion matrix and top-1 accuracy over whole batches."""
    confusion, hits = np.zeros((CLASSES, CLASSES), np.int64), 0
    for i in range(0, len(labels) - BATCH + 1, BATCH):
        feed = {g["images"]: images[i:i + BATCH], g["labels"]: labels[i:i + BATCH]}
        c, top1 = sess.run([g["confusion"], g["top1"]], feed)
        confusion += c
        hits += int(top1.sum())
    return confusion, hits / (len(labels) // BATCH * BATCH)


def main(backend="jax", steps=150):
    tf.set_random_seed(0)
    (train_x, train_y), (test_x, test_y) = make_data(640, 0), make_data(192, 1)
    g = build()
    rng = np.random.default_rng(2)
    with tf.Session(backend=backend) as sess:
        sess.run(tf.global_variables_initializer())
        for step in range(steps):
            batch = rng.choice(len(train_y), BATCH, replace=False)
            feed = {g["images"]: train_x[batch], g["labels"]: train_y[batch], g["training"]: True}
            loss, _ = sess.run([g["loss"], g["train"]], feed)
            if step % 50 == 0 or step == steps - 1:
                print(f"step {step:4d}  loss {loss:.4f}")
        confusion, accuracy = evaluate(sess, g, test_x, test_y)
    print("confusion matrix (rows: labels, columns: predictions):")
    print(confusion)
    print(f"test accuracy {accuracy:.3f}")
    return confusion, accuracy


if __name__ == "__main__":
    args = sys.argv[1:]
    main(backend=args[args.index("--backend") + 1] if "--backend" in args else "jax",
         steps=int(args[args.index("--steps") + 1]) if "--steps" in args else 150)
