"""Lazy jax tensors (`dg.set_lazy_enabled`): what records, what computes, and what runs at once.

Each test states the promise of docs/devices.md ("Lazy jax tensors") it checks; the oracle is
the same program on the cpu device or in numpy float64."""
from __future__ import annotations

import copy
import re
import threading
import warnings

import numpy as np
import pytest

import dualgrad as dg
from dualgrad.eager import lazy, lazy_program
from dualgrad.eager.lazy import Pending

pytestmark = pytest.mark.cpu_only  # (the tests make their jax tensors themselves)


@pytest.fixture(autouse=True)
def off():
    """Each test starts with the switch off (DUALGRAD_LAZY=1 turns it on for a whole run)."""
    with dg.set_lazy_enabled(False):
        yield


@pytest.fixture
def on(monkeypatch, off):
    monkeypatch.setattr(lazy_program.Counts, "recorded", 0)  # (no cut left over from another test)
    with dg.set_lazy_enabled(True):
        yield


def jx(values, **kw):
    return dg.tensor(np.asarray(values, dtype=np.float32), device="jax", **kw)


def test_the_switch_acts_at_once_and_as_a_context_manager():
    assert not dg.is_lazy_enabled()
    with dg.set_lazy_enabled(True):
        assert dg.is_lazy_enabled()
        with dg.set_lazy_enabled(False):
            assert not dg.is_lazy_enabled()
        assert dg.is_lazy_enabled()
    assert not dg.is_lazy_enabled()
    dg.set_lazy_enabled(True)
    try:
        assert dg.is_lazy_enabled()
    finally:
        dg.set_lazy_enabled(False)


def test_the_switch_is_per_thread():
    """Another thread keeps the process's default (off, or DUALGRAD_LAZY's)."""
    default = lazy.DEFAULT_ON
    seen = []
    with dg.set_lazy_enabled(not default):
        worker = threading.Thread(target=lambda: seen.append((dg.is_lazy_enabled(), type(jx([1.0]) * 2))))
        worker.start()
        worker.join()
        assert dg.is_lazy_enabled() is not default
    assert seen == [(default, Pending if default else dg.Tensor)]


def test_metadata_is_known_without_computing(on):
    y = (jx([[1.0, 2.0, 3.0]]) * 2).sum(dim=0, keepdim=True).t()
    assert type(y) is Pending
    assert (tuple(y.shape), y.dtype, y.ndim, y.dim(), y.numel(), y.size(0), str(y.device)) == \
        ((3, 1), dg.float32, 2, 2, 3, 3, "jax")
    assert type(y) is Pending
    assert isinstance(y, dg.Tensor)


def test_every_way_out_computes_the_value(on):
    want = np.tanh(np.float32([1, -2]) * 3)
    ways = {
        "numpy": lambda t: t.numpy(),
        "tolist": lambda t: np.array(t.tolist()),
        "item": lambda t: np.array([t[0].item(), t[1].item()]),
        "array": lambda t: np.asarray(t),
        "cpu": lambda t: t.cpu().numpy(),
        "repr": lambda t: np.array(eval(repr(t).split("(", 1)[1].split("]", 1)[0] + "]")),  # noqa: S307
    }
    for name, way in ways.items():
        t = (jx([1.0, -2.0]) * 3).tanh()
        assert type(t) is Pending, name
        np.testing.assert_allclose(way(t), want, rtol=1e-4, err_msg=name)
        assert type(t) is dg.Tensor, name


def test_a_python_condition_on_a_pending_tensor_computes_it(on):
    t = jx([3.0]) - 1
    assert bool(t > 1) and float(t) == 2.0


def test_shape_errors_are_raised_at_the_call(on):
    a, b = jx(np.ones((2, 3))), jx(np.ones((4, 3)))
    with pytest.raises(dg.errors.ShapeError) as lazy_error:
        (a * 2) + b
    with dg.set_lazy_enabled(False), pytest.raises(dg.errors.ShapeError) as eager_error:
        (a * 2) + b
    lazy_text, eager_text = str(lazy_error.value), str(eager_error.value)
    assert re.sub(r"py:\d+", "", lazy_text) == re.sub(r"py:\d+", "", eager_text)
    assert "test_lazy_jax.py" in lazy_text  # the user's line, not the line that read the value


