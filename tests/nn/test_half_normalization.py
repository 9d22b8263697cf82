"""float16 normalisations are computed in float32 and rounded once, as PyTorch's: `standardize`
(layer_norm, group_norm, instance_norm, batch_norm in training) and rms_norm squared in float16,
so a row whose variance or mean square passed 65504 normalised to zeros. Oracle: the same
formulas in numpy float64, rounded to float16."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
import dualgrad.nn.functional as F

EPS = 1e-5


def standardized(a: np.ndarray, axes: tuple) -> np.ndarray:
    mean = a.mean(axis=axes, keepdims=True)
    return (a - mean) / np.sqrt(((a - mean) ** 2).mean(axis=axes, keepdims=True) + EPS)


CASES = {
    "layer_norm": (lambda t: F.layer_norm(t, (4,), eps=EPS), lambda a: standardized(a, (-1,))),
    "rms_norm": (lambda t: F.rms_norm(t, (4,), eps=EPS),
                 lambda a: a / np.sqrt((a * a).mean(-1, keepdims=True) + EPS)),
    "group_norm": (lambda t: F.group_norm(t.reshape(1, 2, 4), 1, eps=EPS).reshape(2, 4),
                   lambda a: standardized(a.reshape(1, 2, 4), (1, 2)).reshape(2, 4)),
    "batch_norm": (lambda t: F.batch_norm(t, None, None, training=True, eps=EPS),
                   lambda a: standardized(a, (0,))),
}


@settings(max_examples=40, deadline=None)
@given(scale=st.sampled_from([1.0, 100.0, 300.0, 3000.0]), seed=st.integers(0, 2**16),
       name=st.sampled_from(sorted(CASES)))
def test_float16_normalisation_is_float32_rounded_once(scale, seed, name):
    a = (np.random.default_rng(seed).standard_normal((2, 4)) * scale).astype(np.float16)
    run, numpy_formula = CASES[name]
    x = dg.tensor(a, requires_grad=True)
    out = run(x)
    assert out.dtype is dg.float16
    expected = numpy_formula(a.astype(np.float64)).astype(np.float16)
    np.testing.assert_allclose(out.detach().numpy().astype(np.float64), expected.astype(np.float64),
                               rtol=4e-3, atol=4e-3)
    (out.float() * dg.tensor(np.arange(8.0).reshape(2, 4), dtype=dg.float32)).sum().backward()
    assert x.grad.dtype is dg.float16 and np.isfinite(x.grad.numpy()).all()
