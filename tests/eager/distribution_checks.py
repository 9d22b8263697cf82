"""Checks the distribution test files share: a step under dg.compile gives the eager step's
loss and gradients without falling back, and a bad argument raises PyTorch's ValueError text
naming the caller's file."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import dualgrad as dg
from dualgrad.errors import CompileWarning


def assert_compiled_equals_eager(run, step) -> None:
    """`run(fn)` -> (loss, gradients) for the eager `step` and for `dg.compile(step)`, which
    must not fall back (a CompileWarning fails the test)."""
    eager_loss, eager_grads = run(step)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CompileWarning)
        compiled_loss, compiled_grads = run(dg.compile(step))
    np.testing.assert_allclose(compiled_loss, eager_loss, rtol=1e-6)
    for got, want in zip(compiled_grads, eager_grads, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)


def assert_value_error(fn, text: str, filename: str) -> None:
    """fn() raises a ValueError whose message holds `text` (PyTorch's) and names `filename`."""
    with pytest.raises(ValueError) as info:
        fn()
    assert str(info.value).startswith(text) or text in str(info.value), str(info.value)
    assert filename in str(info.value)
