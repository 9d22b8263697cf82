"""The notes' regression y = w*x^2 + b in TF1 style: a static graph, `ds.gradients`, assign
ops and `Session.run` with a feed_dict (the static part of the seed acceptance script).

Run: python examples/static_regression.py [--backend numpy]
"""
import sys

import numpy as np

import dualgrad.static as ds

backend = sys.argv[sys.argv.index("--backend") + 1] if "--backend" in sys.argv else "jax"
lr = 0.01

# as written in the notes: the graph uses numpy x, y directly; x1, y1 are fed but unused
np.random.seed(100)
xs = np.linspace(-1, 1, 100).reshape(100, 1)
ys = 3 * np.power(xs, 2) + 2 + 0.2 * np.random.rand(xs.size).reshape(100, 1)
x1 = ds.placeholder(ds.float32, shape=(None, 1))
y1 = ds.placeholder(ds.float32, shape=(None, 1))
w = ds.Variable(ds.random_uniform([1], 0, 1.0))
b = ds.Variable(ds.zeros([1]))
assert repr(w).startswith("<ds.Variable 'Variable:0' shape=(1,) dtype=float32"), repr(w)
y_pred = np.power(xs, 2) * w + b
loss = ds.reduce_mean(ds.square(ys - y_pred))
grad_w, grad_b = ds.gradients(loss, [w, b])
new_w = w.assign(w - lr * grad_w)
new_b = b.assign(b - lr * grad_b)
losses = []
with ds.Session(backend=backend) as sess:
    sess.run(ds.global_variables_initializer())
    for _step in range(2000):
        loss_value, v_w, v_b = sess.run([loss, new_w, new_b], feed_dict={x1: xs, y1: ys})
        losses.append(float(loss_value))
assert losses[-1] < 0.01 and losses[-1] < losses[0], losses[::200]
assert 2.7 < v_w[0] < 3.1 and 2.05 < v_b[0] < 2.3, (v_w, v_b)
print(f"trained: w = {v_w[0]:.4f}, b = {v_b[0]:.4f}, loss = {losses[-1]:.5f}")

# the same model fed through the placeholders, and its gradient checked by hand
ds.reset_default_graph()
x1 = ds.placeholder(ds.float32, shape=(None, 1), name="x")
y1 = ds.placeholder(ds.float32, shape=(None, 1), name="y")
w = ds.Variable(ds.zeros([1]), name="w")
b = ds.Variable(ds.zeros([1]), name="b")
loss = ds.reduce_mean(ds.square(y1 - (ds.square(x1) * w + b)), name="loss")
with ds.Session(backend=backend) as sess:
    sess.run(ds.global_variables_initializer())
    g = sess.run(ds.gradients(loss, [w])[0], feed_dict={x1: xs, y1: ys})
np.testing.assert_allclose(g, [np.mean(-2 * xs**2 * ys)], rtol=1e-4)
print(f"d(loss)/d(w) at w = b = 0: {g[0]:.5f}")
print("static_regression: ok")
