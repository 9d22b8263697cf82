"""The strategies draw what they promise: shapes, dtypes, domains, and no kinks or ties."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dualgrad.testing.samples import OPS
from dualgrad.testing.strategies import broadcastable_shapes, op_calls, tensors
from dualgrad.testing.values import KINK_GAP, domain_of

FAST = settings(max_examples=15, deadline=None)


@FAST
@given(tensors(shape=(2, 3)))
def test_tensors_default_to_float64_in_a_safe_range(a):
    assert a.shape == (2, 3) and a.dtype == np.float64
    assert np.all(np.abs(a) <= 3)


@FAST
@given(tensors(shape=st.just((4,)), dtype=np.bool_), tensors(dtype=np.int64))
def test_tensors_of_other_dtypes(b, i):
    assert b.dtype == np.bool_ and b.shape == (4,)
    assert i.dtype == np.int64


@FAST
@given(tensors(shape=(3,), elements=st.floats(0.5, 1.0)))
def test_tensors_take_elements(a):
    assert np.all((a >= 0.5) & (a <= 1.0))


@FAST
@given(broadcastable_shapes(num_shapes=3))
def test_broadcastable_shapes_broadcast(shapes):
    assert len(shapes) == 3
    np.broadcast_shapes(*shapes)


@FAST
@given(op_calls("log"))
def test_values_stay_inside_the_op_domain(call):
    (x,), _ = call
    lo, hi = domain_of("log", 0)
    assert np.all((x >= lo) & (x <= hi))


@FAST
@given(op_calls("relu"))
def test_values_keep_off_kinks(call):
    (x,), _ = call
    assert np.all(np.abs(x) >= KINK_GAP - 1e-12)


@FAST
@given(op_calls("clip"))
def test_clip_values_keep_off_its_bounds(call):
    (x,), attrs = call
    for bound in (attrs.get("min"), attrs.get("max")):
        if bound is not None:
            assert np.all(np.abs(x - bound) >= KINK_GAP - 1e-12)


@FAST
@given(op_calls("maximum"))
def test_maximum_inputs_never_tie(call):
    (x, y), _ = call
    assert np.all(np.abs(x - y) >= 0.1)


@FAST
@given(op_calls("amax"))
def test_reduction_values_are_distinct(call):
    (x,), _ = call
    assert len(np.unique(x)) == x.size


@FAST
@given(op_calls("where"))
def test_where_gets_a_bool_condition_and_broadcasting_shapes(call):
    (cond, x, y), _ = call
    assert cond.dtype == np.bool_
    np.broadcast_shapes(cond.shape, x.shape, y.shape)


@FAST
@given(op_calls("sum_to_like"))
def test_op_calls_use_the_sample_attrs_and_shapes(call):
    (x, like), attrs = call
    assert attrs == {}
    assert np.broadcast_shapes(x.shape, like.shape) == x.shape


def test_every_sample_case_draws(rng):
    from dualgrad.testing.values import draw_inputs

    for name, spec in OPS.items():
        for case in spec.cases:
            args = draw_inputs(name, case, rng)
            assert [a.shape for a in args] == [tuple(s) for s in case.shapes], name
