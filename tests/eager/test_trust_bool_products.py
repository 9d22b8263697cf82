"""Matrix products of bools are refused, as PyTorch and TF1 refuse them (numpy's is a logical
product: `[[T, F]] @ [[T], [T]]` is True where a count of paths would be 1, a user expecting
PyTorch's error got a bool); `diff` of bools is whether neighbours differ (PyTorch's, numpy's)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dualgrad as dg
import dualgrad.static as ds

_A = [[True, False], [True, True]]

_PRODUCTS = {
    "matmul": lambda a: a @ a, "mm": lambda a: dg.mm(a, a), "bmm": lambda a: dg.bmm(a[None], a[None]),
    "mv": lambda a: dg.mv(a, a[0]), "dot": lambda a: dg.dot(a[0], a[1]),
    "vdot": lambda a: dg.vdot(a[0], a[1]),
    "inner": lambda a: dg.inner(a, a), "tensordot": lambda a: dg.tensordot(a, a, dims=1),
    "addmm": lambda a: dg.addmm(a, a, a), "multi_dot": lambda a: dg.linalg.multi_dot([a, a, a]),
    "einsum": lambda a: dg.einsum("ij,jk->ik", a, a), "einsum_mul_sum": lambda a: dg.einsum("ij,ij->i", a, a),
}


@pytest.mark.parametrize("name", sorted(_PRODUCTS))
def test_a_product_of_bools_is_refused(name) -> None:
    with pytest.raises(TypeError, match="not implemented for 'Bool'"):
        _PRODUCTS[name](dg.tensor(_A))


@pytest.mark.cpu_only
def test_a_static_product_of_bools_is_refused() -> None:
    x = ds.constant(np.array(_A))
    with pytest.raises(TypeError, match="Bool"):
        ds.einsum("ij,jk->ik", x, x)


def test_a_product_of_ints_still_wraps_as_pytorch() -> None:
    a = dg.tensor([[100, 100]], dtype=dg.int8)
    assert (a @ dg.tensor([[2], [1]], dtype=dg.int8)).tolist() == [[44]]  # torch 2.13: 44 too


@settings(max_examples=25, deadline=None)
@given(hnp.arrays(np.bool_, hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=5)),
       st.integers(1, 3), st.integers(-1, 0))
def test_diff_of_bools_marks_where_neighbours_differ(a, n, dim) -> None:
    out = dg.diff(dg.tensor(a), n=n, dim=dim)
    assert out.dtype is dg.bool
    np.testing.assert_array_equal(out.numpy(), np.diff(a, n=n, axis=dim))  # numpy's: !=
