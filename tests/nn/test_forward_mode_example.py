"""examples/forward_mode_ad.py runs as a user runs it, and its Jacobian-vector products are
jax.jvp's of the same functions on the same numbers; its column-by-column Jacobian is
jax.jacfwd's."""
from __future__ import annotations

import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from . import example_scripts

pytestmark = pytest.mark.usefixtures("jax_float64")


def _printed(out: str, label: str) -> float:
    return float(re.search(rf"{label} jvp sum (\S+)", out).group(1))


def test_forward_mode_example_matches_jax():
    out, _ = example_scripts.run("forward_mode_ad")
    module = example_scripts.load("forward_mode_ad")  # (its seed: the script's primal and tangent)
    primal, tangent = jnp.asarray(module.primal.numpy()), jnp.asarray(module.tangent.numpy())
    model = module.dg.nn.Linear(5, 5).double()  # the script's next draws, in its order
    x = jnp.asarray(module.dg.randn(16, 5, dtype=module.dg.float64).numpy())
    w, b = (jnp.asarray(p.detach().numpy()) for p in (model.weight, model.bias))

    def jvp_sum(f, p, t):
        return float(jnp.sum(jax.jvp(f, (p,), (t,))[1]))

    fn_jvp = jvp_sum(lambda a: a ** 2 + primal ** 2, primal, tangent)
    assert _printed(out, "fn") == pytest.approx(fn_jvp, rel=1e-11)
    linear_jvp = jvp_sum(lambda a: a @ w.T + b, x, jnp.ones_like(x))
    assert _printed(out, "linear") == pytest.approx(linear_jvp, rel=1e-11)
    assert _printed(out, "custom") == pytest.approx(jvp_sum(jnp.exp, primal, tangent), rel=1e-11)
    jac = [float(v) for v in re.search(r"jacobian \[(.*)\]", out).group(1).split(", ")]
    point = jnp.array([0.5, -1.0, 2.0])
    want = jax.jacfwd(lambda v: jnp.stack([v[0] * v[1], jnp.sin(v).sum(), jnp.linalg.norm(v)]))(point)
    np.testing.assert_allclose(jac, np.asarray(want).reshape(-1), rtol=1e-14, atol=1e-15)
