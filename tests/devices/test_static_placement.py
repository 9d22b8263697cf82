"""Static Sessions placed on a device, and data-parallel over a mesh of (simulated) devices."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import dualgrad.static as ds
from dualgrad.errors import DualgradError


def _regression():
    graph = ds.Graph()
    with graph.as_default():
        x = ds.placeholder(ds.float32, shape=(None, 3), name="x")
        y = ds.placeholder(ds.float32, shape=(None, 1), name="y")
        w = ds.Variable(np.full((3, 1), 0.1, np.float32), name="w")
        loss = ds.reduce_mean(ds.square(ds.matmul(x, w) - y))
        (grad_w,) = ds.gradients(loss, [w])
        step = ds.train.GradientDescentOptimizer(0.1).minimize(loss)
        init = ds.global_variables_initializer()
    return graph, x, y, w, loss, grad_w, step, init


def test_session_on_a_device_matches_the_default_session():
    rng = np.random.default_rng(0)
    feed_x = rng.standard_normal((8, 3)).astype(np.float32)
    feed_y = rng.standard_normal((8, 1)).astype(np.float32)
    results = []
    for device in (None, "jax"):
        graph, x, y, w, loss, grad_w, step, init = _regression()
        with ds.Session(graph=graph, device=device) as sess:
            sess.run(init)
            for _ in range(5):
                sess.run(step, {x: feed_x, y: feed_y})
            results.append(sess.run([loss, grad_w, w], {x: feed_x, y: feed_y}))
    for a, b in zip(*results, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_placement_needs_the_jax_backend():
    with pytest.raises(ValueError, match="backend='jax'"):
        ds.Session(graph=ds.Graph(), backend="numpy", device="jax")


def test_cuda_session_without_a_gpu_is_a_clear_error():
    import dualgrad as dg

    if dg.cuda.is_available():  # on a GPU machine the same call must simply work
        assert ds.Session(graph=ds.Graph(), device="cuda")._placement is not None
        return
    with pytest.raises(DualgradError, match="no GPU"):
        ds.Session(graph=ds.Graph(), device="cuda")


DATA_PARALLEL = textwrap.dedent("""
    import jax, numpy as np
    import dualgrad.static as ds
    from jax.sharding import Mesh
    assert len(jax.devices()) == 4, jax.devices()
    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 5)).astype(np.float32)
    Y = rng.standard_normal((64, 2)).astype(np.float32)
    out = {}
    for mode in ("single", "mesh"):
        graph = ds.Graph()
        with graph.as_default():
            x = ds.placeholder(ds.float32, shape=(None, 5))
            y = ds.placeholder(ds.float32, shape=(None, 2))
            w1 = ds.Variable(np.linspace(-1, 1, 40).reshape(5, 8).astype(np.float32))
            w2 = ds.Variable(np.linspace(1, -1, 16).reshape(8, 2).astype(np.float32))
            h = ds.nn.relu(ds.matmul(x, w1))
            loss = ds.reduce_mean(ds.square(ds.matmul(h, w2) - y))
            grads = ds.gradients(loss, [w1, w2])
            step = ds.train.AdamOptimizer(0.01).minimize(loss)
            init = ds.global_variables_initializer()
        mesh = Mesh(np.array(jax.devices()), ("batch",)) if mode == "mesh" else None
        with ds.Session(graph=graph, mesh=mesh) as sess:
            sess.run(init)
            for _ in range(20):
                sess.run(step, {x: X, y: Y})
            out[mode] = sess.run([loss, grads, w1, w2], {x: X, y: Y})
            if mode == "mesh":
                for v in (w1, w2):
                    value = sess._values[v]
                    assert len(value.sharding.device_set) == 4, value.sharding
                    assert value.sharding.is_fully_replicated, value.sharding
    flat = lambda r: [r[0], *r[1], r[2], r[3]]
    for a, b in zip(flat(out["single"]), flat(out["mesh"])):
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=1e-6)
    print("data-parallel: ok")
""")


def test_data_parallel_session_on_four_simulated_devices_matches_one_device():
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=4", JAX_PLATFORMS="cpu")
    result = subprocess.run([sys.executable, "-c", DATA_PARALLEL], capture_output=True, text=True,
                            env=env, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "data-parallel: ok" in result.stdout
