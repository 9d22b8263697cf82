"""Shared test setup: every test starts with grad mode on, anomaly mode off and a fixed seed.

The suite runs in jax's default 32-bit mode, as dualgrad's users do: dualgrad must keep its
own float64 by scoping 64-bit mode to its calls (`backend.x64`), and a path that forgot would
round to float32 here. A module whose jax oracles need float64 scopes it with `jax_float64`;
turning `jax_enable_x64` on for the whole process fails the module (it would hide exactly
that defect from every test after it)."""
from __future__ import annotations

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