def test_checked_ops_run_at_once_and_raise_at_the_call(on):
    x = jx([1.0, 2.0, 3.0]) * 2
    index = dg.tensor([0, 5], device="jax")
    with pytest.raises(IndexError):
        dg.gather(x, 0, index)
    with pytest.raises(dg.errors.DualgradRuntimeError, match="divided by zero"):
        dg.tensor([4, 6], device="jax") // dg.tensor([2, 0], device="jax")


def test_numpy_operands_are_read_at_the_call(on):
    host = np.ones(3, dtype=np.float32)
    t = jx([1.0, 2.0, 3.0]) + host
    host[:] = 100
    np.testing.assert_array_equal(t.numpy(), [2, 3, 4])


def test_a_changing_python_number_stops_being_baked(on):
    """A learning rate that decays every step must not compile a program per value."""
    x = jx(np.arange(4.0))
    before = len(lazy_program._programs)
    for k in range(40):
        got = ((x * (1.0 / (k + 3))) + 1).numpy()
        np.testing.assert_allclose(got, np.arange(4.0) / (k + 3) + 1, rtol=1e-6)
    assert len(lazy_program._programs) - before <= 8


def test_a_loop_that_never_reads_keeps_a_bounded_graph(on):
    x = jx([1.0])
    y = x
    for _ in range(3 * lazy.MAX_DEPTH):
        y = y * 1.0001
        value = lazy.stored(y)
        assert type(value) is not lazy.LazyValue or value.depth <= lazy.MAX_DEPTH
    np.testing.assert_allclose(y.item(), 1.0001 ** (3 * lazy.MAX_DEPTH), rtol=1e-3)


def test_a_training_loop_reuses_one_program_per_step(on):
    w = jx(np.full((3, 2), 0.5), requires_grad=True)
    x = jx(np.arange(6.0).reshape(2, 3))
    counts = []
    for _ in range(6):
        loss = (x @ w).tanh().pow(2).mean()
        loss.backward()
        with dg.no_grad():
            w -= 0.1 * w.grad
        w.grad = None
        counts.append(len(lazy_program._programs))
    assert counts[-1] == counts[2]  # from the third step on, nothing new is compiled
    assert type(w) is Pending  # the update waits for the next step's program


def test_intermediates_nothing_holds_are_not_written_out(on, monkeypatch):
    monkeypatch.setattr(lazy_program, "_programs", {})
    x = jx(np.arange(4.0))
    kept = x * 2
    out = (((kept + 1) * 3).sin() - 1).numpy()
    np.testing.assert_allclose(out, np.sin((np.arange(4.0) * 2 + 1) * 3) - 1, rtol=1e-5)
    (key,) = lazy_program._programs
    assert key[1] == (0, 4)  # `kept` and the result; the three values between stay inside XLA


def test_the_default_dtype_change_reaches_recorded_programs(on):
    x = dg.tensor([1, 2], device="jax")
    assert (x * 0.5).dtype is dg.float32
    dg.set_default_dtype(dg.float64)
    try:
        y = x * 0.5
        assert y.dtype is dg.float64 and y.numpy().dtype == np.float64
    finally:
        dg.set_default_dtype(dg.float32)


def test_random_draws_keep_their_order(on):
    def draws():
        dg.manual_seed(7)
        a = dg.randn(3, device="jax") * 2
        b = dg.rand(3, device="jax") + a
        return np.concatenate([a.numpy(), b.numpy(), dg.randn(2, device="jax").numpy()])

    lazy_draws = draws()
    with dg.set_lazy_enabled(False):
        np.testing.assert_array_equal(lazy_draws, draws())


