"""dg.jit and dg.utils.checkpoint run the code they wrap: scripted and traced functions and
modules give the same values and gradients as the plain ones (parameters shared); a
checkpointed block gives the same values and gradients to its inputs and to the parameters it
uses, through backward, autograd.grad and double backward, as the block called directly; the
refusals name what to use instead."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad as dg
from dualgrad.errors import DualgradError
from dualgrad.utils.checkpoint import checkpoint, checkpoint_sequential


def _block() -> dg.nn.Module:
    dg.manual_seed(0)
    return dg.nn.Sequential(dg.nn.Linear(3, 4), dg.nn.Tanh(), dg.nn.Linear(4, 2))


def _grads(model, run, x):
    """(output, d sum(out^2) / d x, the parameters' gradients)."""
    model.zero_grad()
    x = x.detach().requires_grad_()
    out = run(x)
    (out ** 2).sum().backward()
    return out.detach().numpy(), x.grad.numpy(), [p.grad.numpy() for p in model.parameters()]


def _same(a, b) -> None:
    """Equal, to float32's rounding (on the jax device a repeated backward runs as one XLA
    program, whose fusions may round differently from the first, op by op)."""
    for u, v in zip(a, b, strict=True):
        if isinstance(u, list):
            _same(u, v)
        else:
            np.testing.assert_allclose(u, v, rtol=1e-6, atol=1e-7)


def test_script_and_trace_give_the_function_and_module_back():
    model, x = _block(), dg.randn(5, 3)

    @dg.jit.script
    def double_tanh(t):
        return 2 * t.tanh()

    np.testing.assert_array_equal(double_tanh(x).numpy(), (2 * x.tanh()).numpy())
    traced = dg.jit.trace(model, x)
    assert list(traced.parameters())[0] is list(model.parameters())[0]
    _same(_grads(model, traced, x), _grads(model, model, x))
    assert dg.jit.script(model) is model and dg.jit.freeze(model) is model
    assert not dg.jit.is_scripting() and not dg.jit.is_tracing()
    assert dg.jit.wait(dg.jit.fork(double_tanh, x)).shape == x.shape
    assert dg.jit.wait(dg.jit.fork(lambda func: func * 2, func=x)).shape == x.shape
    assert dg.jit.ignore(double_tanh) is double_tanh and dg.jit.ignore(drop=True)(double_tanh) is double_tanh
    assert dg.jit.annotate(list, [1]) == [1]


@pytest.mark.parametrize("reentrant", [None, True, False])
def test_checkpoint_gives_the_block_s_values_and_gradients(reentrant):
    model, x = _block(), dg.randn(5, 3)
    _same(_grads(model, lambda t: checkpoint(model, t, use_reentrant=reentrant), x), _grads(model, model, x))
    _same(_grads(model, lambda t: checkpoint_sequential(model, 2, t, use_reentrant=reentrant), x),
          _grads(model, model, x))
    # parameters get gradients when no input requires one (use_reentrant=False's behaviour)
    model.zero_grad()
    checkpoint(model, x.detach(), use_reentrant=reentrant).sum().backward()
    assert all(p.grad is not None for p in model.parameters())


def test_checkpoint_double_backward_and_keyword_arguments():
    x = dg.tensor([0.3, -1.2], dtype=dg.float64, requires_grad=True)
    y = checkpoint(lambda t, *, k: (k * t).sin(), x, use_reentrant=False, k=2.0)
    (g,) = dg.autograd.grad(y.sum(), x, create_graph=True)
    (h,) = dg.autograd.grad(g.sum(), x)
    x0 = x.detach().numpy()
    np.testing.assert_allclose(g.detach().numpy(), 2 * np.cos(2 * x0), rtol=1e-15)
    np.testing.assert_allclose(h.numpy(), -4 * np.sin(2 * x0), rtol=1e-15)
    # a keyword named as checkpoint's own first parameter reaches the function
    np.testing.assert_array_equal(checkpoint(lambda t, function: t * function, x, use_reentrant=False,
                                             function=3.0).detach().numpy(), 3 * x0)
    with pytest.raises(DualgradError, match="Unexpected keyword arguments: k") as info:
        checkpoint(lambda t, *, k: t, x, use_reentrant=True, k=2.0)
    assert "test_jit_and_checkpoint.py" in str(info.value)


def test_jit_save_and_load_refuse_naming_state_dict(tmp_path):
    with pytest.raises(DualgradError, match=r"dg\.save\(model\.state_dict\(\)"):
        dg.jit.save(_block(), tmp_path / "m.pt")
    with pytest.raises(DualgradError, match="load_state_dict"):
        dg.jit.load(tmp_path / "m.pt")
    assert not (tmp_path / "m.pt").exists()
