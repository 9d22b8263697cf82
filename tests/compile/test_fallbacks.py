"""Steps dg.compile cannot trace run eagerly, with one CompileWarning per function that names
the line at fault; their results are the eager run's."""
from __future__ import annotations

import pathlib
import warnings

import numpy as np
import pytest

import dualgrad as dg
from dualgrad.errors import CompileWarning, ShapeError

SOURCE = pathlib.Path(__file__).read_text().splitlines()


def line_of(marker: str) -> str:
    (n,) = [i + 1 for i, text in enumerate(SOURCE) if text.rstrip().endswith(f"# {marker}")]
    return f"test_fallbacks.py:{n}"


def item_step(w, x):
    loss = (x * w).sum()
    if loss.item() > 0:  # ITEM
        loss = loss * 2
    loss.backward()
    return loss


def bool_step(w, x):
    loss = (x * w).sum()
    if loss > 0:  # BOOL
        loss = loss * 2
    loss.backward()
    return loss


def numpy_step(w, x):
    loss = (x * w).sum()
    scale = float(loss.detach().numpy()) + 1.0  # NUMPY
    (loss * scale).backward()
    return loss


def float_step(w, x):
    loss = (x * w).sum()
    loss.backward()
    return loss * float(w.grad.sum())  # FLOAT


def random_step(w, x):
    loss = (x * w + dg.randn(3)).sum()  # RANDOM
    loss.backward()
    return loss


GEN = dg.Generator().manual_seed(3)


def generator_step(w, x):
    noise = dg.nn.init.uniform_(dg.zeros(3), generator=GEN)  # GENERATOR
    loss = (x * w + noise).sum()
    loss.backward()
    return loss


COUNTER = {"calls": 0}


def side_effect_step(w, x):
    COUNTER["calls"] += 1  # SIDE
    loss = (x * w).sum()
    loss.backward()
    return loss


VALUE = "needs the value of a tensor"
def view_step(w, x):
    loss = (x * w).sum()
    loss.backward()
    with dg.no_grad():
        w.detach()[1:].mul_(0.5)  # VIEW
    return loss


CASES = [(item_step, "ITEM", VALUE), (bool_step, "BOOL", VALUE), (numpy_step, "NUMPY", VALUE),
         (float_step, "FLOAT", VALUE), (random_step, "RANDOM", "random numbers"),
         (generator_step, "GENERATOR", "random numbers"),
         (side_effect_step, "SIDE", "Python value(s) it can reach (e.g. 'calls')"),
         (view_step, "VIEW", "in-place write into a view")]


@pytest.mark.parametrize("backend", ["numpy", "jax"])
@pytest.mark.parametrize(("step", "marker", "reason"), CASES, ids=[c[1] for c in CASES])
def test_fallback_warns_once_naming_the_line_and_runs_eagerly(step, marker, reason, backend):
    sign = -1.0 if marker == "BOOL" else 1.0  # both branches of the data-dependent `if`
    x = dg.tensor(np.array([1.0, -2.0, 3.0], np.float32) * sign)
    w_eager = dg.tensor([0.5, 0.25, -1.0], requires_grad=True)
    w_comp = dg.tensor([0.5, 0.25, -1.0], requires_grad=True)
    compiled = dg.compile(step, backend=backend)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(3):
            dg.manual_seed(7)
            GEN.manual_seed(7)
            got = compiled(w_comp, x)  # CALL
            dg.manual_seed(7)
            GEN.manual_seed(7)
            want = step(w_eager, x)
            np.testing.assert_array_equal(got.detach().numpy(), want.detach().numpy())
            np.testing.assert_array_equal(w_comp.grad.numpy(), w_eager.grad.numpy())
            np.testing.assert_array_equal(w_comp.detach().numpy(), w_eager.detach().numpy())
    mine = [w for w in caught if issubclass(w.category, CompileWarning)]
    assert len(mine) == 1, [str(w.message) for w in caught]
    text = str(mine[0].message)
    assert f"{step.__name__} runs eagerly" in text and reason in text, text
    # a side effect is found after the step returned: the warning names the call
    assert line_of("CALL" if marker == "SIDE" else marker) in text, text
    assert mine[0].filename == __file__  # the warning points at the caller's line


def test_a_numpy_array_argument_falls_back_naming_the_call():
    def step(a):
        return dg.tensor(a) * 2

    compiled = dg.compile(step, backend="numpy")
    with pytest.warns(CompileWarning, match="numpy array; pass a tensor") as record:
        out = compiled(np.ones(2, np.float32))
    np.testing.assert_array_equal(out.numpy(), [2.0, 2.0])
    assert record[0].filename == __file__


def test_a_failing_step_raises_the_eager_error_and_changes_nothing():
    w = dg.tensor([1.0, 2.0], requires_grad=True)

    def step(x):
        loss = (w @ x).sum()  # shapes (2,) and (3,): refused eagerly too
        loss.backward()

    compiled = dg.compile(step, backend="numpy")
    with pytest.raises(ShapeError, match="matmul"), pytest.warns(CompileWarning):
        compiled(dg.ones(3))
    np.testing.assert_array_equal(w.detach().numpy(), [1.0, 2.0])
    assert w.grad is None and w._data.dtype == np.float32


@pytest.mark.parametrize("captured", [False, True])
def test_jax_device_tensors_fall_back_and_stay_on_their_device(captured):
    w = dg.tensor([1.0, 2.0], device="jax", requires_grad=True)
    x = dg.tensor([3.0, 4.0], device="jax")

    def step(*args):
        (x * w).sum().backward()

    compiled = dg.compile(step, backend="numpy")
    with pytest.warns(CompileWarning, match="jax"):
        compiled() if captured else compiled(x)
    np.testing.assert_array_equal(w.grad.numpy(), [3.0, 4.0])
    on_jax = dg.zeros(1, device="jax").device  # jax's default device: cuda:0 where jax sees a GPU
    assert w.device == on_jax and w.grad.device == on_jax
