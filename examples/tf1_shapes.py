"""TF1's static-shape idioms, written as a TF1 user writes them (`ds` in place of `tf`, from
`import tensorflow.compat.v1 as tf`): every layer size is read off the graph with
`x.shape[i].value` (TF1's `x.shape` is `x.get_shape()`, a TensorShape), `int(x.shape[-1])`,
`get_shape()[1:].num_elements()` and `as_list()`, never written twice.

A batch of 3x4 "images" is flattened with `tf.reshape(x, [-1, dim])`, where dim comes from the
shape; the weights are `tf.get_variable`s shaped from `x.shape[-1].value`; the network
learns, by plain gradient descent, to tell which half of the image is brighter.

Run: python examples/tf1_shapes.py [--backend numpy]
"""
import sys

import numpy as np

import dualgrad.static as ds

backend = sys.argv[sys.argv.index("--backend") + 1] if "--backend" in sys.argv else "jax"
ds.disable_v2_behavior()

# -- data: 3x4 images whose left or right half is brighter ----------------------------------------
rng = np.random.RandomState(0)
images = rng.normal(0.0, 1.0, size=(64, 3, 4))
labels = (images[:, :, 2:].sum(axis=(1, 2)) > images[:, :, :2].sum(axis=(1, 2))).astype(np.int64)
HIDDEN, CLASSES = 8, 2


def dense(inputs, units, scope, seed):
    """A TF1-style hand-written layer: its kernel's rows are the input's last dim."""
    with ds.variable_scope(scope):
        in_dim = inputs.shape[-1].value
        init = np.random.RandomState(seed).normal(0.0, 0.3, size=(in_dim, units))
        w = ds.get_variable("w", [in_dim, units], ds.float64, initializer=ds.constant_initializer(init))
        b = ds.get_variable("b", [units], ds.float64, initializer=ds.zeros_initializer())
        return ds.matmul(inputs, w) + b


# -- the model: every size comes from a static shape --------------------------------------------
x = ds.placeholder(ds.float64, [None, 3, 4], name="x")
y = ds.placeholder(ds.int64, [None], name="y")
shape = x.get_shape()
assert shape[0].value is None and shape.as_list() == [None, 3, 4]
assert x.shape == shape and x.shape[1].value == 3 and int(x.shape[-1]) == 4 and x.shape.ndims == 3
dim = shape[1:].num_elements()  # 12, as TF1's `np.prod(x.get_shape().as_list()[1:])`
flat = ds.reshape(x, [-1, dim])
hidden = ds.tanh(dense(flat, HIDDEN, "hidden", seed=1))
logits = dense(hidden, CLASSES, "logits", seed=2)
assert hidden.shape[-1].value == HIDDEN and logits.shape.as_list() == [None, CLASSES]
assert [d.value for d in flat.shape] == [None, dim] and not logits.shape.is_fully_defined()

loss = ds.reduce_mean(ds.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
train_op = ds.train.GradientDescentOptimizer(0.5).minimize(loss)
accuracy = ds.reduce_mean(ds.cast(ds.equal(ds.argmax(logits, axis=1), y), ds.float64))

# -- training ---------------------------------------------------------------------------------------
feed = {x: images, y: labels}
with ds.Session(backend=backend) as sess:
    sess.run(ds.global_variables_initializer())
    for step in range(60):
        _, loss_value = sess.run([train_op, loss], feed_dict=feed)
        if step % 10 == 0:
            print(f"step {step} loss {float(loss_value)!r}")
    final_loss, final_accuracy = sess.run([loss, accuracy], feed_dict=feed)
    print(f"final loss {float(final_loss)!r} accuracy {float(final_accuracy):.3f}")

assert final_loss < 0.3 and final_accuracy > 0.9
print("tf1_shapes: ok")
