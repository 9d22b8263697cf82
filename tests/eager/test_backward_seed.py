"""`loss.backward()` seeds its walk with a fresh ones array made directly (engine._seed's
numpy path): it must give what the general path gives for an explicit `torch.ones_like`
gradient, bit for bit and in the output's dtype, and never share the seed between calls."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad as dg


@pytest.mark.parametrize("dtype", [dg.float16, dg.float32, dg.float64])
@pytest.mark.parametrize("make", [lambda x: (x * 1.5).sum(), lambda x: (x * x).mean(),
                                  lambda x: (x.sin() * 2).sum().reshape(1, 1),
                                  lambda x: x[0] * 3, lambda x: x.sum()])
def test_implicit_seed_equals_explicit_ones(dtype, make):
    values = np.array([0.3, -1.25, 2.0], np.float64)
    grads = []
    for explicit in (False, True):
        x = dg.tensor(values, dtype=dtype, requires_grad=True)
        out = make(x)
        if explicit:
            out.backward(dg.ones_like(out))
        else:
            out.backward()
        grads.append(x.grad.numpy())
    assert grads[0].dtype == grads[1].dtype == dtype.np
    assert grads[0].tobytes() == grads[1].tobytes()


def test_a_leaf_seed_is_never_shared():
    """A one-element leaf's backward stores the seed itself in `.grad`: two leaves (and two
    calls) get separate arrays, so writing one `.grad` changes no other."""
    a = dg.tensor(2.0, requires_grad=True)
    b = dg.tensor(5.0, requires_grad=True)
    a.backward()
    b.backward()
    with dg.no_grad():
        a.grad.mul_(7.0)  # in place on a's .grad (numpy: its array is written)
    assert float(b.grad) == 1.0 and float(a.grad) == 7.0
    a.backward()
    assert float(a.grad) == 8.0


def test_create_graph_seed_is_a_tensor():
    x = dg.tensor([0.5, 1.0], requires_grad=True)
    y = (x ** 3).sum()
    g, = dg.autograd.grad(y, x, create_graph=True)
    g.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 6 * np.array([0.5, 1.0], np.float32))
