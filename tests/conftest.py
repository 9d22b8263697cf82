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
import os
import pathlib
import shutil
import subprocess
import sys

from xla_flags import compile_fast_flags  # (tests/xla_flags.py)

# XLA compiles the suite's programs for compile time, not speed, where XLA_FLAGS is not already
# set (tests/xla_flags.py says which flags and why). Set before jax starts its backend.
if "XLA_FLAGS" not in os.environ:
    os.environ["XLA_FLAGS"] = compile_fast_flags()

import hypothesis  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import dualgrad as dg  # noqa: E402
from dualgrad.eager import grad_mode  # noqa: E402


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


# A property test's run on the jax device (the eager `eager_device` or static `backend`
# parameter) draws this many examples at most: every new shape or dtype is an XLA compile
# (~40 ms), and the same test's numpy run still draws its full count. The jax kernels are
# jax's, checked against numpy on every example drawn; the eager suite's jax half was 350 s
# of CPU time, more than a fifth of CI's.
JAX_RUN_EXAMPLES = 5


def _runs_on_jax(item) -> bool:
    params = getattr(getattr(item, "callspec", None), "params", {})
    return params.get("eager_device") == "jax" or params.get("backend") == "jax"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Caps a hypothesis test's examples on its jax run (JAX_RUN_EXAMPLES), for that run only."""
    test = getattr(getattr(item, "obj", None), "__func__", getattr(item, "obj", None))
    drawn = getattr(test, "_hypothesis_internal_use_settings", None)
    if drawn is None or drawn.max_examples <= JAX_RUN_EXAMPLES or not _runs_on_jax(item):
        return (yield)
    test._hypothesis_internal_use_settings = hypothesis.settings(drawn, max_examples=JAX_RUN_EXAMPLES)
    try:
        return (yield)
    finally:
        test._hypothesis_internal_use_settings = drawn


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


# The files that take longest (CPU seconds in a full run on 2 cores, 2026-12-05), run first:
# README's command hands whole files to its workers (`--dist loadfile`, in collection order:
# `pytest_configure` below), and a long file handed out last kept one core
# busy while the other sat idle. After these, files with more tests go first (xdist's own
# order), so the run ends on small files.
LONGEST_FIRST = (
    "ops/test_registry.py",  # 190 s
    "devices/test_default_xla_flags.py",  # 45
    "test_docs_site.py",  # 33
    "devices/test_compiled_backward.py",  # 31
    "test_benchmarks_smoke.py",  # 26
    "eager/test_graph_memory.py",  # 26
    "symbolic/test_nested_binders.py",  # 21
    "eager/test_torch_probe_fixes.py",  # 18
    "ops/test_narrow_operand_gradients.py",  # 17
)


def pytest_configure(config) -> None:
    """xdist hands out files in LONGEST_FIRST's order, not sorted by their test counts
    (`--no-loadscope-reorder`, pytest-xdist >= 3.8; set here, not in pyproject's addopts, so
    that `pytest -p no:xdist` still parses its options)."""
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False


def _longest_first(items: list) -> None:
    """Orders the files as LONGEST_FIRST says, then by their number of tests; a file's own
    tests keep their order."""
    tests_in: dict = {}
    for item in items:
        tests_in[item.path] = tests_in.get(item.path, 0) + 1
    rank = {ROOT / "tests" / name: i for i, name in enumerate(LONGEST_FIRST)}
    own_suite = pathlib.Path(__file__).resolve().parent == ROOT / "tests"  # (test_jax_default_mode copies it)
    if own_suite and (gone := [str(path) for path in rank if not path.exists()]):
        raise pytest.UsageError(f"tests/conftest.py LONGEST_FIRST names files that are gone: {gone}")
    first_seen = {path: i for i, path in enumerate(tests_in)}
    items.sort(key=lambda item: (rank.get(item.path, len(rank)), -tests_in[item.path], first_seen[item.path]))


def pytest_collection_modifyitems(config, items) -> None:
    """Deselect (not skip) every test that needs an optional oracle that is not here; then
    the longest files first (LONGEST_FIRST)."""
    missing = {name for name, present in OPTIONAL.items() if not present()}
    keep, gone = [], []
    for item in items:
        (gone if missing & set(getattr(item, "fixturenames", ())) else keep).append(item)
    if gone:
        config.hook.pytest_deselected(items=gone)
        items[:] = keep
    _longest_first(items)


class ExampleScripts:
    """examples/NAME.py as tests read it: imported as a module (its functions called with
    smaller sizes), or run in its own process as a user runs it."""

    folder = ROOT / "examples"

    def load(self, name: str):
        spec = importlib.util.spec_from_file_location(f"{name}_example", self.folder / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    def run(self, name: str, timeout: int = 120) -> str:
        """The script's stdout; it must exit 0 and end with the line `NAME: ok`."""
        proc = subprocess.run([sys.executable, str(self.folder / f"{name}.py")], capture_output=True,
                              text=True, timeout=timeout, cwd=self.folder)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.splitlines()[-1] == f"{name}: ok", proc.stdout[-2000:]
        return proc.stdout


@pytest.fixture(scope="session")
def example_scripts() -> ExampleScripts:
    """Load or run a script of examples/ (`ExampleScripts`)."""
    return ExampleScripts()


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