def test_in_place_writes_wait_and_views_follow(on):
    base = jx(np.zeros((2, 3)))
    row = base[0]
    base.add_(jx([1.0, 2.0, 3.0]) * 2)
    np.testing.assert_array_equal(row.numpy(), [2, 4, 6])
    np.testing.assert_array_equal(base.numpy(), [[2, 4, 6], [2, 4, 6]])


def test_pending_values_outlive_the_switch():
    with dg.set_lazy_enabled(True):
        t = jx([1.0, 2.0]) * 3
    assert type(t) is Pending
    u = t + 1  # the switch is off: the op runs at once, computing its operand
    assert type(u) is dg.Tensor
    np.testing.assert_array_equal(u.numpy(), [4, 7])


def test_cpu_tensors_are_never_lazy(on):
    assert type(dg.tensor([1.0]) * 2) is dg.Tensor


def test_parameters_updated_lazily_stay_parameters_and_copy_their_values(on, tmp_path):
    model = dg.nn.Linear(3, 2).to("jax")
    model(jx(np.ones((4, 3)))).sum().backward()
    with dg.no_grad():
        for p in model.parameters():
            p -= 0.1 * p.grad
    assert all(type(p) is Pending for p in model.parameters())
    assert isinstance(model.weight, dg.nn.Parameter) and model.weight.is_leaf and model.weight.requires_grad
    twin = copy.deepcopy(model)
    dg.save(model.state_dict(), tmp_path / "model.pt")
    loaded = dg.nn.Linear(3, 2)
    loaded.load_state_dict(dg.load(tmp_path / "model.pt"))
    want = model.weight.detach().numpy()
    for other in (twin, loaded):
        np.testing.assert_array_equal(other.weight.detach().numpy(), want)


def test_lu_eliminates_as_one_program_on_the_jax_device(monkeypatch, off):
    """linalg.lu's steps slice other shapes each step: op by op they compiled a program per op
    per step (2.6 s for a first 6 x 6); recorded lazily they are one program, computed before
    lu returns, with lazy mode off for the caller."""
    monkeypatch.setattr(lazy_program, "_programs", {})
    a = np.random.default_rng(3).standard_normal((5, 5)).astype(np.float32)
    P, L, U = dg.linalg.lu(dg.tensor(a, device="jax"))
    assert len(lazy_program._programs) == 1
    assert type(L) is dg.Tensor and type(U) is dg.Tensor
    np.testing.assert_allclose((P @ L @ U).numpy(), a, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("pending_state", [False, True])
def test_a_compiled_step_reads_pending_arguments_and_state(on, pending_state):
    """dg.compile's guard walk and arguments met a Pending where they looked for a Tensor: a
    pending argument beside computed state fell back to eager ("two devices")."""

    def run(lazy: bool) -> list:
        w = jx(np.full((3, 2), 0.5), requires_grad=True)

        @dg.compile
        def step(x):
            loss = (x @ w).tanh().sum()
            loss.backward()
            with dg.no_grad():
                w.sub_(0.1 * w.grad)
            w.grad = None
            return loss

        losses = []
        with dg.set_lazy_enabled(lazy):
            for _ in range(3):
                if pending_state:
                    with dg.no_grad():
                        w.mul_(1.01)  # state left pending before the call
                losses.append(step(jx(np.arange(6.0).reshape(2, 3)) * 1.0).item())
        return losses

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a fallback to eager fails the test
        lazy_losses = run(True)
    np.testing.assert_allclose(lazy_losses, run(False), rtol=1e-6)


class _Config:
    scale = None


def test_a_compiled_step_follows_a_pending_class_attribute(on):
    @dg.compile
    def scaled(x):
        return x * _Config.scale

    x = jx([1.0, 2.0])
    got = []
    for value in (2.0, 3.0):
        _Config.scale = jx([value]) * 1.0  # pending when the step reads it
        got.append(scaled(x).numpy())
    np.testing.assert_array_equal(got, [[2, 4], [3, 6]])
