"""examples/lbfgs_curve_fit.py runs as a user runs it (its own process, where its
`set_default_dtype(float64)` stays), and the losses it prints, the closure calls of each step
and the fitted parameters are those of the independent numpy L-BFGS (`lbfgs_reference.py`)
on the same model, with jax float64's value and gradient."""
from __future__ import annotations

import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from .lbfgs_reference import lbfgs_step

pytestmark = pytest.mark.usefixtures("jax_float64")



def _reference(steps: int = 6):
    t = np.linspace(0.0, 6.0, 60)
    y = 2.0 * np.exp(-0.3 * t) * np.sin(2.5 * t + 0.4) + 0.01 * np.sin(37.0 * t)

    def loss(p):  # p = (amplitude, decay, frequency, phase), the Module's registration order
        return jnp.mean((p[0] * jnp.exp(-p[1] * t) * jnp.sin(p[2] * t + p[3]) - y) ** 2)

    value_and_grad = jax.jit(jax.value_and_grad(loss))

    def fg(x):
        f, g = value_and_grad(jnp.asarray(x))
        return float(f), np.asarray(g, dtype=np.float64)

    x, st, out = np.array([1.0, 0.1, 2.2, 0.0]), {}, []
    for _ in range(steps):
        first, x, calls = lbfgs_step(fg, x, st, lr=1, max_iter=4, history_size=10,
                                     line_search_fn="strong_wolfe")
        out.append((first, calls))
    return out, x


def test_lbfgs_curve_fit_example_follows_the_reference(example_scripts) -> None:
    out = example_scripts.run("lbfgs_curve_fit")
    printed = [(float(loss), int(calls)) for loss, calls in
               re.findall(r"step \d+: loss (\S+) closure calls (\d+)", out)]
    fitted_line = out.split("fitted:")[1].splitlines()[0]
    fitted = [float(v) for v in re.findall(r"=(\S+?)(?:,|$)", fitted_line)]
    steps, x = _reference()
    assert [c for _, c in printed] == [c for _, c in steps]
    np.testing.assert_allclose([f for f, _ in printed], [f for f, _ in steps], rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(fitted, x, rtol=1e-9)
    np.testing.assert_allclose(x, [2.0, 0.3, 2.5, 0.4], atol=2e-4)  # (the data's own, to the wiggle)
