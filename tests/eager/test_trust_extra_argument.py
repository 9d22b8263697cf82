"""One positional argument too many is refused and writes nowhere. Ops whose numpy kernel is a
ufunc run it directly on float tensors, and a ufunc reads one more positional array as its
`out`: `dg.exp(x, t)` (PyTorch: "exp() takes 1 positional argument but 2 were given") wrote
exp(x) into t's storage, without a version bump and without an error. Every such op of the
registry is held to the arity, on tensors and on numpy arrays (the VJP rules' fast path)."""
from __future__ import annotations

import numpy as np
import pytest

import dualgrad as dg
from dualgrad.ops import REGISTRY

DIRECT = sorted(name for name, op in REGISTRY.items() if op.direct is not None)


def test_the_registry_has_direct_ops():
    assert {"exp", "add", "multiply", "sin"} <= set(DIRECT)


@pytest.mark.parametrize("name", DIRECT)
def test_an_extra_tensor_argument_is_refused_and_untouched(name):
    op = REGISTRY[name]
    args = [dg.tensor([0.25, 0.5]) for _ in range(op.direct_arity)]
    extra = dg.tensor([9.0, 9.0])
    version = extra._version[0]
    with pytest.raises(TypeError):
        op(*args, extra)
    np.testing.assert_array_equal(extra.numpy(), [9.0, 9.0])
    assert extra._version[0] == version


@pytest.mark.cpu_only
@pytest.mark.parametrize("name", DIRECT)
def test_an_extra_array_argument_is_refused_and_untouched(name):
    op = REGISTRY[name]
    extra = np.full(2, 9.0)
    with pytest.raises(TypeError):
        op(*[np.array([0.25, 0.5]) for _ in range(op.direct_arity)], extra)
    np.testing.assert_array_equal(extra, [9.0, 9.0])


def test_the_error_is_pytorchs():
    with pytest.raises(TypeError, match=r"exp\(\) takes 1 positional argument but 2 were given"):
        dg.exp(dg.tensor([1.0]), dg.tensor([2.0]))
    with pytest.raises(TypeError, match=r"sin\(\) takes 1 positional argument but 2 were given"):
        dg.tensor([1.0]).sin(dg.tensor([2.0]))
