"""`Program.run` copies each written value into its eager tensor's storage where that storage
(a writable numpy array, decided when it changes) is the one synced last, and falls back to
the general write otherwise. These tests change the storage between calls the ways eager code
can (in place, a new array, a read-only array) and compare every step with the same loop run
eagerly: they fail if a sync writes into storage the tensor no longer holds, into a read-only
array, or skips the new version."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad as dg
from dualgrad import nn, optim

from .steps import quietly, same, same_tensors


def _twin(compiled: str | None):
    dg.manual_seed(3)
    lin = nn.Linear(3, 2)
    opt = optim.SGD(lin.parameters(), lr=0.1, momentum=0.9)

    def step(x):
        opt.zero_grad()
        loss = lin(x).square().mean()
        loss.backward()
        opt.step()
        return loss

    return lin, opt, (step if compiled is None else dg.compile(step, backend=compiled))


@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_storage_changed_between_calls_is_synced_as_eagerly(backend):
    eager_lin, eager_opt, eager_step = _twin(None)
    lin, opt, step = _twin(backend)
    x = dg.tensor(np.linspace(-1, 1, 12, dtype=np.float32).reshape(4, 3))
    read_only = np.full((2, 3), 0.5, np.float32)
    read_only.flags.writeable = False
    edits = [
        None,
        None,
        lambda m: m.weight.mul_(0.5),  # in place (under no_grad): a new version
        lambda m: setattr(m.bias, "data", dg.tensor(np.array([1.0, -1.0], np.float32))),  # new array
        None,
        lambda m: setattr(m.weight, "data", dg.from_numpy(read_only)),  # read-only storage
        None,
    ]
    for edit in edits:
        if edit is not None:
            with dg.no_grad():
                edit(eager_lin)
                edit(lin)
        held = lin.weight._data
        version = lin.weight._version[0]
        same(quietly(step, x), eager_step(x), backend)
        same_tensors(lin.parameters(), eager_lin.parameters(), backend)
        for p, q in zip(lin.parameters(), eager_lin.parameters(), strict=True):
            same(opt.state[p]["momentum_buffer"], eager_opt.state[q]["momentum_buffer"], backend)
        assert lin.weight._version[0] == version + 1  # one new version per call
        if held is read_only:  # never written into: the tensor took a new array
            assert lin.weight._data is not read_only and lin.weight._data.flags.writeable
        else:  # written in place, into the storage the tensor holds now
            assert lin.weight._data is held
    np.testing.assert_array_equal(read_only, np.full((2, 3), 0.5, np.float32))


def test_a_view_of_the_storage_sees_each_step():
    """The copy goes into the tensor's own storage: a numpy view taken before the calls
    (eager code's `.numpy()`) reads every new value, as it does eagerly."""
    eager_lin, _, eager_step = _twin(None)
    lin, _, step = _twin("jax")
    view, eager_view = lin.weight.detach().numpy(), eager_lin.weight.detach().numpy()
    x = dg.tensor(np.ones((2, 3), np.float32))
    for _ in range(3):
        quietly(step, x)
        eager_step(x)
        np.testing.assert_allclose(view, eager_view, rtol=2e-5, atol=2e-6)
        np.testing.assert_array_equal(view, lin.weight.detach().numpy())
