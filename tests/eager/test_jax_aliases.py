"""On the jax device `.data` and `.detach()` are aliases of their tensor, as on the CPU (and
in PyTorch, CUDA included): an in-place write through either is seen by the other. jax arrays
are immutable, so the alias joins the tensor's view family (eager/views.py) and the write is
carried; before, `p.data.clamp_(-c, c)` (WGAN's clipping) or a target network's
`tp.data.copy_(...)` silently left `p` as it was on the jax device. Each case runs on both
devices and the CPU's numbers (numpy's shared memory) are the oracle."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad as dg
from dualgrad import nn, optim

START = [1.0, -2.0, 3.0, -4.0]


def through_data(p):
    p.data.clamp_(-1.5, 1.5)
    return [p]


def through_detach(p):
    p.detach().mul_(2.0)
    return [p]


def setitem_on_data(p):
    d = p.data
    d[0] = 7.0
    return [p, d]


def view_of_alias(p):
    p.detach()[1:].zero_()
    return [p]


def copy_into_data(p):  # a target network's update: tp.data.copy_(tau * p + (1 - tau) * tp)
    p.data.copy_(0.5 * dg.tensor([2.0, 2.0, 2.0, 2.0], device=p.device) + 0.5 * p.data)
    return [p]


def base_write_seen_by_alias(p):
    d, e = p.detach(), p.data
    with dg.no_grad():
        p.add_(10.0)
    return [d, e]


def optimizer_step_seen_by_alias_and_view(p):
    d = p.detach()
    v = p.detach().view(2, 2)[0]
    opt = optim.SGD([p], lr=0.5)
    (p * p).sum().backward()
    opt.step()
    return [p, d, v]


def gradient_accumulation_seen_by_alias(p):
    (p * 3.0).sum().backward()
    g = p.grad.detach()
    (p * p).sum().backward()
    return [p.grad, g]


def data_set_leaves_old_aliases(p):
    old = p.data
    p.data = dg.zeros(4, device=p.device)
    old.fill_(9.0)  # the old storage only
    with dg.no_grad():
        p.add_(1.0)  # the new storage only
    return [p, old]


def backward_after_a_data_write(p):
    y = (p * p).sum()
    p.data.mul_(0.5)  # `.data` has a counter of its own: no version error, as PyTorch
    y.backward()
    return [p, p.grad]


CASES = [through_data, through_detach, setitem_on_data, view_of_alias, copy_into_data,
         base_write_seen_by_alias, optimizer_step_seen_by_alias_and_view,
         gradient_accumulation_seen_by_alias, data_set_leaves_old_aliases, backward_after_a_data_write]


def values(case, device: str) -> list[np.ndarray]:
    p = dg.tensor(START, requires_grad=True, device=device)
    return [t.detach().numpy() if device == "cpu" else np.asarray(t.detach().cpu().numpy())
            for t in case(p)]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.__name__)
def test_a_jax_alias_shares_writes_as_a_cpu_one(case):
    for ours, cpu in zip(values(case, "jax"), values(case, "cpu"), strict=True):
        np.testing.assert_array_equal(ours, cpu)


def test_an_alias_never_takes_its_base_history():
    p = dg.tensor(START, requires_grad=True, device="jax")
    b = p * 1.0
    d = b.detach()
    b.mul_(2.0)  # a recorded in-place write: the family's views replay their history
    assert d.grad_fn is None and not d.requires_grad
    np.testing.assert_array_equal(d.numpy(), np.array(START, np.float32) * 2)
    b.sum().backward()
    np.testing.assert_array_equal(p.grad.numpy(), np.full(4, 2.0, np.float32))


def test_a_module_on_the_jax_device_takes_a_clipping_through_data():
    dg.manual_seed(0)
    cpu = nn.Linear(3, 2)
    dev = nn.Linear(3, 2).to("jax")
    dev.load_state_dict(cpu.state_dict())
    for model in (cpu, dev):
        for p in model.parameters():
            p.data.clamp_(-0.1, 0.1)
    for a, b in zip(cpu.parameters(), dev.parameters(), strict=True):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().cpu().numpy())
        assert float(abs(a).max()) <= np.float32(0.1)
