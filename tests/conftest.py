"""Shared test setup: every test starts with grad mode on, anomaly mode off and a fixed seed.

The suite runs in jax's default 32-bit mode, as dualgrad's users do: dualgrad must keep its
own float64 by scoping 64-bit mode to its calls (`backend.x64`), and a path that forgot would
round to float32 here. A module whose jax oracles need float64 scopes it with `jax_float64`;
turning `jax_enable_x64` on for the whole process fails the module (it would hide exactly
that defect from every test after it).

PyTorch, TensorFlow, TensorBoard and safetensors are optional extra oracles, never CI
requirements: a test that compares with one takes its fixture below (`torch`, `tf`, ...) and is
*deselected* where the module is not installed, never reported as skipped (CONTRIBUTING.md);
a whole module that imports one at its top is left out by its directory's `collect_ignore`."""
from __future__ import annotations

import gc
import importlib
import importlib.util
import pathlib
import shutil
import sys

import numpy as np
import pytest

import dualgrad as dg
from dualgrad.eager import grad_mode


def _took_back_global_x64() -> bool:
    """Whether jax's process-wide `jax_enable_x64` was on (not the thread-local value that
    `jax.enable_x64(True)` sets); turned back off, so later tests run in the default."""
    jax = sys.modules.get("jax")  # not imported yet: nothing to check
    if jax is None or not jax.enable_x64.get_global():
        return False
    jax.config.update("jax_enable_x64", False)
    return True


def _global_x64_message(where: str) -> str:
    return (f"{where} turned jax_enable_x64 on for the whole process: the suite runs in jax's "
            "default 32-bit mode; scope float64 jax oracles with the `jax_float64` fixture "
            "(tests/conftest.py) or `with jax.enable_x64(True):`")


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector):
    """A module that switches 64-bit mode on at import fails its collection, by name."""
    report = yield
    if _took_back_global_x64():
        report.outcome = "failed"
        report.longrepr = _global_x64_message(f"{collector.nodeid} (at import)")
    return report


_FROZEN_AT: list = [None]  # the test file whose first test froze the heap


def pytest_runtest_setup(item) -> None:
    """At each test file's first test, what earlier files left alive is frozen out of the
    cyclic collector's reach (`gc.freeze`): collections during this file then scan only what
    it makes. A full run's heap made collections costly enough that the 1000-op chain of
    test_budget_threads took 24 s there and 0.3 s alone. What is frozen was alive after a
    full collection; tests that count objects or free cycles freeze and unfreeze around their
    own work (test_memory.py, test_graph_memory.py)."""
    if item.path != _FROZEN_AT[0]:
        _FROZEN_AT[0] = item.path
        gc.collect()
        gc.freeze()


@pytest.fixture(autouse=True)
def _clean_eager_state(request):
    grad_mode.state.enabled = True
    grad_mode.state.anomaly = False
    dg.manual_seed(0)
    yield
    grad_mode.state.enabled = True
    grad_mode.state.anomaly = False
    if dg.get_default_dtype() is not dg.float32:  # process-wide, as torch's: never leak it
        left = dg.get_default_dtype()
        dg.set_default_dtype(dg.float32)
        pytest.fail(f"{request.node.nodeid} left the default dtype {left} (restore it in a finally)",
                    pytrace=False)
    if _took_back_global_x64():
        pytest.fail(_global_x64_message(request.node.nodeid), pytrace=False)


def _installed(module: str) -> bool:
    """Whether `module` can be imported here: `find_spec`, with a parent that is missing or
    blocked (`sys.modules[name] = None`) counted as missing rather than raising."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


ROOT = pathlib.Path(__file__).resolve().parents[1]
# fixture name -> what it needs; a test using the fixture runs only where that is present
OPTIONAL = {
    "torch": lambda: _installed("torch"),
    "tf": lambda: _installed("tensorflow"),
    "tensorflow": lambda: _installed("tensorflow"),
    "tensorboard": lambda: _installed("tensorboard"),
    "safetensors_numpy": lambda: _installed("safetensors") and _installed("safetensors.numpy"),
    "safetensors_torch": lambda: _installed("torch") and _installed("safetensors"),
    "dot_program": lambda: shutil.which("dot") is not None,  # Graphviz, for rendering
    "git_checkout": lambda: (ROOT / ".git").exists(),  # not inside an unpacked sdist
}


def pytest_collection_modifyitems(config, items) -> None:
    """Deselect (not skip) every test that needs an optional oracle that is not here."""
    missing = {name for name, present in OPTIONAL.items() if not present()}
    if not missing:
        return
    keep, gone = [], []
    for item in items:
        (gone if missing & set(getattr(item, "fixturenames", ())) else keep).append(item)
    if gone:
        config.hook.pytest_deselected(items=gone)
        items[:] = keep


@pytest.fixture(scope="session")
def torch():
    """PyTorch, an optional oracle (tests using it are deselected where it is missing)."""
    return importlib.import_module("torch")


@pytest.fixture(scope="session")
def tensorflow():
    """TensorFlow's top-level module as installed (TF2 behaviour), an optional oracle."""
    return importlib.import_module("tensorflow")


@pytest.fixture(scope="session")
def tf(tensorflow):
    """`tensorflow.compat.v1` with TF2 behaviour disabled: TF1 graphs and Sessions, the oracle
    of the static front end (process-wide, as TF's own switch)."""
    v1 = tensorflow.compat.v1
    v1.disable_v2_behavior()
    return v1


@pytest.fixture(scope="session")
def tensorboard():
    """TensorBoard (the `tensorboard` extra), an optional reader of the summary files."""
    return importlib.import_module("tensorboard")


@pytest.fixture(scope="session")
def safetensors_numpy():
    """`safetensors.numpy`, an optional second reader and writer of dualgrad's save files."""
    return importlib.import_module("safetensors.numpy")


@pytest.fixture(scope="session")
def safetensors_torch(torch):
    """`safetensors.torch`, an optional reader and writer of PyTorch's state dicts."""
    return importlib.import_module("safetensors.torch")


@pytest.fixture(scope="session")
def dot_program() -> str:
    """Graphviz's `dot` program, which rendering needs (drawing DOT text does not)."""
    return shutil.which("dot")


@pytest.fixture(scope="session")
def git_checkout() -> pathlib.Path:
    """The repository root, where the tests run from a git checkout (not an unpacked sdist)."""
    return ROOT


@pytest.fixture(scope="module")
def jax_float64():
    """jax's 64-bit mode for the module's tests, for float64 jax oracles. Thread-local, as
    dualgrad's own scope: an oracle computed in another thread must enter it there."""
    import jax

    with jax.enable_x64(True):
        yield


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)
