"""A learning-rate schedule in TF1, written as a TF1 user writes it (`ds` in place of `tf`, from
`import tensorflow.compat.v1 as tf`): a small tanh network classifies three Gaussian blobs,
trained by momentum with `tf.train.exponential_decay` on the global step, which
`minimize(global_step=...)` bumps each step; `tf.nn.in_top_k` measures the accuracy.

The rate halves every 20 steps (staircase), so the loss falls fast at first and then settles.

Run: python examples/tf1_lr_decay.py [--backend numpy]
"""
import sys

import numpy as np

import dualgrad.static as ds

backend = sys.argv[sys.argv.index("--backend") + 1] if "--backend" in sys.argv else "jax"
ds.disable_v2_behavior()

# -- data: three blobs in 4-D, and the starting weights ----------------------------------------
rng = np.random.RandomState(0)
centers = rng.normal(0.0, 2.0, size=(3, 4))
labels = rng.randint(0, 3, size=120)
features = centers[labels] + rng.normal(0.0, 1.0, size=(120, 4))
w1_init, w2_init = rng.normal(0.0, 0.5, size=(4, 8)), rng.normal(0.0, 0.5, size=(8, 3))

# -- the model ------------------------------------------------------------------------------------
x = ds.placeholder(ds.float64, [None, 4], name="x")
y = ds.placeholder(ds.int64, [None], name="y")
w1 = ds.Variable(w1_init, name="w1")
b1 = ds.Variable(ds.zeros([8], dtype=ds.float64), name="b1")
w2 = ds.Variable(w2_init, name="w2")
b2 = ds.Variable(ds.zeros([3], dtype=ds.float64), name="b2")
hidden = ds.tanh(ds.matmul(x, w1) + b1)
logits = ds.matmul(hidden, w2) + b2
loss = ds.reduce_mean(ds.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))

global_step = ds.train.get_or_create_global_step()
learning_rate = ds.train.exponential_decay(0.5, global_step, decay_steps=20, decay_rate=0.5,
                                           staircase=True)
optimizer = ds.train.MomentumOptimizer(learning_rate, momentum=0.9)
train_op = optimizer.minimize(loss, global_step=global_step)

correct = ds.nn.in_top_k(logits, y, 1)
accuracy = ds.reduce_mean(ds.cast(correct, ds.float32))

# -- training -------------------------------------------------------------------------------------
feed = {x: features, y: labels}
with ds.Session(backend=backend) as sess:
    sess.run(ds.global_variables_initializer())
    for step in range(100):
        _, loss_value, lr_value = sess.run([train_op, loss, learning_rate], feed_dict=feed)
        if step % 10 == 0 or step == 99:
            print(f"step {step} lr {float(lr_value)!r} loss {float(loss_value)!r}")
    final_loss, final_accuracy, steps = sess.run([loss, accuracy, global_step], feed_dict=feed)
    print(f"final loss {float(final_loss)!r} accuracy {float(final_accuracy):.3f} global_step {steps}")

assert steps == 100 and final_loss < 0.5
print("tf1_lr_decay: ok")
