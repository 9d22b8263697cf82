"""The gradient of the notes' regression loss as a formula, proved equal to what dualgrad
computes, and a custom autograd.Function whose wrong backward `symbolic.check` catches.

    python examples/symbolic_gradient.py
"""
from __future__ import annotations

import numpy as np

import dualgrad as dg
import dualgrad.static as ds
from dualgrad import symbolic

# the static graph of the tutorial: y = w*x^2 + b, mean squared error
x = ds.placeholder(ds.float32, shape=(None, 1), name="x")
y = ds.placeholder(ds.float32, shape=(None, 1), name="y")
w = ds.Variable(ds.zeros([1]), name="w")
b = ds.Variable(ds.zeros([1]), name="b")
loss = ds.reduce_mean(ds.square(y - (ds.square(x) * w + b)), name="loss")

print("loss         =", symbolic.expr(loss))
symbolic.pprint_grad(loss, w)   # prints d(loss)/d(w) = ...
symbolic.pprint_grad(loss, b)
print(symbolic.check(loss, [w, b]))

# evaluate the closed form with numpy and compare with Session.run
xs = np.linspace(-1, 1, 100).reshape(100, 1)
ys = 3 * xs**2 + 2
closed = symbolic.lambdify(symbolic.grad(loss, w))(x=xs, y=ys, w=0.0, b=0.0)
with ds.Session() as sess:
    sess.run(ds.global_variables_initializer())
    engine = sess.run(ds.gradients(loss, [w])[0], feed_dict={x: xs, y: ys})
print(f"closed form {closed:.6f}  engine {engine[0]:.6f}")


# an eager custom Function with a deliberately wrong backward
class Cube(dg.autograd.Function):
    @staticmethod
    def forward(ctx, t):
        ctx.save_for_backward(t)
        return t * t * t

    @staticmethod
    def backward(ctx, g):
        (t,) = ctx.saved_tensors
        return 2 * g * t * t  # should be 3 * g * t * t


v = dg.tensor([0.5, -1.0, 2.0], dtype=dg.float64, requires_grad=True, name="v")
report = symbolic.check(Cube.apply(v).sum(), [v])
print(report)
assert not report.ok and report.failed == ["v"]
