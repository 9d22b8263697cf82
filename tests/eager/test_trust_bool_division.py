"""Division that rounds (`//`, `%`, `fmod`, `div(rounding_mode=...)`) of two bools is refused,
as PyTorch (`"div_floor_cpu" not implemented for 'Bool'`) and TF1 (floordiv, floormod and
truncatemod take no bools) refuse it. Before, the result's dtype depended on the backend:
int8 on the CPU (numpy's), int32 on the jax device (XLA's), and a static graph declared bool.
An integer with a bool stays an integer division (PyTorch's int64)."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad as dg
import dualgrad.static as ds

A, B = [True, False, True], [True, True, True]
SPELLINGS = {
    "floor_divide": [lambda a, b: a // b, lambda a, b: dg.floor_divide(a, b), lambda a, b: a // True,
                     lambda a, b: True // b, lambda a, b: dg.div(a, b, rounding_mode="floor"),
                     lambda a, b: a.floor_divide_(b)],
    "remainder": [lambda a, b: a % b, lambda a, b: dg.remainder(a, b), lambda a, b: a % True],
    "fmod": [lambda a, b: dg.fmod(a, b), lambda a, b: dg.div(a, b, rounding_mode="trunc")],
}


@pytest.mark.parametrize("name", sorted(SPELLINGS))
def test_two_bools_are_refused_on_every_spelling(name):
    for spell in SPELLINGS[name]:
        with pytest.raises(NotImplementedError, match=rf"{name}: not implemented for 'Bool'"):
            spell(dg.tensor(A), dg.tensor(B))


def test_an_integer_and_a_bool_still_divide_as_integers():
    x, m = dg.tensor([7, -7, 5]), dg.tensor(B)
    for got in (x // m, m // dg.tensor([2, 1, 1]), x % m, dg.fmod(x, m), dg.tensor(A) // 1):
        assert got.dtype == dg.int64
    np.testing.assert_array_equal((x // m).numpy(), [7, -7, 5])
    np.testing.assert_array_equal((dg.tensor(A) // 1).numpy(), [1, 0, 1])


def test_static_refuses_two_bools_when_the_graph_is_built():
    x = ds.constant(A)
    for build in (lambda: x // x, lambda: ds.floormod(x, x), lambda: ds.truncatemod(x, x),
                  lambda: ds.floordiv(x, True)):
        with pytest.raises(TypeError, match="not implemented for 'Bool'"):
            build()


def test_torch_refuses_them_too(torch):
    for spell in (lambda a, b: a // b, lambda a, b: a % b, lambda a, b: torch.fmod(a, b)):
        with pytest.raises(NotImplementedError, match="not implemented for 'Bool'"):
            spell(torch.tensor(A), torch.tensor(B))
