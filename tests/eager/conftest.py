"""Every eager test runs twice: on 'cpu' (numpy arrays) and on 'jax' (jax arrays through the
jitted kernels — the GPU path, runnable on a CPU-only machine). A test about something only the
CPU has (numpy memory sharing, exact CPU printing, the million-op memory test) is marked
`cpu_only` and runs once."""
from __future__ import annotations

import importlib.util

import numpy as np
import pytest

import dualgrad as dg

# PyTorch is an optional oracle (the `bench` extra), not a CI requirement: where it is not
# installed its comparison modules are not collected at all, rather than reported as skipped.
TORCH_ORACLES = ["test_torch_oracle.py", "test_torch_dims_oracle.py", "test_missing_api_torch.py"]
TORCH_ORACLES.append("test_default_dtype_torch.py")
collect_ignore = [] if importlib.util.find_spec("torch") else TORCH_ORACLES


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "cpu_only: an eager test about numpy-backed tensors only")


def pytest_generate_tests(metafunc) -> None:
    if "eager_device" in metafunc.fixturenames:
        cpu_only = metafunc.definition.get_closest_marker("cpu_only") is not None
        metafunc.parametrize("eager_device", ["cpu"] if cpu_only else ["cpu", "jax"], indirect=True)


@pytest.fixture(autouse=True)
def eager_device(request):
    dg.set_default_device(request.param)
    yield request.param
    dg.set_default_device("cpu")


def _central_differences(fn, arrays, g, h=1e-6):
    """d sum(fn(*arrays) * g) / d each array by central differences, fn in float64 numpy."""
    out = []
    for i, a in enumerate(arrays):
        grad = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            up, down = [x.copy() for x in arrays], [x.copy() for x in arrays]
            up[i][idx] += h
            down[i][idx] -= h
            grad[idx] = np.sum((fn(*up) - fn(*down)) * g) / (2 * h)
        out.append(grad)
    return out


@pytest.fixture(scope="session")
def central_differences():
    """The finite-difference oracle of gradient tests (an independent check of a VJP)."""
    return _central_differences


def _second_derivative(fn, x: np.ndarray) -> np.ndarray:
    """d²/dx² of sum(fn(x)), elementwise, by two `autograd.grad`s (the first with create_graph)."""
    t = dg.tensor(x, requires_grad=True)
    (g,) = dg.autograd.grad(fn(t).sum(), t, create_graph=True)
    (h,) = dg.autograd.grad(g.sum(), t)
    return h.numpy()


@pytest.fixture(scope="session")
def second_derivative():
    """Second derivatives through dualgrad's double backward, for tests against oracles."""
    return _second_derivative
