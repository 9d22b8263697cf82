"""The programs the benchmarks time, written once and run by every library: each library is
passed in (its module or functions), as a script ported by changing imports would be."""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

N_OPS = 100


def chain_ops(x, c, sin):
    """100 elementwise ops: mul/add by scalars and a tensor, and sin."""
    y = x
    for i in range(N_OPS // 4):
        y = y * 1.001
        y = y + c
        y = sin(y)
        y = y - 0.5 if i % 2 else y * c
    return y


def dense_logits(matmul: Callable, relu: Callable, x, params: Sequence):
    """An MLP's logits: `params` alternate weights and biases; relu between layers."""
    h = x
    for i in range(0, len(params), 2):
        h = matmul(h, params[i]) + params[i + 1]
        if i + 2 < len(params):
            h = relu(h)
    return h


def eager_sgd_phases(lib, x, onehot, params: Sequence, lr: float, batch: int) -> tuple[Callable, ...]:
    """The MLP's SGD step in a PyTorch-style library (`lib` is `dualgrad` or `torch`) as its
    three phases: `forward()` returns the loss, `backward(loss)`, `update()`."""

    def forward():
        h = dense_logits(lambda a, b: a @ b, lambda a: a.relu(), x, params)
        return -(h.log_softmax(dim=1) * onehot).sum() / batch

    def update() -> None:
        with lib.no_grad():
            for p in params:
                p -= lr * p.grad
                p.grad = None

    return forward, lambda loss: loss.backward(), update


def eager_sgd_step(lib, x, onehot, params: Sequence, lr: float, batch: int) -> Callable[[], None]:
    """One SGD step of the MLP in a PyTorch-style library (`lib` is `dualgrad` or `torch`)."""
    forward, backward, update = eager_sgd_phases(lib, x, onehot, params, lr, batch)

    def step() -> None:
        backward(forward())
        update()

    return step


def graph_sgd_step(lib, xent: Callable, sizes: Sequence[int], params: Sequence, lr: float):
    """The MLP training step as a TF1-style graph (`lib` is `dualgrad.static` or
    `tf.compat.v1`; `xent(labels=, logits=)` is its softmax cross-entropy).
    Returns (x, y, loss, train_op, init_op) in the current default graph."""
    x = lib.placeholder(lib.float32, shape=(None, sizes[0]))
    y = lib.placeholder(lib.float32, shape=(None, sizes[-1]))
    variables = [lib.Variable(p) for p in params]
    logits = dense_logits(lib.matmul, lib.nn.relu, x, variables)
    loss = lib.reduce_mean(xent(labels=y, logits=logits))
    train = lib.train.GradientDescentOptimizer(lr).minimize(loss)
    return x, y, loss, train, lib.global_variables_initializer()


def jax_mlp_loss(jnp, jax_nn):
    """The same model's loss, written directly in jax, as a hand-written peer would."""

    def loss(params, x, y):
        logits = dense_logits(jnp.matmul, jax_nn.relu, x, params)
        return jnp.mean(-jnp.sum(y * jax_nn.log_softmax(logits, axis=-1), axis=-1))

    return loss


def jax_sgd_step(jax, jnp, init_params: Sequence, lr: float, x, onehot) -> Callable[[], np.ndarray]:
    """The same SGD step as a jax user writes it: `jax.value_and_grad` under `jax.jit`, the
    parameters kept as jax arrays between calls; each call returns the loss as numpy."""
    loss_fn = jax_mlp_loss(jnp, jax.nn)

    @jax.jit
    def step(params, xb, yb):
        value, grads = jax.value_and_grad(loss_fn)(params, xb, yb)
        return [p - lr * g for p, g in zip(params, grads, strict=True)], value

    state = {"p": [jnp.asarray(p) for p in init_params]}

    def call() -> np.ndarray:
        state["p"], value = step(state["p"], x, onehot)
        return np.asarray(value)

    return call


def numpy_sgd_step(params: Sequence, x, onehot, lr: float) -> tuple[list, float]:
    """The same SGD step written by hand in numpy (forward, softmax cross-entropy, backward),
    the floor every library's step is measured against. Returns (new params, loss)."""
    acts, h = [x], x
    for i in range(0, len(params), 2):
        h = h @ params[i] + params[i + 1]
        if i + 2 < len(params):
            h = np.maximum(h, 0)
        acts.append(h)
    z = h - h.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    batch = x.shape[0]
    loss = -(onehot * logp).sum() / batch
    g = (np.exp(logp) - onehot) / batch
    new = list(params)
    for i in range(len(params) - 2, -1, -2):
        a = acts[i // 2]
        new[i], new[i + 1] = params[i] - lr * (a.T @ g), params[i + 1] - lr * g.sum(axis=0)
        if i:
            g = (g @ params[i].T) * (a > 0)
    return new, loss


def jax_regression_step(jax, jnp, xs, ys, lr: float) -> Callable:
    """The tutorial regression's SGD step written directly in jax (float32, jitted):
    `step(w, b) -> (loss, new w, new b)`."""
    xs32, ys32 = xs.astype(np.float32), ys.astype(np.float32)

    @jax.jit
    def step(w, b):
        def f(w, b):
            return jnp.mean(jnp.square(ys32 - (xs32 ** 2 * w + b)))

        value, (gw, gb) = jax.value_and_grad(f, argnums=(0, 1))(w, b)
        return value, w - lr * gw, b - lr * gb

    return step


def graph_regression(lib, xs, ys, lr: float) -> tuple:
    """The tutorial regression as a TF1-style graph (`lib` is `dualgrad.static` or
    `tf.compat.v1`). Its placeholders are fed but unused (the loss reads the arrays), as in
    the tutorial. Returns ((x, y), [loss, new_w, new_b], init_op) in the default graph."""
    x = lib.placeholder(lib.float32, shape=(None, 1))
    y = lib.placeholder(lib.float32, shape=(None, 1))
    w = lib.Variable(lib.random_uniform([1], 0, 1.0))
    b = lib.Variable(lib.zeros([1]))
    loss = lib.reduce_mean(lib.square(ys - (np.power(xs, 2) * w + b)))
    grad_w, grad_b = lib.gradients(loss, [w, b])
    fetches = [loss, w.assign(w - lr * grad_w), b.assign(b - lr * grad_b)]
    return (x, y), fetches, lib.global_variables_initializer()


def mlp_params(sizes: tuple[int, ...], rng: np.random.Generator) -> list[np.ndarray]:
    params = []
    for a, b in zip(sizes[:-1], sizes[1:], strict=True):
        params.append((rng.standard_normal((a, b)) * np.sqrt(2.0 / a)).astype(np.float32))
        params.append(np.zeros(b, np.float32))
    return params
