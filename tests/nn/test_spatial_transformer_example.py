"""examples/spatial_transformer.py runs as a user runs it, and its losses step by step (dropout
off) equal those of the same network and SGD written in jax (lax convolutions, 2x2 max windows,
affine_grid and bilinear grid_sample from tests/nn/grid_sample_reference.py, log_softmax, NLL,
jax.grad) from the same initial parameters and images."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

import dualgrad as dg

from . import example_scripts
from . import grid_sample_reference as ref


def _conv(x, w, b):
    y = jax.lax.conv_general_dilated(x, w, (1, 1), "VALID", precision=jax.lax.Precision.HIGHEST)
    return y + b[None, :, None, None]


def _pool(x):
    return jax.lax.reduce_window(x, -jnp.inf, jax.lax.max, (1, 1, 2, 2), (1, 1, 2, 2), "VALID")


def _linear(p, name, x):
    return jnp.dot(x, p[name + ".weight"].T, precision="highest") + p[name + ".bias"]


def _loss(p, images, labels):
    xs = jax.nn.relu(_pool(_conv(images, p["localization.0.weight"], p["localization.0.bias"])))
    xs = jax.nn.relu(_pool(_conv(xs, p["localization.3.weight"], p["localization.3.bias"])))
    theta = _linear(p, "fc_loc.2", jax.nn.relu(_linear(p, "fc_loc.0", xs.reshape(-1, 90)))).reshape(-1, 2, 3)
    grid = ref.affine_grid(jnp, theta, list(images.shape), False)
    x = ref.grid_sample(jnp, images, grid, "bilinear", "zeros", False)
    x = jax.nn.relu(_pool(_conv(x, p["conv1.weight"], p["conv1.bias"])))
    x = jax.nn.relu(_pool(_conv(x, p["conv2.weight"], p["conv2.bias"])))
    x = jax.nn.relu(_linear(p, "fc1", x.reshape(-1, 320)))
    logp = jax.nn.log_softmax(_linear(p, "fc2", x), axis=1)
    return -jnp.mean(logp[jnp.arange(labels.shape[0]), labels])


def test_example_losses_match_the_network_written_in_jax():
    example = example_scripts.load("spatial_transformer")
    images, labels = example.make_batch()
    dg.manual_seed(0)
    model = example.Net()
    params = {k: jnp.asarray(v.detach().numpy()) for k, v in model.state_dict().items()}
    lr, steps = 0.05, 5
    losses = example.train(model, images, labels, steps=steps, lr=lr, dropout=False)
    x, y = jnp.asarray(images.numpy()), jnp.asarray(labels.numpy())

    def step(p):
        loss, grads = jax.value_and_grad(_loss)(p, x, y)
        return loss, {k: p[k] - lr * grads[k] for k in p}

    # XLA's backend optimisations off: the step compiles in half the time and runs as exactly
    sgd_step = jax.jit(step).lower(params).compile(compiler_options={"xla_backend_optimization_level": 0})

    expected = []
    for _ in range(steps):
        loss, params = sgd_step(params)
        expected.append(float(loss))
    np.testing.assert_allclose(losses, expected, rtol=2e-5)
    assert losses[-1] < losses[0]
    for k, v in model.state_dict().items():  # theta's layer moved off the identity: the STN learns
        np.testing.assert_allclose(v.numpy(), np.asarray(params[k]), rtol=1e-4, atol=1e-4)
    assert np.abs(model.fc_loc[2].weight.detach().numpy()).max() > 0


def test_example_runs_as_a_script():
    out, losses = example_scripts.run("spatial_transformer")
    assert len(losses) == 8 and all(np.isfinite(losses))
