"""Eager tensors on the 'jax' device (jax arrays on jax's default device: the GPU path, testable
on a CPU-only machine) and the device API."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad as dg
from dualgrad import backend, ops
from dualgrad.eager.devices import resolve
from dualgrad.errors import DualgradError
from dualgrad.ops import jit

JAX = str(resolve("jax"))  # what 'jax' tensors report: 'jax' here, 'cuda:0' where jax sees a GPU


def test_jax_tensor_holds_a_jax_array_and_reports_its_device():
    t = dg.tensor([1.0, 2.0], device="jax")
    assert backend.is_jax_array(t._data)
    assert t.device == JAX and str(t.device) == JAX
    assert repr(t) == f"tensor([1., 2.], device='{JAX}')"
    assert isinstance(t.numpy(), np.ndarray)  # copies to host, as .cpu().numpy() does


def test_gradients_on_jax_match_numpy():
    a = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
    results = []
    for device in ("cpu", "jax"):
        x = dg.tensor(a, requires_grad=True, device=device)
        w = dg.tensor(a.T, requires_grad=True, device=device)
        loss = (x.mm(w).tanh() * 3).sum() + x.exp().mean()
        loss.backward()
        results.append((loss.item(), x.grad.numpy(), w.grad.numpy()))
    (l0, gx0, gw0), (l1, gx1, gw1) = results
    assert l0 == pytest.approx(l1, rel=1e-12)
    np.testing.assert_allclose(gx0, gx1, rtol=1e-12)
    np.testing.assert_allclose(gw0, gw1, rtol=1e-12)


def test_second_order_on_jax():
    x = dg.tensor(1.5, dtype=dg.float64, requires_grad=True, device="jax")
    (g,) = dg.autograd.grad(x ** 3, [x], create_graph=True)
    (h,) = dg.autograd.grad(g, [x])
    assert g.item() == pytest.approx(3 * 1.5 ** 2) and h.item() == pytest.approx(6 * 1.5)


def test_mixing_devices_names_both():
    with pytest.raises(DualgradError, match=f"cpu and {JAX}"):
        dg.ones(2, device="jax") + dg.ones(2)


def test_to_and_cpu_move_between_devices_and_keep_the_graph():
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 2).to("jax")
    assert y.device == JAX and y.grad_fn is not None
    z = (y * y).cpu()
    assert z.device == "cpu"
    z.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [8.0, 16.0])


def test_in_place_update_under_no_grad_on_jax():
    w = dg.tensor([1.0, 2.0], requires_grad=True, device="jax")
    (w * w).sum().backward()
    with dg.no_grad():
        w -= 0.5 * w.grad
    np.testing.assert_allclose(w.detach().numpy(), [0.0, 0.0])
    assert w.device == JAX


def test_kernels_are_compiled_once_per_op_and_attrs():
    jit._JITTED.clear()  # a cache filled by earlier tests would be emptied at its limit
    x = dg.tensor(np.arange(6.0).reshape(2, 3), device="jax")
    x.sum(dim=0)
    before = len(jit._JITTED)
    for _ in range(5):
        x.sum(dim=0)
    assert len(jit._JITTED) == before
    x.sum(dim=1)
    assert len(jit._JITTED) == before + 1


def test_a_backward_step_on_jax_is_one_jitted_program_per_op():
    """sin's VJP uses two registry ops (cos, multiply); on jax they run as one program."""
    jit._JITTED.clear()
    x = dg.tensor([0.5, 1.0], device="jax", requires_grad=True)
    y = dg.sin(x)
    forward_programs = len(jit._JITTED)
    y.backward(dg.ones_like(y))
    assert len(jit._JITTED) == forward_programs + 1
    np.testing.assert_allclose(x.grad.numpy(), np.cos([0.5, 1.0]), rtol=1e-6)


def test_default_device():
    dg.set_default_device("jax")
    try:
        assert dg.zeros(2).device == JAX
    finally:
        dg.set_default_device("cpu")
    assert dg.zeros(2).device == "cpu"


def test_cuda_without_a_gpu_is_a_clear_error():
    if dg.cuda.is_available():
        t = dg.ones(2).cuda()
        assert t.device == "cuda" and str(t.device) == "cuda:0"
        assert repr(t) == "tensor([1., 1.], device='cuda:0')"  # as PyTorch prints it
        return
    assert dg.cuda.device_count() == 0
    with pytest.raises(DualgradError, match="no GPU"):
        dg.ones(2).cuda()


def test_unknown_device_string():
    with pytest.raises(DualgradError, match="device type"):
        dg.ones(2, device="tpu7")


def test_a_scalar_that_changes_every_step_stops_being_compiled_in():
    """A decaying learning rate must not compile a program per value (tens of ms each)."""
    jit._JITTED.clear()
    jit._BAKED.clear()
    x = dg.tensor(np.ones(3, np.float32), device="jax", requires_grad=True)
    for step in range(12):
        lr = 0.1 * 0.9**step
        y = x * lr
        assert y.dtype == dg.float32  # the scalar stays weak after the switch, too
        np.testing.assert_allclose(y.detach().numpy(), np.full(3, lr, np.float32), rtol=1e-6)
        y.sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), np.full(3, lr, np.float32), rtol=1e-6)
        x.grad = None
    programs = [key for key in jit._JITTED if key[0] is ops.multiply]
    assert len(programs) <= 2 * jit._BAKED_VALUES_LIMIT  # the forward's and the VJP's


def test_float32_matmuls_on_jax_ask_for_full_precision():
    """PyTorch multiplies float32 matrices in full float32 on a GPU; jax's default there is
    TF32. The CPU ignores the request, so the compiled program is what is checked."""
    import jax

    a = jax.numpy.ones((2, 2), jax.numpy.float32)
    text = jax.jit(lambda x: ops.matmul(x, x)).lower(a).as_text()
    assert "precision = [HIGHEST, HIGHEST]" in text
    with jax.default_matmul_precision("bfloat16"):  # a choice the user made is kept
        text = jax.jit(lambda x: ops.matmul(x, x)).lower(a).as_text()
    assert "HIGHEST" not in text


def test_shared_seed_arrays_cannot_leak_between_backward_calls():
    """On jax the ones that seed a backward are made once and shared; a .grad that is that
    array, changed in place, must not change the next seed."""
    x = dg.tensor(2.0, device="jax", requires_grad=True)
    x.backward()  # a leaf as the root: its .grad is the seed itself
    with dg.no_grad():
        x.grad += 41.0
    y = dg.tensor(3.0, device="jax", requires_grad=True)
    y.backward()
    assert x.grad.item() == 42.0 and y.grad.item() == 1.0
