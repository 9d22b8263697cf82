"""PyTorch's rule for the dims of a 0-d tensor: 0 and -1 name its one element.

Each function that PyTorch runs on a 0-d tensor with a dim gives a 0-d result whose value and
gradient match numpy float64 formulas for one element, on both devices. `cumsum`, `cumprod` and
`argsort` used to return shape (1,) here, and the rest raised raw kernel errors. The functions
that PyTorch refuses raise an IndexError naming the function. The static front end refuses
any axis of a 0-d tensor when the graph is built, as TF1 does; before, the numpy backend ran
some of those graphs (`cumsum` returned shape (1,)) and jax failed at run time.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dualgrad as dg
import dualgrad.nn.functional as F
import dualgrad.static as ds

# name: (call on a 0-d tensor t with dim d, value of one element x, its derivative)
FLOAT_CASES = {
    "sum": (lambda t, d: t.sum(d), lambda x: x, lambda x: 1.0),
    "sum keepdim": (lambda t, d: dg.sum(t, dim=d, keepdim=True), lambda x: x, lambda x: 1.0),
    "sum of a dim list": (lambda t, d: t.sum([d]), lambda x: x, lambda x: 1.0),
    "mean": (lambda t, d: t.mean(axis=d), lambda x: x, lambda x: 1.0),
    "prod": (lambda t, d: t.prod(d), lambda x: x, lambda x: 1.0),
    "amax": (lambda t, d: t.amax(d), lambda x: x, lambda x: 1.0),
    "amin": (lambda t, d: t.amin(d, keepdim=True), lambda x: x, lambda x: 1.0),
    "max values": (lambda t, d: t.max(d).values, lambda x: x, lambda x: 1.0),
    "min values": (lambda t, d: dg.min(t, d)[0], lambda x: x, lambda x: 1.0),
    "logsumexp": (lambda t, d: t.logsumexp(d), lambda x: x, lambda x: 1.0),
    "norm": (lambda t, d: t.norm(dim=d), abs, np.sign),
    "var, no correction": (lambda t, d: t.var(d, correction=0), lambda x: 0.0, lambda x: 0.0),
    "softmax": (lambda t, d: t.softmax(d), lambda x: 1.0, lambda x: 0.0),
    "F.softmax": (lambda t, d: F.softmax(t, dim=d), lambda x: 1.0, lambda x: 0.0),
    "log_softmax": (lambda t, d: dg.log_softmax(t, d), lambda x: 0.0, lambda x: 0.0),
    "cumsum": (lambda t, d: t.cumsum(d), lambda x: x, lambda x: 1.0),
    "cumprod": (lambda t, d: t.cumprod(d), lambda x: x, lambda x: 1.0),
    "sort values": (lambda t, d: t.sort(d, descending=True).values, lambda x: x, lambda x: 1.0),
    "topk values": (lambda t, d: t.topk(1, d).values, lambda x: x, lambda x: 1.0),
    "flip": (lambda t, d: t.flip(d), lambda x: x, lambda x: 1.0),
    "transpose": (lambda t, d: t.transpose(d, 0), lambda x: x, lambda x: 1.0),
    "swapaxes": (lambda t, d: t.swapaxes(-1, d), lambda x: x, lambda x: 1.0),
    "squeeze": (lambda t, d: t.squeeze(d), lambda x: x, lambda x: 1.0),
}
# name: (call, expected value of one element x)
OTHER_CASES = {
    "argmax": (lambda t, d: t.argmax(d), lambda x: 0),
    "argmin": (lambda t, d: dg.argmin(t, dim=d, keepdim=True), lambda x: 0),
    "argsort": (lambda t, d: t.argsort(d), lambda x: 0),
    "sort indices": (lambda t, d: t.sort(d).indices, lambda x: 0),
    "topk indices": (lambda t, d: t.topk(1, d).indices, lambda x: 0),
    "sort by its default dim": (lambda t, d: t.sort().indices, lambda x: 0),
    "argsort by its default dim": (lambda t, d: dg.argsort(t), lambda x: 0),
    "max indices": (lambda t, d: t.max(d, keepdim=True).indices, lambda x: 0),
    "any": (lambda t, d: t.any(d), lambda x: x != 0),
    "all": (lambda t, d: t.all(d), lambda x: x != 0),
}
REFUSED = {  # PyTorch raises for each of these on a 0-d tensor
    "unbind": lambda t: t.unbind(0),
    "narrow": lambda t: t.narrow(0, 0, 1),
    "roll": lambda t: t.roll(1, -1),
    "split": lambda t: t.split(1, 0),
    "chunk": lambda t: t.chunk(1, 0),
    "diff": lambda t: t.diff(dim=0),
    "repeat_interleave": lambda t: t.repeat_interleave(2, 0),
}
ONE_ELEMENT = st.floats(0.1, 3.0) | st.floats(-3.0, -0.1)


@settings(max_examples=60, deadline=None)
@given(name=st.sampled_from(sorted(FLOAT_CASES)), x=ONE_ELEMENT, d=st.sampled_from([0, -1]))
def test_a_dim_of_a_0d_tensor_names_its_one_element(name, x, d):
    call, value, slope = FLOAT_CASES[name]
    t = dg.tensor(x, dtype=dg.float64, requires_grad=True)
    out = call(t, d)
    assert tuple(out.shape) == () and out.dtype == dg.float64, name
    np.testing.assert_allclose(out.item(), value(x), rtol=1e-12, atol=1e-15, err_msg=name)
    out.backward()
    assert tuple(t.grad.shape) == ()
    np.testing.assert_allclose(t.grad.item(), slope(x), rtol=1e-12, atol=1e-15, err_msg=name)


@pytest.mark.parametrize("name", sorted(OTHER_CASES))
@pytest.mark.parametrize("d", [0, -1])
def test_indices_and_tests_of_a_0d_tensor(name, d):
    call, value = OTHER_CASES[name]
    for x in (2.5, 0.0):
        out = call(dg.tensor(x), d)
        assert tuple(out.shape) == (), name
        assert out.item() == value(x), name


@pytest.mark.parametrize("call", [lambda t: t.sum(1), lambda t: t.softmax(-2), lambda t: t.cumsum(1),
                                  lambda t: t.transpose(0, 1), lambda t: t.sort(2)])
def test_other_dims_of_a_0d_tensor_are_out_of_range(call):
    with pytest.raises(IndexError, match=r"expected to be in range of \[-1, 0\]") as info:
        call(dg.tensor(0.5))
    assert "test_scalar_dims.py" in str(info.value)


def test_a_0d_dim_named_twice_raises_as_pytorch():
    with pytest.raises(RuntimeError, match="appears multiple times"):
        dg.tensor(0.5).sum((0, -1))


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_what_pytorch_refuses_on_a_0d_tensor_raises_naming_the_function(name):
    with pytest.raises(IndexError, match=rf"^{name}: dimension -?\d is out of range for a 0-d tensor"):
        REFUSED[name](dg.tensor(0.5))


def test_a_1d_tensor_keeps_its_results_and_error_names():
    t = dg.tensor([3.0, 1.0, 2.0])
    np.testing.assert_array_equal(t.cumsum(0).numpy(), np.cumsum([3.0, 1.0, 2.0]))
    assert tuple(t.sort(0).values.shape) == (3,)
    with pytest.raises(IndexError, match="^flip: dimension 1 is out of range for a 1-d tensor"):
        t.flip(1)


@pytest.mark.parametrize("backend", ["numpy", "jax"])
@pytest.mark.parametrize("build", [lambda x: ds.reduce_sum(x, 0), lambda x: ds.reduce_mean(x, axis=-1),
                                   lambda x: ds.cumsum(x, 0), lambda x: ds.argmax(x, 0)])
def test_static_graphs_refuse_an_axis_of_a_0d_tensor_when_built(backend, build):
    graph = ds.Graph()
    with graph.as_default():
        x = ds.placeholder(ds.float32, shape=())
        with pytest.raises(IndexError, match="out of range for a 0-d tensor") as info:
            build(x)
    assert "test_scalar_dims.py" in str(info.value)
    assert not graph.get_operations() or all(op.type == "Placeholder" for op in graph.get_operations())
