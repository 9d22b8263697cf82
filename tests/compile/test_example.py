"""examples/compiled_training.py (a torch.compile-style loop) trains to the eager numbers."""
from __future__ import annotations

import importlib.util
import pathlib
import warnings

EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "compiled_training.py"


def load():
    spec = importlib.util.spec_from_file_location("compiled_training", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_compiled_example_trains_to_the_eager_numbers_without_falling_back():
    """On the numpy interpreter (XLA runs the same loop in test_training.py)."""
    example = load()
    want = example.train(epochs=3, compiled=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # a dg.compile fallback fails the test
        got = example.train(epochs=3, compiled=True, backend="numpy")
    assert got == want  # the numpy interpreter: bit for bit
    assert got[-1] < 0.8 * got[0]  # it learns
