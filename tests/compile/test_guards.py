"""Re-trace guards: a compiled step is traced again exactly when something it depends on at
trace time changes (argument shapes, dtypes, requires_grad, Python argument values, Python
values it can reach, the grad mode, which tensors it captures), and never otherwise; state
changed by eager code between calls is seen by the next call."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import dualgrad as dg
from dualgrad import nn, optim
from dualgrad.compiler.function import CACHE_LIMIT
from dualgrad.errors import CompileWarning

from .steps import quietly, same, same_tensors

SCALE = 2.0


def scaled(x, power=1):
    return (x * SCALE) ** power


def test_same_guards_reuse_one_trace_and_new_shapes_dtypes_values_retrace():
    f = dg.compile(scaled, backend="numpy")
    x = dg.ones(2, 3)
    for _ in range(3):
        quietly(f, x)
    assert len(f.programs) == 1
    quietly(f, dg.ones(4, 3))  # shape
    quietly(f, dg.ones(2, 3, dtype=dg.float64))  # dtype
    quietly(f, dg.ones(2, 3, requires_grad=True))  # requires_grad
    quietly(f, x, 2)  # a Python argument's value
    assert len(f.programs) == 5
    out = quietly(f, dg.ones(4, 3) * 3, 2)
    np.testing.assert_array_equal(out.numpy(), np.full((4, 3), 36.0, np.float32))
    assert out.dtype == dg.float32


def test_a_step_may_take_keywords_named_like_the_compiled_function_s_parameters():
    def step(x, self=1.0, args=2.0):
        return x * self + args

    f = dg.compile(step, backend="numpy")
    out = quietly(f, x=dg.ones(2), self=3.0, args=4.0)
    np.testing.assert_array_equal(out.numpy(), np.full(2, 7.0, np.float32))


def test_a_global_python_value_the_step_reads_is_a_guard():
    global SCALE
    f = dg.compile(scaled, backend="numpy")
    x = dg.tensor([1.0, 2.0])
    np.testing.assert_array_equal(quietly(f, x).numpy(), [2.0, 4.0])
    try:
        SCALE = 3.0
        np.testing.assert_array_equal(quietly(f, x).numpy(), [3.0, 6.0])
    finally:
        SCALE = 2.0
    assert len(f.programs) == 2


def test_the_grad_mode_is_a_guard():
    w = dg.tensor([1.0, 2.0], requires_grad=True)
    f = dg.compile(lambda x: (x * w).sum(), backend="numpy")
    quietly(f, dg.ones(2))
    with dg.no_grad():
        quietly(f, dg.ones(2))
    assert len(f.programs) == 2


def test_module_training_flag_is_a_guard_and_an_optimizer_lr_is_fed():
    class Gate(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(3, 2)

        def forward(self, x):
            y = self.lin(x)
            return y * 0.5 if self.training else y

    def run(compiled: bool):
        dg.manual_seed(3)
        model = Gate()
        opt = optim.SGD(model.parameters(), lr=0.1)

        def step(x):
            opt.zero_grad()
            loss = model(x).square().mean()
            loss.backward()
            opt.step()
            return loss

        f = dg.compile(step, backend="numpy") if compiled else step
        x = dg.tensor(np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3))
        losses = [f(x), f(x)]
        model.eval()
        losses.append(f(x))
        opt.param_groups[0]["lr"] = 0.05  # what an lr scheduler does between steps
        losses += [f(x), f(x)]
        return losses, model, f

    want, eager_model, _ = run(False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        got, model, f = run(True)
    for g, w in zip(got, want, strict=True):
        same(g, w, "numpy")
    same_tensors(model.parameters(), eager_model.parameters(), "numpy")
    # first call (no .grad yet), steady state, eval; the new lr is fed to the eval program
    assert len(f.programs) == 3


def test_a_new_parameter_object_retraces_and_eager_changes_between_calls_are_seen():
    lin = nn.Linear(2, 1)
    f = dg.compile(lambda x: lin(x).sum(), backend="jax")
    x = dg.tensor([[1.0, 2.0]])
    quietly(f, x)
    with dg.no_grad():
        lin.weight.mul_(2.0)  # in place: same tensor, a new version
    want = float((x.numpy() @ lin.weight.detach().numpy().T).sum() + lin.bias.detach().numpy().sum())
    assert np.isclose(quietly(f, x).item(), want)
    lin.bias.data = dg.tensor([5.0])  # new storage
    want = float((x.numpy() @ lin.weight.detach().numpy().T).sum()) + 5.0
    assert np.isclose(quietly(f, x).item(), want)
    assert len(f.programs) == 1
    lin.weight = nn.Parameter(dg.ones(1, 2))  # another tensor: another trace
    assert np.isclose(quietly(f, x).item(), 3.0 + 5.0)
    assert len(f.programs) == 2


def test_after_cache_limit_traces_new_guards_run_eagerly_with_one_warning():
    f = dg.compile(scaled, backend="numpy")
    for n in range(1, CACHE_LIMIT + 1):
        quietly(f, dg.ones(n))
    with pytest.warns(CompileWarning, match=f"traced {CACHE_LIMIT} times"):
        out = f(dg.ones(CACHE_LIMIT + 1))
    np.testing.assert_array_equal(out.numpy(), np.full(CACHE_LIMIT + 1, 2.0, np.float32))
    assert len(f.programs) == CACHE_LIMIT


def test_the_same_tensor_passed_twice_is_part_of_the_key():
    f = dg.compile(lambda a, b: a * 2 + b, backend="numpy")
    x, y = dg.tensor([1.0, 2.0]), dg.tensor([10.0, 20.0])
    np.testing.assert_array_equal(quietly(f, x, x).numpy(), [3.0, 6.0])
    np.testing.assert_array_equal(quietly(f, x, y).numpy(), [12.0, 24.0])
    assert len(f.programs) == 2


def test_a_compiled_function_called_inside_a_traced_step_is_inlined():
    inner = dg.compile(lambda a: a.exp(), backend="numpy")
    outer = dg.compile(lambda a: inner(a) * 2, backend="numpy")
    x = dg.tensor([0.0, 1.0])
    np.testing.assert_array_equal(quietly(outer, x).numpy(), (x.exp() * 2).numpy())
    assert len(outer.programs) == 1 and not inner.programs


def test_a_call_from_another_thread_waits_for_the_trace():
    """While one thread traces (the step's tensors hold graph values), a call from another
    thread waits, then replays that trace: one program, and both updates land."""
    import threading
    import time

    w = dg.tensor([0.0, 0.0, 0.0], requires_grad=True)

    @dg.compile(backend="numpy")
    def step(x):
        time.sleep(0.3)  # runs only while tracing: the other thread calls meanwhile
        loss = (x * w).sum()
        loss.backward()
        with dg.no_grad():
            w.sub_(w.grad)
        w.grad = None
        return loss

    xs = [dg.tensor([1.0, 2.0, 3.0]), dg.tensor([4.0, 5.0, 6.0])]
    first = threading.Thread(target=step, args=(xs[0],))
    first.start()
    time.sleep(0.1)
    step(xs[1])
    first.join()
    np.testing.assert_array_equal(w.detach().numpy(), [-5.0, -7.0, -9.0])
    assert len(step.programs) == 1
