"""Shared test setup: every test starts with grad mode on, anomaly mode off and a fixed seed."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad as dg
from dualgrad.eager import grad_mode


@pytest.fixture(autouse=True)
def _clean_eager_state():
    grad_mode.state.enabled = True
    grad_mode.state.anomaly = False
    dg.manual_seed(0)
    yield
    grad_mode.state.enabled = True
    grad_mode.state.anomaly = False


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)
