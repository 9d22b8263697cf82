"""The torch.compile-style examples train to the eager numbers without falling back."""
from __future__ import annotations

import importlib.util
import pathlib
import warnings

import numpy as np

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"


def load(name: str):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_compiled_example_trains_to_the_eager_numbers_without_falling_back():
    """On the numpy interpreter (XLA runs the same loop in test_training.py)."""
    example = load("compiled_training")
    want = example.train(epochs=3, compiled=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # a dg.compile fallback fails the test
        got = example.train(epochs=3, compiled=True, backend="numpy")
    assert got == want  # the numpy interpreter: bit for bit
    assert got[-1] < 0.8 * got[0]  # it learns


def test_classifier_example_with_dropout_labels_and_adam_matches_eager():
    """On the numpy interpreter, bit for bit (XLA: test_differential's labels-and-dropout test)."""
    example = load("compiled_classifier")
    want = example.train(epochs=3, compiled=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        got = example.train(epochs=3, compiled=True, backend="numpy")
    assert got == want  # the same dropout masks, losses and accuracy
    (first, *_, last), accuracy = got
    assert last < 0.7 * first and accuracy > 0.8  # it learns


def test_on_device_example_trains_to_the_eager_numbers_on_the_device_without_falling_back():
    """XLA against the eager step on the same jax device, to float32 tolerance."""
    example = load("compiled_on_device")
    want_losses, want_accuracy = example.train(epochs=3, compiled=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        got_losses, got_accuracy = example.train(epochs=3, compiled=True)
    np.testing.assert_allclose(got_losses, want_losses, rtol=1e-4)
    assert abs(got_accuracy - want_accuracy) <= 1 / 256  # at most one point decided otherwise
    assert got_losses[-1] < 0.3 * got_losses[0] and got_accuracy > 0.9  # it learns
