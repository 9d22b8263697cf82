"""Gaussian-process regression in TF1, written as a TF1 user writes it (`ds` in place of `tf`,
from `import tensorflow.compat.v1 as tf`): an RBF kernel's length scale and noise level are fit
by gradient descent on the negative log marginal likelihood, computed through a Cholesky factor
(`tf.cholesky`, `tf.matrix_triangular_solve`, `tf.matrix_diag_part`), then the posterior mean
and variance at test points come from the same factor (`tf.cholesky_solve`).

Run: python examples/tf1_gaussian_process.py [--backend numpy]
"""
import sys

import numpy as np

import dualgrad.static as ds

backend = sys.argv[sys.argv.index("--backend") + 1] if "--backend" in sys.argv else "jax"
ds.disable_v2_behavior()

# -- data: y = sin(3 x) + noise at 20 points of [-1, 1] -------------------------------------------
rng = np.random.RandomState(0)
x_train = np.sort(rng.uniform(-1.0, 1.0, size=(20, 1)), axis=0)
y_train = np.sin(3.0 * x_train) + 0.1 * rng.normal(size=(20, 1))
x_test = np.linspace(-1.0, 1.0, 5).reshape(5, 1)


# -- the model ------------------------------------------------------------------------------------
def rbf(a, b, log_lengthscale):
    """exp(-|a - b|^2 / (2 l^2)) for every pair of rows."""
    sq = ds.reduce_sum(ds.square(a[:, None, :] - b[None, :, :]), axis=-1)
    return ds.exp(-0.5 * sq / ds.exp(2.0 * log_lengthscale))


x = ds.placeholder(ds.float64, [None, 1], name="x")
y = ds.placeholder(ds.float64, [None, 1], name="y")
xs = ds.placeholder(ds.float64, [None, 1], name="x_star")
log_lengthscale = ds.Variable(np.log(0.5), name="log_lengthscale")
log_noise = ds.Variable(np.log(0.3), name="log_noise")

n = ds.cast(ds.shape(x)[0], ds.float64)
K = rbf(x, x, log_lengthscale) + ds.exp(2.0 * log_noise) * ds.eye(20, dtype=ds.float64)
L = ds.cholesky(K)
a = ds.matrix_triangular_solve(L, y, lower=True)  # L^-1 y
nll = (0.5 * ds.reduce_sum(ds.square(a)) + ds.reduce_sum(ds.log(ds.matrix_diag_part(L)))
       + 0.5 * n * np.log(2.0 * np.pi))
train = ds.train.GradientDescentOptimizer(0.01).minimize(nll)

K_star = rbf(xs, x, log_lengthscale)  # (test, train)
mean = ds.matmul(K_star, ds.cholesky_solve(L, y))
v = ds.matrix_triangular_solve(L, ds.transpose(K_star))
variance = 1.0 - ds.reduce_sum(ds.square(v), axis=0)

feed = {x: x_train, y: y_train, xs: x_test}
with ds.Session(backend=backend) as sess:
    sess.run(ds.global_variables_initializer())
    for step in range(40):
        loss, _ = sess.run([nll, train], feed)
        if step % 10 == 0:
            print(f"step {step} nll {float(loss)!r}")
    loss, ell, noise, mu, var = sess.run([nll, log_lengthscale, log_noise, mean, variance], feed)

print(f"final nll {float(loss)!r} lengthscale {float(np.exp(ell))!r} noise {float(np.exp(noise))!r}")
for xi, m, s2 in zip(x_test[:, 0], mu[:, 0], var, strict=True):
    print(f"x {xi:+.2f} mean {float(m)!r} variance {float(s2)!r}")
assert np.isfinite(loss) and (var > 0).all()
print("tf1_gaussian_process: ok")
