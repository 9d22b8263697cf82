"""A TF1 input pipeline, written as a TF1 user writes it (`ds` in place of `tf`, from
`import tensorflow.compat.v1 as tf`): a linear regression trained from
`tf.data.Dataset.from_tensor_slices((x, y)).shuffle(...).batch(32).repeat(3)` through a
one-shot iterator, run until the iterator raises `OutOfRangeError`.

100 samples in batches of 32 (the last one of each epoch has 4), three epochs reshuffled each
time: 12 steps. The run that meets the end of the data applies nothing.

Run: python examples/tf1_data_pipeline.py [--backend numpy]
"""
import sys

import numpy as np

import dualgrad.static as ds

backend = sys.argv[sys.argv.index("--backend") + 1] if "--backend" in sys.argv else "jax"
ds.disable_v2_behavior()

# -- data: y = x . [1.5, -2, 0.5] + 0.3 + noise -------------------------------------------------
rng = np.random.RandomState(0)
features = rng.normal(size=(100, 3))
targets = features @ np.array([1.5, -2.0, 0.5]) + 0.3 + rng.normal(0.0, 0.1, size=100)

# -- the input pipeline ---------------------------------------------------------------------------
dataset = ds.data.Dataset.from_tensor_slices((features, targets))
dataset = dataset.shuffle(buffer_size=100, seed=0).batch(32).repeat(3)
x, y = dataset.make_one_shot_iterator().get_next()

# -- the model ------------------------------------------------------------------------------------
w = ds.Variable(ds.zeros([3, 1], dtype=ds.float64), name="w")
b = ds.Variable(ds.zeros([1], dtype=ds.float64), name="b")
prediction = ds.reshape(ds.matmul(x, w) + b, [-1])
loss = ds.reduce_mean(ds.square(prediction - y))
global_step = ds.train.get_or_create_global_step()
train_op = ds.train.GradientDescentOptimizer(0.1).minimize(loss, global_step=global_step)

# -- training: until the data runs out ------------------------------------------------------------
with ds.Session(backend=backend) as sess:
    sess.run(ds.global_variables_initializer())
    while True:
        try:
            _, loss_value, step = sess.run([train_op, loss, global_step])
        except ds.errors.OutOfRangeError:
            break
        print(f"step {step} loss {float(loss_value)!r}")
    w_value, b_value, steps = sess.run([w, b, global_step])

print(f"w {w_value.ravel().tolist()!r} b {b_value.tolist()!r} steps {steps}")
assert steps == 12
print("tf1_data_pipeline: ok")
