"""`dualgrad.autograd.functional` imports as a module; hvp and vhp against jax (always) and
torch (where installed), on a function whose Hessian is not diagonal."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
from dualgrad.autograd.functional import hessian, hvp, jacobian, vhp
from dualgrad.testing import assert_close

pytestmark = pytest.mark.usefixtures("jax_float64")  # float64 jax oracles


def f(m, a, b):
    return m.sum(m.sin(a) * b * b) + m.sum(a) * m.sum(b * a)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**31))
def test_hvp_and_vhp_match_jax(seed):
    rng = np.random.default_rng(seed)
    a, b, va, vb = (rng.standard_normal(3) for _ in range(4))
    grad = jax.grad(lambda x, y: f(jnp, x, y), argnums=(0, 1))
    _, expected = jax.jvp(grad, (jnp.asarray(a), jnp.asarray(b)), (jnp.asarray(va), jnp.asarray(vb)))
    inputs, v = (dg.tensor(a), dg.tensor(b)), (dg.tensor(va), dg.tensor(vb))
    for product in (hvp, vhp):  # the Hessian is symmetric, so both give H v
        value, got = product(lambda x, y: f(dg, x, y), inputs, v)
        assert abs(value.item() - float(f(jnp, a, b))) < 1e-12
        for g, e in zip(got, expected, strict=True):
            assert_close(g.numpy(), np.asarray(e), rtol=1e-10, atol=1e-12)
            assert not g.requires_grad


def test_single_input_forms_and_errors():
    x, v = dg.tensor([1.0, 2.0, 3.0]), dg.tensor([1.0, 0.0, 1.0])
    fn = lambda t: (t**3).sum() + t[0] * t[1]  # noqa: E731
    _, hv = hvp(fn, x, v)
    assert_close(hv.numpy(), (hessian(fn, x) @ v).numpy())
    assert jacobian(lambda t: t * 2, x).shape == (3, 3)
    with pytest.raises(RuntimeError, match="should return a single element Tensor"):
        hvp(lambda t: t * 2, x, v)
    with pytest.raises(RuntimeError, match="v has the wrong shape"):
        vhp(fn, x, dg.ones(2))
    assert dg.autograd.functional.hvp is hvp


def test_hvp_matches_torch(torch):
    from torch.autograd.functional import hvp as torch_hvp

    a, b = np.array([0.5, -1.0, 2.0]), np.array([1.5, 0.2, -0.3])
    _, ours = hvp(lambda x: f(dg, x, dg.tensor(b)), dg.tensor(a), dg.tensor(b))
    _, theirs = torch_hvp(lambda x: f(torch, x, torch.tensor(b)), torch.tensor(a), torch.tensor(b))
    assert_close(ours.numpy(), theirs.numpy(), rtol=1e-12)
