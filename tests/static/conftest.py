"""Every static test starts from a fresh default graph."""
from __future__ import annotations

import pytest

import dualgrad.static as ds


@pytest.fixture(autouse=True)
def _fresh_graph():
    ds.reset_default_graph()
    yield
    ds.reset_default_graph()


@pytest.fixture(params=["jax", "numpy"])
def backend(request) -> str:
    return request.param
