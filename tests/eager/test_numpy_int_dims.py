"""A dim computed with numpy (`np.int64`, `np.argmax(...)`, a shape entry of a numpy array) is
a dim, as in PyTorch: reductions compared it with `()` (numpy's elementwise `==`, "truth value
of an empty array is ambiguous"), flip, roll and movedim asked it for its length."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad as dg

CALLS = {
    "sum": lambda t, d: t.sum(d), "mean": lambda t, d: t.mean(dim=d), "amax": lambda t, d: t.amax(d),
    "prod": lambda t, d: t.prod(d), "std": lambda t, d: t.std(d), "var": lambda t, d: t.var(d),
    "norm": lambda t, d: t.norm(dim=d), "logsumexp": lambda t, d: t.logsumexp(d),
    "sum_list": lambda t, d: t.sum([d]), "flip": lambda t, d: t.flip(d),
    "roll": lambda t, d: t.roll(d, d), "movedim": lambda t, d: t.movedim(d, 0),
    "softmax": lambda t, d: t.softmax(d), "cumsum": lambda t, d: t.cumsum(d),
}


@pytest.mark.parametrize("name", sorted(CALLS))
@pytest.mark.parametrize("kind", [np.int64, np.int32, np.intp])
def test_a_numpy_int_dim_is_the_same_dim(name, kind):
    a = np.arange(6.0).reshape(2, 3)
    call = CALLS[name]
    t = dg.tensor(a, requires_grad=True)
    for d in (1, -1, 0):
        with_python = call(t, d)
        with_numpy = call(t, kind(d))
        np.testing.assert_array_equal(with_numpy.detach().numpy(), with_python.detach().numpy())
    np.testing.assert_array_equal(dg.tensor(a).sum(kind(1)).numpy(), a.sum(1))
